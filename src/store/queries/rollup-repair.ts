/**
 * Rollups against raw events, key by key: what each rollup row should hold
 * (the current version of every event in `usage_events`, read with FINAL and
 * `sign = 1`, summed as the materialized views sum it) minus what it holds.
 * A non-zero difference is what a crash between the raw insert and a view's
 * insert left behind (issue #10, item 1), or a duplicate that reached the
 * rollups past the dedupe; inserting the difference rows into the
 * SummingMergeTree rollup makes it equal to raw again, exactly, with no
 * delete.
 *
 * Which buckets are compared: those of raw rows processed since an instant
 * (every physical row, cancellations included, so every bucket a write could
 * have touched), or every bucket; never a bucket before the retention
 * horizon, where raw events may already be gone by TTL while the rollups —
 * the daily one by design — keep them.
 */
import type { SqlExecutor, SqlQuery } from '../types.js';
import { MEASURE_NAMES, sumSql } from './measures.js';
import type { RollupGrain } from './grain.js';
import {
  HISTOGRAM_COLUMNS,
  HISTOGRAM_DIFFERENCES,
  HISTOGRAM_DIFFERS,
  histogramDiffers,
  RAW_HISTOGRAMS,
  rawHistogramFingerprints,
  ROLLUP_HISTOGRAMS,
  rollupHistogramFingerprints,
} from './histogram-repair.js';
import { grainCondition, hasHistograms, ROLLUPS, rollupKey, type RollupTable } from './rollup-tables.js';
import { dateTime64Param, type Instant } from './time.js';

/** Measures compared exactly; the Float64 latency sums only follow (their sums differ by rounding with the order of addition). */
export const EXACT_MEASURES: readonly string[] = MEASURE_NAMES.filter((m) => m !== 'duration_ms_sum' && m !== 'ttft_ms_sum');

/** The bucket of a raw event in each rollup, exactly as its materialized view computes it. */
export const BUCKET_OF: Readonly<Record<RollupGrain, string>> = {
  '15m': "toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC'))",
  hourly: "toStartOfHour(toDateTime(occurred_at, 'UTC'))",
  daily: "toStartOfDay(toDateTime(occurred_at, 'UTC'))",
};

/** Per-key measures over current raw events, in the rollup's wide types. */
const RAW_MEASURE: Readonly<Record<string, string>> = {
  events: 'toInt128(count())',
  unpriced_events: 'toInt128(countIf(NOT priced))',
  error_events: "toInt128(countIf(status = 'error'))",
  duration_ms_sum: 'sum(ifNull(duration_ms, 0))',
  duration_ms_count: 'toInt128(count(duration_ms))',
  ttft_ms_sum: 'sum(ifNull(ttft_ms, 0))',
  ttft_ms_count: 'toInt128(count(ttft_ms))',
};

export interface CompareRange {
  /** Compare only the buckets of raw rows processed at or after this instant; null: every bucket. */
  readonly since: Instant | null;
  /** Compare only buckets starting at or after this instant (a UTC day boundary: the retention horizon). */
  readonly horizon: Instant;
}

export interface RollupDifferenceInput extends CompareRange {
  /** The tenants compared (those phase 1 flagged on this day). */
  readonly tenants: readonly string[];
  /** The UTC day compared, `YYYY-MM-DD`. */
  readonly day: string;
}

const HORIZON = "{horizon:DateTime64(3, 'UTC')}";
const SINCE = "{since:DateTime64(3, 'UTC')}";
/** (tenant, UTC day) pairs with raw rows processed since `since`: every physical row, cancellations included. */
const TOUCHED_DAYS = `SELECT DISTINCT tenant, toDate(occurred_at) FROM usage_events WHERE processed_at >= ${SINCE} AND occurred_at >= ${HORIZON}`;

export function rangeParams(input: CompareRange): Record<string, string> {
  return { horizon: dateTime64Param(input.horizon, 'horizon'), ...(input.since === null ? {} : { since: dateTime64Param(input.since, 'since') }) };
}

/** A measure's native sum over current raw events (exact within one tenant and day, where phase 1 compares them). */
const RAW_TOTAL: Readonly<Record<string, string>> = {
  events: 'count()',
  unpriced_events: 'countIf(NOT priced)',
  error_events: "countIf(status = 'error')",
  duration_ms_count: 'count(duration_ms)',
  ttft_ms_count: 'count(ttft_ms)',
};

/**
 * Phase 1: the (tenant, UTC day) pairs where a rollup may differ from raw
 * events, per rollup (`d15m`, `dhourly`, `ddaily`). Per pair it compares
 * every exact measure's total and a fingerprint of where the events sit:
 * Σ events × cityHash64(rollup key), modulo 2^64 — an event counted under
 * another key, or missing from one key and doubled in another, changes it.
 * No grouping by key, so it reads each table once, in little memory; phase 2
 * (`rollupDifferenceQuery`) then compares the flagged pairs key by key.
 */
