/**
 * Query objects pin their SQL text: a change to the text is a reviewed change
 * to this file. Values are always parameters, never part of the text.
 */
import { describe, expect, it } from 'vitest';
import {
  eventByIdQuery,
  existingEventsQuery,
  MEASURE_NAMES,
  rawTotalsQuery,
  rollupGrainFor,
  rollupTotalsQuery,
  zoneOffsets,
} from '../../../src/store/queries/index.js';

const RAW_TOTALS_SQL = `SELECT
    tenant,
    count() AS events,
    sum(toInt128(requests)) AS requests,
    sum(toInt128(input_tokens)) AS input_tokens,
    sum(toInt128(cached_input_tokens)) AS cached_input_tokens,
    sum(toInt128(cache_write_5m_tokens)) AS cache_write_5m_tokens,
    sum(toInt128(cache_write_1h_tokens)) AS cache_write_1h_tokens,
    sum(toInt128(output_tokens)) AS output_tokens,
    sum(toInt128(reasoning_tokens)) AS reasoning_tokens,
    sum(toInt128(audio_input_tokens)) AS audio_input_tokens,
    sum(toInt128(audio_output_tokens)) AS audio_output_tokens,
    sum(toInt128(image_input_tokens)) AS image_input_tokens,
    sum(toInt128(image_output_tokens)) AS image_output_tokens,
    sum(toInt128(total_tokens)) AS total_tokens,
    sum(toDecimal256(cost_input, 15)) AS cost_input,
    sum(toDecimal256(cost_cached_input, 15)) AS cost_cached_input,
    sum(toDecimal256(cost_cache_write_5m, 15)) AS cost_cache_write_5m,
    sum(toDecimal256(cost_cache_write_1h, 15)) AS cost_cache_write_1h,
    sum(toDecimal256(cost_output, 15)) AS cost_output,
    sum(toDecimal256(cost_reasoning, 15)) AS cost_reasoning,
    sum(toDecimal256(cost_audio_input, 15)) AS cost_audio_input,
    sum(toDecimal256(cost_audio_output, 15)) AS cost_audio_output,
    sum(toDecimal256(cost_image_input, 15)) AS cost_image_input,
    sum(toDecimal256(cost_image_output, 15)) AS cost_image_output,
    sum(toDecimal256(cost_request, 15)) AS cost_request,
    sum(toDecimal256(cost_tool_call, 15)) AS cost_tool_call,
    sum(toDecimal256(cost_web_search, 15)) AS cost_web_search,
    sum(toDecimal256(cost_audio_second, 15)) AS cost_audio_second,
    sum(toDecimal256(cost_image, 15)) AS cost_image,
    sum(toDecimal256(cost_total, 15)) AS cost_total,
    sum(toDecimal256(cache_savings, 15)) AS cache_savings,
    sum(toDecimal256(price_total, 15)) AS price_total,
    countIf(NOT priced) AS unpriced_events,
    countIf(status = 'error') AS error_events,
    sum(toInt128(tool_calls)) AS tool_calls,
    sum(toInt128(web_search_requests)) AS web_search_requests,
    sum(toInt128(images)) AS images,
    sum(audio_seconds) AS audio_seconds,
    sum(ifNull(duration_ms, 0)) AS duration_ms_sum,
    count(duration_ms) AS duration_ms_count,
    sum(ifNull(ttft_ms, 0)) AS ttft_ms_sum,
    count(ttft_ms) AS ttft_ms_count
FROM usage_events FINAL
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
  AND tenant IN {tenants:Array(String)}
GROUP BY tenant
ORDER BY tenant`;

