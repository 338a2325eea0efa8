/**
 * JSON schemas of the budgets and quota API (OpenAPI). Input schemas come
 * from the zod schemas that validate the requests, so they cannot drift;
 * output schemas describe what the engine returns.
 */
import { z } from 'zod';
import { budgetInputSchema, tierInputSchema } from '../../budgets/index.js';
import { LEGACY_DIMENSIONS, LEGACY_NAMES_REMOVED_IN } from '../../budgets/legacy.js';
import { SCOPE_DIMENSIONS } from '../../core/dimensions.js';
import { ERROR_SCHEMA, FIELD_ERRORS_SCHEMA, type ApiOperation, type JsonSchema } from '../openapi.js';

function fromZod(schema: z.ZodType, description: string): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...rest, description };
}

const AMOUNT = { type: 'string', description: 'Decimal text: USD for cost budgets, a whole number for tokens and requests.' } as const;
const NULLABLE_AMOUNT = { type: ['string', 'null'], description: 'Decimal text; null for a shared budget seen by a tenant-bound key.' } as const;
const SCOPE = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(SCOPE_DIMENSIONS.map((d) => [d, { type: 'string' }])),
  description: `Per dimension (${SCOPE_DIMENSIONS.join(', ')}): a value, "*" (each value separately), or absent (any).`,
} as const;
const ISO = { type: 'string', format: 'date-time' } as const;
const LEGACY = Object.entries(LEGACY_DIMENSIONS);
const LEGACY_TEXT = LEGACY.map(([legacy, d]) => `\`${legacy}\` for \`${d}\``).join(', ');

/** The answer to a request that used legacy names. */
export const DEPRECATION_HEADER = {
  warning: `\`299 - "<field>: <legacy> is deprecated, write <name> …"\`, once per legacy name read (${LEGACY_TEXT}; read until tally ${LEGACY_NAMES_REMOVED_IN}).`,
};

export const WARNINGS_SCHEMA: JsonSchema = {
  type: 'array',
  items: { type: 'string' },
  description: `Present when the request used legacy names (${LEGACY_TEXT}): one line per use, as in the Warning header.`,
};

/** Subject fields in a query string (status routes); the legacy names are deprecated. */
export const SUBJECT_QUERY: NonNullable<ApiOperation['parameters']> = [
  ...SCOPE_DIMENSIONS.map((name) => ({
    name, in: 'query' as const, description: `Subject ${name}${name === 'tenant' ? ' (a tenant-bound key: its own, the default)' : ''}.`, schema: { type: 'string' },
  })),
  ...LEGACY.map(([name, d]) => ({
    name, in: 'query' as const, deprecated: true, description: `Deprecated name of ${d}, read until tally ${LEGACY_NAMES_REMOVED_IN}.`, schema: { type: 'string', deprecated: true },
  })),
];

export const BUDGET_INPUT_SCHEMA = fromZod(budgetInputSchema, 'A budget. Omitted fields take their defaults (see docs/budgets.md).');
export const TIER_INPUT_SCHEMA = fromZod(tierInputSchema, 'A tier: named per-user budget templates.');

export const BUDGET_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'A budget as stored (normalised: defaults filled in, limit canonical).',
  required: ['id', 'name', 'metric', 'token_class', 'limit', 'period', 'timezone', 'window', 'scope', 'enforcement', 'thresholds', 'approaching', 'metadata', 'tier'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    metric: { type: 'string', enum: ['cost', 'tokens', 'requests', 'price'] },
    token_class: { type: ['string', 'null'] },
    limit: AMOUNT,
    period: { type: 'string', enum: ['daily', 'weekly', 'monthly', 'yearly', 'rolling', 'lifetime'], description: 'Calendar periods reset on the wall clock of `timezone`; `rolling` is the last `window`; `lifetime` never resets (every event counts, whatever its occurred_at).' },
    timezone: { type: 'string' },
    window: { type: ['string', 'null'] },
    scope: SCOPE,
    enforcement: { type: 'string', enum: ['hard', 'soft'] },
    thresholds: { type: 'array', items: { type: 'number' } },
    alert_below: { type: 'array', items: { type: 'string' }, description: 'Cost and price budgets: alert (`budget.remaining_below`) when what is left of the limit falls to or below one of these USD amounts; absent when none. A wallet\'s low-balance alerts.' },
    approaching: { type: 'number' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
    tier: { type: ['string', 'null'] },
    unpriced: { type: 'string', enum: ['provisional', 'block'], description: 'Cost budgets: unpriced events count at a provisional price (absent = `provisional`); `block` also refuses, when hard, requests for a model tally cannot price.' },
    outage_policy: {
      type: 'string', enum: ['fail_open', 'fail_closed', 'leases'],
      description: 'What checks and reservations answer while the counter store is unreachable (absent = the global `budgets.outagePolicy`: `open` reads as fail_open, else fail_closed): fail_open — allowed, nothing held; fail_closed — 503 COUNTERS_UNAVAILABLE with Retry-After; leases — from live budget leases until they expire, then as fail_closed. A subject under several budgets gets the strictest.',
    },
  },
};

