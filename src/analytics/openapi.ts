/**
 * JSON schemas of the analytics parameters and answers, for the OpenAPI
 * document (src/api/routes/usage.ts), built from the same lists the service
 * validates against so the two cannot drift.
 */
import { BUCKETS, COUNT_MEASURES, MONEY_MEASURES, OUTPUT_MEASURES, SORTABLE_MEASURES } from './model.js';
import { MAX_BREAKDOWN_LIMIT, MAX_FILTER_VALUES } from './inputs.js';
import { TOKEN_CLASSES, COST_CLASSES } from '../core/classes.js';
import { BREAKDOWN_DIMENSIONS, EVENT_STATUSES } from '../core/dimensions.js';

type Schema = Readonly<Record<string, unknown>>;

export interface ParameterSpec {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required?: boolean;
  readonly description: string;
  readonly schema: Schema;
}

const str: Schema = { type: 'string' };
const list = (description: string, items: Schema = str): ParameterSpec => ({ name: '', in: 'query', description, schema: { type: 'array', items, maxItems: MAX_FILTER_VALUES } });
const named = (name: string, p: ParameterSpec): ParameterSpec => ({ ...p, name });

/** Parameters every query takes. */
export const COMMON_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'tenant', in: 'query', description: 'Read this tenant. A tenant-bound key may only name its own (another → 403); an all-tenant key may name one or none (every tenant).', schema: str },
  { name: 'from', in: 'query', description: 'Inclusive start: RFC 3339 (`2025-03-01T00:00:00Z`) or a date / local time in `tz` (`2025-03-01`, `2025-03-01T09:30`). Default: `to` minus 30 days.', schema: str },
  { name: 'to', in: 'query', description: 'Exclusive end, same forms. Default: now.', schema: str },
  { name: 'tz', in: 'query', description: 'IANA time zone for dates and buckets. Default UTC.', schema: { type: 'string', example: 'Asia/Kolkata' } },
  named('user_id', list('Only these users (repeatable; values OR-ed, filters AND-ed).')),
  named('group', list('Only these groups (teams).')),
  named('session_id', list('Only these sessions (reads raw events).')),
  named('agent', list('Only these agents.')),
  named('feature', list('Only these features.')),
  named('provider', list('Only these providers.')),
  named('model', list('Only these models: matches the canonical model_key (`openai/gpt-4o`) or the model as reported (`gpt-4o-2024-08-06`).')),
  named('api_key_id', list('Only these API key ids (of the caller’s own keys, as sent in events).')),
  named('status', list('Only these statuses.', { type: 'string', enum: [...EVENT_STATUSES] })),
  { name: 'priced', in: 'query', description: 'true: priced events only; false: unpriced only.', schema: { type: 'boolean' } },
  named('tag', list('Metadata tag `key=value` (repeatable; all must match; reads raw events).', { type: 'string', pattern: '^[^=]{1,128}=.{0,1024}$' })),
];

const SOURCE_PARAMETER: ParameterSpec = {
  name: 'source',
  in: 'query',
  description: '`auto` (default): rollups where they answer exactly, raw events where they must. `raw`: raw events (current versions only) for the whole range — slower; exact even for duplicates that reached usage_events past the insert path.',
  schema: { type: 'string', enum: ['auto', 'raw'] },
};

const MEASURES_PARAMETER: ParameterSpec = {
  name: 'measures',
  in: 'query',
  description: 'Only these measures in the answer, repeated or comma-separated (`measures=events,cost_total,price`); default every measure. Each measure costs the store work in every table read: a panel that shows three should ask for three.',
  schema: { type: 'array', items: { type: 'string', enum: [...OUTPUT_MEASURES] }, maxItems: OUTPUT_MEASURES.length },
};

export const SUMMARY_PARAMETERS: readonly ParameterSpec[] = [...COMMON_PARAMETERS, SOURCE_PARAMETER, MEASURES_PARAMETER];