const ROLLUP_15M_TOTALS_SQL = `SELECT
    tenant,
    sum(toInt128(events)) AS events,
    sum(toInt128(requests)) AS requests,
    sum(toInt128(input_tokens)) AS input_tokens,
    sum(toInt128(cached_input_tokens)) AS cached_input_tokens,
    sum(toInt128(cache_write_5m_tokens)) AS cache_write_5m_tokens,
    sum(toInt128(cache_write_1h_tokens)) AS cache_write_1h_tokens,
    sum(toInt128(output_tokens)) AS output_tokens,
    sum(toInt128(reasoning_tokens)) AS reasoning_tokens,
    sum(toInt128(audio_input_tokens)) AS audio_input_tokens,
    sum(toInt128(audio_output_tokens)) AS audio_output_tokens,
    sum(toInt128(image_input_tokens)) AS image_input_tokens,
    sum(toInt128(image_output_tokens)) AS image_output_tokens,
    sum(toInt128(total_tokens)) AS total_tokens,
    sum(toDecimal256(cost_input, 15)) AS cost_input,
    sum(toDecimal256(cost_cached_input, 15)) AS cost_cached_input,
    sum(toDecimal256(cost_cache_write_5m, 15)) AS cost_cache_write_5m,
    sum(toDecimal256(cost_cache_write_1h, 15)) AS cost_cache_write_1h,
    sum(toDecimal256(cost_output, 15)) AS cost_output,
    sum(toDecimal256(cost_reasoning, 15)) AS cost_reasoning,
    sum(toDecimal256(cost_audio_input, 15)) AS cost_audio_input,
    sum(toDecimal256(cost_audio_output, 15)) AS cost_audio_output,
    sum(toDecimal256(cost_image_input, 15)) AS cost_image_input,
    sum(toDecimal256(cost_image_output, 15)) AS cost_image_output,
    sum(toDecimal256(cost_request, 15)) AS cost_request,
    sum(toDecimal256(cost_tool_call, 15)) AS cost_tool_call,
    sum(toDecimal256(cost_web_search, 15)) AS cost_web_search,
    sum(toDecimal256(cost_audio_second, 15)) AS cost_audio_second,
    sum(toDecimal256(cost_image, 15)) AS cost_image,
    sum(toDecimal256(cost_total, 15)) AS cost_total,
    sum(toDecimal256(cache_savings, 15)) AS cache_savings,
    sum(toDecimal256(price_total, 15)) AS price_total,
    sum(toInt128(unpriced_events)) AS unpriced_events,
    sum(toInt128(error_events)) AS error_events,
    sum(toInt128(tool_calls)) AS tool_calls,
    sum(toInt128(web_search_requests)) AS web_search_requests,
    sum(toInt128(images)) AS images,
    sum(audio_seconds) AS audio_seconds,
    sum(duration_ms_sum) AS duration_ms_sum,
    sum(toInt128(duration_ms_count)) AS duration_ms_count,
    sum(ttft_ms_sum) AS ttft_ms_sum,
    sum(toInt128(ttft_ms_count)) AS ttft_ms_count
FROM usage_rollup_full
WHERE grain = '15m'
  AND bucket >= {from:DateTime('UTC')}
  AND bucket < {to:DateTime('UTC')}
  AND tenant IN {tenants:Array(String)}
GROUP BY tenant
HAVING events != 0
ORDER BY tenant`;

