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
import type { SqlQuery } from '../executor.js';
import { rawEventConditions } from './conditions.js';
import { latencyColumn } from './names.js';
import type { LatencySpec } from './specs.js';
import { Params } from './statement.js';

/** The quantiles read, in the order of `duration_q` and `ttft_q`. */
export const LATENCY_LEVELS = [0.5, 0.95, 0.99] as const;

/**
 * Output columns: `is_total` (1 for the overall row), `key`, `events`,
 * `requests`, `statuses` (status → events), `duration_count`, `duration_q`
 * ([p50, p95, p99]), `duration_avg`, and the same for `ttft`.
 */
export function latencyQuery(spec: LatencySpec): SqlQuery {
  const params = new Params();
  const where = rawEventConditions(spec.scope, spec.filters, params, spec);
  const levels = LATENCY_LEVELS.join(', ');
  const sql = `SELECT
    grouping(key) = 1 AS is_total,
    ${latencyColumn(spec.by)} AS key,
    count() AS events,
    sum(toUInt128(requests)) AS requests,
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
  return { sql, params: params.values };
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
