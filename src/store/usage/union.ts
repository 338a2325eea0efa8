/**
 * The UNION ALL of a plan's segments, each projecting the same keys and the
 * same per-row measures so one outer `sum()` adds them up.
 *
 * Raw segments read `usage_events FINAL … AND sign = 1` — each current event
 * once, before merges too; rollup segments read sign-weighted sums, so not-
 * yet-merged cancel rows subtract what their originals added.
 */
import { formatDateTime64 } from '../../core/time.js';
import { MEASURE_NAMES, sumSql, type MeasureName } from '../queries/measures.js';
import { grainCondition } from '../queries/rollup-tables.js';
import { filterConditions, type Conditions } from './conditions.js';
import type { Segment, SourcePlan } from './plan.js';
import type { TenantScope, UsageFilters } from './specs.js';
import type { Params } from './statement.js';

/** Per-row measure expressions over raw events, aliased like the rollup columns (rollups need none). */
const RAW_ROW: Readonly<Record<string, string>> = {
  events: 'toInt128(1)',
  unpriced_events: 'toInt128(NOT priced)',
  error_events: "toInt128(status = 'error')",
  audio_seconds: 'toDecimal128(audio_seconds, 3)',
  duration_ms_sum: 'ifNull(duration_ms, 0)',
  duration_ms_count: 'toInt128(isNotNull(duration_ms))',
  ttft_ms_sum: 'ifNull(ttft_ms, 0)',
  ttft_ms_count: 'toInt128(isNotNull(ttft_ms))',
};

/** A raw row's measure with the type of the rollup column (counts Int128, money Decimal(38, 15)), so the branches union. */
function rawRowMeasure(name: string): string {
  const special = RAW_ROW[name];
  if (special !== undefined) return `${special} AS ${name}`;
  return name.startsWith('cost_') || name === 'cache_savings' || name === 'price_total' ? name : `toInt128(${name}) AS ${name}`;
}

/** The outer sums of the measures, one SELECT item each, in types that cannot overflow (`sumSql`): `sum(toInt128(events)) AS events`, … */
export function measureSums(measures: readonly MeasureName[] = MEASURE_NAMES): string[] {
  return measures.map((m) => `${sumSql(m)} AS ${m}`);
}

/** What each segment projects besides the measures. */
export interface Projection {
  /** Columns (from `columnOf` and the like) projected under their own names. */
  readonly columns: readonly string[];
  /** Project `ts`, the row's time as DateTime('UTC'), for bucketing. */
  readonly ts: boolean;
  /** The measures to project. Default all (MEASURE_NAMES). */
  readonly measures?: readonly MeasureName[];
}

/** The segments of one branch (read from one table), each with its index in the plan (its parameters' names). */
export type BranchSegments = readonly { readonly segment: Segment; readonly index: number }[];

/**
 * Where a branch reads and its WHERE conditions: its table (`usage_events FINAL` for raw events), the tenant,
 * the grain of a rollup table, the segments' time ranges OR-ed (bound as `s<index>_from`/`_to`), `sign = 1`
 * for raw events, then the filters. `unionSql` and the histogram latency read build their branches on it.
 */
export function branchSource(segments: BranchSegments, conditions: Conditions, params: Params): { readonly table: string; readonly where: readonly string[] } {
  const first = segments[0]!.segment;
  const raw = first.source === 'raw';
  const time = raw ? 'occurred_at' : 'bucket';
  const type = raw ? "DateTime64(3, 'UTC')" : "DateTime('UTC')";
  const text = (ms: number): string => (raw ? formatDateTime64(ms) : formatDateTime64(ms).slice(0, 19));
  const ranges = segments.map(
    ({ segment, index }) => `${time} >= ${params.bind(`s${index}_from`, type, text(segment.from))} AND ${time} < ${params.bind(`s${index}_to`, type, text(segment.to))}`,
  );
  const where = [
    ...(conditions.tenant === null ? [] : [conditions.tenant]),
    ...(first.source === 'raw' ? [] : [grainCondition(first.source)]),
    ...(ranges.length === 1 ? ranges[0]!.split(' AND ') : [`(${ranges.map((r) => `(${r})`).join(' OR ')})`]),
    ...(raw ? ['sign = 1'] : []),
    ...conditions.filters,
  ];
  return { table: raw ? 'usage_events FINAL' : first.table, where };
}

/** `SELECT items FROM table WHERE conditions`, one item and one condition per line. */
export function branchStatement(select: readonly string[], source: { readonly table: string; readonly where: readonly string[] }): string {
  return ['SELECT', select.map((s) => `    ${s}`).join(',\n'), `FROM ${source.table}`, `WHERE ${source.where.join('\n  AND ')}`].join('\n');
}

/**
 * One branch: the segments read from one table (same source), their ranges
 * OR-ed — a range ending now has two 15-minute and two hourly edges, and
 * each branch costs the engine its analysis of every projected measure, so
 * one branch per table halves that cost; the key condition still prunes to
 * each range's granules.
 */
function branchSql(segments: BranchSegments, projection: Projection, conditions: Conditions, params: Params): string {
  const raw = segments[0]!.segment.source === 'raw';
  const select: string[] = [...projection.columns];
  if (projection.ts) select.push(raw ? "toDateTime(occurred_at, 'UTC') AS ts" : 'bucket AS ts');
  const measures: readonly string[] = projection.measures ?? MEASURE_NAMES;
  select.push(...(raw ? measures.map(rawRowMeasure) : measures));
  return branchStatement(select, branchSource(segments, conditions, params));
}

/** The plan's segments grouped by the table they read, in order of first appearance. */
export function segmentsByTable(plan: SourcePlan): { segment: Segment; index: number }[][] {
  const groups = new Map<string, { segment: Segment; index: number }[]>();
  plan.segments.forEach((segment, index) => {
    const key = `${segment.source}:${segment.table}`;
    groups.set(key, [...(groups.get(key) ?? []), { segment, index }]);
  });
  return [...groups.values()];
}

/**
 * The segments of `plan` as one UNION ALL, one branch per table read, every branch projecting
 * `projection` plus the measures (all of MEASURE_NAMES unless narrowed) with
 * identical names and types, restricted to the tenant scope and filters.
 */
export function unionSql(plan: SourcePlan, projection: Projection, scope: TenantScope, filters: UsageFilters, params: Params): string {
  const rawConditions = filterConditions(scope, filters, params, true);
  const rollupConditions = filterConditions(scope, filters, params, false);
  return segmentsByTable(plan)
    .map((group) => branchSql(group, projection, group[0]!.segment.source === 'raw' ? rawConditions : rollupConditions, params))
    .join('\nUNION ALL\n');
}
