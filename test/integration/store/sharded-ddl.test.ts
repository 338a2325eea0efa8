/**
 * ClickHouse parses every statement of the multi-shard layout
 * (`tally migrate --cluster NAME --shards`, src/store/shards.ts). No cluster
 * runs here, so the statements are parsed (formatQuery), not executed; their
 * structure is checked in test/unit/store/shards.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { renderAllMigrations } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-sharded-ddl-'));
let store: AnalyticsStore;

beforeAll(async () => {
  store = await createChdbStore({ dataDir });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the sharded layout', () => {
  it('is DDL ClickHouse parses, with Distributed engines over the per-node tables', async () => {
    const statements = renderAllMigrations({ database: 'tally', cluster: 'tally_cluster', retentionMonths: 13, shards: true });
    let distributed = 0;
    for (const sql of statements) {
      const [parsed] = await store.sql.query<{ q: string }>({ sql: 'SELECT formatQuerySingleLine({sql:String}) AS q', params: { sql } });
      if (sql.startsWith('INSERT INTO ')) expect(parsed?.q).toMatch(/^INSERT INTO tally\.usage_(rollup|latency)_/);
      else expect(parsed?.q).toContain('ON CLUSTER tally_cluster');
      if (/ENGINE = Distributed\('tally_cluster', 'tally', '\w+_local', (sipHash64\(tenant\)|0)\)$/.test(parsed?.q ?? '')) distributed += 1;
    }
    expect(distributed).toBe(statements.filter((s) => s.includes('ENGINE = Distributed(')).length);
    expect(distributed).toBeGreaterThan(15);
  });
});