export function rollupMismatchQuery(input: CompareRange): SqlQuery {
  const hashOf = (t: RollupTable, bucket: string): string => `cityHash64(tenant, ${bucket}, ${t.dimensions.join(', ')})`;
  return dayMismatchQuery(input, {
    tables: ROLLUPS,
    raw: [
      ...ROLLUPS.map((t) => `sumWithOverflow(${hashOf(t, BUCKET_OF[t.grain])}) AS fp_${t.id}`),
      ...ROLLUPS.filter(hasHistograms).flatMap((t) => rawHistogramFingerprints(t.id, BUCKET_OF[t.grain], t.dimensions)),
      ...EXACT_MEASURES.map((m) => `${RAW_TOTAL[m] ?? `sum(${m})`} AS ${m}`),
    ],
    rollup: (t) => [
      `sumWithOverflow(toUInt64(toInt64(events)) * ${hashOf(t, 'bucket')}) AS x_${t.id}_fp`,
      ...(hasHistograms(t) ? rollupHistogramFingerprints(t.id, t.dimensions) : []),
      ...EXACT_MEASURES.map((m) => `sum(${m}) AS x_${t.id}_${m}`),
    ],
    differs: (t) =>
      [`r.fp_${t.id} != x_${t.id}_fp`, ...(hasHistograms(t) ? histogramDiffers(t.id) : []), ...EXACT_MEASURES.map((m) => `r.${m} != x_${t.id}_${m}`)].join(' OR '),
  });
}

/** The rollups (grains of tables) phase 1 compares with raw events per (tenant, UTC day). */
export interface DayComparison<T extends RollupTable> {
  readonly tables: readonly T[];
  /** Raw totals per (tenant, day) over current events, after `tenant` and `day`. */
  readonly raw: readonly string[];
  /** One rollup's totals per (tenant, day), after `tenant` and `day` (names prefixed `x_<id>_`). */
  readonly rollup: (t: T) => readonly string[];
  /** The condition that flags a (tenant, day) of the rollup (`r.` raw, `x_<id>_` rollup). */
  readonly differs: (t: T) => string;
}

/**
 * Phase 1's statement for a family of rollups: raw totals per (tenant, day)
 * FULL OUTER JOINed with each rollup's, over the compared range; one
 * `d_<id>` flag per rollup, only the flagged pairs returned.
 */
export function dayMismatchQuery<T extends RollupTable>(input: CompareRange, c: DayComparison<T>): SqlQuery {
  const rawWhere = ['sign = 1', `occurred_at >= ${HORIZON}`, ...(input.since === null ? [] : [`(tenant, toDate(occurred_at)) IN (${TOUCHED_DAYS})`])];
  const raw = ['tenant', 'toDate(occurred_at) AS day', ...c.raw];
  const rollup = (t: T): string => {
    const where = [grainCondition(t.grain), `bucket >= ${HORIZON}`, ...(input.since === null ? [] : [`(tenant, toDate(bucket)) IN (${TOUCHED_DAYS})`])];
    const select = ['tenant', 'toDate(bucket) AS day', ...c.rollup(t)];
    return `(
    SELECT
        ${select.join(',\n        ')}
    FROM ${t.name}
    WHERE ${where.join('\n      AND ')}
    GROUP BY tenant, day
) AS x_${t.id}`;
  };
  const sql = `SELECT
    tenant,
    toString(day) AS day,
${c.tables.map((t) => `    (${c.differs(t)}) AS d_${t.id}`).join(',\n')}
FROM
(
    SELECT
        ${raw.join(',\n        ')}
    FROM usage_events FINAL
    WHERE ${rawWhere.join('\n      AND ')}
    GROUP BY tenant, day
) AS r
${c.tables.map((t) => `FULL OUTER JOIN ${rollup(t)} USING (tenant, day)`).join('\n')}
WHERE ${c.tables.map((t) => `d_${t.id}`).join(' OR ')}
ORDER BY tenant, day`;
  return { sql, params: rangeParams(input) };
}

/**
 * Phase 2's WHERE clauses for one table of `grain` on one UTC day of some
 * tenants: over raw events (current versions; tenant and day lead the raw
 * sort key, both prune) and over the rollup; with `since`, only the buckets
 * of raw rows processed since then.
 */
export function differenceWhere(grain: RollupGrain, input: RollupDifferenceInput): { readonly raw: string[]; readonly rollup: string[] } {
  const bucket = BUCKET_OF[grain];
  const raw = ['tenant IN {tenants:Array(String)}', 'toDate(occurred_at) = {day:Date}', 'sign = 1', `occurred_at >= ${HORIZON}`];
  const rollup = ['tenant IN {tenants:Array(String)}', grainCondition(grain), 'toDate(bucket) = {day:Date}', `bucket >= ${HORIZON}`];
  if (input.since !== null) {
    const touched = `SELECT DISTINCT tenant, ${bucket} FROM usage_events WHERE tenant IN {tenants:Array(String)} AND toDate(occurred_at) = {day:Date} AND processed_at >= ${SINCE}`;
    raw.push(`(tenant, ${bucket}) IN (${touched})`);
    rollup.push(`(tenant, bucket) IN (${touched})`);
  }
  return { raw, rollup };
}

