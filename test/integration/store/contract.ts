/**
 * The analytics-store contract: one suite, run against every adapter by
 * contract.test.ts. Each run migrates a fresh database (uniqueName) and
 * isolates its tests further by tenant.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { loadMigrations, migrate, renderMigration, MIGRATIONS_DIR } from '../../../src/store/migrate.js';
import { renderStatement } from '../../../src/store/ddl.js';
import {
  dedupeAndInsert,
  eventKey,
  existingEventIds,
  insertEventRows,
  insertPricedEvents,
} from '../../../src/store/events.js';
import { cancellationOf, PRICE_COLUMNS, toEventRow, type UsageEventRow } from '../../../src/store/event-row.js';
import { eventByIdQuery, rawTotalsQuery, rollupTotalsQuery, type RollupGrain, type TenantTotalsRow } from '../../../src/store/queries/index.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { insertRows, priceColumns, pricedRow, priceTotal, type BilledPrice } from '../../support/price-rows.js';
import { uniqueName } from '../../support/services.js';
import { daysAgo, expectedTotals, mixedEvents, pricedEvent } from '../../support/store-fixtures.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { expectSameTotals } from './dataset.js';
import { rejection } from '../../support/rejection.js';
import { ROLLUPS } from '../../../src/store/queries/rollup-tables.js';

export type OpenStore = (database: string) => Promise<AnalyticsStore>;

const GRAINS: readonly RollupGrain[] = ['15m', 'hourly', 'daily'];

/** A day-aligned range covering everything the suite writes (events from 800 days ago to today). */
const WIDE = { from: daysAgo(900, 0), to: daysAgo(-2, 0) };

function range(tenant: string): { from: string; to: string; tenants: string[] } {
  return { ...WIDE, tenants: [tenant] };
}

async function totals(store: AnalyticsStore, tenant: string): Promise<TenantTotalsRow[]> {
  return store.sql.query<TenantTotalsRow>(rawTotalsQuery(range(tenant)));
}

async function rollupTotals(store: AnalyticsStore, grain: RollupGrain, tenant: string): Promise<TenantTotalsRow[]> {
  return store.sql.query<TenantTotalsRow>(rollupTotalsQuery(grain, range(tenant)));
}

/** price_total (and price_input, and the book versions) of a tenant's current raw events, and price_total of every rollup the planner reads. */
async function priceSums(store: AnalyticsStore, tenant: string): Promise<{ raw: { price_total: string; price_input: string; books: string[] }; rollups: string[] }> {
  const [raw] = await store.sql.query<{ price_total: string; price_input: string; books: string[] }>({
    sql: 'SELECT sum(toDecimal256(price_total, 15)) AS price_total, sum(toDecimal256(price_input, 15)) AS price_input, arraySort(groupUniqArray(price_book_version)) AS books FROM usage_events FINAL WHERE tenant = {t:String} AND sign = 1',
    params: { t: tenant },
  });
  const rollups: string[] = [];
  for (const t of ROLLUPS) {
    const [row] = await store.sql.query<{ price_total: string }>({ sql: `SELECT sum(toDecimal256(price_total, 15)) AS price_total FROM ${t.name} WHERE tenant = {t:String} AND grain = {g:String}`, params: { t: tenant, g: t.grain } });
    rollups.push(row?.price_total ?? 'missing');
  }
  return { raw: raw ?? { price_total: 'missing', price_input: 'missing', books: [] }, rollups };
}

async function expectRollupsEqualRaw(store: AnalyticsStore, tenant: string): Promise<TenantTotalsRow[]> {
  const raw = await totals(store, tenant);
  for (const grain of GRAINS) expectSameTotals(await rollupTotals(store, grain, tenant), raw);
  return raw;
}