const ROLLUP_DAILY_TOTALS_SQL = `SELECT
    tenant,
    sum(toInt128(events)) AS events,
    sum(toInt128(requests)) AS requests,
    sum(toInt128(input_tokens)) AS input_tokens,
    sum(toInt128(cached_input_tokens)) AS cached_input_tokens,
    sum(toInt128(cache_write_5m_tokens)) AS cache_write_5m_tokens,
    sum(toInt128(cache_write_1h_tokens)) AS cache_write_1h_tokens,
    sum(toInt128(output_tokens)) AS output_tokens,
    sum(toInt128(reasoning_tokens)) AS reasoning_tokens,
    sum(toInt128(audio_input_tokens)) AS audio_input_tokens,
    sum(toInt128(audio_output_tokens)) AS audio_output_tokens,
    sum(toInt128(image_input_tokens)) AS image_input_tokens,
    sum(toInt128(image_output_tokens)) AS image_output_tokens,
    sum(toInt128(total_tokens)) AS total_tokens,
    sum(toDecimal256(cost_input, 15)) AS cost_input,
    sum(toDecimal256(cost_cached_input, 15)) AS cost_cached_input,
    sum(toDecimal256(cost_cache_write_5m, 15)) AS cost_cache_write_5m,
    sum(toDecimal256(cost_cache_write_1h, 15)) AS cost_cache_write_1h,
    sum(toDecimal256(cost_output, 15)) AS cost_output,
    sum(toDecimal256(cost_reasoning, 15)) AS cost_reasoning,
    sum(toDecimal256(cost_audio_input, 15)) AS cost_audio_input,
    sum(toDecimal256(cost_audio_output, 15)) AS cost_audio_output,
    sum(toDecimal256(cost_image_input, 15)) AS cost_image_input,
    sum(toDecimal256(cost_image_output, 15)) AS cost_image_output,
    sum(toDecimal256(cost_request, 15)) AS cost_request,
    sum(toDecimal256(cost_tool_call, 15)) AS cost_tool_call,
    sum(toDecimal256(cost_web_search, 15)) AS cost_web_search,
    sum(toDecimal256(cost_audio_second, 15)) AS cost_audio_second,
    sum(toDecimal256(cost_image, 15)) AS cost_image,
    sum(toDecimal256(cost_total, 15)) AS cost_total,
    sum(toDecimal256(cache_savings, 15)) AS cache_savings,
    sum(toDecimal256(price_total, 15)) AS price_total,
    sum(toInt128(unpriced_events)) AS unpriced_events,
    sum(toInt128(error_events)) AS error_events,
    sum(toInt128(tool_calls)) AS tool_calls,
    sum(toInt128(web_search_requests)) AS web_search_requests,
    sum(toInt128(images)) AS images,
    sum(audio_seconds) AS audio_seconds,
    sum(duration_ms_sum) AS duration_ms_sum,
    sum(toInt128(duration_ms_count)) AS duration_ms_count,
    sum(ttft_ms_sum) AS ttft_ms_sum,
    sum(toInt128(ttft_ms_count)) AS ttft_ms_count
FROM usage_rollup_full
WHERE grain = 'daily'
  AND bucket >= {from:DateTime('UTC')}
  AND bucket < {to:DateTime('UTC')}
GROUP BY tenant
HAVING events != 0
ORDER BY tenant`;

