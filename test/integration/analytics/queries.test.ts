/**
 * The analytics queries against every analytics-store adapter, one suite
 * (suite.ts) over a fixed data set:
 *
 * - chDB, always (in-process engine under os.tmpdir());
 * - the @clickhouse/client adapter against a real ClickHouse server when
 *   CLICKHOUSE_URL is set; otherwise against the chDB-served ClickHouse-HTTP
 *   TEST STAND-IN (test/support/clickhouse-standin.ts), which is not a
 *   ClickHouse server.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { describeClickHouseAdapter } from '../../support/clickhouse-adapter.js';
import { analyticsSuite } from './suite.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-analytics-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('analytics queries: chDB adapter (in-process)', () => {
  analyticsSuite((database) => createChdbStore({ dataDir, database }));
});

describeClickHouseAdapter('analytics queries', dataDir, (open, standin) => {
  analyticsSuite(open);
  if (standin === null) return;
  it('went through the stand-in over HTTP', () => {
    expect(standin().requests).toBeGreaterThan(50);
  });
});
