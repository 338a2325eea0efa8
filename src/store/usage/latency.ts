/**
 * `latency`: p50/p95/p99 of duration_ms and ttft_ms, request counts and
 * counts per status, by model_key, model or provider — and over everything
 * (the row with `is_total = 1`).
 *
 * `quantiles: 'exact'` (default): one read of raw events (`FINAL`,
 * `sign = 1`); quantiles are `quantilesExactInclusive` — exact, linearly
 * interpolated between the two nearest values (Excel's PERCENTILE.INC, R
 * type 7) — over the events that reported the value; events without it are
 * not counted.
 *
 * `quantiles: 'histogram'`: the latency histograms of the by-model rollups
 * (migration 0020; the latency rollups of 0012 before), planned
 * like the sum rollups — daily middle, hourly and 15-minute edges, raw
 * slivers under 15 minutes — when every filter is one they carry (provider,
 * model, status, priced); else the exact read. Events, requests, counts per
 * status and latency counts are exact; the means are Float64 sums ÷ counts;
 * the percentiles are read from the histograms' bins, within 1 % of the
 * exact ones (src/store/usage/latency-histogram.ts).
 */
import type { SqlQuery } from '../executor.js';
import { filterConditions, rawEventConditions } from './conditions.js';
import { histogramQuantiles } from './latency-histogram.js';
import { latencyColumn } from './names.js';
import { binOf } from '../queries/histogram-repair.js';
import { LATENCY_ROLLUP_DIMENSIONS, latencyRollupOf } from '../queries/rollup-tables.js';
import { filterColumns, rawReason, segmentsOf, type Segment, type SourcePlan } from './plan.js';
import type { LatencySpec } from './specs.js';
import { Params, selectFrom } from './statement.js';
import { branchSource, branchStatement, segmentsByTable, type BranchSegments } from './union.js';

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

/** What both latency reads answer per key (and for the total row), exactly. */
interface LatencyCounts {
  readonly is_total: number | boolean;
  readonly key: string;
  readonly events: string | number;
  readonly requests: string | number;
  readonly statuses: Readonly<Record<string, string | number>>;
  readonly duration_count: string | number;
  readonly ttft_count: string | number;
}

/** A row of `latencyQuery`. */
export interface LatencyStoreRow extends LatencyCounts {
  readonly duration_q: readonly (number | null)[];
  readonly duration_avg: number | null;
  readonly ttft_q: readonly (number | null)[];
  readonly ttft_avg: number | null;
}

/**
 * Where a histogram latency query reads: the plan of its segments, each rollup
 * segment from its grain of `usage_rollup_model`, or of `usage_rollup_model_all`
 * when the query names no tenant (migrations 0018, 0023), which carry the
 * histograms (0020); null when the exact read answers it (quantiles 'exact', or a filter
 * the by-model rollups do not carry).
 */
export function latencyHistogramPlan(spec: LatencySpec): SourcePlan | null {
  if (spec.quantiles !== 'histogram' || rawReason(spec.filters) !== null) return null;
  if (!filterColumns(spec.filters).every((c) => LATENCY_ROLLUP_DIMENSIONS.includes(c))) return null;
  const segments = segmentsOf(spec.from, spec.to, 'daily').map((s): Segment => (s.source === 'raw' ? s : { ...s, table: latencyRollupOf(spec.scope === null) }));
  return { segments, rawReason: null };
}

