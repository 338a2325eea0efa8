/**
 * The latency histograms of the by-model rollups (migration 0020; first the
 * latency rollups of 0012) against raw events, for the rollup compare /
 * repair (rollup-repair.ts): what a crash between the raw insert and a
 * view's insert leaves behind (or a duplicate past the dedupe) shows in the
 * bins as it shows in the sums, and is repaired with them — the difference
 * row of a by-model key carries raw − rollup of every bin (bins that agree
 * left out) next to raw − rollup of every sum.
 *
 * Each bin's count is exact. Phase 1 compares, per (tenant, UTC day), a
 * fingerprint of every histogram: Σ count × cityHash64(key, bin), modulo 2^64.
 */

/** The histogram columns: the raw column and the Nested map of the rollups. */
export const HISTOGRAMS = [
  { column: 'duration_ms', map: 'durationMap' },
  { column: 'ttft_ms', map: 'ttftMap' },
] as const;
export type Histogram = (typeof HISTOGRAMS)[number];

/** A raw value's histogram bin, exactly as the views compute it (0012, 0020); the latency reads' raw slivers use it too (usage/latency.ts). */
export function binOf(column: string): string {
  return `if(assumeNotNull(${column}) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(${column})) / log(1.02))))), toInt16(-32768))`;
}

/** Per key over current raw events (`sign = 1`): each histogram as (bins, counts), `hist_<map>`. */
export const RAW_HISTOGRAMS: readonly string[] = HISTOGRAMS.map(
  (h) => `sumMap(if(isNull(${h.column}), CAST([], 'Array(Int16)'), [${binOf(h.column)}]), if(isNull(${h.column}), CAST([], 'Array(Int64)'), [toInt64(1)])) AS hist_${h.map}`,
);

/** Per key over a rollup: each histogram summed bin by bin, `hist_<map>`. */
export const ROLLUP_HISTOGRAMS: readonly string[] = HISTOGRAMS.map((h) => `sumMap(\`${h.map}.bin\`, \`${h.map}.events\`) AS hist_${h.map}`);

/** Phase 1 over raw events: one fingerprint per histogram of rollup `table` (bucket `bucket`, dimensions `dims`), `hp_<map>_<table>`. */
export function rawHistogramFingerprints(table: string, bucket: string, dims: readonly string[]): string[] {
  return HISTOGRAMS.map(
    (h) => `sumWithOverflow(if(isNull(${h.column}), toUInt64(0), cityHash64(tenant, ${bucket}, ${dims.join(', ')}, ${binOf(h.column)}))) AS hp_${h.map}_${table}`,
  );
}

/** Phase 1 over rollup `table`: the same fingerprints from its bins, `x_<table>_hp_<map>`. */
export function rollupHistogramFingerprints(table: string, dims: readonly string[]): string[] {
  return HISTOGRAMS.map(
    (h) => `sumWithOverflow(arraySum(arrayMap((b, n) -> toUInt64(n) * cityHash64(tenant, bucket, ${dims.join(', ')}, b), \`${h.map}.bin\`, \`${h.map}.events\`))) AS x_${table}_hp_${h.map}`,
  );
}

/** Phase 1: the conditions that flag a (tenant, day) whose histograms of `table` differ from raw. */
export function histogramDiffers(table: string): string[] {
  return HISTOGRAMS.map((h) => `r.hp_${h.map}_${table} != x_${table}_hp_${h.map}`);
}

/** Phase 2, inside the join of raw (`r`) and rollup (`o`): each histogram's bin-by-bin difference, `d_<map>`. */
export const HISTOGRAM_DIFFERENCES: readonly string[] = HISTOGRAMS.map((h) => `mapSubtract(r.hist_${h.map}, o.hist_${h.map}) AS d_${h.map}`);

/** Phase 2, outside the join: the Nested columns to insert, bins whose difference is 0 left out. */
export const HISTOGRAM_COLUMNS: readonly string[] = HISTOGRAMS.flatMap((h) => [
  `arrayFilter((b, n) -> n != 0, d_${h.map}.1, d_${h.map}.2) AS \`${h.map}.bin\``,
  `arrayFilter(n -> n != 0, d_${h.map}.2) AS \`${h.map}.events\``,
]);

/** Phase 2: a key needs a row when one of its histograms differs. */
export const HISTOGRAM_DIFFERS: readonly string[] = HISTOGRAMS.map((h) => `notEmpty(\`${h.map}.bin\`)`);