export const TIER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'description', 'default', 'budgets'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    default: { type: 'boolean', description: 'Applies to every user without an assignment.' },
    budgets: { type: 'array', items: BUDGET_SCHEMA, description: 'The generated budgets, ids `tier:<tier>:<key>`.' },
  },
};

export const ASSIGNMENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['tenant', 'user_id', 'tier', 'assigned'],
  properties: {
    tenant: { type: 'string' },
    user_id: { type: 'string' },
    tier: { type: ['string', 'null'], description: 'The tier in force: the assigned one, else the default tier, else null.' },
    assigned: { type: 'boolean', description: 'Whether the user has an explicit assignment (false: the default tier applies).' },
  },
};

const STATUS_PROPERTIES = {
  budget_id: { type: 'string' },
  name: { type: 'string' },
  metric: { type: 'string', enum: ['cost', 'tokens', 'requests', 'price'] },
  token_class: { type: ['string', 'null'] },
  enforcement: { type: 'string', enum: ['hard', 'soft'] },
  period: { type: 'string' },
  timezone: { type: 'string' },
  window: { type: ['string', 'null'] },
  subject: { type: 'object', additionalProperties: { type: 'string' }, description: 'Values of the budget\'s per-value ("*") dimensions this status is for.' },
  used: NULLABLE_AMOUNT,
  reserved: { ...NULLABLE_AMOUNT, description: 'Held by unsettled reservations.' },
  limit: AMOUNT,
  remaining: { ...NULLABLE_AMOUNT, description: 'max(0, limit − used − reserved).' },
  percentage: { type: ['number', 'null'], description: 'used / limit × 100, truncated to two decimals.' },
  exceeded: { type: 'boolean', description: 'used ≥ limit.' },
  approaching: { type: 'boolean', description: 'percentage ≥ the budget\'s approaching threshold (default 80) and not exceeded.' },
  period_start: ISO,
  resets_at: { ...ISO, description: 'End of the calendar period, or when a rolling window next slides.' },
  shared: { type: 'boolean', description: 'The budget has no tenant dimension (counts every tenant). Tenant-bound keys get its amounts as null.' },
  model_family: {
    type: 'object',
    description: 'Budgets with a model scope: what it counts — `kind` family (a model and its dated snapshots), snapshot, unknown or pattern; `family` and `members` (catalog keys), or for a glob the `families` it covers.',
    properties: { scope: { type: 'string' }, kind: { type: 'string', enum: ['family', 'snapshot', 'unknown', 'pattern'] }, family: { type: 'string' }, members: { type: 'array', items: { type: 'string' } }, families: { type: 'array', items: { type: 'string' } } },
  },
  late: {
    type: 'object',
    description: 'Present when the previous period received events after its counters expired that no counter holds (`tally reconcile --period <label>` brings them in): `period_start`, `period_end`, `used` (what those events add).',
    properties: { period_start: ISO, period_end: ISO, used: AMOUNT },
  },
} as const;

const OPTIONAL_STATUS = new Set(['model_family', 'late']);
export const STATUS_SCHEMA: JsonSchema = { type: 'object', required: Object.keys(STATUS_PROPERTIES).filter((k) => !OPTIONAL_STATUS.has(k)), properties: STATUS_PROPERTIES };

export const CHECKED_STATUS_SCHEMA: JsonSchema = {
  type: 'object',
  required: [...Object.keys(STATUS_PROPERTIES).filter((k) => !OPTIONAL_STATUS.has(k)), 'would_exceed', 'blocking', 'retry_after_seconds'],
  properties: {
    ...STATUS_PROPERTIES,
    would_exceed: { type: 'boolean', description: 'used + reserved + estimate > limit (without an estimate: used + reserved ≥ limit).' },
    blocking: { type: 'boolean', description: 'A hard budget that would be exceeded: the request is refused.' },
    retry_after_seconds: { type: ['integer', 'null'], description: 'When blocking: seconds until this budget has room for the request (calendar: its reset; rolling: when enough old usage left the window); null when no wait helps (a lifetime period such as a wallet\'s, an unpriced model).' },
    unpriced_model: { type: 'string', description: 'Set when this budget (`unpriced: "block"`) refuses the request because tally cannot price its model.' },
  },
};

