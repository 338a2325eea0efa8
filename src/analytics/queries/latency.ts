/**
 * `latency`: exact p50/p95/p99 of duration_ms and ttft_ms, request counts and
 * counts per status, by model_key, model or provider — and over everything
 * (the row with `is_total = 1`), in one read of raw events (`FINAL`,
 * `sign = 1`): rollups keep sums, not distributions.
 *
 * Quantiles are `quantilesExactInclusive` — exact, linearly interpolated
 * between the two nearest values (Excel's PERCENTILE.INC, R type 7) — over
 * the events that reported the value; events without it are not counted.
 */
import { orNull, rangeInfo } from '../describe.js';
import type { LatencyQuery } from '../inputs.js';
import { Params, rawEventConditions, type PlannedQuery, type TenantScope } from '../sql.js';
import type { LatencyResult, LatencyRow, LatencyStats } from '../types.js';

export const LATENCY_LEVELS = [0.5, 0.95, 0.99] as const;

const GROUP_COLUMN: Readonly<Record<LatencyQuery['by'], string>> = { model_key: 'model_key', model: 'model', provider: 'provider' };

/**
 * Output columns: `is_total` (1 for the overall row), `key`, `events`,
 * `requests`, `statuses` (status → events), `duration_count`, `duration_q`
 * ([p50, p95, p99]), `duration_avg`, and the same for `ttft`.
 */
export function latencyQuery(q: LatencyQuery, scope: TenantScope): PlannedQuery {
  const params = new Params();
  const where = rawEventConditions(scope, q.filters, params, q);
  const levels = LATENCY_LEVELS.join(', ');
  const sql = `SELECT
    grouping(key) = 1 AS is_total,
    ${GROUP_COLUMN[q.by]} AS key,
    count() AS events,
    sum(requests) AS requests,
    sumMap(map(status, toUInt64(1))) AS statuses,
    count(duration_ms) AS duration_count,
    quantilesExactInclusive(${levels})(duration_ms) AS duration_q,
    avg(duration_ms) AS duration_avg,
    count(ttft_ms) AS ttft_count,
    quantilesExactInclusive(${levels})(ttft_ms) AS ttft_q,
    avg(ttft_ms) AS ttft_avg
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
GROUP BY GROUPING SETS ((key), ())
ORDER BY is_total ASC, events DESC, key ASC`;
  return { sql, params: params.values, plan: { segments: [{ source: 'raw', from: q.from, to: q.to }], rawReason: 'latency percentiles need raw events (rollups keep sums, not distributions)' } };
}

/** A row of `latencyQuery`. */
export interface LatencyStoreRow {
  readonly is_total: number | boolean;
  readonly key: string;
  readonly events: string | number;
  readonly requests: string | number;
  readonly statuses: Readonly<Record<string, string | number>>;
  readonly duration_count: string | number;
  readonly duration_q: readonly (number | null)[];
  readonly duration_avg: number | null;
  readonly ttft_count: string | number;
  readonly ttft_q: readonly (number | null)[];
  readonly ttft_avg: number | null;
}

const round3 = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

function stats(count: string | number, q: readonly (number | null)[], avg: number | null): LatencyStats {
  const n = Number(count);
  if (n === 0) return { count: 0, p50: null, p95: null, p99: null, avg: null };
  return { count: n, p50: round3(q[0]), p95: round3(q[1]), p99: round3(q[2]), avg: round3(avg) };
}

function latencyRow(r: LatencyStoreRow, withKey: boolean): LatencyRow {
  const events = Number(r.events);
  const statuses: Record<string, number> = {};
  for (const [status, n] of Object.entries(r.statuses)) statuses[status] = Number(n);
  return {
    ...(withKey ? { key: orNull(r.key) } : {}),
    events,
    requests: Number(r.requests),
    statuses,
    error_rate: events === 0 ? 0 : Math.round(((statuses.error ?? 0) / events) * 10_000) / 10_000,
    duration_ms: stats(r.duration_count, r.duration_q, r.duration_avg),
    ttft_ms: stats(r.ttft_count, r.ttft_q, r.ttft_avg),
  };
}

const EMPTY: LatencyStoreRow = { is_total: 1, key: '', events: 0, requests: 0, statuses: {}, duration_count: 0, duration_q: [], duration_avg: null, ttft_count: 0, ttft_q: [], ttft_avg: null };

export function latencyResult(rows: readonly LatencyStoreRow[], q: LatencyQuery): LatencyResult {
  const isTotal = (r: LatencyStoreRow): boolean => r.is_total === 1 || r.is_total === true;
  const total = rows.find(isTotal) ?? EMPTY;
  return {
    range: rangeInfo(q),
    by: q.by,
    quantiles: 'exact',
    rows: rows.filter((r) => !isTotal(r) && Number(r.events) > 0).map((r) => latencyRow(r, true)),
    totals: latencyRow(total, false),
  };
}
