/**
 * The all-tenant rollups (migration 0018): each equals its tenant table
 * summed over tenants — after the migration's one-time fill of data stored
 * before it, after live inserts (its view on the tenant table), and after a
 * repair of the tenant table (the repair's rows reach it through the same
 * view).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate, MIGRATIONS_DIR } from '../../../src/store/migrate.js';
import { ALL_TENANT_ROLLUPS } from '../../../src/store/queries/rollup-tables.js';
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

/** Per pair (tenant table, all-tenant table): whether the all-tenant one holds the tenant one's sums over tenants, key by key. */
async function allTenantMatches(): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const grain of ['15m', 'hourly', 'daily'] as const) {
    // The latency histograms live in the by-model rollups since 0020 (the latency rollups of 0012 before).
    const pairs: [string, string, string][] = [[`usage_rollup_model_${grain}`, ALL_TENANT_ROLLUPS[grain], `${SUMS}, ${LATENCY}`]];
    for (const [tenants, all, sums] of pairs) {
      const [a, b] = await Promise.all([tenants, all].map((t) => store.sql.query({ sql: `SELECT ${KEY}, ${sums} FROM ${t} ${GROUP}` })));
      out[all] = a !== undefined && a.length > 0 && JSON.stringify(a) === JSON.stringify(b);
    }
  }
  return out;
}

const ALL_MATCH = Object.fromEntries(['15m', 'hourly', 'daily'].map((g) => [`usage_rollup_model_all_${g}`, true]));

describe('all-tenant rollups (0018)', () => {
  it('are filled from the tenant tables by the migration, then follow live inserts and repairs', async () => {
    for (const tenant of ['a', 'b', 'c']) await store.events.insert(mixedEvents(tenant, 90, `old-${tenant}`));
    const applied = await migrate(store, {});
    // 0018 by this run, and whatever came after it (0019's projection, 0020's latency histograms).
    expect(applied.applied.map((m) => m.version).filter((v) => v <= 18)).toEqual([18]);
    expect(await allTenantMatches()).toEqual(ALL_MATCH);

    for (const tenant of ['a', 'd']) await store.events.insert(mixedEvents(tenant, 60, `new-${tenant}`));
    expect(await allTenantMatches()).toEqual(ALL_MATCH);

    // A crash between the raw insert and two tenant tables' views: both tables and their all-tenant
    // sums are short; the repair of the tenant tables reaches the all-tenant ones through their views.
    const short = ['usage_rollup_model_hourly', 'usage_rollup_model_daily'];
    for (const t of short) await store.sql.command({ sql: `DETACH TABLE ${t}_mv` });
    try {
      await store.events.insert(mixedEvents('e', 33, 'lost'));
    } finally {
      for (const t of short) await store.sql.command({ sql: `ATTACH TABLE ${t}_mv` });
    }
    const [lost] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(sum(events)) AS n FROM usage_rollup_model_all_hourly" });
    const [raw] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events FINAL WHERE sign = 1' });
    expect(Number(raw?.n) - Number(lost?.n)).toBe(33);
    await store.rollups.repair({ since: null });
    expect(await allTenantMatches()).toEqual(ALL_MATCH);
    const [repaired] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(sum(events)) AS n FROM usage_rollup_model_all_hourly' });
    expect(repaired?.n).toBe(raw?.n);
  });
});
