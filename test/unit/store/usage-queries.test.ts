/**
 * The usage operation group's query objects pin their SQL text, one
 * representative spec each (in __snapshots__/usage/*.sql, reviewed like
 * code), with every value bound; and the operations run them over an
 * executor, returning the store's rows and, where the answer describes its
 * source, the plan.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { MIGRATIONS_DIR } from '../../../src/store/migrate.js';
import type { SqlExecutor, SqlQuery } from '../../../src/store/types.js';
import {
  breakdownQuery,
  createUsageQueries,
  latencyHistogramPlan,
  latencyHistogramQuery,
  latencyQuery,
  recordKeysQuery,
  recordsOfKeysQuery,
  recordsQuery,
  RECORD_COLUMNS,
  sessionQuery,
  summaryQuery,
  timeseriesQuery,
  type BreakdownSpec,
  type RecordsSpec,
  type TimeseriesSpec,
} from '../../../src/store/usage/index.js';

const t = (s: string): number => Date.parse(s);
const DAY = 86_400_000;

describe('usage query objects', () => {
  it('summary: per model label over a raw edge, a daily middle and an hourly tail', async () => {
    const q = summaryQuery({ scope: 'acme', filters: { user_id: ['u1'] }, from: t('2025-03-01T23:50:00Z'), to: t('2025-03-03T01:00:00Z'), tz: 'UTC', source: 'auto' });
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/summary.sql');
    expect(q.plan).toEqual({
      segments: [
        { source: 'raw', table: 'usage_events', from: t('2025-03-01T23:50:00Z'), to: t('2025-03-02T00:00:00Z') },
        // A user filter and per-model rows: only the full rollups carry both.
        { source: 'daily', table: 'usage_rollup_full', from: t('2025-03-02T00:00:00Z'), to: t('2025-03-03T00:00:00Z') },
        { source: 'hourly', table: 'usage_rollup_full', from: t('2025-03-03T00:00:00Z'), to: t('2025-03-03T01:00:00Z') },
      ],
      rawReason: null,
    });
    expect(q.params).toEqual({
      tenant: 'acme',
      user_id: ['u1'],
      s0_from: '2025-03-01 23:50:00.000', s0_to: '2025-03-02 00:00:00.000',
      s1_from: '2025-03-02 00:00:00', s1_to: '2025-03-03 00:00:00',
      s2_from: '2025-03-03 00:00:00', s2_to: '2025-03-03 01:00:00',
    });
  });

  it('breakdown: by model_key by UTC day, the top 10 by cost and one other row per day', async () => {
    const spec: BreakdownSpec = { scope: 'acme', filters: {}, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-08T00:00:00Z'), tz: 'UTC', source: 'auto', by: ['model_key'], bucket: 'day', sort: 'cost_total', order: 'desc', limit: 10 };
    const q = breakdownQuery(spec);
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/breakdown-model-by-day.sql');
    expect(q.plan.segments.map((s) => s.source)).toEqual(['daily']);
    // Both passes read the same segments under the same parameter names.
    expect(q.params).toEqual({ tenant: 'acme', s0_from: '2025-03-01 00:00:00', s0_to: '2025-03-08 00:00:00', tz: 'UTC', limit: 10 });
  });

  it('timeseries: Berlin hours from the hourly rollup, unstacked', async () => {
    const spec: TimeseriesSpec = { scope: null, filters: { provider: ['openai'] }, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), tz: 'Europe/Berlin', source: 'auto', bucket: 'hour', stackBy: null, rank: 'total_tokens', limit: 10 };
    const q = timeseriesQuery(spec);
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/timeseries.sql');
    expect(q.plan.segments.map((s) => s.source)).toEqual(['hourly']);
    expect(q.params).toEqual({ provider: ['openai'], s0_from: '2025-03-01 00:00:00', s0_to: '2025-03-02 00:00:00', tz: 'Europe/Berlin' });
  });

  it('records: the page after a position, newest first, one extra row', async () => {
    const q = recordsQuery({ scope: 'acme', filters: { status: ['error'] }, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), limit: 50 }, { occurredAt: '2025-03-01 12:00:00.000', eventId: 'ev-1' });
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/records.sql');
    expect(q.params).toEqual({ tenant: 'acme', status: ['error'], from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000', after_at: '2025-03-01 12:00:00.000', after_id: 'ev-1', limit: 51 });
  });

  it('records in two statements: the keys of the newest rows without FINAL, then the current versions of those events and their record columns by position', async () => {
    const spec: RecordsSpec = { scope: null, filters: { status: ['error'] }, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), limit: 2 };
    const after = { occurredAt: '2025-03-01 12:00:00.000', eventId: 'ev-1' };
    const keys = recordKeysQuery(spec, after, 12);
    await expect(keys.sql).toMatchFileSnapshot('__snapshots__/usage/record-keys.sql');
    expect(keys.params).toEqual({ status: ['error'], from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000', after_at: '2025-03-01 12:00:00.000', after_id: 'ev-1', limit: 12 });
    const named = [{ tenant: 'a', day: '2025-03-01', event_id: 'e1' }, { tenant: 'b', day: '2025-03-01', event_id: 'e2' }];
    const page = recordsOfKeysQuery(spec, after, named, { occurredAt: '2025-03-01 11:00:00.000', eventId: 'e2' });
    await expect(page.sql).toMatchFileSnapshot('__snapshots__/usage/records-of-keys.sql');
    expect(page.params).toEqual({
      key_tenants: ['a', 'b'], key_days: ['2025-03-01', '2025-03-01'], key_ids: ['e1', 'e2'], status: ['error'], from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000',
      after_at: '2025-03-01 12:00:00.000', after_id: 'ev-1', through_at: '2025-03-01 11:00:00.000', through_id: 'e2', limit: 3,
    });
    expect(recordsOfKeysQuery(spec, after, named, null).sql).not.toContain('through_at');
  });

  it('the keys of a page name only columns of the projection records_by_time (migration 0019), so ClickHouse can read it', () => {
    const projection = /ADD PROJECTION IF NOT EXISTS records_by_time\s*\(\s*SELECT([\s\S]*?)ORDER BY occurred_at, event_id\s*\)/.exec(readFileSync(join(MIGRATIONS_DIR, '0019_records_by_time.sql'), 'utf8'));
    const held = new Set((projection?.[1] ?? '').split(',').map((c) => c.trim()));
    // Step three reads the record columns and the version columns from it, step one the key and filtered ones.
    for (const column of [...RECORD_COLUMNS, 'row_version', 'processed_at', 'sign']) expect(held, column).toContain(column);
    const filters = { user_id: ['u'], group: ['g'], session_id: ['s'], agent: ['a'], feature: ['f'], provider: ['p'], model: ['m'], api_key_id: ['k'], status: ['ok'], priced: true, tags: [{ key: 'env', value: 'prod' }] };
    const keys = recordKeysQuery({ scope: 'acme', filters, eventIds: ['e'], from: 0, to: 1, limit: 1 }, { occurredAt: '1970-01-01 00:00:00.000', eventId: 'x' }, 2).sql;
    const words = new Set([...keys.replace(/\{[^}]*\}/g, ' ').matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]));
    const sqlWords = ['SELECT', 'FROM', 'usage_events', 'WHERE', 'AND', 'OR', 'IN', 'ORDER', 'BY', 'DESC', 'LIMIT', 'AS', 'toString', 'toDate', 'mapContains', 'day', 'at'];
    expect([...words].filter((w) => !held.has(w) && !sqlWords.includes(w))).toEqual([]);
  });

  it('records of given event ids (issue 17: the event view as a link): one condition, the ids bound', async () => {
    const q = recordsQuery({ scope: 'acme', filters: {}, eventIds: ['ev-1', "ev' OR 1=1 --"], from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), limit: 1 }, null);
    expect(q.sql).toBe(`SELECT
${RECORD_COLUMNS.map((c) => `    ${c}`).join(',\n')}
FROM usage_events FINAL
WHERE tenant = {tenant:String}
  AND occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
  AND event_id IN {event_id:Array(String)}
ORDER BY occurred_at DESC, event_id DESC
LIMIT {limit:UInt32}`);
    expect(q.params).toEqual({ tenant: 'acme', from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000', event_id: ['ev-1', "ev' OR 1=1 --"], limit: 2 });
  });

  it('session: one row of measures and the ids seen, within a range', async () => {
    const q = sessionQuery({ scope: 'acme', filters: {}, id: 'sess-1', from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z') });
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/session.sql');
    expect(q.params).toEqual({ tenant: 'acme', session: 'sess-1', from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000' });
  });

  it('latency: exact quantiles by model_key and overall', async () => {
    const q = latencyQuery({ scope: 'acme', filters: { model: ['openai/gpt-4o'] }, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), by: 'model_key' });
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/latency.sql');
    expect(q.params).toEqual({ tenant: 'acme', from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000', model: ['openai/gpt-4o'] });
  });

  it('latency from the latency rollups: a daily middle, hourly and 15-minute edges, raw slivers; filters they carry', async () => {
    const spec = { scope: 'acme', filters: { provider: ['openai'], status: ['ok' as const] }, from: t('2025-03-01T22:44:59.500Z'), to: t('2025-03-03T01:20:00Z'), by: 'model_key' as const, quantiles: 'histogram' as const };
    const plan = latencyHistogramPlan(spec);
    expect(plan?.segments.map((s) => `${s.table}/${s.source}`)).toEqual(['usage_events/raw', 'usage_rollup_model/15m', 'usage_rollup_model/hourly', 'usage_rollup_model/daily', 'usage_rollup_model/hourly', 'usage_rollup_model/15m', 'usage_events/raw']);
    const q = latencyHistogramQuery(spec, plan!);
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/usage/latency-histogram.sql');
    expect(q.params).toMatchObject({ tenant: 'acme', provider: ['openai'], status: ['ok'], s0_from: '2025-03-01 22:44:59.500', s3_from: '2025-03-02 00:00:00', s5_to: '2025-03-03 01:15:00' });
    // Exact unless asked; filters the latency rollups do not carry fall back to the exact read.
    expect(latencyHistogramPlan({ ...spec, quantiles: 'exact' })).toBeNull();
    expect(latencyHistogramPlan({ ...spec, quantiles: undefined })).toBeNull();
    expect(latencyHistogramPlan({ ...spec, filters: { user_id: ['u1'] } })).toBeNull();
    expect(latencyHistogramPlan({ ...spec, filters: { agent: ['a'] } })).toBeNull();
    expect(latencyHistogramPlan({ ...spec, filters: { session_id: ['s'] } })).toBeNull();
    expect(latencyHistogramPlan({ ...spec, filters: { model: ['m'], priced: true } })?.segments).toHaveLength(7);
  });

  it('refuse identifiers outside their fixed lists (a programming error, never SQL text)', () => {
    const spec: BreakdownSpec = { scope: 'acme', filters: {}, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-02T00:00:00Z'), tz: 'UTC', source: 'auto', by: ['model'], bucket: null, sort: 'events', order: 'desc', limit: 10 };
    const internal = (fn: () => unknown): void => {
      expect(fn).toThrow(TallyError);
      expect(fn).toThrow(/cannot be grouped|no measure|no time bucket/);
    };
    internal(() => breakdownQuery({ ...spec, sort: 'events; DROP TABLE x' as BreakdownSpec['sort'] }));
    internal(() => breakdownQuery({ ...spec, by: ['session_id' as BreakdownSpec['by'][number]] }));
    internal(() => breakdownQuery({ ...spec, bucket: 'decade' as BreakdownSpec['bucket'] }));
    internal(() => latencyQuery({ scope: null, filters: {}, from: spec.from, to: spec.to, by: 'user_id' as 'model' }));
  });
});

/** An executor that records each query and answers from `answer`. */
function recording(answer: (q: SqlQuery) => object[]): SqlExecutor & { readonly queries: SqlQuery[] } {
  const queries: SqlQuery[] = [];
  return {
    kind: 'chdb',
    database: 'test',
    queries,
    async query<Row extends object>(q: SqlQuery): Promise<Row[]> {
      queries.push(q);
      return answer(q) as Row[];
    },
    async command(): Promise<void> {},
    async insert(): Promise<void> {},
    async insertValues(): Promise<void> {},
    async insertRowBinary(): Promise<void> {},
    async ping(): Promise<void> {},
    async close(): Promise<void> {},
  };
}