export const BREAKDOWN_PARAMETERS: readonly ParameterSpec[] = [
  ...SUMMARY_PARAMETERS,
  { name: 'by', in: 'query', description: 'One or two dimensions, repeated or comma-separated (`by=model_key,user_id`). Give `by` and/or `bucket`.', schema: { type: 'array', items: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] }, maxItems: 2 } },
  { name: 'bucket', in: 'query', description: 'Time bucket in `tz` (week = ISO, from Monday).', schema: { type: 'string', enum: [...BUCKETS] } },
  { name: 'sort', in: 'query', description: 'Measure that ranks the groups (`price`: billed revenue; `margin`: price − cost_total). Default cost_total.', schema: { type: 'string', enum: [...SORTABLE_MEASURES] } },
  { name: 'order', in: 'query', description: 'desc (default) or asc.', schema: { type: 'string', enum: ['desc', 'asc'] } },
  { name: 'limit', in: 'query', description: `Top N groups (dimension values) kept; the rest are summed into \`other\`. Default 100, at most ${MAX_BREAKDOWN_LIMIT}.`, schema: { type: 'integer', minimum: 1, maximum: MAX_BREAKDOWN_LIMIT } },
];

export const TIMESERIES_PARAMETERS: readonly ParameterSpec[] = [
  ...COMMON_PARAMETERS,
  SOURCE_PARAMETER,
  { name: 'bucket', in: 'query', description: 'Time bucket in `tz`. Default day.', schema: { type: 'string', enum: [...BUCKETS] } },
  { name: 'measure', in: 'query', description: 'The measure plotted, or `all` (every measure per bucket, margin_pct included). Default cost_total.', schema: { type: 'string', enum: [...SORTABLE_MEASURES, 'all'] } },
  { name: 'stack_by', in: 'query', description: 'Split into one series per value of this dimension (top N by the measure, then `other`).', schema: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] } },
  { name: 'limit', in: 'query', description: 'Series kept when stacking. Default 10, at most 100.', schema: { type: 'integer', minimum: 1, maximum: 100 } },
];

