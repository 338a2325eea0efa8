/**
 * The WHERE conditions of a usage query: the tenant scope and the filters,
 * every value a bound parameter, every column from a fixed list.
 */
import { columnOf, type DimensionName } from '../../core/dimensions.js';
import { formatDateTime64 } from '../../core/time.js';
import type { TenantScope, UsageFilters } from './specs.js';
import type { Params } from './statement.js';

/** Filters that are a list of values of one dimension; `model` (key or reported) and the raw-only ones are built apart. */
export const LIST_FILTERS = ['user_id', 'group', 'agent', 'feature', 'provider', 'api_key_id', 'status'] as const satisfies readonly (keyof UsageFilters & DimensionName)[];

/** The tenant condition (first: it leads every sort key) and the filter conditions, AND-combined. */
export interface Conditions {
  readonly tenant: string | null;
  readonly filters: readonly string[];
}

/**
 * Conditions for the tenant scope and the filters. `raw` adds the filters
 * only raw events can answer (session_id, metadata tags).
 */
export function filterConditions(scope: TenantScope, filters: UsageFilters, params: Params, raw: boolean): Conditions {
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
  filters: UsageFilters,
  params: Params,
  range: { readonly from: number | null; readonly to: number | null },
  extra: readonly string[] = [],
): string[] {
  const c = filterConditions(scope, filters, params, true);
  return [
    ...(c.tenant === null ? [] : [c.tenant]),
    ...extra,
    ...(range.from === null ? [] : [`occurred_at >= ${params.bind('from', "DateTime64(3, 'UTC')", formatDateTime64(range.from))}`]),
    ...(range.to === null ? [] : [`occurred_at < ${params.bind('to', "DateTime64(3, 'UTC')", formatDateTime64(range.to))}`]),
    'sign = 1',
    ...c.filters,
  ];
}