/** Which step of a records read a query is. */
function kindOf(q: SqlQuery): string {
  if (q.sql.includes('FINAL')) return 'final';
  if (q.sql.includes('LIMIT 1 BY')) return 'records';
  return 'keys';
}

/**
 * Answers for a records read: step one returns `keys[i]` rows on its i-th call in a window (the last count
 * repeats), the records of those keys `records[i]`, FINAL three rows.
 */
function pages(keys: number | readonly number[], records: number | readonly number[]): (q: SqlQuery) => object[] {
  const counts = { keys: [keys].flat(), records: [records].flat() };
  let keyCalls = 0;
  let recordCalls = 0;
  let from: unknown = null;
  return (q) => {
    const kind = kindOf(q);
    if (kind === 'final') return Array.from({ length: 3 }, (_, i) => ({ event_id: `f${i}` }));
    if (kind === 'records') {
      const n = counts.records[Math.min(recordCalls++, counts.records.length - 1)] ?? 0;
      return Array.from({ length: n }, (_, i) => ({ event_id: `r${i}` }));
    }
    if (q.params?.from !== from) [from, keyCalls, recordCalls] = [q.params?.from, 0, 0];
    const n = counts.keys[Math.min(keyCalls++, counts.keys.length - 1)] ?? 0;
    return Array.from({ length: n }, (_, i) => ({ tenant: 't', day: '2025-02-28', event_id: `e${i}`, at: '2025-02-28 12:00:00.000' }));
  };
}