/** One branch per table read, the ranges of its segments OR-ed (as `unionSql` does). */
function histogramBranchSql(segments: BranchSegments, key: string, spec: LatencySpec, params: Params): string {
  const raw = segments[0]!.segment.source === 'raw';
  const hist = (col: string, part: 'bins' | 'counts'): string =>
    part === 'bins' ? `if(isNull(${col}), CAST([], 'Array(Int16)'), [${binOf(col)}])` : `if(isNull(${col}), CAST([], 'Array(Int64)'), [toInt64(1)])`;
  const select = raw
    ? [
        `${key} AS key`, 'toInt64(1) AS row_events', 'toInt64(requests) AS row_requests', 'status',
        'toInt64(isNotNull(duration_ms)) AS duration_ms_count', 'ifNull(duration_ms, 0) AS duration_ms_sum',
        `${hist('duration_ms', 'bins')} AS duration_bins`, `${hist('duration_ms', 'counts')} AS duration_counts`,
        'toInt64(isNotNull(ttft_ms)) AS ttft_ms_count', 'ifNull(ttft_ms, 0) AS ttft_ms_sum',
        `${hist('ttft_ms', 'bins')} AS ttft_bins`, `${hist('ttft_ms', 'counts')} AS ttft_counts`,
      ]
    : [
        `${key} AS key`, 'events AS row_events', 'requests AS row_requests', 'status',
        'duration_ms_count', 'duration_ms_sum', '`durationMap.bin` AS duration_bins', '`durationMap.events` AS duration_counts',
        'ttft_ms_count', 'ttft_ms_sum', '`ttftMap.bin` AS ttft_bins', '`ttftMap.events` AS ttft_counts',
      ];
  return branchStatement(select, branchSource(segments, filterConditions(spec.scope, spec.filters, params, raw), params));
}

/**
 * The histogram latency query over `plan` (from `latencyHistogramPlan`).
 * Output columns: `is_total`, `key`, `events`, `requests`, `statuses`,
 * `duration_count`, `duration_sum`, `duration_hist` (bins, counts), and the
 * same for `ttft`.
 */
export function latencyHistogramQuery(spec: LatencySpec, plan: SourcePlan): SqlQuery & { readonly plan: SourcePlan } {
  const params = new Params();
  const key = latencyColumn(spec.by);
  const union = segmentsByTable(plan).map((group) => histogramBranchSql(group, key, spec, params)).join('\nUNION ALL\n');
  const sql = selectFrom(
    [
      'grouping(key) = 1 AS is_total',
      'key',
      'sum(row_events) AS events',
      'sum(row_requests) AS requests',
      'sumMap(map(status, row_events)) AS statuses',
      'sum(duration_ms_count) AS duration_count',
      'sum(duration_ms_sum) AS duration_sum',
      'sumMap(duration_bins, duration_counts) AS duration_hist',
      'sum(ttft_ms_count) AS ttft_count',
      'sum(ttft_ms_sum) AS ttft_sum',
      'sumMap(ttft_bins, ttft_counts) AS ttft_hist',
    ],
    union,
    ['GROUP BY GROUPING SETS ((key), ())', 'ORDER BY is_total ASC, events DESC, key ASC'],
  );
  return { sql, params: params.values, plan };
}

/** A row of `latencyHistogramQuery`. */
export interface LatencyHistogramRow extends LatencyCounts {
  readonly duration_sum: number;
  readonly duration_hist: readonly [readonly (string | number)[], readonly (string | number)[]];
  readonly ttft_sum: number;
  readonly ttft_hist: readonly [readonly (string | number)[], readonly (string | number)[]];
}

/** A histogram row as the exact query's row: percentiles from the bins, means from the sums. */
export function latencyRowFromHistogram(r: LatencyHistogramRow): LatencyStoreRow {
  const quantiles = (h: LatencyHistogramRow['duration_hist']): (number | null)[] =>
    histogramQuantiles({ bins: h[0].map(Number), counts: h[1].map(Number) }, LATENCY_LEVELS);
  const avg = (sum: number, count: string | number): number | null => (Number(count) > 0 ? sum / Number(count) : null);
  const statuses: Record<string, string | number> = {};
  for (const [status, n] of Object.entries(r.statuses)) if (Number(n) !== 0) statuses[status] = n;
  return {
    is_total: r.is_total,
    key: r.key,
    events: r.events,
    requests: r.requests,
    statuses,
    duration_count: r.duration_count,
    duration_q: quantiles(r.duration_hist),
    duration_avg: avg(r.duration_sum, r.duration_count),
    ttft_count: r.ttft_count,
    ttft_q: quantiles(r.ttft_hist),
    ttft_avg: avg(r.ttft_sum, r.ttft_count),
  };
}