describe('totals queries', () => {
  it('raw totals read usage_events FINAL, current versions only, per tenant', () => {
    const q = rawTotalsQuery({ from: '2026-03-01T00:00:00Z', to: new Date('2026-04-01T00:00:00Z'), tenants: ['acme'] });
    expect(q.sql).toBe(RAW_TOTALS_SQL);
    expect(q.params).toEqual({ from: '2026-03-01 00:00:00.000', to: '2026-04-01 00:00:00.000', tenants: ['acme'] });
  });

  it('raw totals without a tenant list cover every tenant', () => {
    const q = rawTotalsQuery({ from: Date.UTC(2026, 2, 1), to: '2026-03-02T05:30:00+05:30' });
    expect(q.sql).toBe(RAW_TOTALS_SQL.replace('\n  AND tenant IN {tenants:Array(String)}', ''));
    expect(q.params).toEqual({ from: '2026-03-01 00:00:00.000', to: '2026-03-02 00:00:00.000' });
  });

  it('rollup totals sum sign-weighted measures of the chosen grain', () => {
    const q = rollupTotalsQuery('15m', { from: '2026-03-01T00:00:00Z', to: '2026-03-01T06:15:00.999Z', tenants: ['acme', 'globex'] });
    expect(q.sql).toBe(ROLLUP_15M_TOTALS_SQL);
    expect(q.params).toEqual({ from: '2026-03-01 00:00:00', to: '2026-03-01 06:15:00', tenants: ['acme', 'globex'] });
    const hourly = rollupTotalsQuery('hourly', { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', tenants: ['acme'] });
    expect(hourly.sql).toBe(ROLLUP_15M_TOTALS_SQL.replace("grain = '15m'", "grain = 'hourly'"));
    const daily = rollupTotalsQuery('daily', { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' });
    expect(daily.sql).toBe(ROLLUP_DAILY_TOTALS_SQL);
    // Every grain's bucket is a DateTime('UTC') (migration 0023): a day is its UTC midnight.
    expect(daily.params).toEqual({ from: '2026-03-01 00:00:00', to: '2026-04-01 00:00:00' });
  });

  it('raw and rollup totals return the same measures in the same order', () => {
    const names = (sql: string): string[] => [...sql.matchAll(/ AS (\w+)/g)].map((m) => m[1] as string);
    expect(names(rawTotalsQuery({ from: 0, to: 1 }).sql)).toEqual(MEASURE_NAMES);
    expect(names(rollupTotalsQuery('daily', { from: 0, to: 1 }).sql)).toEqual(MEASURE_NAMES);
  });

  it('refuses an invalid time', () => {
    expect(() => rawTotalsQuery({ from: 'yesterday', to: 0 })).toThrow(/from is not a valid time/);
  });
});

describe('event queries', () => {
  it('looks up existing events by the sort key with bound arrays', () => {
    const q = existingEventsQuery({ tenants: ['acme'], dates: ['2026-03-01', '2026-03-02'], eventIds: ["a'); DROP TABLE x; --", 'b'] });
    expect(q.sql).toBe(`SELECT DISTINCT tenant, event_id
FROM usage_events
WHERE tenant IN {tenants:Array(String)}
  AND toDate(occurred_at) IN {dates:Array(Date)}
  AND event_id IN {event_ids:Array(String)}`);
    expect(q.params).toEqual({ tenants: ['acme'], dates: ['2026-03-01', '2026-03-02'], event_ids: ["a'); DROP TABLE x; --", 'b'] });
  });

  it('reads one event by id: its highest version, without FINAL, cancelled only on request', () => {
    const inner = `SELECT *
FROM usage_events
WHERE tenant = {tenant:String}
  AND event_id = {event_id:String}
ORDER BY row_version DESC, processed_at DESC
LIMIT 1`;
    const q = eventByIdQuery({ tenant: 'acme', eventId: 'e-1' });
    expect(q.sql).toBe(`SELECT *
FROM
(
${inner}
)
WHERE sign = 1`);
    expect(q.params).toEqual({ tenant: 'acme', event_id: 'e-1' });
    expect(eventByIdQuery({ tenant: 'acme', eventId: 'e-1', includeCancelled: true }).sql).toBe(inner);
  });
});

describe('rollup grain for a time zone', () => {
  const range = { from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' };

  it.each([
    ['UTC', 'day', 'daily'],
    ['UTC', 'hour', 'hourly'],
    ['Etc/GMT-3', 'month', 'hourly'],
    ['Europe/Berlin', 'day', 'hourly'],
    ['America/New_York', 'week', 'hourly'],
    ['Asia/Kolkata', 'day', '15m'],
    ['Asia/Kolkata', 'hour', '15m'],
    ['Asia/Kathmandu', 'day', '15m'],
    ['America/St_Johns', 'month', '15m'],
    ['Australia/Adelaide', 'day', '15m'],
  ] as const)('%s by %s → %s', (timeZone, bucket, grain) => {
    expect(rollupGrainFor({ timeZone, bucket, ...range })).toBe(grain);
  });

  it('sees both offsets of a zone with daylight saving time', () => {
    expect([...zoneOffsets('Europe/London', range.from, range.to)].sort((a, b) => a - b)).toEqual([0, 60]);
    expect(rollupGrainFor({ timeZone: 'Europe/London', bucket: 'day', from: '2026-01-05T00:00:00Z', to: '2026-01-20T00:00:00Z' })).toBe('daily');
    expect(rollupGrainFor({ timeZone: 'Europe/London', bucket: 'day', ...range })).toBe('hourly');
  });

  it('rejects an unknown zone', () => {
    expect(() => rollupGrainFor({ timeZone: 'Mars/Olympus', bucket: 'day', ...range })).toThrow(/unknown time zone/);
  });
});
