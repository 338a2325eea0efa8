/**
 * The latency rollups (migration 0012) against raw events, as
 * rollup-repair.ts does for the sum rollups: what a crash between the raw
 * insert and a latency view's insert leaves behind (or a duplicate past the
 * dedupe) is found per (tenant, UTC day) and repaired key by key by inserting
 * raw − rollup, histograms included, into the SummingMergeTree table.
 *
 * Exact measures: events, requests, the latency counts and every histogram
 * bin's count. The Float64 sums follow (their totals differ by rounding with
 * the order of addition), as in the sum rollups.
 */
import type { SqlQuery } from '../types.js';
import { BUCKET_OF, dayMismatchQuery, differenceWhere, indentList, rangeParams, type CompareRange, type RollupDifferenceInput } from './rollup-repair.js';
import { LATENCY_ROLLUP_DIMENSIONS, LATENCY_ROLLUPS, type LatencyRollup } from './rollup-tables.js';

const KEY: readonly string[] = ['tenant', 'bucket', ...LATENCY_ROLLUP_DIMENSIONS];
/** Measures compared exactly, besides the histograms. */
const COUNTS: readonly string[] = ['events', 'requests', 'duration_ms_count', 'ttft_ms_count'];
const HISTOGRAMS = [
  { column: 'duration_ms', map: 'durationMap' },
  { column: 'ttft_ms', map: 'ttftMap' },
] as const;
type Histogram = (typeof HISTOGRAMS)[number];

/** A raw value's histogram bin, exactly as the views compute it (0012). */
function binOf(column: string): string {
  return `if(assumeNotNull(${column}) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(${column})) / log(1.02))))), toInt16(-32768))`;
}

/** Raw events' counts and histograms per key (current versions, `sign = 1`), in the tables' types. */
const RAW_MEASURES: readonly string[] = [
  'toInt64(count()) AS events',
  'sum(toInt64(requests)) AS requests',
  'toInt64(count(duration_ms)) AS duration_ms_count',
  'sum(ifNull(duration_ms, 0)) AS duration_ms_sum',
  'toInt64(count(ttft_ms)) AS ttft_ms_count',
  'sum(ifNull(ttft_ms, 0)) AS ttft_ms_sum',
  ...HISTOGRAMS.map(
    (h) => `sumMap(if(isNull(${h.column}), CAST([], 'Array(Int16)'), [${binOf(h.column)}]), if(isNull(${h.column}), CAST([], 'Array(Int64)'), [toInt64(1)])) AS hist_${h.map}`,
  ),
];

const ROLLUP_MEASURES: readonly string[] = [
  ...['events', 'requests', 'duration_ms_count', 'duration_ms_sum', 'ttft_ms_count', 'ttft_ms_sum'].map((m) => `sum(${m}) AS ${m}`),
  ...HISTOGRAMS.map((h) => `sumMap(\`${h.map}.bin\`, \`${h.map}.events\`) AS hist_${h.map}`),
];

const hashOf = (bucket: string): string => `cityHash64(tenant, ${bucket}, ${LATENCY_ROLLUP_DIMENSIONS.join(', ')})`;

/**
 * Phase 1: the (tenant, UTC day) pairs where a latency rollup may differ from
 * raw events (`d_<table>` per table). Per pair: every exact count, a
 * fingerprint of where the events sit (Σ events × hash of the key) and one
 * of every histogram (Σ count × hash of key and bin), modulo 2^64.
 */
