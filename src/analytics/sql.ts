/**
 * SQL building blocks shared by the query objects: the filter conditions
 * (every value a bound parameter, every column from a fixed list) and the
 * UNION ALL of a plan's segments, each projecting the same keys and the same
 * per-row measures so one outer `sum()` adds them up.
 *
 * Raw segments read `usage_events FINAL … AND sign = 1` — each current event
 * once, before merges too; rollup segments read sign-weighted sums, so not-
 * yet-merged cancel rows subtract what their originals added.
 */
import { MEASURE_NAMES } from '../store/queries/measures.js';
import { ROLLUP_TABLES } from '../store/queries/grain.js';
import type { SqlQuery } from '../store/types.js';
import { columnOf, type DimensionName } from '../core/dimensions.js';
import type { Filters } from './inputs.js';
import type { Segment, SourcePlan } from './plan.js';
import { dateTime64Text } from './time.js';

/** The tenant a query is restricted to; null reads every tenant (all-tenant keys only). */
export type TenantScope = string | null;

/** Collects bound parameters while SQL text is assembled. */
export class Params {
  readonly values: Record<string, unknown> = {};

  /** Binds `value` under `name` and returns its `{name:Type}` placeholder. */
  bind(name: string, type: string, value: unknown): string {
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** Filters that are a list of values of one dimension; `model` (key or reported) and the raw-only ones are built apart. */
const LIST_FILTERS = ['user_id', 'group', 'agent', 'feature', 'provider', 'api_key_id', 'status'] as const satisfies readonly (keyof Filters & DimensionName)[];

/** The tenant condition (first: it leads every sort key) and the filter conditions, AND-combined. */
export interface Conditions {
  readonly tenant: string | null;
  readonly filters: readonly string[];
}

/**
 * Conditions for the tenant scope and the filters. `raw` adds the filters
 * only raw events can answer (session_id, metadata tags).
 */
export function filterConditions(scope: TenantScope, filters: Filters, params: Params, raw: boolean): Conditions {
  const tenant = scope === null ? null : `tenant = ${params.bind('tenant', 'String', scope)}`;
  const out: string[] = [];
  for (const name of LIST_FILTERS) {
    const values = filters[name];
    if (Array.isArray(values)) out.push(`${columnOf(name)} IN ${params.bind(name, 'Array(String)', [...values])}`);
  }
  if (filters.model) {
    const p = params.bind('model', 'Array(String)', [...filters.model]);
    out.push(`(model_key IN ${p} OR model IN ${p})`);
  }
  if (filters.priced !== undefined) out.push(`priced = ${params.bind('priced', 'Bool', filters.priced)}`);
  if (raw && filters.session_id) out.push(`session_id IN ${params.bind('session_id', 'Array(String)', [...filters.session_id])}`);
  if (raw && filters.tags) {
    filters.tags.forEach((t, i) => {
      const k = params.bind(`tag_key_${i}`, 'String', t.key);
      out.push(`mapContains(metadata, ${k}) AND metadata[${k}] = ${params.bind(`tag_value_${i}`, 'String', t.value)}`);
    });
  }
  return { tenant, filters: out };
}

/**
 * The WHERE conditions of a read of raw events (`usage_events FINAL`): the
 * tenant scope, `occurred_at` in [from, to) where given, current versions
 * only (`sign = 1`), every filter (raw ones included), then `extra`.
 */
export function rawEventConditions(
  scope: TenantScope,
  filters: Filters,
  params: Params,
  range: { readonly from: number | null; readonly to: number | null },
  extra: readonly string[] = [],
): string[] {
  const c = filterConditions(scope, filters, params, true);
  return [
    ...(c.tenant === null ? [] : [c.tenant]),
    ...extra,
    ...(range.from === null ? [] : [`occurred_at >= ${params.bind('from', "DateTime64(3, 'UTC')", dateTime64Text(range.from))}`]),
    ...(range.to === null ? [] : [`occurred_at < ${params.bind('to', "DateTime64(3, 'UTC')", dateTime64Text(range.to))}`]),
    'sign = 1',
    ...c.filters,
  ];
}

/** Per-row measure expressions over raw events, aliased like the rollup columns (rollups need none). */
const RAW_ROW: Readonly<Record<string, string>> = {
  events: 'toInt64(1)',
  unpriced_events: 'toInt64(NOT priced)',
  error_events: "toInt64(status = 'error')",
  audio_seconds: 'toDecimal128(audio_seconds, 3)',
  duration_ms_sum: 'ifNull(duration_ms, 0)',
  duration_ms_count: 'toInt64(isNotNull(duration_ms))',
  ttft_ms_sum: 'ifNull(ttft_ms, 0)',
  ttft_ms_count: 'toInt64(isNotNull(ttft_ms))',
};

function rawRowMeasure(name: string): string {
  const special = RAW_ROW[name];
  if (special !== undefined) return `${special} AS ${name}`;
  return name.startsWith('cost_') || name === 'cache_savings' ? name : `toInt64(${name}) AS ${name}`;
}

/** The outer sums of the measures, one SELECT item each: `sum(events) AS events`, … */
export function measureSums(): string[] {
  return MEASURE_NAMES.map((m) => `sum(${m}) AS ${m}`);
}

/** What each segment projects besides the measures. */
export interface Projection {
  /** Columns (from DIMENSION_COLUMNS and the like) projected under their own names. */
  readonly columns: readonly string[];
  /** Project `ts`, the row's time as DateTime('UTC'), for bucketing. */
  readonly ts: boolean;
  /** The measures to project (names from MEASURE_NAMES). Default all. */
  readonly measures?: readonly string[];
}

function segmentSql(segment: Segment, index: number, projection: Projection, conditions: Conditions, params: Params): string {
  const raw = segment.source === 'raw';
  const select: string[] = [...projection.columns];
  if (projection.ts) select.push(raw ? "toDateTime(occurred_at, 'UTC') AS ts" : segment.source === 'daily' ? "toDateTime(bucket, 'UTC') AS ts" : 'bucket AS ts');
  const measures = projection.measures ?? MEASURE_NAMES;
  select.push(...(raw ? measures.map(rawRowMeasure) : measures));
  const time = raw ? 'occurred_at' : 'bucket';
  const type = raw ? "DateTime64(3, 'UTC')" : segment.source === 'daily' ? 'Date' : "DateTime('UTC')";
  const text = (ms: number): string => (raw ? dateTime64Text(ms) : segment.source === 'daily' ? dateTime64Text(ms).slice(0, 10) : dateTime64Text(ms).slice(0, 19));
  const where = [
    ...(conditions.tenant === null ? [] : [conditions.tenant]),
    `${time} >= ${params.bind(`s${index}_from`, type, text(segment.from))}`,
    `${time} < ${params.bind(`s${index}_to`, type, text(segment.to))}`,
    ...(raw ? ['sign = 1'] : []),
    ...conditions.filters,
  ];
  const table = raw ? 'usage_events FINAL' : ROLLUP_TABLES[segment.source];
  return ['SELECT', select.map((s) => `    ${s}`).join(',\n'), `FROM ${table}`, `WHERE ${where.join('\n  AND ')}`].join('\n');
}

/**
 * The segments of `plan` as one UNION ALL, every branch projecting
 * `projection` plus the measures (all of MEASURE_NAMES unless narrowed) with
 * identical names and types, restricted to the tenant scope and filters.
 */
export function unionSql(plan: SourcePlan, projection: Projection, scope: TenantScope, filters: Filters, params: Params): string {
  const rawConditions = filterConditions(scope, filters, params, true);
  const rollupConditions = filterConditions(scope, filters, params, false);
  return plan.segments.map((s, i) => segmentSql(s, i, projection, s.source === 'raw' ? rawConditions : rollupConditions, params)).join('\nUNION ALL\n');
}

/** Indents every line of `text` by `spaces`. */
export function indent(text: string, spaces = 4): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

/** `SELECT <select> FROM (<from>) <rest>`: a query over a subquery, nested text indented. */
export function selectFrom(select: readonly string[], from: string, rest: readonly string[]): string {
  return ['SELECT', select.map((s) => indent(s)).join(',\n'), 'FROM', '(', indent(from), ')', ...rest].join('\n');
}

/** A query object's result: the SQL, its parameters, and where it reads from. */
export interface PlannedQuery extends SqlQuery {
  readonly plan: SourcePlan;
}
