/**
 * The store's usage query objects, fed the specs the analytics service builds
 * from API parameters, pin their SQL text (in __snapshots__/*.sql, reviewed
 * like code) and bind every value: no caller-supplied text ever appears in SQL.
 */
import { describe, expect, it } from 'vitest';
import { parseBreakdown, parseLatency, parseRecords, parseSession, parseSummary, parseTimeseries } from '../../../src/analytics/inputs.js';
import { breakdownSpec, latencySpec, recordsSpec, sessionSpec, summarySpec, timeseriesSpec } from '../../../src/analytics/specs.js';
import { MEASURE_NAMES } from '../../../src/store/queries/measures.js';
import { breakdownQuery, latencyQuery, recordsQuery, sessionQuery, summaryQuery, timeseriesQuery } from '../../../src/store/usage/index.js';

const NOW = Date.parse('2025-03-20T10:17:00Z');
const EVIL = "x' OR 1=1 --";

function expectBound(sql: string, ...values: string[]): void {
  for (const v of values) expect(sql).not.toContain(v);
}

describe('summary query', () => {
  it('reads one segment of the daily by-model rollup for a UTC day range, per model', async () => {
    const q = summaryQuery(summarySpec(parseSummary({ from: '2025-03-01', to: '2025-03-08' }, NOW), 'acme'));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/summary-daily.sql');
    expect(q.params).toEqual({ tenant: 'acme', s0_from: '2025-03-01 00:00:00', s0_to: '2025-03-08 00:00:00' });
    expect(q.plan.segments).toEqual([{ source: 'daily', table: 'usage_rollup_model', from: Date.parse('2025-03-01T00:00:00Z'), to: Date.parse('2025-03-08T00:00:00Z') }]);
  });

  it('reads the default range (30 days up to now, ending on the quarter hour) from rollups alone: 15m, hourly, daily, hourly, 15m', async () => {
    const q = summaryQuery(summarySpec(parseSummary({}, NOW), null));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/summary-segments.sql');
    expect(q.plan.segments.map((s) => s.source)).toEqual(['15m', 'hourly', 'daily', 'hourly', '15m']);
    // Every grain of the all-tenant by-model rollup is one table (migration 0023); each branch names its grain.
    expect(q.plan.segments.map((s) => s.table)).toEqual(Array(5).fill('usage_rollup_model_all'));
    expect(q.params).toEqual({
      s0_from: '2025-02-18 10:30:00', s0_to: '2025-02-18 11:00:00',
      s1_from: '2025-02-18 11:00:00', s1_to: '2025-02-19 00:00:00',
      s2_from: '2025-02-19 00:00:00', s2_to: '2025-03-20 00:00:00',
      s3_from: '2025-03-20 00:00:00', s3_to: '2025-03-20 10:00:00',
      s4_from: '2025-03-20 10:00:00', s4_to: '2025-03-20 10:30:00',
    });
  });

  it('binds every filter; tags and sessions send the range to raw events', async () => {
    const q = summaryQuery(summarySpec(parseSummary({ from: '2025-03-01', to: '2025-03-08', user_id: [EVIL, 'u2'], group: 'g', agent: 'a', feature: 'f', provider: 'p', model: 'openai/gpt-4o', api_key_id: 'k', status: 'error', priced: 'false', tag: [`env=${EVIL}`, 'team=x'], session_id: 's' }, NOW), EVIL));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/summary-filters.sql');
    expectBound(q.sql, EVIL, 'openai/gpt-4o', 'env', 'team');
    expect(q.params).toMatchObject({ tenant: EVIL, user_id: [EVIL, 'u2'], model: ['openai/gpt-4o'], priced: false, tag_key_0: 'env', tag_value_0: EVIL, tag_key_1: 'team', tag_value_1: 'x', session_id: ['s'] });
    expect(q.plan).toEqual({ segments: [{ source: 'raw', table: 'usage_events', from: Date.parse('2025-03-01T00:00:00Z'), to: Date.parse('2025-03-08T00:00:00Z') }], rawReason: expect.stringMatching(/session_id/) });
  });
});

describe('breakdown query', () => {
  it('two dimensions and a Kolkata day bucket: 15-minute rollup, window-ranked top-N, other rows', async () => {
    const q = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'model_key,user_id', bucket: 'day', tz: 'Asia/Kolkata', from: '2025-03-01', to: '2025-03-03', limit: '5', sort: 'total_tokens' }, NOW), 'acme'));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/breakdown-two-dims-bucket.sql');
    expect(q.params).toEqual({ tenant: 'acme', s0_from: '2025-02-28 18:30:00', s0_to: '2025-03-02 18:30:00', tz: 'Asia/Kolkata', limit: 5 });
  });

  it('one dimension, no bucket, ascending', async () => {
    const q = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'group', from: '2025-03-01', to: '2025-03-02', order: 'asc', sort: 'requests' }, NOW), null));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/breakdown-group-asc.sql');
    expect(q.sql).toContain('group_id AS dim_0');
    expect(q.params).toEqual({ s0_from: '2025-03-01 00:00:00', s0_to: '2025-03-02 00:00:00', limit: 100 });
  });

  it('ranks by margin (price_total − cost_total, issue 16) and by price, both exact sums read from the rollups', async () => {
    const q = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'tenant', from: '2025-03-01', to: '2025-03-02', sort: 'margin', order: 'asc', limit: '3' }, NOW), null));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/breakdown-by-margin.sql');
    // Unbucketed: the groups' exact sums numbered by the rank, read once.
    expect(q.sql).toContain('row_number() OVER (ORDER BY (price_total - cost_total) ASC, dim_0 ASC) <= {limit:UInt32} AS is_top');
    expect(q.sql).toContain('is_top DESC, (price_total - cost_total) ASC');
    const byPrice = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'tenant', from: '2025-03-01', to: '2025-03-02', sort: 'price' }, NOW), null));
    expect(byPrice.sql).toContain('row_number() OVER (ORDER BY price_total DESC, dim_0 ASC)');
    expect(byPrice.sql.match(/FROM usage_rollup_/g)).toHaveLength(1);
    const ts = timeseriesQuery(timeseriesSpec(parseTimeseries({ from: '2025-03-01', to: '2025-03-02', measure: 'margin', stack_by: 'model_key' }, NOW), 'acme'));
    expect(ts.sql).toContain('ORDER BY (sum(toDecimal256(price_total, 15)) - sum(toDecimal256(cost_total, 15))) DESC');
    expect(() => parseBreakdown({ by: 'tenant', sort: 'margin_pct' }, NOW)).toThrow(/sort/);
  });

  it('a bucket alone: New York weeks from the hourly rollup', async () => {
    const q = breakdownQuery(breakdownSpec(parseBreakdown({ bucket: 'week', tz: 'America/New_York', from: '2025-03-03', to: '2025-03-17' }, NOW), 'acme'));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/breakdown-week-new-york.sql');
    expect(q.plan.segments.map((s) => s.source)).toEqual(['hourly']);
    expect(q.params).toMatchObject({ s0_from: '2025-03-03 05:00:00', s0_to: '2025-03-17 04:00:00', tz: 'America/New_York' });
  });
});