export const SUBJECT_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: `Who the request is for, in the event's field names (${LEGACY_TEXT} are deprecated, read until tally ${LEGACY_NAMES_REMOVED_IN}). The tenant defaults to the key's tenant (a tenant-bound key may name only its own), else \`default\`.`,
  properties: {
    ...Object.fromEntries(SCOPE_DIMENSIONS.map((f) => [f, { type: 'string', minLength: 1, maxLength: 256 }])),
    ...Object.fromEntries(LEGACY.map(([f, d]) => [f, { type: 'string', minLength: 1, maxLength: 256, deprecated: true, description: `Deprecated name of ${d}, read until tally ${LEGACY_NAMES_REMOVED_IN}.` }])),
  },
};

export const ESTIMATE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'What the coming request may use. `cost` (USD text) and/or `tokens`; or `model` with `max_tokens` and/or `input_tokens`, whose cost is estimated from the price catalog: `input_tokens` at the model\'s input price and `max_tokens` at its output price; `max_tokens` without `input_tokens` is priced at the dearer of the two. `tokens` defaults to `input_tokens` + `max_tokens`; `requests` to 1.',
  properties: {
    cost: { type: 'string', description: 'USD as decimal text, e.g. "0.02".' },
    price: { type: 'string', description: 'The billed price, USD as decimal text, held on `price` budgets (a customer\'s wallet). Default: the customer\'s price book applied to this estimate (0 without a book).' },
    tokens: { type: 'integer', minimum: 0 },
    requests: { type: 'integer', minimum: 0 },
    model: { type: 'string' },
    max_tokens: { type: 'integer', minimum: 0, description: 'With `model`: the most output tokens the request may produce.' },
    input_tokens: { type: 'integer', minimum: 0, description: 'With `model`: the prompt\'s tokens, counted before the call.' },
  },
};

export const BLOCKING_SCHEMA: JsonSchema = {
  type: 'array',
  description: 'The blocking budgets, each with its own reset, so a client can pick its retry strategy.',
  items: {
    type: 'object',
    required: ['budget_id', 'resets_at', 'retry_after_seconds'],
    properties: {
      budget_id: { type: 'string' },
      resets_at: { ...ISO, description: 'The period\'s end (a rolling window: its next slide); a lifetime period, which never resets: 2106-01-01T00:00:00.000Z.' },
      retry_after_seconds: { type: ['integer', 'null'], description: 'null when no wait helps (a lifetime period such as a wallet\'s, an unpriced model).' },
    },
  },
};

export const VERDICT_PROPERTIES = {
  allowed: { type: 'boolean', description: 'No hard budget would be exceeded.' },
  budgets: { type: 'array', items: CHECKED_STATUS_SCHEMA, description: 'Every budget that applies to the subject.' },
  exceeded: { type: 'array', items: { type: 'string' }, description: 'Ids of the budgets (hard and soft) this request would exceed.' },
  blocking: BLOCKING_SCHEMA,
  retry_after_seconds: { type: ['integer', 'null'], description: 'When refused: seconds until every blocking budget has room (the latest of them) — the Retry-After header; null (and no header) when one of them no wait helps.' },
} as const;

/** Set on an answer the outage policy gave while the counter store was unreachable (docs/budgets.md, "Outage policy"). */
export const OUTAGE_NOTE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['policy', 'reason'],
  description: 'Present only when the counter store was unreachable and the subject\'s outage policy answered: `fail_open` — allowed without reading the counters (`budgets` empty; a reservation holds nothing); `leases` — from a live budget lease (`used_as_of` in each status says how old it is).',
  properties: { policy: { type: 'string', enum: ['fail_open', 'leases'] }, reason: { type: 'string', enum: ['unreachable'] } },
};

export const REFUSED_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The error (code QUOTA_EXCEEDED, details.retry_after_seconds) plus the full verdict.',
  required: ['error', 'allowed', 'budgets', 'exceeded', 'blocking', 'retry_after_seconds'],
  properties: { error: (ERROR_SCHEMA.properties as Record<string, unknown>).error, ...VERDICT_PROPERTIES, warnings: WARNINGS_SCHEMA },
};

export const BAD_REQUEST = { '400': { description: 'Invalid input; `details.errors` lists each problem as {path, reason}.', schema: ERROR_SCHEMA } };
export const NOT_FOUND = (what: string): ApiOperation['responses'] => ({ '404': { description: what, schema: ERROR_SCHEMA } });
export { FIELD_ERRORS_SCHEMA };