export const RECORDS_PARAMETERS: readonly ParameterSpec[] = [
  ...COMMON_PARAMETERS,
  named('event_id', list('Only these events (repeatable), e.g. one event by its id: the dashboard\'s event view as a link.')),
  { name: 'limit', in: 'query', description: 'Events per page. Default 50, at most 1000.', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  { name: 'cursor', in: 'query', description: '`next_cursor` of the previous page.', schema: str },
];

export const SESSION_PARAMETERS: readonly ParameterSpec[] = [
  { name: 'id', in: 'path', required: true, description: 'The session id events carried.', schema: str },
  ...COMMON_PARAMETERS.map((p) => (p.name === 'from' || p.name === 'to' ? { ...p, description: `${p.description.split('.')[0]}. Default: unbounded.` } : p)),
];

export const LATENCY_PARAMETERS: readonly ParameterSpec[] = [
  ...COMMON_PARAMETERS,
  { name: 'by', in: 'query', description: 'Group by model_key (default), model or provider.', schema: { type: 'string', enum: ['model_key', 'model', 'provider'] } },
  {
    name: 'quantiles',
    in: 'query',
    description: '`exact` (default): percentiles over raw events. `histogram`: from the latency rollups, each percentile within 1 % of the exact one (counts exact, means Float64); filters other than provider, model, status and priced fall back to `exact`. The answer says which.',
    schema: { type: 'string', enum: ['exact', 'histogram'] },
  },
];

// ---- responses ------------------------------------------------------------------

const nullableNumber: Schema = { type: ['number', 'null'] };
const usd: Schema = { type: 'string', description: 'USD, exact decimal text', example: '12.3456' };

const measureProperties: Record<string, Schema> = {};
for (const m of COUNT_MEASURES) measureProperties[m] = { type: 'integer' };
for (const m of MONEY_MEASURES) measureProperties[m] = usd;
measureProperties.price = { ...usd, description: 'What the events are billed at (their customers\' price books; 0 for events no price book priced). USD, exact decimal text.' };
measureProperties.margin = { ...usd, description: 'price − cost_total (negative when billed below cost). USD, exact decimal text.' };
measureProperties.margin_pct = { type: ['string', 'null'], description: 'margin ÷ price × 100, two decimals, rounded half away from zero; null when price is 0.', example: '23.08' };
measureProperties.audio_seconds = { type: 'number' };
measureProperties.avg_tokens_per_request = nullableNumber;
measureProperties.avg_duration_ms = nullableNumber;
measureProperties.avg_ttft_ms = nullableNumber;

export const MEASURES_SCHEMA: Schema = {
  type: 'object',
  description: 'Counts are integers; USD amounts (costs, price, margin) exact decimal strings; margin_pct a two-decimal string (null when price is 0); averages numbers (null when undefined).',
  required: Object.keys(measureProperties),
  properties: measureProperties,
};

const RANGE_SCHEMA: Schema = {
  type: 'object',
  required: ['from', 'to', 'tz'],
  properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' }, tz: str },
};

const SOURCE_SCHEMA: Schema = {
  type: 'object',
  description: 'Which tables answered, per time segment: raw events (`grain` null) or one grain of a rollup table.',
  properties: {
    segments: {
      type: 'array',
      items: { type: 'object', properties: { table: str, grain: { type: ['string', 'null'], enum: ['15m', 'hourly', 'daily', null] }, from: str, to: str } },
    },
    raw_reason: { type: ['string', 'null'] },
  },
};

/** Breakdown rows carry every measure unless `measures=` named fewer. */
const withMeasures = (extra: Record<string, Schema>, required: readonly string[] = []): Schema => ({
  type: 'object',
  description: 'Every measure, or only those `measures` names.',
  required: [...required],
  properties: { ...extra, ...measureProperties },
});

const tokenProps: Record<string, Schema> = { model: str, events: { type: 'integer' }, requests: { type: 'integer' }, total_tokens: { type: 'integer' } };
for (const c of TOKEN_CLASSES) tokenProps[`${c}_tokens`] = { type: 'integer' };
const costProps: Record<string, Schema> = {
  model: str,
  events: { type: 'integer' },
  cost_total: usd,
  cache_savings: usd,
  price: measureProperties.price as Schema,
  margin: measureProperties.margin as Schema,
  margin_pct: measureProperties.margin_pct as Schema,
};
for (const c of COST_CLASSES) costProps[`cost_${c}`] = usd;

export const SUMMARY_SCHEMA: Schema = {
  type: 'object',
  required: ['range', 'totals', 'tokens_by_model', 'cost_by_model', 'source'],
  properties: {
    range: RANGE_SCHEMA,
    totals: { ...MEASURES_SCHEMA, required: [], description: 'Every measure, or only those `measures` names.' },
    tokens_by_model: { type: 'array', description: 'model = model_key, or the reported model for unpriced events; most tokens first.', items: { type: 'object', properties: tokenProps } },
    cost_by_model: { type: 'array', description: 'Most cost first.', items: { type: 'object', properties: costProps } },
    source: SOURCE_SCHEMA,
  },
};

const dimensionProps: Record<string, Schema> = {};
for (const d of BREAKDOWN_DIMENSIONS) dimensionProps[d] = { type: ['string', 'null'], description: `Present when grouped by ${d}; null when events had none.` };

export const BREAKDOWN_SCHEMA: Schema = {
  type: 'object',
  required: ['range', 'by', 'bucket', 'sort', 'order', 'limit', 'rows', 'other', 'totals', 'source'],
  properties: {
    range: RANGE_SCHEMA,
    by: { type: 'array', items: { type: 'string', enum: [...BREAKDOWN_DIMENSIONS] } },
    bucket: { type: ['string', 'null'], enum: [...BUCKETS, null] },
    sort: { type: 'string' },
    order: { type: 'string', enum: ['asc', 'desc'] },
    limit: { type: 'integer' },
    rows: { type: 'array', items: withMeasures({ bucket: { type: 'string', description: 'Bucket start, RFC 3339 in tz.' }, ...dimensionProps }) },
    other: { type: 'array', description: 'Groups beyond the top N, summed (one per bucket when bucketed).', items: withMeasures({ bucket: str, groups: { type: 'integer' } }, ['groups']) },
    totals: { ...MEASURES_SCHEMA, required: [], description: 'rows + other, exactly; equals the summary (every measure, or only those `measures` names).' },
    source: SOURCE_SCHEMA,
  },
};

const seriesValue: Schema = { oneOf: [{ type: 'integer' }, { type: 'number' }, usd, MEASURES_SCHEMA] };

export const TIMESERIES_SCHEMA: Schema = {
  type: 'object',
  required: ['range', 'bucket', 'measure', 'stack_by', 'buckets', 'series', 'source'],
  properties: {
    range: RANGE_SCHEMA,
    bucket: { type: 'string', enum: [...BUCKETS] },
    measure: str,
    stack_by: { type: ['string', 'null'] },
    buckets: { type: 'array', items: { type: 'string', description: 'Bucket start, RFC 3339 in tz.' } },
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'other', 'values', 'total'],
        properties: { key: { type: ['string', 'null'] }, other: { type: 'boolean' }, values: { type: 'array', items: seriesValue }, total: seriesValue },
      },
    },
    source: SOURCE_SCHEMA,
  },
};

