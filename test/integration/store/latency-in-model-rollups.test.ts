/**
 * Migration 0020: the latency histograms move into the by-model rollups.
 * On a store holding data from before it — live inserts, a duplicate past
 * the dedupe, cancel rows and new versions, an event cancelled outright
 * (its key's sums all 0), and a day the raw retention already dropped (the
 * daily rollups keep it) — the by-model rollups (tenant and all-tenant)
 * hold, key by key, exactly the histograms the latency rollups held; they
 * survive merges (a fill row's sums are all 0); the six latency views and
 * tables are gone; re-running every statement of the file changes nothing;
 * and live inserts after it reach the histograms as they reached the
 * latency rollups. Then 0023 moves every grain into one table per shape,
 * and the histograms stay what they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cancellationOf } from '../../../src/store/event-row.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { loadMigrations, migrate, MIGRATIONS_DIR, renderMigration } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { daysAgo, mixedEvents, pricedEvent } from '../../support/store-fixtures.js';
import { uniqueName } from '../../support/services.js';

const GRAINS = ['15m', 'hourly', 'daily'] as const;
const dataDir = mkdtempSync(join(tmpdir(), 'tally-latency-0020-'));
const before0020 = mkdtempSync(join(tmpdir(), 'tally-migrations-0019-'));
/** The migrations before 0023 (one rollup table per grain), where 0020 and a re-run of it are checked. */
const before0023 = mkdtempSync(join(tmpdir(), 'tally-migrations-0022-'));
/** …and up to 0023 (every grain in one table per shape, the old tables still there), where a re-run of 0023 is checked. */
const before0024 = mkdtempSync(join(tmpdir(), 'tally-migrations-0023-'));
let store: AnalyticsStore;