export function latencyMismatchQuery(input: CompareRange): SqlQuery {
  const dims = LATENCY_ROLLUP_DIMENSIONS.join(', ');
  const binHash = (t: LatencyRollup, h: Histogram): string =>
    `sumWithOverflow(if(isNull(${h.column}), toUInt64(0), cityHash64(tenant, ${BUCKET_OF[t.grain]}, ${dims}, ${binOf(h.column)}))) AS hp_${h.map}_${t.name}`;
  return dayMismatchQuery(input, {
    tables: LATENCY_ROLLUPS,
    raw: [
      'toInt64(count()) AS events',
      'sum(toInt64(requests)) AS requests',
      'toInt64(count(duration_ms)) AS duration_ms_count',
      'toInt64(count(ttft_ms)) AS ttft_ms_count',
      ...LATENCY_ROLLUPS.map((t) => `sumWithOverflow(${hashOf(BUCKET_OF[t.grain])}) AS fp_${t.name}`),
      ...LATENCY_ROLLUPS.flatMap((t) => HISTOGRAMS.map((h) => binHash(t, h))),
    ],
    rollup: (t) => [
      `sumWithOverflow(toUInt64(events) * ${hashOf('bucket')}) AS x_${t.name}_fp`,
      ...HISTOGRAMS.map(
        (h) => `sumWithOverflow(arraySum(arrayMap((b, n) -> toUInt64(n) * cityHash64(tenant, bucket, ${dims}, b), \`${h.map}.bin\`, \`${h.map}.events\`))) AS x_${t.name}_hp_${h.map}`,
      ),
      ...COUNTS.map((m) => `sum(${m}) AS x_${t.name}_${m}`),
    ],
    differs: (t) =>
      [`r.fp_${t.name} != x_${t.name}_fp`, ...HISTOGRAMS.map((h) => `r.hp_${h.map}_${t.name} != x_${t.name}_hp_${h.map}`), ...COUNTS.map((m) => `r.${m} != x_${t.name}_${m}`)].join(' OR '),
  });
}

/**
 * Phase 2: the rows that make one latency rollup equal raw events, for some
 * tenants on one UTC day: per key, every measure as raw − rollup and each
 * histogram as its bin-by-bin difference (bins that agree left out), ready to
 * insert.
 */
export function latencyDifferenceQuery(table: LatencyRollup, input: RollupDifferenceInput): SqlQuery {
  const bucket = BUCKET_OF[table.grain];
  const where = differenceWhere(table.grain, input);
  const keyList = KEY.join(', ');
  const scalars = ['events', 'requests', 'duration_ms_count', 'duration_ms_sum', 'ttft_ms_count', 'ttft_ms_sum'];
  const differences = HISTOGRAMS.map((h) => `mapSubtract(r.hist_${h.map}, o.hist_${h.map}) AS d_${h.map}`);
  const columns = [
    ...KEY,
    ...scalars,
    ...HISTOGRAMS.flatMap((h) => [
      `arrayFilter((b, n) -> n != 0, d_${h.map}.1, d_${h.map}.2) AS \`${h.map}.bin\``,
      `arrayFilter(n -> n != 0, d_${h.map}.2) AS \`${h.map}.events\``,
    ]),
  ];
  const sql = `SELECT
${indentList(columns, 4)}
FROM
(
    SELECT
${indentList([...KEY, ...scalars.map((m) => `r.${m} - o.${m} AS ${m}`), ...differences], 8)}
    FROM
    (
        SELECT
${indentList(['tenant', `${bucket} AS bucket`, ...LATENCY_ROLLUP_DIMENSIONS, ...RAW_MEASURES], 12)}
        FROM usage_events FINAL
        WHERE ${where.raw.join('\n          AND ')}
        GROUP BY ${keyList}
    ) AS r
    FULL OUTER JOIN
    (
        SELECT
${indentList([...KEY, ...ROLLUP_MEASURES], 12)}
        FROM ${table.name}
        WHERE ${where.rollup.join('\n          AND ')}
        GROUP BY ${keyList}
    ) AS o
    USING (${keyList})
)
WHERE ${[...COUNTS.map((m) => `${m} != 0`), ...HISTOGRAMS.map((h) => `notEmpty(\`${h.map}.bin\`)`)].join('\n   OR ')}
ORDER BY ${keyList}`;
  return { sql, params: { tenants: [...input.tenants], day: input.day, ...rangeParams(input) } };
}