/** Items of a SELECT list, one per line at `n` spaces. */
export function indentList(items: readonly string[], n: number): string {
  return items.map((s) => `${' '.repeat(n)}${s}`).join(',\n');
}

/**
 * Phase 2: one row per rollup key of some tenants on one UTC day whose rollup
 * sums differ from raw: the key columns and every measure as raw − rollup
 * (the row to insert to make them equal), summed in types that cannot
 * overflow. In the by-model rollups (migration 0020) the row also carries
 * each latency histogram's bin-by-bin difference, and a key whose bins
 * alone differ gets a row too (every sum 0: SummingMergeTree keeps a row of
 * a table with a Nested map however its sums add up).
 */
export function rollupDifferenceQuery(table: RollupTable, input: RollupDifferenceInput): SqlQuery {
  const bucket = BUCKET_OF[table.grain];
  const dims = table.dimensions;
  const key = rollupKey(table);
  const where = differenceWhere(table.grain, input);
  const keyList = key.join(', ');
  const histograms = hasHistograms(table);
  // The rows are inserted into the table of every grain: each names its own.
  const grainColumn = `'${table.grain}' AS grain`;
  const rawSelect = ['tenant', `${bucket} AS bucket`, ...dims, ...MEASURE_NAMES.map((m) => `${RAW_MEASURE[m] ?? sumSql(m)} AS ${m}`), ...(histograms ? RAW_HISTOGRAMS : [])];
  const rollupSelect = [...key, ...MEASURE_NAMES.map((m) => `${sumSql(m)} AS ${m}`), ...(histograms ? ROLLUP_HISTOGRAMS : [])];
  const join = (n: number): string => {
    const pad = ' '.repeat(n);
    return `${pad}FROM
${pad}(
${pad}    SELECT
${indentList(rawSelect, n + 8)}
${pad}    FROM usage_events FINAL
${pad}    WHERE ${where.raw.join(`\n${pad}      AND `)}
${pad}    GROUP BY ${keyList}
${pad}) AS r
${pad}FULL OUTER JOIN
${pad}(
${pad}    SELECT
${indentList(rollupSelect, n + 8)}
${pad}    FROM ${table.name}
${pad}    WHERE ${where.rollup.join(`\n${pad}      AND `)}
${pad}    GROUP BY ${keyList}
${pad}) AS o
${pad}USING (${keyList})`;
  };
  const sql = histograms
    ? `SELECT
${indentList([grainColumn, ...key, ...MEASURE_NAMES, ...HISTOGRAM_COLUMNS], 4)}
FROM
(
    SELECT
${indentList([...key, ...MEASURE_NAMES.map((m) => `r.${m} - o.${m} AS ${m}`), ...HISTOGRAM_DIFFERENCES], 8)}
${join(4)}
)
WHERE ${[...EXACT_MEASURES.map((m) => `${m} != 0`), ...HISTOGRAM_DIFFERS].join('\n   OR ')}
ORDER BY ${keyList}`
    : `SELECT
${indentList([grainColumn, ...key, ...MEASURE_NAMES.map((m) => `r.${m} - o.${m} AS ${m}`)], 4)}
${join(0)}
WHERE ${EXACT_MEASURES.map((m) => `r.${m} != o.${m}`).join('\n   OR ')}
ORDER BY ${keyList}`;
  return { sql, params: { tenants: [...input.tenants], day: input.day, ...rangeParams(input) } };
}

/** The last checkpoint of the rollups (argMax by when it was written), or no row. */
export function lastCheckpointQuery(): SqlQuery {
  return {
    sql: `SELECT
    argMax(safe_before, (written_at, safe_before)) AS last_safe_before,
    argMax(clean, (written_at, safe_before)) AS last_clean,
    argMax(writer, (written_at, safe_before)) AS last_writer,
    max(written_at) AS last_written_at
FROM rollup_checkpoints
HAVING count() > 0`,
  };
}

/** The definition of usage_events, whose TTL says how long raw events are kept. */
export function rawRetentionQuery(): SqlQuery {
  return {
    sql: "SELECT engine_full FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events'",
  };
}

/** Months raw events are kept (the TTL of usage_events), or null when the table has none. */
export async function rawRetentionMonths(sql: Pick<SqlExecutor, 'query'>): Promise<number | null> {
  const [row] = await sql.query<{ engine_full: string }>(rawRetentionQuery());
  const months = /toIntervalMonth\((\d+)\)/.exec(row?.engine_full ?? '')?.[1];
  return months === undefined ? null : Number(months);
}
