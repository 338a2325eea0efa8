import { TOKEN_CLASSES, type TokenClass, type CostClass, COST_CLASSES } from '../../core/classes.js';
/**
 * The measures every totals query returns, under the same names whether they
 * come from raw events or from a rollup, so the two can be compared field by
 * field. Types as both adapters return them: counts, token sums and decimals
 * as strings; latency sums as numbers.
 */

type TokenTotals = { [K in TokenClass as `${K}_tokens`]: string };
type CostTotals = { [K in CostClass as `cost_${K}`]: string };

export type TotalsMeasures = TokenTotals &
  CostTotals & {
    events: string;
    requests: string;
    total_tokens: string;
    cost_total: string;
    cache_savings: string;
    /** What the events are billed at (migration 0014; 0 for events no price book priced). */
    price_total: string;
    unpriced_events: string;
    error_events: string;
    tool_calls: string;
    web_search_requests: string;
    images: string;
    /** Decimal text, 3 places. */
    audio_seconds: string;
    /** Sum of duration_ms over events that have one (float; divide by the count for an average). */
    duration_ms_sum: number;
    duration_ms_count: string;
    ttft_ms_sum: number;
    ttft_ms_count: string;
  };

/** The name of one measure, the same in every query and table. */
export type MeasureName = keyof TotalsMeasures;

/**
 * A row holding the measure columns as a usage query returns them: counts,
 * token sums and decimals as text; latency sums as numbers or text (the
 * type of a sum differs between raw events and rollups).
 */
export type MeasureRow = Readonly<Record<string, unknown>>;

/** Measure names in output order. */
export const MEASURE_NAMES: readonly MeasureName[] = [
  'events',
  'requests',
  ...TOKEN_CLASSES.map((c) => `${c}_tokens` as const),
  'total_tokens',
  ...COST_CLASSES.map((c) => `cost_${c}` as const),
  'cost_total',
  'cache_savings',
  'price_total',
  'unpriced_events',
  'error_events',
  'tool_calls',
  'web_search_requests',
  'images',
  'audio_seconds',
  'duration_ms_sum',
  'duration_ms_count',
  'ttft_ms_sum',
  'ttft_ms_count',
];

/** Money measures: Decimal(38, 15) per row, summed as Decimal(76, 15). */
const MONEY_MEASURES: ReadonlySet<string> = new Set([...COST_CLASSES.map((c) => `cost_${c}`), 'cost_total', 'cache_savings', 'price_total']);
/** Measures summed as they are: Float64 latency sums, and audio seconds (Decimal(38, 3) holds 10^35). */
const PLAIN_SUMS: ReadonlySet<string> = new Set(['audio_seconds', 'duration_ms_sum', 'ttft_ms_sum']);

/**
 * The sum of a measure in a type no data the event limits admit can
 * overflow: counts and tokens in Int128, money in Decimal(76, 15). A plain
 * `sum()` keeps the column's type — Int64, UInt64, Decimal(38, 15) — and
 * ClickHouse wraps it silently on overflow (docs/storage.md, "Sums").
 */
export function sumSql(measure: string, expr: string = measure): string {
  if (MONEY_MEASURES.has(measure)) return `sum(toDecimal256(${expr}, 15))`;
  if (PLAIN_SUMS.has(measure)) return `sum(${expr})`;
  return `sum(toInt128(${expr}))`;
}

const RAW_SPECIAL: Readonly<Record<string, string>> = {
  events: 'count()',
  unpriced_events: 'countIf(NOT priced)',
  error_events: "countIf(status = 'error')",
  duration_ms_sum: 'sum(ifNull(duration_ms, 0))',
  duration_ms_count: 'count(duration_ms)',
  ttft_ms_sum: 'sum(ifNull(ttft_ms, 0))',
  ttft_ms_count: 'count(ttft_ms)',
};

/** SELECT list of the measures over raw `usage_events` rows (read with FINAL and sign = 1). */
export function rawMeasuresSql(indent = '    '): string {
  return MEASURE_NAMES.map((m) => `${indent}${RAW_SPECIAL[m] ?? sumSql(m)} AS ${m}`).join(',\n');
}

/** SELECT list of the measures over a rollup table (already sign-weighted; every measure is a sum). */
export function rollupMeasuresSql(indent = '    '): string {
  return MEASURE_NAMES.map((m) => `${indent}${sumSql(m)} AS ${m}`).join(',\n');
}

/**
 * What a breakdown can rank its groups by: a stored measure, or `margin`,
 * price_total − cost_total (derived: no table stores it, every table stores
 * both terms).
 */
export type RankMeasure = MeasureName | 'margin';

/** The stored measures a rank reads. */
export function rankInputs(rank: RankMeasure): MeasureName[] {
  return rank === 'margin' ? ['price_total', 'cost_total'] : [rank];
}

/** A rank's value over the rows of a group: `sumSql`, or for the margin the difference of the two exact sums. */
export function rankSumSql(rank: RankMeasure): string {
  return rank === 'margin' ? `(${sumSql('price_total')} - ${sumSql('cost_total')})` : sumSql(rank);
}

/** A rank's value from the outer measure columns (already summed, under their own names). */
export function rankOfSums(rank: RankMeasure): string {
  return rank === 'margin' ? '(price_total - cost_total)' : rank;
}