beforeAll(async () => {
  for (const f of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql') && n < '0020')) copyFileSync(join(MIGRATIONS_DIR, f), join(before0020, f));
  for (const f of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql') && n < '0023')) copyFileSync(join(MIGRATIONS_DIR, f), join(before0023, f));
  for (const f of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql') && n < '0024')) copyFileSync(join(MIGRATIONS_DIR, f), join(before0024, f));
  store = await createChdbStore({ dataDir, database: uniqueName('tally_latency_0020') });
  await migrate(store, { dir: before0020 });
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(before0020, { recursive: true, force: true });
  rmSync(before0023, { recursive: true, force: true });
  rmSync(before0024, { recursive: true, force: true });
});

/**
 * Per key with a non-empty histogram: both histograms summed bin by bin, as
 * text; from `table`, or from one grain of it (0023). Buckets as the UTC
 * instant they start (a daily bucket was a Date before 0023).
 */
async function histograms(table: string, tenantKeyed: boolean, grain?: string): Promise<string> {
  const key = `${tenantKeyed ? 'tenant, ' : ''}toString(toDateTime(bucket, 'UTC')) AS b, provider, model_key, model, status, priced`;
  const group = `${tenantKeyed ? 'tenant, ' : ''}b, provider, model_key, model, status, priced`;
  const rows = await store.sql.query({
    sql: `SELECT ${key}, toString(sumMap(durationMap.bin, durationMap.events)) AS dh, toString(sumMap(ttftMap.bin, ttftMap.events)) AS th
FROM ${table}${grain === undefined ? '' : ` WHERE grain = '${grain}'`} GROUP BY ${group} HAVING notEmpty(sumMap(durationMap.bin, durationMap.events).1) OR notEmpty(sumMap(ttftMap.bin, ttftMap.events).1) ORDER BY ${group}`,
  });
  return JSON.stringify(rows);
}

/** Every grain's histograms, per tenant and across tenants: from the latency rollups, the by-model ones of 0020, or those of 0023 (every grain in one table). */
async function everyHistogram(layout: 'latency' | '0020' | '0023'): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const g of GRAINS) {
    if (layout === '0023') {
      out[`tenant_${g}`] = await histograms('usage_rollup_model', true, g);
      out[`all_${g}`] = await histograms('usage_rollup_model_all', false, g);
      continue;
    }
    out[`tenant_${g}`] = await histograms(layout === 'latency' ? `usage_latency_${g}` : `usage_rollup_model_${g}`, true);
    out[`all_${g}`] = await histograms(layout === 'latency' ? `usage_latency_all_${g}` : `usage_rollup_model_all_${g}`, false);
  }
  return out;
}

/** The same histograms from current raw events (what the rollups must equal while raw holds every event). */
async function rawHistograms(grain: (typeof GRAINS)[number]): Promise<string> {
  const bucket = { '15m': "toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC'))", hourly: "toStartOfHour(toDateTime(occurred_at, 'UTC'))", daily: "toStartOfDay(toDateTime(occurred_at, 'UTC'))" }[grain];
  const bin = (c: string): string => `if(assumeNotNull(${c}) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(${c})) / log(1.02))))), toInt16(-32768))`;
  const hist = (c: string): string => `sumMap(if(isNull(${c}), CAST([], 'Array(Int16)'), [${bin(c)}]), if(isNull(${c}), CAST([], 'Array(Int64)'), [toInt64(1)]))`;
  const rows = await store.sql.query({
    sql: `SELECT tenant, toString(${bucket}) AS b, provider, model_key, model, status, priced, toString(${hist('duration_ms')}) AS dh, toString(${hist('ttft_ms')}) AS th
FROM usage_events FINAL WHERE sign = 1 GROUP BY tenant, b, provider, model_key, model, status, priced
HAVING notEmpty(${hist('duration_ms')}.1) OR notEmpty(${hist('ttft_ms')}.1) ORDER BY tenant, b, provider, model_key, model, status, priced`,
  });
  return JSON.stringify(rows);
}

async function tablesLike(pattern: string): Promise<string[]> {
  const rows = await store.sql.query<{ name: string }>({
    sql: 'SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE {p:String} ORDER BY name',
    params: { p: pattern },
  });
  return rows.map((r) => r.name);
}

describe('latency histograms in the by-model rollups (0020)', () => {
  it('keeps every histogram the latency rollups held, exactly, through merges and a re-run, and drops them', async () => {
    // Live inserts, and a duplicate that reached the rollups past the dedupe.
    for (const tenant of ['a', 'b']) await store.events.insert(mixedEvents(tenant, 80, `old-${tenant}`));
    // (another block: its processed_at differs, so the insert deduplication lets it through; FINAL keeps one copy)
    await store.events.insert(mixedEvents('a', 3, 'old-a'));
    // A new version with other latencies (cancel row + new row), and an event cancelled outright.
    const moved = await store.events.byId({ tenant: 'b', eventId: 'old-b-7' });
    const gone = await store.events.byId({ tenant: 'b', eventId: 'old-b-8' });
    expect(moved).not.toBeNull();
    expect(gone).not.toBeNull();
    await store.events.insertRows([cancellationOf(moved!), cancellationOf(gone!)]);
    await store.events.insert([pricedEvent({ tenant: 'b', eventId: 'old-b-7', occurredAt: daysAgo(2, 5, 30), durationMs: 4321.5, ttftMs: 77 })], { rowVersion: BigInt(moved!.row_version) + 1n });
    // A day only the rollups keep: raw events dropped (as by TTL) after the views counted them.
    await store.events.insert([pricedEvent({ tenant: 'c', eventId: 'ancient', occurredAt: daysAgo(20, 3), durationMs: 900, ttftMs: 120 })]);
    await store.sql.command({ sql: "ALTER TABLE usage_events DELETE WHERE tenant = 'c' SETTINGS mutations_sync = 2" });

    const held = await everyHistogram('latency');
    expect(held.tenant_daily).toContain('"c"');
    expect(held.tenant_hourly).toContain('"b"');

    const applied = await migrate(store, { dir: before0023 });
    expect(applied.applied.map((m) => m.version)).toContain(20);
    expect(await tablesLike('usage_latency%')).toEqual([]);
    expect(await everyHistogram('0020')).toEqual(held);

    // A fill row's sums are all 0: merges keep it (a table with a Nested …Map drops no row).
    for (const g of GRAINS) {
      await store.sql.command({ sql: `OPTIMIZE TABLE usage_rollup_model_${g} FINAL` });
      await store.sql.command({ sql: `OPTIMIZE TABLE usage_rollup_model_all_${g} FINAL` });
    }
    expect(await everyHistogram('0020')).toEqual(held);

    // Every statement again (a run that stopped half-way is re-applied from its first statement): nothing changes.
    const file = loadMigrations().find((f) => f.version === 20);
    expect(file).toBeDefined();
    for (const sql of renderMigration(file!, { database: store.database, retentionMonths: 13 })) await store.sql.command({ sql });
    expect(await tablesLike('usage_latency%')).toEqual([]);
    expect(await everyHistogram('0020')).toEqual(held);

    // 0023: each grain's rows into one table per shape; the histograms stay, through a re-run of
    // every statement (a grain already filled is not filled twice) and a merge; 0024 drops the old tables.
    expect((await migrate(store, { dir: before0024 })).applied.map((m) => m.version)).toEqual([23]);
    expect(await everyHistogram('0023')).toEqual(held);
    const file0023 = loadMigrations().find((f) => f.version === 23);
    expect(file0023).toBeDefined();
    for (const sql of renderMigration(file0023!, { database: store.database, retentionMonths: 13 })) await store.sql.command({ sql });
    expect(await everyHistogram('0023')).toEqual(held);
    // 0024 and every later migration (0025 changes how usage_events merges).
    expect((await migrate(store)).applied.map((m) => m.version)).toEqual(loadMigrations().map((m) => m.version).filter((v) => v > 23));
    expect(await tablesLike('usage_rollup_model_%')).toEqual(['usage_rollup_model_all', 'usage_rollup_model_all_mv', 'usage_rollup_model_mv']);
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_rollup_model FINAL' });
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_rollup_model_all FINAL' });
    expect(await everyHistogram('0023')).toEqual(held);
  });

  it('feeds the histograms from live inserts, cancel rows and new versions as the latency views did', async () => {
    await store.events.insert(mixedEvents('d', 60, 'new-d'));
    const moved = await store.events.byId({ tenant: 'd', eventId: 'new-d-3' });
    await store.events.insertRows([cancellationOf(moved!)]);
    await store.events.insert([pricedEvent({ tenant: 'd', eventId: 'new-d-3', occurredAt: daysAgo(1, 2, 10), durationMs: 12.5, ttftMs: 3 })], { rowVersion: BigInt(moved!.row_version) + 1n });
    for (const g of GRAINS) {
      // The tenant table equals raw for the tenants without a duplicate (a) or a day raw no longer holds (c).
      const exact = (rows: { tenant: string }[]): { tenant: string }[] => rows.filter((r) => r.tenant === 'b' || r.tenant === 'd');
      const raw = exact(JSON.parse(await rawHistograms(g)) as { tenant: string }[]);
      const rollup = exact(JSON.parse(await histograms('usage_rollup_model', true, g)) as { tenant: string }[]);
      expect(raw.length, g).toBeGreaterThan(0);
      expect(rollup, g).toEqual(raw);
    }
    // The all-tenant tables equal the tenant tables summed over tenants.
    for (const g of GRAINS) {
      const [a] = await store.sql.query<{ h: string }>({ sql: `SELECT toString(sumMap(durationMap.bin, durationMap.events)) AS h FROM usage_rollup_model WHERE grain = '${g}'` });
      const [b] = await store.sql.query<{ h: string }>({ sql: `SELECT toString(sumMap(durationMap.bin, durationMap.events)) AS h FROM usage_rollup_model_all WHERE grain = '${g}'` });
      expect(b?.h, g).toBe(a?.h);
    }
  });
});