export function storeContract(open: OpenStore): void {
  const database = uniqueName('tally_contract');
  let store: AnalyticsStore;
  const extraDatabases: AnalyticsStore[] = [];

  beforeAll(async () => {
    store = await open(database);
    const first = await migrate(store);
    expect(first.applied.map((m) => m.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  afterAll(async () => {
    for (const s of [...extraDatabases, store]) {
      if (!s) continue;
      await s.sql.command({ sql: `DROP DATABASE IF EXISTS ${s.database} SYNC` }).catch(() => undefined);
      await s.close();
    }
  });

  async function openExtra(prefix: string): Promise<AnalyticsStore> {
    const s = await open(uniqueName(prefix));
    extraDatabases.push(s);
    return s;
  }

  it('migrate twice is a no-op and records every file', async () => {
    const again = await migrate(store);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBe(loadMigrations().length);
    const rows = await store.sql.query<{ version: number; name: string; checksum: string }>({
      sql: 'SELECT version, name, checksum FROM tally_migrations FINAL ORDER BY version',
    });
    expect(rows).toEqual(loadMigrations().map((m) => ({ version: m.version, name: m.name, checksum: m.checksum })));
    const tables = await store.sql.query<{ name: string }>({
      sql: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
      params: { db: store.database },
    });
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['usage_events', 'usage_rollup_full', 'usage_rollup_full_mv', 'usage_rollup_model', 'usage_rollup_model_mv', 'usage_rollup_model_all', 'usage_rollup_model_all_mv', 'tally_migrations']),
    );
  });

  it('applies new files of the folder in version order and refuses an edited applied file, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const other = await openExtra('tally_contract_mig');
      await migrate(other, { dir });
      writeFileSync(
        join(dir, '9999_contract_extra.sql'),
        '-- a later owner\'s migration; the runner picks it up\nCREATE TABLE IF NOT EXISTS {{database}}.contract_extra {{on_cluster}} (a UInt8) ENGINE = {{engine:MergeTree}} ORDER BY a;\n',
      );
      const next = await migrate(other, { dir });
      expect(next.applied).toEqual([{ version: 9999, name: 'contract_extra' }]);
      appendFileSync(join(dir, '0001_usage_events.sql'), '\n-- edited after it was applied\n');
      const err = await rejection(migrate(other, { dir }));
      expect(err.code).toBe('MIGRATION_FAILED');
      expect(err.message).toContain('0001_usage_events.sql');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binds every value as a parameter, hostile strings included', async () => {
    const hostile = ["'); DROP TABLE usage_events; --", "it's \"quoted\"", 'back\\slash \\N \\t', 'tab\there\nnew line\rcr', '{x:String} ${y}', 'ünïcødé ✓ 🚀'];
    const [row] = await store.sql.query<{ s: string; a: string[]; n: string }>({
      sql: 'SELECT {s:String} AS s, {a:Array(String)} AS a, toString({n:UInt64}) AS n',
      params: { s: hostile[0], a: hostile, n: 18446744073709551615n },
    });
    expect(row).toEqual({ s: hostile[0], a: hostile, n: '18446744073709551615' });

    const tenant = hostile[0] as string;
    const events = hostile.map((h, i) =>
      pricedEvent({ tenant, eventId: `hostile-${i}`, userId: h, agent: h, metadata: { [h]: h }, costs: { input: parseUsd('0.1') } }),
    );
    await insertPricedEvents(store, events);
    for (const [i, p] of events.entries()) {
      const [stored] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: `hostile-${i}` }));
      // Price columns (0014) the row does not set read as their defaults: price 0, no price book.
      const expected = { ...priceColumns({ prices: {} }), ...toEventRow(p) };
      expect({ ...stored, processed_at: '' }).toEqual({ ...expected, processed_at: '' });
    }
    const [count] = await store.sql.query<{ n: string }>({ sql: 'SELECT count() AS n FROM usage_events WHERE tenant = {t:String}', params: { t: tenant } });
    expect(count?.n).toBe(String(hostile.length));
  });

  it('returns the same JSON types on every adapter: 64-bit integers and decimals as strings', async () => {
    const [row] = await store.sql.query<Record<string, unknown>>({
      sql: `SELECT
    toUInt64(18446744073709551615) AS u64,
    toInt64(-9223372036854775807) AS i64,
    toUInt32(4294967295) AS u32,
    toInt32(-5) AS i32,
    toDecimal128('12345678901234567890.123456789012345', 15) AS dec,
    toDecimal128('1.5', 15) AS dec_trimmed,
    toDecimal64('2', 3) AS dec3,
    toDateTime64('2026-01-02 03:04:05.678', 3, 'UTC') AS dt64,
    toDateTime('2026-01-02 03:04:05', 'UTC') AS dt,
    toDate('2026-01-02') AS d,
    true AS b,
    [toUInt64(1), 2] AS arr64,
    map('k', 'v') AS m,
    CAST(NULL AS Nullable(Float64)) AS n,
    toFloat64(1.5) AS f,
    sum(toDecimal128('0.000000000000001', 15)) AS dec_sum,
    count() AS cnt`,
    });
    expect(row).toEqual({
      u64: '18446744073709551615',
      i64: '-9223372036854775807',
      u32: 4294967295,
      i32: -5,
      dec: '12345678901234567890.123456789012345',
      dec_trimmed: '1.5',
      dec3: '2',
      dt64: '2026-01-02 03:04:05.678',
      dt: '2026-01-02 03:04:05',
      d: '2026-01-02',
      b: true,
      arr64: ['1', '2'],
      m: { k: 'v' },
      n: null,
      f: 1.5,
      dec_sum: '0.000000000000001',
      cnt: '1',
    });
  });

  it('runs every statement without LLVM compilation, so no query shape stalls on its fourth run (issue 13)', async () => {
    const [row] = await store.sql.query<Record<string, unknown>>({
      sql: "SELECT getSetting('compile_expressions') AS expressions, getSetting('compile_aggregate_expressions') AS aggregates, getSetting('compile_sort_description') AS sorts",
    });
    expect(row).toEqual({ expressions: false, aggregates: false, sorts: false });
  });

  it('keeps money exact: 1,000,000 rows of $0.000001 sum to exactly $1 in FINAL reads and every rollup', async () => {
    const tenant = 'million';
    await store.sql.command({
      sql: `INSERT INTO usage_events (tenant, event_id, occurred_at, received_at, processed_at, requests, cost_input, cost_total, priced, status, row_version, sign)
SELECT {tenant:String}, concat('m-', toString(number)), {at:DateTime64(3, 'UTC')} + toIntervalMillisecond(number * 50),
       {at:DateTime64(3, 'UTC')}, {at:DateTime64(3, 'UTC')}, 1, {cost:Decimal(38, 15)}, {cost:Decimal(38, 15)}, true, 'ok', 1, 1
FROM numbers({n:UInt64})`,
      params: { tenant, at: `${daysAgo(2, 0).slice(0, 10)} 00:00:00.000`, cost: '0.000001', n: 1_000_000 },
    });
    const raw = await expectRollupsEqualRaw(store, tenant);
    expect(raw[0]).toMatchObject({ events: '1000000', requests: '1000000', cost_input: '1', cost_total: '1' });
  });

  it('keeps money exact through the adapter insert path: 20,000 events of $0.000001 sum to $0.02', async () => {
    const tenant = 'micro';
    for (let b = 0; b < 4; b++) {
      const batch = Array.from({ length: 5000 }, (_, i) =>
        pricedEvent({ tenant, eventId: `u-${b}-${i}`, occurredAt: daysAgo(1, i % 24, i % 60), costs: { output: parseUsd('0.000001') } }),
      );
      await insertPricedEvents(store, batch);
    }
    const raw = await expectRollupsEqualRaw(store, tenant);
    expect(raw[0]).toMatchObject({ events: '20000', cost_output: '0.02', cost_total: '0.02' });
  });

  it('sums beyond 64 bits exactly: rollup rows and query-time sums are 128-bit, money sums 256-bit (issue #10, item 3)', async () => {
    // What ~10^9 maximal events (10^10 tokens each) leave behind, in three rows: two of one key (they merge) and one of another.
    const wide = await openExtra('tally_contract_wide');
    await migrate(wide);
    const day = daysAgo(3, 0).slice(0, 10);
    const key = { tenant: 'wide', user_id: 'a', group_id: '', agent: '', feature: '', provider: 'openai', model_key: 'openai/gpt-4o', model: 'gpt-4o', api_key_id: '', status: 'ok', priced: true };
    const big = '4611686018427387904'; // 2^62
    const rows = [
      { ...key, events: big, requests: big, input_tokens: big, total_tokens: big, tool_calls: big, cost_input: '90000000000000000000000', cost_total: '90000000000000000000000' },
      { ...key, events: big, requests: big, input_tokens: big, total_tokens: big, tool_calls: big },
      { ...key, user_id: 'b', events: '1', requests: '1', cost_input: '90000000000000000000000', cost_total: '90000000000000000000000' },
    ];
    const bucket = `${day} 00:00:00`;
    const tables: readonly [RollupGrain][] = [['daily'], ['hourly'], ['15m']];
    for (const [grain] of tables) await wide.sql.insert('usage_rollup_full', rows.map((r) => ({ ...r, grain, bucket })));
    // The narrow rollups (issue 13) hold the same sums under fewer keys; the summary reads the by-model ones.
    for (const t of ROLLUPS.filter((x) => x.shape !== 'full')) {
      const keep = new Set(['tenant', ...t.dimensions]);
      await wide.sql.insert(t.name, rows.map((r) => ({ ...Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k) || !(k in key))), grain: t.grain, bucket })));
    }
    const expected = { events: '9223372036854775809', requests: '9223372036854775809', input_tokens: '9223372036854775808', total_tokens: '9223372036854775808', tool_calls: '9223372036854775808', cost_input: '180000000000000000000000', cost_total: '180000000000000000000000' };
    const check = async (): Promise<void> => {
      for (const [grain] of tables) {
        const [row] = await wide.sql.query<TenantTotalsRow>(rollupTotalsQuery(grain, { ...WIDE, tenants: ['wide'] }));
        expect(row, grain).toMatchObject(expected);
      }
      const day0 = Date.parse(`${day}T00:00:00Z`);
      const { rows: summary } = await wide.usage.summary({ scope: 'wide', filters: {}, from: day0, to: day0 + 86_400_000, tz: 'UTC', source: 'auto' });
      expect(summary[0]).toMatchObject(expected);
    };
    await check();
    await wide.sql.command({ sql: 'OPTIMIZE TABLE usage_rollup_full FINAL' });
    await check();

    // Raw events: three rows of 2^63 tokens (UInt64 holds each) sum past 2^64 without wrapping.
    const raw = Array.from({ length: 3 }, (_, i) => ({ ...toEventRow(pricedEvent({ tenant: 'wide-raw', eventId: `w-${i}`, occurredAt: `${day}T01:00:00.000Z` })), input_tokens: '9223372036854775808', total_tokens: '9223372036854775808' }));
    await wide.sql.insert('usage_events', raw);
    const [rawRow] = await wide.sql.query<TenantTotalsRow>(rawTotalsQuery({ ...WIDE, tenants: ['wide-raw'] }));
    expect(rawRow).toMatchObject({ events: '3', input_tokens: '27670116110564327424', total_tokens: '27670116110564327424' });
  });

  it('drops duplicate event ids: in the batch, already stored, and on a retried insert', async () => {
    const tenant = 'dupes';
    const events = Array.from({ length: 100 }, (_, i) => pricedEvent({ tenant, eventId: `d-${i}`, occurredAt: daysAgo(1, 23, 59), costs: { input: parseUsd('0.01') } }));
    const repeats = events.slice(0, 10).map((p) => pricedEvent({ tenant, eventId: p.event.event_id, costs: { input: parseUsd('9') } }));
    const first = await dedupeAndInsert(store, [...events, ...repeats]);
    expect({ inserted: first.inserted, duplicates: first.duplicates }).toEqual({ inserted: 100, duplicates: 10 });
    expect(first.insertedEvents).toEqual(events);

    const probe = [...events, pricedEvent({ tenant, eventId: 'never-stored' }), pricedEvent({ tenant: 'other', eventId: 'd-1' })].map((p) => ({
      tenant: p.event.tenant,
      event_id: p.event.event_id,
      occurred_at: p.event.occurred_at,
    }));
    const existing = await existingEventIds(store, probe);
    expect(existing.size).toBe(100);
    expect(existing.has(eventKey(tenant, 'd-0'))).toBe(true);
    expect(existing.has(eventKey('other', 'd-1'))).toBe(false);
    // Re-sent without occurred_at: restamped a minute later, on the next day — still found.
    const restamped = await existingEventIds(store, [{ tenant, event_id: 'd-5', occurred_at: daysAgo(0, 0, 1) }]);
    expect([...restamped]).toEqual([eventKey(tenant, 'd-5')]);

    const second = await dedupeAndInsert(store, events);
    expect({ inserted: second.inserted, duplicates: second.duplicates }).toEqual({ inserted: 0, duplicates: 100 });

    // A retried identical insert (same rows, same token) is dropped by the store itself, rollups included.
    const retried = Array.from({ length: 50 }, (_, i) => pricedEvent({ tenant, eventId: `r-${i}`, occurredAt: daysAgo(2, 1, i), costs: { input: parseUsd('0.01') } }));
    await insertPricedEvents(store, retried);
    await insertPricedEvents(store, retried);
    await insertPricedEvents(store, retried);
    const [physical] = await store.sql.query<{ n: string }>({ sql: 'SELECT count() AS n FROM usage_events WHERE tenant = {t:String}', params: { t: tenant } });
    expect(physical?.n).toBe('150');
    const raw = await expectRollupsEqualRaw(store, tenant);
    expect(raw[0]).toMatchObject({ events: '150', cost_total: '1.5' });

    // A copy that slips past both (another row_version, so another token) still collapses in FINAL reads.
    const [stray] = retried;
    await insertPricedEvents(store, [stray as (typeof retried)[number]], { rowVersion: 2 });
    expect((await totals(store, tenant))[0]).toMatchObject({ events: '150', cost_total: '1.5' });
  });

  it('keeps each partition\'s high offset (never lowered by an older record) and lists a partition\'s recently processed events', async () => {
    expect(await store.events.highOffset('contract.raw', 3)).toBeNull();
    const at3 = (offset: string) => ({ topic: 'contract.raw', partition: 3, offset });
    await store.events.recordHighOffsets([at3('41')]);
    await store.events.recordHighOffsets([at3('9007199254740993')]);
    // Several partitions in one write (a group insert's), an older offset of partition 3 among them.
    await store.events.recordHighOffsets([at3('17'), { topic: 'contract.raw', partition: 4, offset: '5' }, { topic: 'contract.raw', partition: 5, offset: '8' }, { topic: 'contract.raw', partition: 5, offset: '6' }]);
    await store.events.recordHighOffsets([]);
    expect(await store.events.highOffset('contract.raw', 3)).toBe('9007199254740993');
    expect(await store.events.highOffset('contract.raw', 4)).toBe('5');
    expect(await store.events.highOffset('contract.raw', 5)).toBe('8');
    expect(await store.events.highOffset('other.raw', 3)).toBeNull();

    const at = (id: string, partition: number): PricedEvent => ({ ...pricedEvent({ tenant: 'recent', eventId: id }), source: { topic: 'contract.raw', partition, offset: '1' } });
    const since = Date.now() - 1_000;
    await store.events.insert([at('r-1', 3), at('r-2', 3), at('r-3', 4)]);
    const keys = (await store.events.recentKeys('contract.raw', 3, since)).map((k) => `${k.tenant}/${k.event_id}`).sort();
    expect(keys).toEqual(['recent/r-1', 'recent/r-2']);
    expect(await store.events.recentKeys('contract.raw', 3, Date.now() + 60_000)).toEqual([]);
  });

  it('rollups equal raw totals, field by field, for every grain', async () => {
    const tenants = ['mix-a', 'mix-b'];
    const all = [...mixedEvents('mix-a', 300, 'a'), ...mixedEvents('mix-b', 120, 'b')];
    for (let i = 0; i < all.length; i += 100) await insertPricedEvents(store, all.slice(i, i + 100));
    for (const tenant of tenants) {
      const raw = await expectRollupsEqualRaw(store, tenant);
      expect(raw[0]).toMatchObject(expectedTotals(all.filter((p) => p.event.tenant === tenant)));
    }
  });

  it('serves day buckets in Asia/Kolkata exactly from the 15-minute rollup (the hourly one cannot)', async () => {
    const tenant = 'kolkata';
    // 18:30 UTC is midnight in Kolkata: events at 18:10 and 18:40 UTC fall on different local days.
    const events = [
      pricedEvent({ tenant, eventId: 'k-1', occurredAt: daysAgo(2, 18, 10), costs: { input: parseUsd('1') } }),
      pricedEvent({ tenant, eventId: 'k-2', occurredAt: daysAgo(2, 18, 40), costs: { input: parseUsd('2') } }),
      pricedEvent({ tenant, eventId: 'k-3', occurredAt: daysAgo(1, 5, 45), costs: { input: parseUsd('4') } }),
    ];
    await insertPricedEvents(store, events);
    const byLocalDay = (sql: string): Promise<{ day: string; cost: string }[]> =>
      store.sql.query<{ day: string; cost: string }>({ sql, params: { t: tenant, tz: 'Asia/Kolkata' } });
    const raw = await byLocalDay(
      'SELECT toString(toDate(occurred_at, {tz:String})) AS day, sum(cost_total) AS cost FROM usage_events FINAL WHERE tenant = {t:String} AND sign = 1 GROUP BY day ORDER BY day',
    );
    const quarter = await byLocalDay(
      "SELECT toString(toDate(bucket, {tz:String})) AS day, sum(cost_total) AS cost FROM usage_rollup_full WHERE tenant = {t:String} AND grain = '15m' GROUP BY day HAVING sum(events) != 0 ORDER BY day",
    );
    const hourly = await byLocalDay(
      "SELECT toString(toDate(bucket, {tz:String})) AS day, sum(cost_total) AS cost FROM usage_rollup_full WHERE tenant = {t:String} AND grain = 'hourly' GROUP BY day HAVING sum(events) != 0 ORDER BY day",
    );
    expect(raw.map((r) => r.cost)).toEqual(['1', '6']);
    expect(quarter).toEqual(raw);
    expect(hourly).not.toEqual(raw);
  });

  it('a cancel row plus a new version corrects FINAL reads and every rollup; a lone cancel removes the event', async () => {
    const tenant = 'reprice';
    const original = pricedEvent({ tenant, eventId: 'rp-1', priced: false, model: 'mystery-model' });
    const other = pricedEvent({ tenant, eventId: 'rp-2', costs: { input: parseUsd('0.25') } });
    await insertPricedEvents(store, [original, other]);
    expect((await expectRollupsEqualRaw(store, tenant))[0]).toMatchObject({ events: '2', unpriced_events: '1', cost_total: '0.25' });

    const [stored] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: 'rp-1' }));
    expect(stored?.priced).toBe(false);
    const repriced = pricedEvent({ tenant, eventId: 'rp-1', model: 'mystery-model', modelKey: 'acme/mystery', costs: { input: parseUsd('0.7') } });
    const current = stored as UsageEventRow;
    await insertEventRows(store, [cancellationOf(current), toEventRow(repriced, { rowVersion: BigInt(current.row_version) + 2n })]);
    expect((await expectRollupsEqualRaw(store, tenant))[0]).toMatchObject({ events: '2', unpriced_events: '0', cost_total: '0.95' });
    const [now] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: 'rp-1' }));
    expect(now).toMatchObject({ row_version: '3', sign: 1, priced: true, model_key: 'acme/mystery', cost_total: '0.7' });

    const [second] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: 'rp-2' }));
    await insertEventRows(store, [cancellationOf(second as UsageEventRow)]);
    expect((await expectRollupsEqualRaw(store, tenant))[0]).toMatchObject({ events: '1', cost_total: '0.7' });
    expect(await store.sql.query(eventByIdQuery({ tenant, eventId: 'rp-2' }))).toEqual([]);
    const [cancelled] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: 'rp-2', includeCancelled: true }));
    expect(cancelled).toMatchObject({ sign: -1, row_version: '2' });
  });

  it('expires raw events by TTL (13 months by default, changeable) while the daily rollup keeps them', async () => {
    const [table] = await store.sql.query<{ engine_full: string }>({
      sql: "SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'usage_events'",
      params: { db: store.database },
    });
    expect(table?.engine_full).toContain('TTL toDateTime(occurred_at) + toIntervalMonth(13)');

    const tenant = 'expired';
    await insertPricedEvents(store, [pricedEvent({ tenant, eventId: 'old-1', occurredAt: daysAgo(800), costs: { input: parseUsd('3') } })]);
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_events FINAL' });
    expect(await totals(store, tenant)).toEqual([]);
    expect((await rollupTotals(store, 'daily', tenant))[0]).toMatchObject({ events: '1', cost_total: '3' });
    // The 15-minute and hourly rollups follow the raw retention; only the daily one keeps long-term history (docs/storage.md).
    // One table holds every grain (migration 0023): its TTL deletes the finer grains' rows and keeps the daily ones.
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_rollup_full FINAL' });
    for (const grain of ['15m', 'hourly'] as const) expect(await rollupTotals(store, grain, tenant)).toEqual([]);
    expect((await rollupTotals(store, 'daily', tenant))[0]).toMatchObject({ events: '1', cost_total: '3' });

    const other = await openExtra('tally_contract_ttl');
    await migrate(other);
    const changed = await migrate(other, { retentionMonths: 6 });
    // The narrow 15-minute and hourly rollups (issue 13; the latency histograms in the by-model ones, 0020) follow the raw retention too.
    expect(changed.retentionUpdated).toEqual(['usage_events', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_agent', 'usage_rollup_model_all']);
    const ttl = await other.sql.query<{ name: string; engine_full: string }>({
      sql: "SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN ('usage_events', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_agent', 'usage_rollup_model_all') ORDER BY name",
      params: { db: other.database },
    });
    expect(ttl).toHaveLength(5);
    for (const t of ttl) expect(t.engine_full).toContain('toIntervalMonth(6)');
    // The rollups' daily grain stays beyond the new retention too.
    for (const t of ttl.filter((x) => x.name !== 'usage_events')) expect(t.engine_full).toContain("WHERE grain != 'daily'");
    expect((await migrate(other, { retentionMonths: 6 })).retentionUpdated).toEqual([]);
  });

  it('upgrades a store made before 0004: rollup counts become Int128, data and totals unchanged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-migrations-old-'));
    try {
      // The layout before 0004 and before 0023 (one table per grain): 0004 alters those tables.
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      for (const f of readdirSync(dir)) if (f.startsWith('0004_') || Number(f.slice(0, 4)) >= 23) rmSync(join(dir, f));
      const old = await openExtra('tally_contract_upgrade');
      await migrate(old, { dir });
      const columnType = async (): Promise<string | undefined> =>
        (await old.sql.query<{ type: string }>({ sql: "SELECT type FROM system.columns WHERE database = {db:String} AND table = 'usage_rollup_daily' AND name = 'input_tokens'", params: { db: old.database } }))[0]?.type;
      expect(await columnType()).toBe('Int64');
      const tenant = 'upgrade';
      const events = mixedEvents(tenant, 50, 'u');
      await insertPricedEvents(old, events);
      const before = await totals(old, tenant);
      cpSync(join(MIGRATIONS_DIR, '0004_rollup_wide_counts.sql'), join(dir, '0004_rollup_wide_counts.sql'));
      const upgraded = await migrate(old, { dir });
      expect(upgraded.applied).toEqual([{ version: 4, name: 'rollup_wide_counts' }]);
      expect(await columnType()).toBe('Int128');
      // Then to this version: 0023 fills the rollups by grain from the widened tables, 0024 drops those (and the later ones).
      expect((await migrate(old)).applied.map((a) => a.version)).toEqual(loadMigrations().map((m) => m.version).filter((v) => v >= 23));
      expect(await expectRollupsEqualRaw(old, tenant)).toEqual(before);
      await insertPricedEvents(old, mixedEvents(tenant, 10, 'v'));
      expect((await expectRollupsEqualRaw(old, tenant))[0]?.events).toBe('60');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('upgrades a store with data to 0014: old events bill 0 under no book; priced rows reach every rollup exactly, through retried inserts and reprices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-migrations-prices-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      for (const f of readdirSync(dir)) if (Number(f.slice(0, 4)) >= 14) rmSync(join(dir, f));
      const old = await openExtra('tally_contract_prices');
      await migrate(old, { dir });
      const tenant = 'prices';
      const older = mixedEvents(tenant, 40, 'o');
      // The rows a tally before 0014 wrote: without the price columns (this version's rows carry them, and need 0014).
      await insertRows(old.sql, older.map((p) => Object.fromEntries(Object.entries(toEventRow(p)).filter(([c]) => !(PRICE_COLUMNS as readonly string[]).includes(c)))));
      const upgraded = await migrate(old);
      expect(upgraded.applied[0]).toEqual({ version: 14, name: 'prices' });
      // The existing data is unchanged: rollups still equal raw, field by field, and the totals are the events'.
      expect((await expectRollupsEqualRaw(old, tenant))[0]).toMatchObject({ ...expectedTotals(older), price_total: '0' });
      expect(await priceSums(old, tenant)).toEqual({ raw: { price_total: '0', price_input: '0', books: [''] }, rollups: ROLLUPS.map(() => '0') });

      // New rows with prices: a markup on input, a fee per request; one batch retried with its token (dropped), five repriced.
      const fresh = mixedEvents(tenant, 30, 'n');
      const billed = (p: PricedEvent, fee: string): BilledPrice => ({ prices: { input: (p.pricing.cost.input * 13n) / 10n, request: parseUsd(fee) }, book: `book@${fee}` });
      const rows = fresh.map((p) => pricedRow(p, billed(p, '0.001')));
      await insertRows(old.sql, rows, 'prices-batch-1');
      await insertRows(old.sql, rows, 'prices-batch-1');
      const repriced = fresh.slice(0, 5);
      for (const p of repriced) {
        const [stored] = await old.sql.query<UsageEventRow>(eventByIdQuery({ tenant, eventId: p.event.event_id }));
        const current = stored as UsageEventRow;
        await insertRows(old.sql, [cancellationOf(current), pricedRow(p, billed(p, '0.0025'), { rowVersion: BigInt(current.row_version) + 2n })]);
      }
      let expected = 0n;
      let input = 0n;
      for (const [i, p] of fresh.entries()) {
        const b = billed(p, i < 5 ? '0.0025' : '0.001');
        expected += priceTotal(b);
        input += b.prices.input ?? 0n;
      }
      const total = formatUsd(expected);
      expect(await priceSums(old, tenant)).toEqual({ raw: { price_total: total, price_input: formatUsd(input), books: ['', 'book@0.001', 'book@0.0025'] }, rollups: ROLLUPS.map(() => total) });
      // The cost side is untouched: every existing measure still equals raw, field by field.
      expect((await expectRollupsEqualRaw(old, tenant))[0]?.events).toBe('70');
      for (const name of new Set(ROLLUPS.map((t) => t.name))) await old.sql.command({ sql: `OPTIMIZE TABLE ${name} FINAL` });
      expect((await priceSums(old, tenant)).rollups).toEqual(ROLLUPS.map(() => total));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders the cluster variant (ON CLUSTER, Replicated engines) as DDL ClickHouse parses', async () => {
    const options = { database: 'tally', cluster: 'tally_cluster', retentionMonths: 13 };
    const statements = [
      renderStatement('CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}}', options),
      ...loadMigrations().flatMap((f) => renderMigration(f, options)),
    ];
    for (const sql of statements) {
      const [parsed] = await store.sql.query<{ q: string }>({ sql: 'SELECT formatQuerySingleLine({sql:String}) AS q', params: { sql } });
      // DDL runs on every node; the one-time fills of the narrow (0011), latency (0012), all-tenant (0018) rollups and of the by-model histograms (0020) are inserts, replicated within a shard.
      if (sql.startsWith('INSERT INTO ')) expect(parsed?.q).toMatch(/^INSERT INTO tally\.usage_(rollup|latency)_/);
      else expect(parsed?.q).toContain('ON CLUSTER tally_cluster');
    }
    const storageTables = statements.filter((s) => /^CREATE TABLE IF NOT EXISTS tally\.usage_/.test(s));
    const created = new Set(storageTables.map((s) => /^CREATE TABLE IF NOT EXISTS tally\.(\w+)/.exec(s)?.[1]));
    for (const s of statements) created.delete(/^DROP TABLE IF EXISTS tally\.(\w+)/.exec(s)?.[1]);
    // usage_events, reprices, and since 0023 one rollup table per shape holding every grain (full, model,
    // agent, user, the all-tenant model); the latency rollups (0012, 0018) are dropped by 0020, their
    // histograms in the by-model ones, and the tables per shape and grain by 0023.
    expect([...created].sort()).toEqual(['usage_events', 'usage_reprices', 'usage_rollup_agent', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_model_all', 'usage_rollup_user']);
    for (const s of storageTables) expect(s).toMatch(/ENGINE = Replicated(Replacing|Summing)?MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
  });

  it('maps rejected SQL to STORE_QUERY_FAILED with the ClickHouse code', async () => {
    const syntax = await rejection(store.sql.query({ sql: 'SELEC 1' }));
    expect(syntax).toMatchObject({ code: 'STORE_QUERY_FAILED', retriable: false });
    expect(syntax.details.clickhouseCode).toBe(62);
    const missing = await rejection(store.sql.query({ sql: 'SELECT * FROM no_such_table' }));
    expect(missing.details.clickhouseCode).toBe(60);
    const badParam = await rejection(store.sql.query({ sql: 'SELECT {n:UInt8} AS n', params: { n: 'not a number' } }));
    expect(badParam.code).toBe('STORE_QUERY_FAILED');
  });

  it('serves concurrent inserts and queries', async () => {
    const tenant = 'concurrent';
    const work: Promise<unknown>[] = [];
    for (let b = 0; b < 20; b++) {
      const batch = Array.from({ length: 25 }, (_, i) => pricedEvent({ tenant, eventId: `c-${b}-${i}`, costs: { input: parseUsd('0.001') } }));
      work.push(insertPricedEvents(store, batch));
      work.push(store.sql.query({ sql: 'SELECT count() AS n FROM usage_events WHERE tenant = {t:String}', params: { t: tenant } }));
    }
    await Promise.all(work);
    expect((await expectRollupsEqualRaw(store, tenant))[0]).toMatchObject({ events: '500', cost_total: '0.5' });
  });
}
