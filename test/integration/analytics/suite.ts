/**
 * The analytics query suite, run against every analytics-store adapter by
 * queries.test.ts: the fixed data set (dataset.ts) is inserted into a fresh
 * database, and every answer of the service is compared with an independent
 * computation over the same fixture list (expected.ts).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { migrate } from '../../../src/store/migrate.js';
import { insertEventRows, insertPricedEvents, dedupeAndInsert, deduplicationToken } from '../../../src/store/events.js';
import { cancellationOf, toEventRow, type UsageEventRow } from '../../../src/store/event-row.js';
import { eventByIdQuery } from '../../../src/store/queries/index.js';
import { createAnalyticsService, type AnalyticsService } from '../../../src/analytics/service.js';
import type { BreakdownResult, LatencyResult, UsageRecord } from '../../../src/analytics/index.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { COST_CLASSES } from '../../../src/core/classes.js';
import { uniqueName } from '../../support/services.js';
import { pricedEvent } from '../../support/store-fixtures.js';
import { analyticsDataset, billedPrice } from './dataset.js';
import { bucketKey, dimensionValue, expectMeasures, groupBy, keyOfBucketText, measures, modelLabel, params, percent, quantile, select, type Spec } from './expected.js';
import { insertRows, priceColumns, priceTotal } from '../../support/price-rows.js';
import { rejection } from '../../support/rejection.js';
import { type BreakdownDimension } from '../../../src/core/dimensions.js';
import { allMeasures } from '../../../src/analytics/model.js';

export type OpenStore = (database: string) => Promise<AnalyticsStore>;

const DAY = 86_400_000;

/** A segment's table, a rollup's as `<table>/<grain>` (every grain of a shape is one table, migration 0023). */
function segmentTable(s: { table: string; grain: string | null }): string {
  return s.grain === null ? s.table : `${s.table}/${s.grain}`;
}

function tables(result: { source: { segments: readonly { table: string; grain: string | null }[] } }): string[] {
  return [...new Set(result.source.segments.map(segmentTable))].sort();
}

