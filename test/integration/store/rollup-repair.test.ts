/**
 * store.rollups: a rollup short of events the raw table holds (what a crash
 * between chDB's raw part and a view's part leaves, issue #10 item 1) is
 * found by `compare` and made equal to raw, key by key, by `repair`; the
 * checkpoint says how far back a comparison must look.
 *
 * The crash is reproduced by detaching a rollup table's materialized view
 * (every grain of it, migration 0023) around an insert: the raw part is
 * written, the view's part is not — the state a
 * SIGKILL between the two leaves (the kill test in test/integration/embedded
 * does it with real kills).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { insertPricedEvents } from '../../../src/store/events.js';
import { rawTotalsQuery, rollupTotalsQuery, type TenantTotalsRow } from '../../../src/store/queries/index.js';
import { hasHistograms, REPAIRED_ROLLUPS, ROLLUPS } from '../../../src/store/queries/rollup-tables.js';
import { retentionHorizon } from '../../../src/store/operations/rollups-sql.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { parseUsd } from '../../../src/core/money.js';
import { daysAgo, mixedEvents, pricedEvent } from '../../support/store-fixtures.js';
import { uniqueName } from '../../support/services.js';
import { insertRows, pricedRow, priceTotal } from '../../support/price-rows.js';
import { formatUsd } from '../../../src/core/money.js';
import { expectSameTotals } from './dataset.js';

/** Every rollup (one grain of a table), the narrow ones (issue 13) with the full ones: each must be repaired, the by-model ones' latency histograms (0020) too. */
const REPAIRED = REPAIRED_ROLLUPS;
/** The rollups with latency histograms (the by-model ones, 0020), per grain. */
const LATENCY_ROLLUPS = ROLLUPS.filter(hasHistograms);
const NONE = REPAIRED.map(() => 0);
const dataDir = mkdtempSync(join(tmpdir(), 'tally-rollup-repair-'));
const RANGE = { from: daysAgo(30, 0), to: daysAgo(-2, 0) };
let store: AnalyticsStore;

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: uniqueName('tally_repair') });
  await migrate(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The rollups (ids) of `tables`: every grain of each. */
const idsOf = (tables: readonly string[]): string[] => ROLLUPS.filter((t) => tables.includes(t.name)).map((t) => t.id);

/** Inserts with the views of `tables` detached: raw gets the rows, every grain of those rollups does not. */
async function insertWithoutViews(tables: readonly string[], events: Parameters<typeof insertPricedEvents>[1]): Promise<void> {
  for (const t of tables) await store.sql.command({ sql: `DETACH TABLE ${t}_mv` });
  try {
    await store.events.insert(events);
  } finally {
    for (const t of tables) await store.sql.command({ sql: `ATTACH TABLE ${t}_mv` });
  }
}

async function expectRollupsEqualRaw(tenant: string): Promise<TenantTotalsRow[]> {
  const raw = await store.sql.query<TenantTotalsRow>(rawTotalsQuery({ ...RANGE, tenants: [tenant] }));
  for (const t of ROLLUPS) expectSameTotals(await store.sql.query<TenantTotalsRow>(rollupTotalsQuery(t.grain, { ...RANGE, tenants: [tenant] }, t.name)), raw);
  return raw;
}

/**
 * Per rollup with latency histograms: whether it holds, for the tenant,
 * exactly what raw events give — events, requests, latency counts and every
 * histogram bin per key (the views' bins, 0012 then 0020).
 */
async function latencyMatchesRaw(tenant: string): Promise<boolean[]> {
  const bin = (c: string): string => `if(assumeNotNull(${c}) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(${c})) / log(1.02))))), toInt16(-32768))`;
  const hist = (c: string): string => `sumMap(if(isNull(${c}), CAST([], 'Array(Int16)'), [${bin(c)}]), if(isNull(${c}), CAST([], 'Array(Int64)'), [toInt64(1)]))`;
  const buckets: Record<string, string> = { '15m': "toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC'))", hourly: "toStartOfHour(toDateTime(occurred_at, 'UTC'))", daily: "toStartOfDay(toDateTime(occurred_at, 'UTC'))" };
  const out: boolean[] = [];
  for (const t of LATENCY_ROLLUPS) {
    const key = 'toString(bucket) AS b, provider, model_key, model, status, priced';
    const order = 'ORDER BY b, provider, model_key, model, status, priced';
    const raw = await store.sql.query({
      sql: `SELECT ${key}, toString(count()) AS n_events, toString(sum(requests)) AS n_requests, toString(count(duration_ms)) AS dc, toString(count(ttft_ms)) AS tc, toString(${hist('duration_ms')}) AS dh, toString(${hist('ttft_ms')}) AS th FROM (SELECT *, ${buckets[t.grain] ?? ''} AS bucket FROM usage_events FINAL WHERE tenant = {tenant:String} AND sign = 1) GROUP BY b, provider, model_key, model, status, priced ${order}`,
      params: { tenant },
    });
    const rollup = await store.sql.query({
      sql: `SELECT ${key}, toString(sum(events)) AS n_events, toString(sum(requests)) AS n_requests, toString(sum(duration_ms_count)) AS dc, toString(sum(ttft_ms_count)) AS tc, toString(sumMap(durationMap.bin, durationMap.events)) AS dh, toString(sumMap(ttftMap.bin, ttftMap.events)) AS th FROM ${t.name} WHERE tenant = {tenant:String} AND grain = '${t.grain}' GROUP BY b, provider, model_key, model, status, priced HAVING sum(events) != 0 OR notEmpty(sumMap(durationMap.bin, durationMap.events).1) ${order}`,
      params: { tenant },
    });
    out.push(JSON.stringify(raw) === JSON.stringify(rollup));
  }
  return out;
}

describe('store.rollups', () => {
  it('finds a rollup short of events, repairs it to equal raw key by key, and then finds nothing', async () => {
    const tenant = 'short';
    await store.events.insert(mixedEvents(tenant, 200, 'ok'));
    const clean = await store.rollups.compare({ since: null });
    expect(clean.tables.map((t) => t.id)).toEqual(REPAIRED);
    expect(clean.tables.map((t) => t.keys)).toEqual(NONE);

    const lost = mixedEvents(tenant, 37, 'lost');
    const shortTables = ['usage_rollup_full', 'usage_rollup_agent', 'usage_rollup_user'];
    const short = idsOf(shortTables);
    await insertWithoutViews(shortTables, lost);
    const found = await store.rollups.compare({ since: null });
    const lostCost = lost.reduce((s, p) => s + p.pricing.total, 0n);
    for (const t of found.tables) {
      if (!short.includes(t.id)) {
        expect(t, t.id).toMatchObject({ keys: 0, events: 0n });
        continue;
      }
      expect(t.keys, t.id).toBeGreaterThan(0);
      expect(t, t.id).toMatchObject({ events: 37n, cost: expect.any(String) });
      expect(parseUsd(t.cost), t.id).toBe(lostCost);
    }

    const repaired = await store.rollups.repair({ since: null });
    expect(repaired.tables.map((t) => t.events)).toEqual(REPAIRED.map((name) => (short.includes(name) ? 37n : 0n)));
    expect((await store.rollups.compare({ since: null })).tables.map((t) => t.keys)).toEqual(NONE);
    expect((await expectRollupsEqualRaw(tenant))[0]?.events).toBe('237');
    // Still equal once the rollups merged the repair rows into their keys.
    for (const name of new Set(ROLLUPS.map((t) => t.name))) await store.sql.command({ sql: `OPTIMIZE TABLE ${name} FINAL` });
    expect((await expectRollupsEqualRaw(tenant))[0]?.events).toBe('237');
  });

  it('repairs billed prices too (issue 16): a rollup short of priced events, and one whose price alone is off', async () => {
    const tenant = 'billed';
    const events = mixedEvents(tenant, 24, 'b');
    const billed = (i: number): { prices: { input: bigint; request: bigint } } => ({ prices: { input: parseUsd('0.0013') * BigInt(i + 1), request: parseUsd('0.000000000000007') } });
    await insertRows(store.sql, events.slice(0, 12).map((p, i) => pricedRow(p, billed(i))));
    const shortTables = ['usage_rollup_full', 'usage_rollup_agent'];
    const short = idsOf(shortTables);
    for (const t of shortTables) await store.sql.command({ sql: `DETACH TABLE ${t}_mv` });
    try {
      await insertRows(store.sql, events.slice(12).map((p, i) => pricedRow(p, billed(12 + i))));
    } finally {
      for (const t of shortTables) await store.sql.command({ sql: `ATTACH TABLE ${t}_mv` });
    }
    // A rollup row that moves price only: events and cost agree, price_total does not.
    await store.sql.insert('usage_rollup_user', [{ tenant, grain: 'daily', bucket: `${daysAgo(1).slice(0, 10)} 00:00:00`, user_id: 'user-0', price_total: '0.25' }]);
    const found = await store.rollups.compare({ since: null });
    const flagged = found.tables.filter((t) => t.keys > 0).map((t) => t.id);
    expect(flagged.sort()).toEqual([...short, 'user_daily'].sort());
    await store.rollups.repair({ since: null });
    expect((await store.rollups.compare({ since: null })).tables.map((t) => t.keys)).toEqual(NONE);
    const expected = formatUsd(events.reduce((s, _p, i) => s + priceTotal(billed(i)), 0n));
    expect((await expectRollupsEqualRaw(tenant))[0]).toMatchObject({ events: '24', price_total: expected });
  });

  it('subtracts a duplicate that reached the rollups (raw keeps one copy under FINAL)', async () => {
    const tenant = 'dup';
    const event = pricedEvent({ tenant, eventId: 'twice', occurredAt: daysAgo(1, 10), costs: { input: parseUsd('0.5') } });
    await store.events.insert([event]);
    await store.events.insert([event], { rowVersion: 2 }); // another token: past the insert dedupe, into every rollup
    const found = await store.rollups.compare({ since: null });
    expect(found.tables.map((t) => t.events)).toEqual(REPAIRED.map(() => -1n));
    await store.rollups.repair({ since: null });
    expect((await expectRollupsEqualRaw(tenant))[0]).toMatchObject({ events: '1', cost_total: '0.5' });
  });

  it('finds an event counted under another key even when every total of the day agrees (the key fingerprint)', async () => {
    const tenant = 'moved';
    const at = daysAgo(1, 9);
    const a = pricedEvent({ tenant, eventId: 'm-a', userId: 'alice', occurredAt: at, tokens: { input: 100 }, costs: { input: parseUsd('0.01') } });
    const b = pricedEvent({ tenant, eventId: 'm-b', userId: 'bob', occurredAt: at, tokens: { input: 100 }, costs: { input: parseUsd('0.01') } });
    await insertWithoutViews(['usage_rollup_full'], [a]); // the full rollup, every grain: alice's event missing
    await store.events.insert([b]);
    // bob's event once more, in the hourly rollup only:
    await store.sql.insert('usage_rollup_full', [{ tenant, grain: 'hourly', bucket: `${at.slice(0, 13).replace('T', ' ')}:00:00`, user_id: 'bob', group_id: '', agent: '', feature: '', provider: 'openai', model_key: 'openai/gpt-4o', model: 'gpt-4o', api_key_id: '', status: 'ok', priced: true, events: 1, requests: 1, input_tokens: 100, total_tokens: 100, cost_input: '0.01', cost_total: '0.01' }]);
    // Hourly totals of the day now equal raw (alice −1, bob +1); only where the event sits differs.
    const [rawDay] = await store.sql.query<TenantTotalsRow>(rawTotalsQuery({ ...RANGE, tenants: [tenant] }));
    const [hourlyDay] = await store.sql.query<TenantTotalsRow>(rollupTotalsQuery('hourly', { ...RANGE, tenants: [tenant] }));
    expect(hourlyDay?.events).toBe(rawDay?.events);
    expect(hourlyDay?.cost_total).toBe(rawDay?.cost_total);
    const found = await store.rollups.compare({ since: null });
    expect(found.tables.find((t) => t.id === 'full_hourly')).toMatchObject({ keys: 2, events: 0n, cost: '0' });
    expect(found.tables.find((t) => t.id === 'full_daily')).toMatchObject({ keys: 1, events: 1n });
    await store.rollups.repair({ since: null });
    expect((await store.rollups.compare({ since: null })).tables.map((t) => t.keys)).toEqual(NONE);
  });

  it('finds a latency rollup short of events and repairs counts and every histogram bin to equal raw', async () => {
    const tenant = 'slow';
    await store.events.insert(mixedEvents(tenant, 120, 'ok'));
    const lost = mixedEvents(tenant, 41, 'lost');
    await insertWithoutViews(['usage_rollup_model'], lost);
    const found = await store.rollups.compare({ since: null });
    for (const t of found.tables) {
      expect(t, t.id).toMatchObject(t.table === 'usage_rollup_model' ? { events: 41n } : { keys: 0, events: 0n });
      if (t.table === 'usage_rollup_model') expect(t.keys, t.id).toBeGreaterThan(0);
    }
    expect(await latencyMatchesRaw(tenant)).toEqual(LATENCY_ROLLUPS.map(() => false));
    await store.rollups.repair({ since: null });
    expect((await store.rollups.compare({ since: null })).tables.map((t) => t.keys)).toEqual(NONE);
    expect(await latencyMatchesRaw(tenant)).toEqual(LATENCY_ROLLUPS.map(() => true));
    await store.sql.command({ sql: "OPTIMIZE TABLE usage_rollup_model FINAL" });
    expect(await latencyMatchesRaw(tenant)).toEqual(LATENCY_ROLLUPS.map(() => true));
  });

  it('finds a latency histogram whose counts all agree but whose bins differ (the bin fingerprint)', async () => {
    const tenant = 'binned';
    const at = daysAgo(1, 9);
    await store.events.insert([pricedEvent({ tenant, eventId: 'b-1', occurredAt: at, durationMs: 1000 })]);
    const [row] = await store.sql.query<{ bin: number }>({ sql: `SELECT durationMap.bin[1] AS bin FROM usage_rollup_model WHERE tenant = '${tenant}' AND grain = 'hourly'` });
    const bin = Number(row?.bin);
    // The event moved one bin up, in the hourly table only: every count of the day still agrees.
    await store.sql.insert('usage_rollup_model', [
      { tenant, grain: 'hourly', bucket: `${at.slice(0, 13).replace('T', ' ')}:00:00`, provider: 'openai', model_key: 'openai/gpt-4o', model: 'gpt-4o-2024-08-06', status: 'ok', priced: true, events: 0, requests: 0, duration_ms_count: 0, duration_ms_sum: 0, ttft_ms_count: 0, ttft_ms_sum: 0, 'durationMap.bin': [bin, bin + 1], 'durationMap.events': [-1, 1], 'ttftMap.bin': [], 'ttftMap.events': [] },
    ]);
    expect(await latencyMatchesRaw(tenant)).toEqual([true, false, true]);
    const found = await store.rollups.compare({ since: null });
    expect(found.tables.find((t) => t.id === 'model_hourly')).toMatchObject({ keys: 1, events: 0n });
    await store.rollups.repair({ since: null });
    expect((await store.rollups.compare({ since: null })).tables.map((t) => t.keys)).toEqual(NONE);
    expect(await latencyMatchesRaw(tenant)).toEqual([true, true, true]);
  });

  it('with `since`, compares only the buckets of raw rows processed since then', async () => {
    const tenant = 'window';
    const old = pricedEvent({ tenant, eventId: 'w-old', occurredAt: daysAgo(5, 3), costs: { input: parseUsd('1') } });
    await insertWithoutViews(['usage_rollup_full', 'usage_rollup_model'], [old]);
    const mark = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const recent = pricedEvent({ tenant, eventId: 'w-new', occurredAt: daysAgo(2, 3), costs: { input: parseUsd('2') } });
    await insertWithoutViews(['usage_rollup_full', 'usage_rollup_model'], [recent]);
    const windowed = await store.rollups.compare({ since: mark });
    for (const id of idsOf(['usage_rollup_full', 'usage_rollup_model'])) {
      expect(windowed.tables.find((t) => t.id === id), id).toMatchObject({ keys: 1, events: 1n, cost: '2' });
      expect((await store.rollups.compare({ since: null })).tables.find((t) => t.id === id), id).toMatchObject({ events: 2n, cost: '3' });
    }
    await store.rollups.repair({ since: null });
    expect((await expectRollupsEqualRaw(tenant))[0]).toMatchObject({ events: '2', cost_total: '3' });
  });

  it('never compares buckets before the raw retention horizon, where the daily rollup keeps what TTL removed', async () => {
    const now = Date.parse('2026-03-15T12:00:00Z');
    expect(retentionHorizon(now, 13).toISOString()).toBe('2025-02-17T00:00:00.000Z');
    expect(retentionHorizon(now, null).getTime()).toBe(0);
    const tenant = 'ancient';
    await store.events.insert([pricedEvent({ tenant, eventId: 'a-1', occurredAt: daysAgo(800), costs: { input: parseUsd('3') } })]);
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_events FINAL' });
    const found = await store.rollups.compare({ since: null });
    expect(found.horizon.getTime()).toBeGreaterThan(Date.parse(daysAgo(800)));
    await store.rollups.repair({ since: null });
    const [daily] = await store.sql.query<TenantTotalsRow>(rollupTotalsQuery('daily', { from: daysAgo(900, 0), to: daysAgo(-1, 0), tenants: [tenant] }));
    expect(daily).toMatchObject({ events: '1', cost_total: '3' });
  });

  it('checkpoints: none on a new store; safe_before stays before an unfinished insert; clean only when stopped idle', async () => {
    const other = await createChdbStore({ dataDir, database: uniqueName('tally_checkpoint') });
    try {
      await migrate(other);
      expect(await other.rollups.lastCheckpoint()).toBeNull();
      const t0 = Date.now();
      const first = await other.rollups.checkpoint('test');
      expect(first.clean).toBe(false);
      expect(first.safeBefore.getTime()).toBeGreaterThanOrEqual(t0);
      expect(await other.rollups.lastCheckpoint()).toMatchObject({ writer: 'test', clean: false, safeBefore: first.safeBefore });

      // An insert in flight holds the checkpoint back to its rows' processed_at.
      const inflight = other.events.insert(mixedEvents('cp', 2000, 'cp'));
      await new Promise((r) => setImmediate(r));
      const during = await other.rollups.checkpoint('test');
      await inflight;
      expect(during.safeBefore.getTime()).toBeLessThan(during.writtenAt.getTime() + 1);
      const stored = await other.sql.query<{ p: string }>({ sql: "SELECT toString(min(processed_at)) AS p FROM usage_events WHERE tenant = 'cp'" });
      expect(during.safeBefore.getTime()).toBeLessThanOrEqual(Date.parse(`${stored[0]?.p.replace(' ', 'T')}Z`));

      const last = await other.rollups.checkpoint('test', { final: true });
      expect(last.clean).toBe(true);
      expect(await other.rollups.lastCheckpoint()).toMatchObject({ clean: true });
    } finally {
      await other.close();
    }
  });

  it('a failed insert keeps the checkpoint before it (its raw part may lack a view part) and the stop unclean', async () => {
    const other = await createChdbStore({ dataDir, database: uniqueName('tally_failed') });
    try {
      await migrate(other);
      const bad = { ...pricedEvent({ tenant: 'f', eventId: 'f-1' }) };
      const before = Date.now();
      await other.sql.command({ sql: 'DETACH TABLE usage_events' });
      await expect(other.events.insert([bad])).rejects.toThrow();
      await other.sql.command({ sql: 'ATTACH TABLE usage_events' });
      const mark = await other.rollups.checkpoint('test', { final: true });
      expect(mark.clean).toBe(false);
      expect(mark.safeBefore.getTime()).toBeLessThanOrEqual(before + 1000);
      expect(mark.safeBefore.getTime()).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      await other.close();
    }
  });
});
