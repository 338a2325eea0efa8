/**
 * The all-tenant rollups (migration 0018): each equals its tenant table
 * summed over tenants — after the migration's one-time fill of data stored
 * before it, after live inserts (its view on the tenant table), and after a
 * repair of the tenant table (the repair's rows reach it through the same
 * view). Since 0023 every grain of each is one table: the pairs are
 * compared grain by grain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate, MIGRATIONS_DIR } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { mixedEvents } from '../../support/store-fixtures.js';
import { uniqueName } from '../../support/services.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-all-tenant-'));
const before0018 = mkdtempSync(join(tmpdir(), 'tally-migrations-0017-'));
let store: AnalyticsStore;

beforeAll(async () => {
  for (const f of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql') && n < '0018')) copyFileSync(join(MIGRATIONS_DIR, f), join(before0018, f));
  store = await createChdbStore({ dataDir, database: uniqueName('tally_all_tenant') });
  await migrate(store, { dir: before0018 });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(before0018, { recursive: true, force: true });
});

const KEY = 'toString(bucket) AS b, provider, model_key, model, status, priced';
const GROUP = 'GROUP BY b, provider, model_key, model, status, priced HAVING sum(events) != 0 ORDER BY b, provider, model_key, model, status, priced';
const SUMS = 'toString(sum(events)) AS e, toString(sum(requests)) AS r, toString(sum(cost_total)) AS c, toString(sum(price_total)) AS p, toString(sum(total_tokens)) AS t';
const LATENCY = 'toString(sum(events)) AS e, toString(sum(duration_ms_count)) AS dc, toString(sumMap(durationMap.bin, durationMap.events)) AS dh, toString(sumMap(ttftMap.bin, ttftMap.events)) AS th';

/** Per grain: whether the all-tenant table holds the tenant table's sums over tenants, key by key. */
async function allTenantMatches(): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const grain of ['15m', 'hourly', 'daily'] as const) {
    // The latency histograms live in the by-model rollups since 0020 (the latency rollups of 0012 before).
    const [a, b] = await Promise.all(
      ['usage_rollup_model', 'usage_rollup_model_all'].map((t) => store.sql.query({ sql: `SELECT ${KEY}, ${SUMS}, ${LATENCY} FROM ${t} WHERE grain = '${grain}' ${GROUP}` })),
    );
    out[grain] = a !== undefined && a.length > 0 && JSON.stringify(a) === JSON.stringify(b);
  }
  return out;
}

const ALL_MATCH = { '15m': true, hourly: true, daily: true };

describe('all-tenant rollups (0018)', () => {
  it('are filled from the tenant tables by the migration, then follow live inserts and repairs', async () => {
    for (const tenant of ['a', 'b', 'c']) await store.events.insert(mixedEvents(tenant, 90, `old-${tenant}`));
    const applied = await migrate(store, {});
    // 0018 by this run, and whatever came after it (0019's projection, 0020's latency histograms, 0023's tables by grain, 0024).
    expect(applied.applied.map((m) => m.version).filter((v) => v <= 18)).toEqual([18]);
    expect(applied.applied.map((m) => m.version)).toContain(23);
    expect(await allTenantMatches()).toEqual(ALL_MATCH);

    for (const tenant of ['a', 'd']) await store.events.insert(mixedEvents(tenant, 60, `new-${tenant}`));
    expect(await allTenantMatches()).toEqual(ALL_MATCH);

    // A crash between the raw insert and the by-model table's view: every grain of it and its
    // all-tenant sums are short; the repair of the tenant table reaches the all-tenant one through its view.
    await store.sql.command({ sql: 'DETACH TABLE usage_rollup_model_mv' });
    try {
      await store.events.insert(mixedEvents('e', 33, 'lost'));
    } finally {
      await store.sql.command({ sql: 'ATTACH TABLE usage_rollup_model_mv' });
    }
    const [lost] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(sum(events)) AS n FROM usage_rollup_model_all WHERE grain = 'hourly'" });
    const [raw] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events FINAL WHERE sign = 1' });
    expect(Number(raw?.n) - Number(lost?.n)).toBe(33);
    await store.rollups.repair({ since: null });
    expect(await allTenantMatches()).toEqual(ALL_MATCH);
    const [repaired] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(sum(events)) AS n FROM usage_rollup_model_all WHERE grain = 'hourly'" });
    expect(repaired?.n).toBe(raw?.n);
  });
});