/** rows + other of a breakdown equal the independent groups, in rank order, and add up to the selection. */
function expectBreakdown(
  result: BreakdownResult,
  events: readonly PricedEvent[],
  by: readonly BreakdownDimension[],
  limit: number,
  where: string,
  rank: (e: PricedEvent) => bigint = (e) => e.pricing.total,
  order: 'asc' | 'desc' = 'desc',
): void {
  const key = (e: PricedEvent): string => JSON.stringify(by.map((d) => dimensionValue(e, d)));
  const groups = [...groupBy(events, key).entries()].map(([k, list]) => ({ k, list, cost: list.reduce((s, e) => s + rank(e), 0n) }));
  const dir = order === 'desc' ? 1 : -1;
  groups.sort((a, b) => (a.cost > b.cost ? -dir : a.cost < b.cost ? dir : a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const top = groups.slice(0, limit);
  const rest = groups.slice(limit).flatMap((g) => g.list);
  expect(result.rows.map((r) => JSON.stringify(by.map((d) => r[d] ?? ''))), where).toEqual(top.map((g) => g.k));
  result.rows.forEach((r, i) => expectMeasures(r, top[i]!.list, `${where} row ${i}`));
  if (rest.length === 0) expect(result.other, where).toEqual([]);
  else {
    expect(result.other).toHaveLength(1);
    expectMeasures(result.other[0]!, rest, `${where} other`);
    expect(result.other[0]!.groups).toBe(groups.length - limit);
  }
  expectMeasures(result.totals, events, `${where} totals`);
}

/**
 * A latency answer against the events: groups, events, requests, statuses and latency counts exact;
 * percentiles as quantilesExactInclusive — to 2 decimals (`exact`) or within 1 % (`histogram`, the
 * latency rollups' bins); means to 1e-9 (Float64 sums in another order).
 */
function expectLatency(r: LatencyResult, events: readonly PricedEvent[], by: 'model_key' | 'provider', quantiles: 'exact' | 'histogram', where: string): void {
  expect(r.quantiles, where).toBe(quantiles);
  const groups = groupBy(events, (e) => dimensionValue(e, by));
  expect(r.rows.map((x) => x.key ?? '').sort(), where).toEqual([...groups.keys()].sort());
  for (const row of [...r.rows, { ...r.totals, key: '*' }]) {
    const list = row.key === '*' ? events : groups.get(row.key ?? '') ?? [];
    const at = `${where} ${row.key}`;
    expect(row.events, at).toBe(list.length);
    expect(row.requests, at).toBe(list.reduce((n, e) => n + Number(e.usage.requests), 0));
    const statuses: Record<string, number> = {};
    for (const e of list) statuses[e.event.status ?? 'ok'] = (statuses[e.event.status ?? 'ok'] ?? 0) + 1;
    expect(row.statuses, at).toEqual(statuses);
    const errors = list.filter((e) => e.event.status === 'error').length;
    expect(row.error_rate, at).toBeCloseTo(list.length === 0 ? 0 : errors / list.length, 4);
    for (const [name, get] of [['duration_ms', (e: PricedEvent) => e.event.duration_ms], ['ttft_ms', (e: PricedEvent) => e.event.ttft_ms]] as const) {
      const values = list.flatMap((e) => (get(e) === undefined ? [] : [get(e) as number])).sort((a, b) => a - b);
      const stats = row[name];
      expect(stats.count, `${at} ${name}`).toBe(values.length);
      if (values.length === 0) continue;
      expect(stats.avg!, `${at} ${name} avg`).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 2);
      for (const [level, got] of [[0.5, stats.p50], [0.95, stats.p95], [0.99, stats.p99]] as const) {
        const want = quantile(values, level);
        if (quantiles === 'exact') expect(got!, `${at} ${name} p${level * 100}`).toBeCloseTo(want, 2);
        else expect(Math.abs(got! - want), `${at} ${name} p${level * 100}: ${got} vs ${want}`).toBeLessThanOrEqual(want * 0.01 + 0.001);
      }
    }
  }
}

export function analyticsSuite(open: OpenStore): void {
  const now = Date.now();
  const data = analyticsDataset(now);
  let store: AnalyticsStore;
  let svc: AnalyticsService;
  /** What the store should hold now (the current version of each event). */
  let current: PricedEvent[] = [...data.events];
  /** The rows of the first insert, kept to insert them again. */
  const initialRows = data.events.map((p) => ({ ...toEventRow(p, { processedAt: '2026-01-01 00:00:00.000' }), ...priceColumns(billedPrice(p)) }));
  const days: Spec = { from: data.days.from, to: data.days.to, tenant: 'acme' };
  const all: Spec = { from: data.all.from, to: data.all.to, tenant: null };

  beforeAll(async () => {
    store = await open(uniqueName('tally_analytics'));
    await migrate(store, {});
    // With their billed prices (issue 16), under the token the insert path derives from the same rows.
    await insertRows(store.sql, initialRows, deduplicationToken(initialRows));
    svc = createAnalyticsService(store, { now: () => now });
  });
  afterAll(async () => {
    await store.sql.command({ sql: 'SYSTEM START MERGES usage_events' });
    await store.sql.command({ sql: `DROP DATABASE IF EXISTS ${store.database}` });
    await store.close();
  });

  /** The answers that must survive duplicates and re-pricing; run on the data as inserted and again after. */
  async function battery(events: readonly PricedEvent[]): Promise<void> {
    for (const tenant of ['acme', 'globex', null]) {
      const spec: Spec = { ...all, tenant };
      const s = await svc.summary(params(spec), tenant);
      expectMeasures(s.totals, select(events, spec), `summary ${tenant}`);
      const unaligned: Spec = { ...spec, from: data.days.from + 7 * 60_000 + 123, to: data.days.to - 3 * 3_600_000 - 60_000 };
      expectMeasures((await svc.summary(params(unaligned), tenant)).totals, select(events, unaligned), `unaligned summary ${tenant}`);
    }
    const acme = select(events, days);
    expectBreakdown(await svc.breakdown(params(days, { by: 'model_key', limit: '2' }), 'acme'), acme, ['model_key'], 2, 'by model_key');
    // The dashboard's panels, each from the narrowest rollup that carries its dimensions (issue 13),
    // over whole days and over a range with ragged edges.
    const ragged: Spec = { ...days, from: days.from + 7 * 60_000 + 123, to: days.to - 3 * 3_600_000 - 15 * 60_000 };
    const panels: { by: BreakdownDimension; spec: Spec; table: string }[] = [
      { by: 'agent', spec: days, table: 'usage_rollup_agent/daily' },
      { by: 'feature', spec: ragged, table: 'usage_rollup_agent/daily' },
      { by: 'user_id', spec: days, table: 'usage_rollup_user/daily' },
      { by: 'user_id', spec: ragged, table: 'usage_rollup_user/daily' },
      { by: 'group', spec: { ...days, tenant: null }, table: 'usage_rollup_user/daily' },
      { by: 'tenant', spec: { ...all, tenant: null }, table: 'usage_rollup_agent/daily' },
      { by: 'provider', spec: { ...ragged, tenant: null }, table: 'usage_rollup_model_all/daily' },
      { by: 'status', spec: days, table: 'usage_rollup_model/daily' },
    ];
    for (const p of panels) {
      const r = await svc.breakdown(params(p.spec, { by: p.by, limit: '2' }), p.spec.tenant);
      expectBreakdown(r, select(events, p.spec), [p.by], 2, `panel by ${p.by} ${JSON.stringify(p.spec)}`);
      expect(tables(r), `panel by ${p.by}`).toContain(p.table);
    }
    // Every tenant (the admin view): the all-tenant by-model rollups, time first (0018) — the
    // tenants' rollups summed over tenants, exact before and after duplicates and re-pricings.
    const everyTenant: Spec = { ...ragged, tenant: null };
    const adminSummary = await svc.summary(params(everyTenant), null);
    expectMeasures(adminSummary.totals, select(events, everyTenant), 'summary, every tenant, ragged');
    expect(tables(adminSummary)).toEqual(['usage_events', 'usage_rollup_model_all/15m', 'usage_rollup_model_all/daily', 'usage_rollup_model_all/hourly']);
    const everyDay: Spec = { ...days, tenant: null };
    const adminKolkata = await svc.breakdown(params(everyDay, { bucket: 'day', tz: 'Asia/Kolkata' }), null);
    expect(tables(adminKolkata)).toEqual(['usage_rollup_model_all/15m']);
    const adminByDay = groupBy(select(events, everyDay), (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'Asia/Kolkata'));
    expect(adminKolkata.rows.map((r) => keyOfBucketText(r.bucket ?? '', 'day'))).toEqual([...adminByDay.keys()].sort());
    for (const r of adminKolkata.rows) expectMeasures(r, adminByDay.get(keyOfBucketText(r.bucket ?? '', 'day')) ?? [], `Kolkata, every tenant ${r.bucket}`);
    const adminModels = await svc.breakdown(params(everyTenant, { by: 'model_key', limit: '2' }), null);
    expectBreakdown(adminModels, select(events, everyTenant), ['model_key'], 2, 'by model_key, every tenant, ragged');
    expect(tables(adminModels)).toContain('usage_rollup_model_all/daily');
    const adminSpend = await svc.timeseries(params(everyDay, { bucket: 'day', tz: 'Asia/Kathmandu', measure: 'cost_total', stack_by: 'model_key', limit: '2' }), null);
    expect(tables(adminSpend)).toEqual(['usage_rollup_model_all/15m']);
    const adminKathmandu = groupBy(select(events, everyDay), (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'Asia/Kathmandu'));
    adminSpend.buckets.forEach((b, i) => {
      const sum = adminSpend.series.reduce((x, series) => x + parseUsd(series.values[i] as string), 0n);
      expect(sum, `Kathmandu, every tenant ${b}`).toBe(parseUsd(measures(adminKathmandu.get(keyOfBucketText(b, 'day')) ?? []).cost_total as string));
    });
    // Records of every tenant are read in two passes (src/store/usage/records-read.ts): the same pages as one FINAL read.
    const newestFirst = (a: PricedEvent, b: PricedEvent): number => Date.parse(b.event.occurred_at) - Date.parse(a.event.occurred_at) || (a.event.event_id < b.event.event_id ? 1 : -1);
    const adminWant = select(events, everyDay).sort(newestFirst);
    const adminGot: string[] = [];
    let adminCursor: string | null = null;
    do {
      const page = await svc.records(params(everyDay, { limit: '7', ...(adminCursor ? { cursor: adminCursor } : {}) }), null);
      adminGot.push(...page.records.map((r) => `${r.tenant}/${r.event_id}/${r.cost_total}`));
      adminCursor = page.next_cursor;
    } while (adminCursor !== null);
    expect(adminGot).toEqual(adminWant.map((e) => `${e.event.tenant}/${e.event.event_id}/${measures([e]).cost_total}`));
    const raggedSummary = await svc.summary(params(ragged), 'acme');
    expectMeasures(raggedSummary.totals, select(events, ragged), 'ragged summary');
    expect(tables(raggedSummary).filter((t) => t !== 'usage_events')).toEqual(['usage_rollup_model/15m', 'usage_rollup_model/daily', 'usage_rollup_model/hourly']);
    const spend = await svc.timeseries(params(days, { bucket: 'day', tz: 'Asia/Kathmandu', measure: 'cost_total', stack_by: 'model_key', limit: '2' }), 'acme');
    expect(tables(spend)).toEqual(['usage_rollup_model/15m']);
    const kathmanduDays = groupBy(acme, (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'Asia/Kathmandu'));
    spend.buckets.forEach((b, i) => {
      const sum = spend.series.reduce((x, series) => x + parseUsd(series.values[i] as string), 0n);
      expect(sum, `Kathmandu ${b}`).toBe(parseUsd(measures(kathmanduDays.get(keyOfBucketText(b, 'day')) ?? []).cost_total as string));
    });
    const kolkata = await svc.breakdown(params(days, { bucket: 'day', tz: 'Asia/Kolkata' }), 'acme');
    expect(tables(kolkata)).toEqual(['usage_rollup_model/15m']);
    const byDay = groupBy(acme, (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'Asia/Kolkata'));
    expect(kolkata.rows.map((r) => keyOfBucketText(r.bucket ?? '', 'day'))).toEqual([...byDay.keys()].sort());
    for (const r of kolkata.rows) expectMeasures(r, byDay.get(keyOfBucketText(r.bucket ?? '', 'day')) ?? [], `Kolkata ${r.bucket}`);
    const tagged: Spec = { ...days, tag: ['env=prod'] };
    expectMeasures((await svc.summary(params(tagged), 'acme')).totals, select(events, tagged), 'tag filter');
    const session = await svc.session('sess-shared', {}, 'acme');
    expectMeasures(session.totals, events.filter((e) => e.event.tenant === 'acme' && e.event.session_id === 'sess-shared'), 'session');
    const latency = await svc.latency(params(days), 'acme');
    expect(latency.totals.events).toBe(acme.length);
    // The latency panel from the latency rollups (issue 13): whole days, a range with ragged edges
    // (15-minute and hourly rollups, raw slivers), every tenant, and filters they carry; a filter they
    // do not carry falls back to the exact read.
    const quarter = (ms: number): number => Math.ceil(ms / 900_000) * 900_000;
    const histogramCases: { spec: Spec; by: 'model_key' | 'provider'; tables: string[] }[] = [
      { spec: days, by: 'model_key', tables: ['usage_rollup_model/daily'] },
      { spec: { ...ragged, tenant: null }, by: 'provider', tables: ['usage_events', 'usage_rollup_model_all/15m', 'usage_rollup_model_all/daily', 'usage_rollup_model_all/hourly'] },
      { spec: { ...days, from: quarter(days.from + 5 * 3_600_000 + 7 * 60_000), to: quarter(days.to - 37 * 60_000) }, by: 'model_key', tables: ['usage_rollup_model/15m', 'usage_rollup_model/daily', 'usage_rollup_model/hourly'] },
      { spec: { ...all, tenant: null, provider: ['openai'], status: ['ok', 'error'] }, by: 'model_key', tables: ['usage_rollup_model_all/daily'] },
      { spec: { ...days, tenant: null, from: quarter(days.from + 5 * 3_600_000 + 7 * 60_000) }, by: 'model_key', tables: ['usage_rollup_model_all/15m', 'usage_rollup_model_all/daily', 'usage_rollup_model_all/hourly'] },
      { spec: { ...days, priced: false }, by: 'provider', tables: ['usage_rollup_model/daily'] },
    ];
    for (const c of histogramCases) {
      const r = await svc.latency(params(c.spec, { by: c.by, quantiles: 'histogram' }), c.spec.tenant);
      expectLatency(r, select(events, c.spec), c.by, 'histogram', `latency histogram ${JSON.stringify(c.spec)}`);
      expect(tables(r), `latency histogram ${JSON.stringify(c.spec)}`).toEqual(c.tables);
    }
    const byUser: Spec = { ...all, tenant: 'acme', user_id: ['u1', 'u3'] };
    expect(select(events, byUser).length).toBeGreaterThan(0);
    const fallback = await svc.latency(params(byUser, { quantiles: 'histogram' }), 'acme');
    expectLatency(fallback, select(events, byUser), 'model_key', 'exact', 'latency histogram with a user filter');
    expect(tables(fallback)).toEqual(['usage_events']);
    let ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await svc.records(params(days, { limit: '50', ...(cursor ? { cursor } : {}) }), 'acme');
      ids = [...ids, ...page.records.map((r) => r.event_id)];
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(ids.sort()).toEqual(acme.map((e) => e.event.event_id).sort());
  }

  it('answers every query as the independent computation does (summary, breakdown, Kolkata days, tags, session, latency, records)', async () => {
    await battery(current);
  });

  it('summary: totals and tokens/cost by model, per tenant and for all tenants', async () => {
    for (const tenant of ['acme', 'globex', 'initech', null]) {
      const spec: Spec = { ...all, tenant };
      const s = await svc.summary(params(spec), tenant);
      const events = select(current, spec);
      expectMeasures(s.totals, events, `totals ${tenant}`);
      const byModel = groupBy(events, modelLabel);
      expect(s.tokens_by_model.map((m) => m.model).sort()).toEqual([...byModel.keys()].sort());
      for (const m of s.tokens_by_model) expect(m).toEqual(expect.objectContaining({ total_tokens: measures(byModel.get(m.model) ?? []).total_tokens, input_tokens: measures(byModel.get(m.model) ?? []).input_tokens }));
      for (const m of s.cost_by_model) expect(m.cost_total).toBe(measures(byModel.get(m.model) ?? []).cost_total);
      const costs = s.cost_by_model.map((m) => parseUsd(m.cost_total ?? ''));
      expect([...costs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(costs);
    }
  });

  it('reads a day-aligned UTC range from the daily rollup alone, and an unaligned one from rollups plus raw edges', async () => {
    const aligned = await svc.summary(params(days), 'acme');
    expect(tables(aligned)).toEqual(['usage_rollup_model/daily']);
    const ragged: Spec = { ...days, from: days.from + 22 * 60_000 + 5, to: days.to - 35 * 60_000 };
    const r = await svc.summary(params(ragged), 'acme');
    expect(tables(r)).toEqual(['usage_events', 'usage_rollup_model/15m', 'usage_rollup_model/daily', 'usage_rollup_model/hourly']);
    expect(r.source.segments.map(segmentTable)).toEqual(['usage_events', 'usage_rollup_model/15m', 'usage_rollup_model/hourly', 'usage_rollup_model/daily', 'usage_rollup_model/hourly', 'usage_rollup_model/15m', 'usage_events']);
    expectMeasures(r.totals, select(current, ragged), 'ragged');
    // The default range, 30 days up to now, ends on the quarter hour: read from rollups alone (issue 13).
    const defaults = await svc.summary({}, 'acme');
    const end = Math.ceil(now / 900_000) * 900_000;
    expectMeasures(defaults.totals, select(current, { from: end - 30 * DAY, to: end, tenant: 'acme' }), 'default range');
    expect(tables(defaults).every((t) => t.startsWith('usage_rollup_model/')), tables(defaults).join()).toBe(true);
  });

  it('filters combine: AND across fields, OR within one; model matches model_key or the reported model', async () => {
    const specs: Spec[] = [
      { ...all, tenant: 'acme', user_id: ['u1', 'u3'] },
      { ...all, tenant: 'acme', user_id: ['u1', 'u3'], model: ['openai/gpt-4o'], status: ['ok'] },
      { ...all, tenant: 'acme', model: ['mystery-model'] },
      { ...all, tenant: 'acme', model: ['gpt-4o-2024-08-06', 'anthropic/claude-3-5-sonnet'] },
      { ...all, tenant: null, priced: false },
      { ...all, tenant: 'globex', priced: true, provider: ['openai'] },
      { ...all, tenant: 'acme', group: ['team-1'], agent: ['coder', 'planner'], feature: ['chat'] },
      { ...all, tenant: 'acme', api_key_id: ['key-acme-1'], status: ['error', 'cancelled'] },
      { ...all, tenant: null, user_id: ['u1'] },
      { ...all, tenant: 'acme', user_id: ['nobody'] },
    ];
    for (const spec of specs) {
      const s = await svc.summary(params(spec), spec.tenant);
      expectMeasures(s.totals, select(current, spec), JSON.stringify(spec));
      expect(tables(s)).not.toContain('usage_events');
    }
  });

  it('session_id and tag filters read raw events, combine with the rest, and agree', async () => {
    const specs: Spec[] = [
      { ...all, tenant: 'acme', tag: ['env=prod', 'team=search'] },
      { ...all, tenant: 'acme', tag: ['env=dev'], model: ['openai/gpt-4o'] },
      { ...all, tenant: 'acme', tag: ['team=nobody'] },
      { ...all, tenant: 'acme', session_id: ['sess-acme-1', 'sess-shared'] },
      { ...all, tenant: null, session_id: ['sess-shared'], status: ['ok'] },
    ];
    for (const spec of specs) {
      const s = await svc.summary(params(spec), spec.tenant);
      expect(tables(s)).toEqual(['usage_events']);
      expect(s.source.raw_reason).toMatch(/raw events/);
      expectMeasures(s.totals, select(current, spec), JSON.stringify(spec));
    }
  });

  it('breakdown by one and two dimensions: top-N rows + other add up to the summary', async () => {
    const cases: { by: BreakdownDimension[]; limit: number; spec: Spec }[] = [
      { by: ['model_key'], limit: 2, spec: days },
      { by: ['user_id'], limit: 3, spec: { ...all, tenant: 'acme' } },
      { by: ['user_id', 'agent'], limit: 5, spec: { ...all, tenant: 'acme' } },
      { by: ['tenant'], limit: 10, spec: all },
      { by: ['group', 'status'], limit: 100, spec: { ...all, tenant: 'globex', tag: ['env=prod'] } },
      { by: ['provider', 'model'], limit: 1, spec: { ...all, tenant: 'acme', priced: true } },
      { by: ['api_key_id'], limit: 1, spec: all },
    ];
    for (const c of cases) {
      const result = await svc.breakdown(params(c.spec, { by: c.by.join(','), limit: String(c.limit) }), c.spec.tenant);
      expectBreakdown(result, select(current, c.spec), c.by, c.limit, c.by.join(','));
      const summary = await svc.summary(params(c.spec), c.spec.tenant);
      expect(result.totals).toEqual(summary.totals);
    }
    const byTokens = await svc.breakdown(params(days, { by: 'user_id', sort: 'total_tokens', order: 'asc' }), 'acme');
    const tokens = byTokens.rows.map((r) => allMeasures(r).total_tokens);
    expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
  });

  it('measures= narrows a breakdown to the measures asked for, each equal to the full answer\'s; one plotted measure reads only its inputs (issue 13)', async () => {
    const variants: Record<string, string>[] = [{ by: 'user_id', limit: '3' }, { by: 'agent,model_key', limit: '2' }, { bucket: 'day', tz: 'Asia/Kolkata' }, { by: 'model_key', bucket: 'day', limit: '2' }];
    for (const extra of variants) {
      const full = await svc.breakdown(params(days, extra), 'acme');
      const asked = ['events', 'output_tokens', 'cost_total', 'price', 'margin', 'margin_pct', 'avg_duration_ms'] as const; // answer order
      // Sorted by a measure that is not asked for: the ranking is the same, the measure is not in the answer.
      const narrow = await svc.breakdown(params(days, { ...extra, measures: 'output_tokens,margin,events,cost_total,price,margin_pct,avg_duration_ms', sort: 'total_tokens' }), 'acme');
      const sortedByTokens = await svc.breakdown(params(days, { ...extra, sort: 'total_tokens' }), 'acme');
      const pick = (m: object): Record<string, unknown> => Object.fromEntries(asked.map((k) => [k, (m as Record<string, unknown>)[k]]));
      const label = JSON.stringify(extra);
      expect(narrow.rows.map((r) => Object.keys(r).filter((k) => !['bucket', 'user_id', 'agent', 'model_key'].includes(k))), label).toEqual(narrow.rows.map(() => [...asked]));
      expect(narrow.rows.map(pick), label).toEqual(sortedByTokens.rows.map(pick));
      expect(narrow.other.map(pick), label).toEqual(sortedByTokens.other.map(pick));
      expect(narrow.totals, label).toEqual(pick(full.totals));
      expect(narrow.source.segments, label).toEqual(full.source.segments);
    }
    // The summary too: totals and the per-model lists carry the measures asked for (each list its own among them), in the same order.
    const fullSummary = await svc.summary(params(days), 'acme');
    const narrowSummary = await svc.summary(params(days, { measures: 'requests,cost_total,error_events,cache_savings' }), 'acme');
    expect(narrowSummary.totals).toEqual({ requests: fullSummary.totals.requests, error_events: fullSummary.totals.error_events, cost_total: fullSummary.totals.cost_total, cache_savings: fullSummary.totals.cache_savings });
    expect(narrowSummary.tokens_by_model).toEqual(fullSummary.tokens_by_model.map((m) => ({ model: m.model, requests: m.requests })));
    expect(narrowSummary.cost_by_model).toEqual(fullSummary.cost_by_model.map((m) => ({ model: m.model, cost_total: m.cost_total, cache_savings: m.cache_savings })));
    expect(await rejection(svc.breakdown(params(days, { by: 'user_id', measures: 'cost_total,cost' }), 'acme'))).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'measures[1]' }] } });
    for (const measure of ['price', 'margin', 'output_tokens', 'audio_seconds'] as const) {
      const all = await svc.timeseries(params(days, { bucket: 'day', measure: 'all', stack_by: 'model_key', limit: '3' }), 'acme');
      const one = await svc.timeseries(params(days, { bucket: 'day', measure, stack_by: 'model_key', limit: '3' }), 'acme');
      const ranked = await svc.breakdown(params(days, { by: 'model_key', sort: measure, limit: '3' }), 'acme');
      expect(one.series.filter((x) => !x.other).map((x) => x.key), measure).toEqual(ranked.rows.map((r) => r.model_key));
      for (const series of one.series) {
        const same = all.series.find((x) => x.other === series.other && x.key === series.key);
        if (same === undefined || series.other) continue; // "other" holds different groups when the ranking measure differs
        expect(series.values, `${measure} ${series.key}`).toEqual(same.values.map((v) => (v as Record<string, unknown>)[measure]));
      }
    }
  });

  it('breakdown by time bucket honours the zone, reading the coarsest exact rollup', async () => {
    const cases = [
      // A bucket alone needs no dimension: the narrowest rollup of the grain (by agent daily, by model hourly and 15-minute).
      { tz: 'UTC', bucket: 'day', expect: ['usage_rollup_agent/daily'] },
      { tz: 'America/New_York', bucket: 'day', expect: ['usage_rollup_model/hourly'] },
      { tz: 'Asia/Kolkata', bucket: 'day', expect: ['usage_rollup_model/15m'] },
      { tz: 'Asia/Kolkata', bucket: 'hour', expect: ['usage_rollup_model/15m'] },
      { tz: 'Europe/Berlin', bucket: 'week', expect: ['usage_rollup_model/hourly'] },
      { tz: 'America/New_York', bucket: 'month', expect: ['usage_rollup_model/hourly'] },
    ] as const;
    for (const c of cases) {
      const spec: Spec = { from: data.all.from, to: data.all.to, tenant: 'acme' };
      const r = await svc.breakdown(params(spec, { bucket: c.bucket, tz: c.tz }), 'acme');
      const events = select(current, spec);
      const groups = groupBy(events, (e) => bucketKey(Date.parse(e.event.occurred_at), c.bucket, c.tz));
      expect(r.rows.map((x) => keyOfBucketText(x.bucket ?? '', c.bucket)), `${c.tz} ${c.bucket}`).toEqual([...groups.keys()].sort());
      for (const row of r.rows) expectMeasures(row, groups.get(keyOfBucketText(row.bucket ?? '', c.bucket)) ?? [], `${c.tz} ${c.bucket} ${row.bucket}`);
      expectMeasures(r.totals, events, `${c.tz} totals`);
      // The range is on UTC day boundaries, so it is one segment of the coarsest exact rollup.
      expect(tables(r), `${c.tz} ${c.bucket}`).toEqual(c.expect);
    }
    const byModelByDay = await svc.breakdown(params(days, { by: 'model_key', bucket: 'day', tz: 'Asia/Kolkata', limit: '2' }), 'acme');
    expectMeasures(byModelByDay.totals, select(current, days), 'model by day totals');
    const perBucket = groupBy(select(current, days), (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'Asia/Kolkata'));
    for (const [k, list] of perBucket) {
      const rows = [...byModelByDay.rows, ...byModelByDay.other].filter((r) => keyOfBucketText(r.bucket ?? '', 'day') === k);
      const sum = rows.reduce((s, r) => s + parseUsd(allMeasures(r).cost_total), 0n);
      expect(sum, k).toBe(parseUsd(measures(list).cost_total as string));
    }
  });

  it('timeseries: every bucket present, zeros in the gaps, stacked top-N + other adding up per bucket', async () => {
    const spec: Spec = { from: data.days.from, to: data.days.from + 2 * DAY, tenant: 'acme' };
    const ts = await svc.timeseries(params(spec, { bucket: 'hour', tz: 'Asia/Kolkata', measure: 'total_tokens' }), 'acme');
    expect(ts.buckets).toHaveLength(49); // 48 hours starting at :30 UTC, the first one starting before `from`
    expect(ts.buckets[0]).toMatch(/T05:00:00\+05:30$/);
    const events = select(current, spec);
    const byHour = groupBy(events, (e) => bucketKey(Date.parse(e.event.occurred_at), 'hour', 'Asia/Kolkata'));
    const [series] = ts.series;
    expect(ts.series).toHaveLength(1);
    ts.buckets.forEach((b, i) => expect(series!.values[i], b).toBe(measures(byHour.get(keyOfBucketText(b, 'hour')) ?? []).total_tokens));
    expect(series!.values.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(series!.total).toBe(measures(events).total_tokens);

    const stacked = await svc.timeseries(params({ ...all, tenant: 'acme' }, { bucket: 'day', measure: 'cost_total', stack_by: 'user_id', limit: '2' }), 'acme');
    expect(stacked.series.map((s) => s.other)).toEqual([false, false, true]);
    const acme = select(current, { ...all, tenant: 'acme' });
    const byDay = groupBy(acme, (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'UTC'));
    stacked.buckets.forEach((b, i) => {
      const sum = stacked.series.reduce((s, x) => s + parseUsd(x.values[i] as string), 0n);
      expect(sum, b).toBe(parseUsd(measures(byDay.get(b.slice(0, 10)) ?? []).cost_total as string));
    });
    const all3 = await svc.timeseries(params(days, { bucket: 'day', measure: 'all' }), 'acme');
    expect(all3.series[0]!.values).toHaveLength(12);
    expectMeasures(all3.series[0]!.total as object, select(current, days), 'measure=all total');
  });

  it('week and day buckets across the New York DST change start at local midnight with the right offset', async () => {
    const spec: Spec = { from: data.dst - 5 * DAY, to: data.dst + 5 * DAY, tenant: 'acme' };
    const ts = await svc.timeseries(params(spec, { bucket: 'day', tz: 'America/New_York', measure: 'events' }), 'acme');
    for (const b of ts.buckets) expect(b).toMatch(/T00:00:00-0[45]:00$/);
    const offsets = new Set(ts.buckets.map((b) => b.slice(-6)));
    expect(offsets).toEqual(new Set(['-04:00', '-05:00']));
    const events = select(current, spec);
    const byDay = groupBy(events, (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'America/New_York'));
    ts.buckets.forEach((b, i) => expect(ts.series[0]!.values[i], b).toBe(byDay.get(b.slice(0, 10))?.length ?? 0));
    const weeks = await svc.breakdown(params(spec, { bucket: 'week', tz: 'America/New_York' }), 'acme');
    const byWeek = groupBy(events, (e) => bucketKey(Date.parse(e.event.occurred_at), 'week', 'America/New_York'));
    expect(weeks.rows.map((r) => r.bucket?.slice(0, 10))).toEqual([...byWeek.keys()].sort());
    for (const r of weeks.rows) {
      expect(new Date(`${r.bucket?.slice(0, 10)}T12:00:00Z`).getUTCDay()).toBe(1);
      expectMeasures(r, byWeek.get(r.bucket?.slice(0, 10) ?? '') ?? [], `week ${r.bucket}`);
    }
  });

  it('records: newest first, cursor pages cover each event once, filters apply, bad cursors are refused', async () => {
    const spec: Spec = { ...all, tenant: 'acme', model: ['openai/gpt-4o', 'mystery-model'] };
    const want = select(current, spec).sort((a, b) => Date.parse(b.event.occurred_at) - Date.parse(a.event.occurred_at) || (a.event.event_id < b.event.event_id ? 1 : -1));
    const got: UsageRecord[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await svc.records(params(spec, { limit: '7', ...(cursor ? { cursor } : {}) }), 'acme');
      got.push(...page.records);
      for (const r of page.records) expect(r.tenant).toBe('acme');
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(got.map((r) => r.event_id)).toEqual(want.map((e) => e.event.event_id));
    // Each record carries the cost of every class, exact, and the usage object as the event carried it.
    got.forEach((r, i) => {
      const src = want[i]!;
      for (const c of COST_CLASSES) expect(r[`cost_${c}`], `${r.event_id} cost_${c}`).toBe(formatUsd(src.pricing.cost[c]));
      expect(r.usage, r.event_id).toStrictEqual(JSON.parse(JSON.stringify(src.event.usage)));
    });
    const provider = got.find((r) => 'x_vendor_ratio' in r.usage);
    expect(provider?.usage).toMatchObject({ x_vendor_ratio: 0.30000000000000004, x_vendor_big: 1152921504606846976, x_vendor_tiny: 1e-21, x_vendor_note: 'naïve "quoted" ✓' });
    expect(got.some((r) => r.cost_request === '0.000000000000001')).toBe(true);
    expect(pages).toBe(Math.ceil(want.length / 7));
    const first = (await svc.records(params(spec, { limit: '1' }), 'acme')).records[0]!;
    const src = want[0]!;
    expect(first).toMatchObject({ event_id: src.event.event_id, occurred_at: src.event.occurred_at, model: src.event.model, model_key: src.pricing.model_key, cost_total: measures([src]).cost_total, total_tokens: src.usage.tokens.total, metadata: src.event.metadata });
    expect((await rejection(svc.records({ cursor: 'nope' }, 'acme'))).details.errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
  });

  it('records by event id (issue 17: the event view as a link): those events only, within the scope and filters', async () => {
    const acme = select(current, { ...all, tenant: 'acme' });
    const [a, b] = [acme[0]!, acme[acme.length - 1]!];
    const one = await svc.records(params(all, { event_id: a.event.event_id }), 'acme');
    expect(one.records.map((r) => r.event_id)).toEqual([a.event.event_id]);
    expect(one.records[0]).toMatchObject({ occurred_at: a.event.occurred_at, cost_total: measures([a]).cost_total, metadata: a.event.metadata });
    const two = await svc.records(params(all, { event_id: [a.event.event_id, b.event.event_id] }), 'acme');
    expect(two.records.map((r) => r.event_id).sort()).toEqual([a.event.event_id, b.event.event_id].sort());
    // The tenant scope and the other filters still apply: another tenant's event is not found.
    const other = current.find((e) => e.event.tenant !== 'acme')!;
    expect((await svc.records(params(all, { event_id: other.event.event_id }), 'acme')).records).toEqual([]);
    expect((await svc.records(params(all, { event_id: a.event.event_id, status: a.event.status === 'ok' ? 'error' : 'ok' }), 'acme')).records).toEqual([]);
  });

  it('sessions: start, end, measures, models, users and agents of one session; unknown ids are NOT_FOUND', async () => {
    for (const [tenant, id] of [['acme', 'sess-acme-2'], ['globex', 'sess-shared'], [null, 'sess-shared']] as const) {
      const events = current.filter((e) => (tenant === null || e.event.tenant === tenant) && e.event.session_id === id);
      const s = await svc.session(id, {}, tenant);
      const times = events.map((e) => Date.parse(e.event.occurred_at));
      expect(s).toMatchObject({
        session_id: id,
        started_at: new Date(Math.min(...times)).toISOString(),
        ended_at: new Date(Math.max(...times)).toISOString(),
        duration_ms: Math.max(...times) - Math.min(...times),
        models: [...new Set(events.map(modelLabel))].sort(),
        users: [...new Set(events.flatMap((e) => (e.event.user_id ? [e.event.user_id] : [])))].sort(),
        agents: [...new Set(events.flatMap((e) => (e.event.agent ? [e.event.agent] : [])))].sort(),
        tenants: [...new Set(events.map((e) => e.event.tenant))].sort(),
      });
      expectMeasures(s.totals, events, `session ${tenant} ${id}`);
    }
    expect((await rejection(svc.session('sess-nope', {}, 'acme'))).code).toBe('NOT_FOUND');
    expect((await rejection(svc.session('sess-acme-1', {}, 'globex'))).code).toBe('NOT_FOUND');
  });

  it('latency: exact p50/p95/p99 and error rates by model_key and provider', async () => {
    for (const by of ['model_key', 'provider'] as const) {
      const spec: Spec = { ...all, tenant: 'acme' };
      const r = await svc.latency(params(spec, { by }), 'acme');
      expect(r.quantiles).toBe('exact');
      expect(tables(r)).toEqual(['usage_events']);
      expectLatency(r, select(current, spec), by, 'exact', `latency by ${by}`);
    }
  });

  it('revenue and margin (issue 16): price, margin and margin_pct on summary, breakdown, timeseries, records and sessions, ranked exactly', async () => {
    const margin = (e: PricedEvent): bigint => priceTotal(billedPrice(e)) - e.pricing.total;
    const price = (e: PricedEvent): bigint => priceTotal(billedPrice(e));
    // Every tenant: acme's markup (positive), globex's contract (negative on some events), initech's nothing (margin = −cost).
    const byTenant = await svc.breakdown(params(all, { by: 'tenant', sort: 'margin', order: 'asc' }), null);
    expectBreakdown(byTenant, select(current, all), ['tenant'], 100, 'by tenant, margin ascending', margin, 'asc');
    expect(byTenant.rows.map((r) => [r.tenant, r.margin_pct])).toEqual([['initech', null], ...byTenant.rows.slice(1).map((r) => [r.tenant, r.margin_pct])]);
    const initech = byTenant.rows.find((r) => r.tenant === 'initech')!;
    expect(initech.price).toBe('0');
    expect(initech.margin).toBe(`-${initech.cost_total}`);
    const globexEvents = select(current, { ...all, tenant: 'globex' });
    expect(globexEvents.some((e) => margin(e) < 0n) && globexEvents.some((e) => margin(e) > 0n)).toBe(true);
    // Ranked by price and by margin, top-N + other, over whole days and a ragged range (rollups plus raw edges).
    const ragged: Spec = { ...days, tenant: null, from: days.from + 7 * 60_000 + 123, to: days.to - 3 * 3_600_000 - 15 * 60_000 };
    for (const spec of [{ ...days, tenant: null }, ragged]) {
      expectBreakdown(await svc.breakdown(params(spec, { by: 'model_key', sort: 'price', limit: '2' }), null), select(current, spec), ['model_key'], 2, `by model, price ${JSON.stringify(spec)}`, price);
      expectBreakdown(await svc.breakdown(params(spec, { by: 'user_id', sort: 'margin', limit: '3' }), null), select(current, spec), ['user_id'], 3, `by user, margin ${JSON.stringify(spec)}`, margin);
    }
    // Summary per model: price and margin next to the cost.
    const s = await svc.summary(params(all), null);
    const byModel = groupBy(select(current, all), modelLabel);
    for (const m of s.cost_by_model) {
      const want = measures(byModel.get(m.model) ?? []);
      expect({ price: m.price, margin: m.margin, margin_pct: m.margin_pct }, m.model).toEqual({ price: want.price, margin: want.margin, margin_pct: want.margin_pct });
    }
    // Timeseries: margin per day, stacked by tenant, adding up per bucket; price plotted alone.
    const ts = await svc.timeseries(params(all, { bucket: 'day', measure: 'margin', stack_by: 'tenant' }), null);
    const perDay = groupBy(select(current, all), (e) => bucketKey(Date.parse(e.event.occurred_at), 'day', 'UTC'));
    ts.buckets.forEach((b, i) => {
      const sum = ts.series.reduce((x, series) => x + parseUsd(series.values[i] as string), 0n);
      expect(sum, b).toBe(parseUsd(measures(perDay.get(b.slice(0, 10)) ?? []).margin as string));
    });
    expect(ts.series.map((x) => x.key)).toEqual(['acme', 'globex', 'initech']);
    const revenue = await svc.timeseries(params(days, { bucket: 'day', measure: 'price' }), 'acme');
    expect(revenue.series[0]!.total).toBe(measures(select(current, days)).price);
    // Records: each event's price, margin, margin_pct and price book version.
    const page = await svc.records(params({ ...all, tenant: 'globex' }, { limit: '1000' }), 'globex');
    const want = new Map(select(current, { ...all, tenant: 'globex' }).map((e) => [e.event.event_id, e]));
    expect(page.records).toHaveLength(want.size);
    for (const r of page.records) {
      const e = want.get(r.event_id)!;
      const p = price(e);
      expect({ price: r.price, margin: r.margin, margin_pct: r.margin_pct, price_book_version: r.price_book_version }, r.event_id).toEqual({
        price: formatUsd(p),
        margin: formatUsd(margin(e)),
        margin_pct: percent(margin(e), p),
        price_book_version: billedPrice(e).book ?? null,
      });
    }
  });

  it('validation errors name the field', async () => {
    const err = await rejection(svc.breakdown({ by: 'colour', bucket: 'fortnight', sort: 'vibes', limit: '0', tz: 'Nowhere/City', from: '2025-13-01' }, 'acme'));
    expect(err.code).toBe('VALIDATION_FAILED');
    expect((err.details.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(['bucket', 'by[0]', 'from', 'limit', 'sort', 'tz']);
  });

  it('duplicates inserted before merges and a cancel + new version change no answer', async () => {
    // Merges stay off until the end of the suite, so duplicates and old versions are really there.
    await store.sql.command({ sql: 'SYSTEM STOP MERGES usage_events' });
    // The same rows inserted again: a retried insert (same token), the same events re-processed
    // (same token, other processing time), a batch overlapping stored events (dropped by the lookup).
    await insertEventRows(store, initialRows);
    await insertPricedEvents(store, data.events);
    const late = pricedEvent({ tenant: 'acme', eventId: 'late-1', occurredAt: new Date(data.days.from + 3 * DAY + 1234).toISOString(), costs: { input: parseUsd('0.5') }, tokens: { input: 10 } });
    const res = await dedupeAndInsert(store, [...data.events.filter((_, i) => i % 5 === 0), late]);
    expect(res.inserted).toBe(1);
    current = [...current, late];

    // Re-price two events: cancel the stored version, add the new one (new model, cost, priced state).
    const reprices = [
      ['ev-0003', { modelKey: 'acme/custom', model: 'custom-1', costs: { input: parseUsd('1.25'), output: parseUsd('0.000000000000003') } }],
      ['ev-0007', { modelKey: 'openai/gpt-4o', model: 'gpt-4o-2024-08-06', costs: { input: parseUsd('0.01') } }],
    ] as const;
    for (const [id, to] of reprices) {
      const old = current.find((e) => e.event.event_id === id)!;
      const [stored] = await store.sql.query<UsageEventRow>(eventByIdQuery({ tenant: old.event.tenant, eventId: id }));
      const e = old.event;
      const repriced = pricedEvent({ tenant: e.tenant, eventId: id, occurredAt: e.occurred_at, userId: e.user_id, group: e.group, sessionId: e.session_id, agent: e.agent, feature: e.feature, apiKeyId: e.api_key_id, provider: e.provider, metadata: e.metadata, tokens: { input: 7, output: 3 }, durationMs: 99, ...to });
      // The stored row carries its price columns, so its cancel row takes back the price it billed.
      await insertRows(store.sql, [cancellationOf(stored!), { ...toEventRow(repriced, { rowVersion: BigInt(stored!.row_version) + 2n }), ...priceColumns(billedPrice(repriced)) }]);
      current = current.map((x) => (x.event.event_id === id && x.event.tenant === e.tenant ? repriced : x));
    }
    // Unmerged: each event's first version, its cancel row and its newest version all stand side by
    // side (inserts do not merge blocks: optimize_on_insert = 0); the rollups got all three. FINAL picks.
    const versions = await store.sql.query<{ v: string }>({ sql: "SELECT toString(row_version) AS v FROM usage_events WHERE event_id IN ('ev-0003', 'ev-0007') ORDER BY v" });
    expect(versions.map((r) => r.v)).toEqual(['1', '1', '2', '2', '3', '3']);
    await battery(current);
    const s = await svc.summary(params({ ...all, tenant: 'acme', model: ['acme/custom'] }), 'acme');
    expect(s.totals.events).toBe(1);
    expect(s.totals.cost_total).toBe('1.250000000000003');
    expect(s.cost_by_model.find((m) => m.model === 'acme/custom')?.cost_output).toBe('0.000000000000003');
  });

  it('a copy that reached usage_events past the insert-path dedupe: raw answers and source=raw collapse it (FINAL)', async () => {
    const copies = current.filter((e) => e.event.tenant === 'acme' && e.event.event_id.startsWith('ev-')).slice(0, 10);
    await store.sql.insert('usage_events', copies.map((p) => ({ ...toEventRow(p, { processedAt: '2030-01-01 00:00:00.000' }), ...priceColumns(billedPrice(p)) })));
    const spec: Spec = { ...all, tenant: 'acme' };
    const want = select(current, spec);
    const raw = await svc.summary(params(spec, { source: 'raw' }), 'acme');
    expect(tables(raw)).toEqual(['usage_events']);
    expectMeasures(raw.totals, want, 'source=raw');
    const byDay = await svc.breakdown(params(spec, { bucket: 'day', by: 'model_key', source: 'raw' }), 'acme');
    expectMeasures(byDay.totals, want, 'breakdown source=raw');
    expectMeasures((await svc.summary(params({ ...spec, tag: ['env=prod'] }), 'acme')).totals, select(current, { ...spec, tag: ['env=prod'] }), 'tags');
    expect((await svc.latency(params(spec), 'acme')).totals.events).toBe(want.length);
    const session = copies[0]!.event.session_id!;
    expectMeasures((await svc.session(session, {}, 'acme')).totals, current.filter((e) => e.event.tenant === 'acme' && e.event.session_id === session), 'session');
    const page = await svc.records(params(spec, { limit: '1000' }), 'acme');
    expect(page.records.map((r) => r.event_id).sort()).toEqual(want.map((e) => e.event.event_id).sort());
    const [n] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM usage_events WHERE tenant = 'acme' AND sign = 1" });
    expect(Number(n!.n)).toBeGreaterThan(want.length); // the copies are stored, unmerged
  });
}
