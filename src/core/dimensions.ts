/**
 * The dimensions of usage: who and what an event is about, named once as the
 * event names them (`user_id`, `group`, `api_key_id`, …). Analytics filter and
 * group by them, budget scopes and quota subjects are written in them, the
 * CLI has a flag for each, and the store keeps each in one column. Everything
 * else derives its lists from this table.
 */

/** The tenant of an event (or a quota subject) that names none. */
export const DEFAULT_TENANT = 'default';

export interface DimensionSpec {
  /** The `usage_events` column (and rollup column) holding it. */
  readonly column: string;
  /** The CLI flag that filters by it, without `--`. */
  readonly flag: string;
  /** Its one-letter code in counter keys and alert marks, for dimensions a budget may be scoped by. */
  readonly code?: string;
  /** The name budget scopes and quota subjects used before 0.2: still read, with a deprecation warning. */
  readonly legacy?: string;
}

export const DIMENSION_SPECS = {
  tenant: { column: 'tenant', flag: 'tenant', code: 't' },
  user_id: { column: 'user_id', flag: 'user', code: 'u', legacy: 'user' },
  group: { column: 'group_id', flag: 'group', code: 'g' },
  session_id: { column: 'session_id', flag: 'session' },
  agent: { column: 'agent', flag: 'agent', code: 'a' },
  feature: { column: 'feature', flag: 'feature', code: 'f' },
  provider: { column: 'provider', flag: 'provider', code: 'p' },
  /** The model as the provider reported it; as a budget scope, the model an event counts under (`countedModel`). */
  model: { column: 'model', flag: 'model', code: 'm' },
  /** The catalog key the model resolved to (`openai/gpt-4o`); empty for unpriced events. */
  model_key: { column: 'model_key', flag: 'model-key' },
  api_key_id: { column: 'api_key_id', flag: 'api-key-id', code: 'k', legacy: 'api_key' },
  status: { column: 'status', flag: 'status' },
} as const satisfies Record<string, DimensionSpec>;

export type DimensionName = keyof typeof DIMENSION_SPECS;

/** Dimensions a breakdown may group by; each exists in usage_events and in every rollup. */
export const BREAKDOWN_DIMENSIONS = ['tenant', 'user_id', 'group', 'agent', 'feature', 'provider', 'model_key', 'model', 'api_key_id', 'status'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** Dimensions a budget may be scoped by, in the canonical order of counter keys. */
export const SCOPE_DIMENSIONS = ['tenant', 'user_id', 'group', 'model', 'provider', 'agent', 'feature', 'api_key_id'] as const;
export type ScopeDimension = (typeof SCOPE_DIMENSIONS)[number];

/** The store column of a dimension. */
export function columnOf(d: DimensionName): string {
  return DIMENSION_SPECS[d].column;
}

/** The model an event counts under: its resolved catalog key, else the model as reported. */
export function countedModel(modelKey: string | null | undefined, model: string): string {
  return modelKey ? modelKey : model;
}

/** Statuses an event may carry. */
export const EVENT_STATUSES = ['ok', 'error', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];