describe('timeseries query', () => {
  it('is the bucketed breakdown stacked by one dimension', () => {
    const ts = parseTimeseries({ bucket: 'hour', stack_by: 'agent', measure: 'cost_total', limit: '3', from: '2025-03-01', to: '2025-03-02' }, NOW);
    const b = parseBreakdown({ bucket: 'hour', by: 'agent', sort: 'cost_total', limit: '3', from: '2025-03-01', to: '2025-03-02', measures: 'cost_total' }, NOW);
    expect(timeseriesQuery(timeseriesSpec(ts, 'acme'))).toEqual(breakdownQuery(breakdownSpec(b, 'acme')));
  });

  it('sums only what the answer shows (issue 13: every measure costs the engine its analysis in every branch)', () => {
    const sums = (sql: string): string[] => [...new Set([...sql.matchAll(/ AS ([a-z0-9_]+)/g)].map((m) => m[1] as string))].filter((n) => n !== 'dim_0' && n !== 'key_0' && n !== 'bucket_start' && n !== 'is_top' && n !== 'groups' && n !== 'ts');
    const one = timeseriesQuery(timeseriesSpec(parseTimeseries({ bucket: 'day', stack_by: 'model_key', measure: 'margin', from: '2025-03-01', to: '2025-03-09' }, NOW), 'acme'));
    expect(sums(one.sql).sort()).toEqual(['cost_total', 'events', 'price_total']);
    const narrow = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'user_id', sort: 'total_tokens', measures: 'avg_ttft_ms,price', from: '2025-03-01', to: '2025-03-09' }, NOW), 'acme'));
    expect(sums(narrow.sql).sort()).toEqual(['events', 'price_total', 'total_tokens', 'ttft_ms_count', 'ttft_ms_sum']);
    const summary = summaryQuery(summarySpec(parseSummary({ measures: 'requests,margin', from: '2025-03-01', to: '2025-03-09' }, NOW), 'acme'));
    expect(sums(summary.sql).filter((n) => n !== 'model_label').sort()).toEqual(['cost_total', 'events', 'price_total', 'requests', 'total_tokens']);
    const all = breakdownQuery(breakdownSpec(parseBreakdown({ by: 'user_id', from: '2025-03-01', to: '2025-03-09' }, NOW), 'acme'));
    expect(sums(all.sql)).toHaveLength(MEASURE_NAMES.length);
    let refused: unknown;
    try {
      parseBreakdown({ by: 'user_id', measures: 'cost_total,price_total' }, NOW);
    } catch (err) {
      refused = err;
    }
    expect(refused).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'measures[1]' }] } });
  });
});

describe('records, session and latency queries read raw events', () => {
  it('records: keyset page after a position, newest first, one extra row', async () => {
    const q = recordsQuery(recordsSpec(parseRecords({ from: '2025-03-01', to: '2025-03-02', limit: '25', tag: 'env=prod' }, NOW), 'acme'), { occurredAt: '2025-03-01 12:00:00.000', eventId: EVIL });
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/records.sql');
    expectBound(q.sql, EVIL);
    expect(q.params).toMatchObject({ tenant: 'acme', after_at: '2025-03-01 12:00:00.000', after_id: EVIL, limit: 26 });
  });

  it('session: one row of measures and the ids seen; unbounded without a range', async () => {
    const q = sessionQuery(sessionSpec(parseSession(EVIL, {}), 'acme'));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/session.sql');
    expect(q.params).toEqual({ tenant: 'acme', session: EVIL });
    expectBound(q.sql, EVIL);
  });

  it('latency: exact quantiles per group and overall (GROUPING SETS)', async () => {
    const q = latencyQuery(latencySpec(parseLatency({ by: 'provider', from: '2025-03-01', to: '2025-03-02' }, NOW), null));
    await expect(q.sql).toMatchFileSnapshot('__snapshots__/latency.sql');
    expect(q.sql).toContain('quantilesExactInclusive(0.5, 0.95, 0.99)(duration_ms)');
    expect(q.params).toEqual({ from: '2025-03-01 00:00:00.000', to: '2025-03-02 00:00:00.000' });
  });
});