const recordProps: Record<string, Schema> = {
  event_id: str,
  tenant: str,
  occurred_at: { type: 'string', format: 'date-time' },
  received_at: { type: 'string', format: 'date-time' },
  model: str,
  status: str,
  priced: { type: 'boolean' },
  cost_total: usd,
  cache_savings: usd,
  price: { ...usd, description: 'What the event is billed at (its price book\'s price; 0 without one).' },
  margin: { ...usd, description: 'price − cost_total.' },
  margin_pct: { type: ['string', 'null'], description: 'margin ÷ price × 100, two decimals; null when price is 0.' },
  price_book_version: { type: ['string', 'null'], description: 'The price book version that priced the event; null when none did.' },
  cost_source: str,
  audio_seconds: { type: 'number' },
  duration_ms: nullableNumber,
  ttft_ms: nullableNumber,
  metadata: { type: 'object', additionalProperties: str },
  usage: { type: 'object', additionalProperties: true, description: 'The usage object as the event carried it (before normalization).' },
};
for (const c of COST_CLASSES) recordProps[`cost_${c}`] = usd;
for (const f of ['user_id', 'group', 'session_id', 'agent', 'feature', 'request_id', 'api_key_id', 'provider', 'model_key', 'error_type', 'pricing_error', 'price_version']) recordProps[f] = { type: ['string', 'null'] };
for (const f of [...TOKEN_CLASSES.map((c) => `${c}_tokens`), 'total_tokens', 'requests', 'tool_calls', 'web_search_requests', 'images']) recordProps[f] = { type: 'integer' };

export const RECORDS_SCHEMA: Schema = {
  type: 'object',
  required: ['range', 'records', 'next_cursor'],
  properties: {
    range: RANGE_SCHEMA,
    records: { type: 'array', description: 'Newest first.', items: { type: 'object', properties: recordProps } },
    next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` for the next page; null on the last.' },
  },
};

const strings: Schema = { type: 'array', items: str };

export const SESSION_SCHEMA: Schema = {
  type: 'object',
  required: ['session_id', 'started_at', 'ended_at', 'duration_ms', 'totals', 'models', 'users', 'agents', 'tenants'],
  properties: {
    session_id: str,
    started_at: { type: 'string', format: 'date-time' },
    ended_at: { type: 'string', format: 'date-time' },
    duration_ms: { type: 'integer' },
    totals: MEASURES_SCHEMA,
    models: strings,
    users: strings,
    agents: strings,
    tenants: strings,
  },
};

const stats: Schema = {
  type: 'object',
  properties: { count: { type: 'integer' }, p50: nullableNumber, p95: nullableNumber, p99: nullableNumber, avg: nullableNumber },
};

const latencyRow: Schema = {
  type: 'object',
  properties: {
    key: { type: ['string', 'null'] },
    events: { type: 'integer' },
    requests: { type: 'integer' },
    statuses: { type: 'object', additionalProperties: { type: 'integer' } },
    error_rate: { type: 'number' },
    duration_ms: stats,
    ttft_ms: stats,
  },
};

export const LATENCY_SCHEMA: Schema = {
  type: 'object',
  required: ['range', 'by', 'quantiles', 'rows', 'totals'],
  properties: { range: RANGE_SCHEMA, by: str, quantiles: { type: 'string', enum: ['exact', 'histogram'] }, source: SOURCE_SCHEMA, rows: { type: 'array', items: latencyRow }, totals: latencyRow },
};