describe('usage operations', () => {
  it('summary and breakdown return the rows with the plan they were read from', async () => {
    const sql = recording(() => [{ model_label: 'm' }]);
    const usage = createUsageQueries(sql);
    const spec = { scope: 'acme', filters: {}, from: t('2025-03-01T00:00:00Z'), to: t('2025-03-08T00:00:00Z'), tz: 'UTC', source: 'auto' } as const;
    const summary = await usage.summary(spec);
    expect(summary).toEqual({ rows: [{ model_label: 'm' }], plan: summaryQuery(spec).plan });
    expect(sql.queries[0]?.sql).toBe(summaryQuery(spec).sql);
    const breakdown = await usage.breakdown({ ...spec, by: ['user_id'], bucket: null, sort: 'requests', order: 'asc', limit: 5 });
    expect(breakdown.plan.segments.map((s) => s.source)).toEqual(['daily']);
  });

  it('records look for a page in the last hour, day, week, then the whole range; a window short of a page is widened at once', async () => {
    const spec: RecordsSpec = { scope: 'acme', filters: {}, from: t('2025-01-01T00:00:00Z'), to: t('2025-03-01T00:00:00Z'), limit: 2 };
    const sql = recording(pages(1, 1));
    const rows = await createUsageQueries(sql).records(spec, null);
    expect(rows).toEqual([{ event_id: 'r0' }]);
    // One row in each window: too few for a page, so only the keys are read until the whole range.
    expect(sql.queries.map((q) => kindOf(q))).toEqual(['keys', 'keys', 'keys', 'keys', 'records']);
    expect(sql.queries.filter((q) => kindOf(q) === 'keys').map((q) => q.params?.from)).toEqual([
      '2025-02-28 23:00:00.000', '2025-02-28 00:00:00.000', '2025-02-22 00:00:00.000', '2025-01-01 00:00:00.000',
    ]);

    // A full page in the first window ends the search; the window ends just after the cursor's position.
    const full = recording(pages(3, 3));
    await createUsageQueries(full).records(spec, { occurredAt: '2025-02-10 12:00:00.000', eventId: 'x' });
    expect(full.queries.map((q) => kindOf(q))).toEqual(['keys', 'records']);
    expect(full.queries[0]?.params).toMatchObject({ from: '2025-02-10 11:00:00.001', to: '2025-03-01 00:00:00.000', after_at: '2025-02-10 12:00:00.000', limit: 3 });

    // Looking events up by id or by session: the whole range at once.
    for (const lookup of [{ eventIds: ['e0'] }, { filters: { session_id: ['s'] } }]) {
      const byId = recording(pages(1, 1));
      await createUsageQueries(byId).records({ ...spec, ...lookup }, null);
      expect(byId.queries.map((q) => [kindOf(q), q.params?.from])).toEqual([['keys', '2025-01-01 00:00:00.000'], ['records', '2025-01-01 00:00:00.000']]);
    }
  });

  it('records: the current versions are the page when they fill it, or when step one named every candidate; else more keys, then FINAL', async () => {
    const spec: RecordsSpec = { scope: null, filters: {}, from: t('2025-02-28T00:00:00Z'), to: t('2025-03-01T00:00:00Z'), limit: 2 };
    const run = async (keys: number[], records: number[]): Promise<{ rows: number; kinds: string[]; through: unknown[] }> => {
      const sql = recording(pages(keys, records));
      const rows = await createUsageQueries(sql).records(spec, null);
      return { rows: rows.length, kinds: sql.queries.map((q) => kindOf(q)), through: sql.queries.filter((q) => kindOf(q) === 'records').map((q) => q.params?.through_id ?? null) };
    };
    // The whole range is two windows here (an hour, then the day). Step one named fewer rows than it asked
    // for: every candidate, so the current versions among them are the answer, with no bound.
    expect(await run([2], [1])).toEqual({ rows: 1, kinds: ['keys', 'keys', 'records'], through: [null] });
    // A full page among the events step one named, up to its last row: exact.
    expect(await run([3], [3])).toEqual({ rows: 3, kinds: ['keys', 'records'], through: ['e2'] });
    // Stale versions took places in step one (a short page from a full list): four times the rows, then FINAL.
    expect(await run([3, 12], [2, 3])).toEqual({ rows: 3, kinds: ['keys', 'records', 'keys', 'records'], through: ['e2', 'e11'] });
    expect(await run([3, 12], [2, 2])).toEqual({ rows: 3, kinds: ['keys', 'records', 'keys', 'records', 'final'], through: ['e2', 'e11'] });
    // Nothing in any window: only the keys are read.
    expect(await run([0], [0])).toEqual({ rows: 0, kinds: ['keys', 'keys'], through: [] });
  });

  it('session and exact latency return the store rows as they come', async () => {
    const sql = recording((q) => (q.sql.includes('quantiles') ? [{ is_total: 1 }] : [{ events: '0' }]));
    const usage = createUsageQueries(sql);
    expect(await usage.session({ scope: null, filters: {}, id: 's', from: null, to: null })).toEqual([{ events: '0' }]);
    const exact = await usage.latency({ scope: null, filters: {}, from: 0, to: DAY, by: 'provider' });
    expect(exact.rows).toEqual([{ is_total: 1 }]);
    expect(exact.quantiles).toBe('exact');
    expect(exact.plan.segments.map((s) => s.table)).toEqual(['usage_events']);
  });

  it('histogram latency: percentiles from the bins, means from the sums, zero counts per status dropped', async () => {
    const row = {
      is_total: 0, key: 'm', events: '4', requests: '4', statuses: { ok: '3', error: '1', cancelled: '0' },
      duration_count: '4', duration_sum: 1000, duration_hist: [['200', '232'], ['2', '2']],
      ttft_count: '0', ttft_sum: 0, ttft_hist: [[], []],
    };
    const sql = recording(() => [row]);
    const answer = await createUsageQueries(sql).latency({ scope: null, filters: {}, from: 0, to: DAY, by: 'model_key', quantiles: 'histogram' });
    expect(answer.quantiles).toBe('histogram');
    // Every tenant: the all-tenant latency rollup (0018); one tenant: its own.
    expect(answer.plan.segments.map((s) => `${s.table}/${s.source}`)).toEqual(['usage_rollup_model_all/daily']);
    const one = await createUsageQueries(sql).latency({ scope: 'acme', filters: {}, from: 0, to: DAY, by: 'model_key', quantiles: 'histogram' });
    expect(one.plan.segments.map((s) => `${s.table}/${s.source}`)).toEqual(['usage_rollup_model/daily']);
    const [r] = answer.rows;
    expect(r?.statuses).toEqual({ ok: '3', error: '1' });
    expect(r?.duration_avg).toBe(250);
    const v200 = (2 * 1.02 ** 201) / 2.02;
    const v232 = (2 * 1.02 ** 233) / 2.02;
    // Ranks 1.5, 2.85, 2.97 of the values [v200, v200, v232, v232] (R type 7).
    expect(r?.duration_q[0]).toBeCloseTo(v200 + 0.5 * (v232 - v200), 9);
    expect(r?.duration_q[1]).toBeCloseTo(v232, 9);
    expect(r?.ttft_q).toEqual([null, null, null]);
    expect(r?.ttft_avg).toBeNull();
  });
});
