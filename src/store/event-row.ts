/**
 * One `usage_events` row, exactly as it is inserted and as both adapters read
 * it back (src/store/settings.ts): UInt64/Int64 and Decimal columns as decimal
 * strings, DateTime64 as `YYYY-MM-DD hh:mm:ss.sss` UTC, Bool as boolean.
 * Because the two forms are identical, a stored row can be re-inserted as is
 * (that is how a cancel row is made).
 */
import { formatUsd, parseUsd, usdFromNumber } from '../core/money.js';
import { TallyError } from '../core/errors.js';
import type { PricedEvent } from '../pipeline/types.js';
import { ZERO_PRICE, type EventPrice } from '../pricing/price-book.js';
import { COST_CLASSES } from '../core/classes.js';
import type { TokenClass, CostClass } from '../core/classes.js';
import { formatDateTime64, toDateTime64Text as dateTime64TextOf } from '../core/time.js';

/** Cost classes in column order: `cost_<class>`. */

type TokenColumns = { [K in TokenClass as `${K}_tokens`]: string };
type CostColumns = { [K in CostClass as `cost_${K}`]: string };
type PriceColumns = { [K in CostClass as `price_${K}`]: string };

export type UsageEventRow = TokenColumns &
  CostColumns &
  PriceColumns & {
    tenant: string;
    event_id: string;
    occurred_at: string;
    received_at: string;
    processed_at: string;
    user_id: string;
    group_id: string;
    session_id: string;
    agent: string;
    feature: string;
    request_id: string;
    api_key_id: string;
    provider: string;
    model: string;
    model_key: string;
    usage_shape: string;
    total_tokens: string;
    prompt_tokens: string;
    requests: number;
    tool_calls: number;
    web_search_requests: number;
    images: number;
    /** Decimal(18, 3) text. */
    audio_seconds: string;
    cost_total: string;
    cache_savings: string;
    /** What the customer is billed (migration 0014): the sum of the price_<class> columns. */
    price_total: string;
    /** Which price book priced the event (`tenant:<version>`, `user:<version>`); '' = none, price 0. */
    price_book_version: string;
    reported_cost: string | null;
    cost_source: string;
    priced: boolean;
    /** Error code (UNKNOWN_MODEL, NO_PRICE_IN_FORCE, …); '' when priced. */
    pricing_error: string;
    pricing_error_message: string;
    price_version: string;
    price_tier: string;
    batch: boolean;
    service_tier: string;
    status: string;
    error_type: string;
    duration_ms: number | null;
    ttft_ms: number | null;
    metadata: Record<string, string>;
    /** JSON text of the event's unknown top-level fields (`{}` when none). */
    extra: string;
    /** JSON text of the provider's usage object as received. */
    usage_json: string;
    unknown_usage_fields: string[];
    source_topic: string;
    source_partition: number;
    /** Int64 text; `-1` when the event did not come through the event log. */
    source_offset: string;
    /** UInt64 text. */
    row_version: string;
    /** +1 for a version, -1 for the cancellation of one. */
    sign: number;
  };

export interface EventRowOptions {
  /** When tally processed the event (a Date, or DateTime64 text formatted once per batch). Default now. */
  readonly processedAt?: Date | string;
  /** Version for ReplacingMergeTree; a later version replaces an earlier one in FINAL reads. Default 1. */
  readonly rowVersion?: bigint | number;
  /** +1 (default) or -1 for a cancel row. */
  readonly sign?: 1 | -1;
}

/**
 * An RFC 3339 timestamp as DateTime64(3, 'UTC') text, `YYYY-MM-DD hh:mm:ss.sss`
 * (text already in that form passes through); VALIDATION_FAILED when it is neither.
 * Sub-millisecond digits are truncated (never rounded into the next millisecond).
 */
export function toDateTime64Text(text: string): string {
  const out = dateTime64TextOf(text);
  if (out === null) throw new TallyError('VALIDATION_FAILED', `"${text}" is not an RFC 3339 timestamp`);
  return out;
}

/** A count or quantity with at most 3 decimals as Decimal(18, 3) text, trailing zeros trimmed like ClickHouse prints it. */
export function toDecimal3Text(value: number): string {
  const text = (Math.round(value * 1000) / 1000).toFixed(3);
  return text.replace(/\.?0+$/, '') || '0';
}

/** The `reported_cost` column's amount: the event's own cost, else the one inside its usage; null when neither (or unreadable). */
export function reportedCostAmount(p: PricedEvent): bigint | null {
  const raw = p.event.cost ?? p.usage.reported_cost;
  if (raw === undefined || raw === null) return null;
  try {
    return typeof raw === 'number' ? usdFromNumber(raw) : parseUsd(raw);
  } catch {
    // Finer than a femto-dollar or malformed: pricing already reported it; keep the row.
    return null;
  }
}

function reportedCost(p: PricedEvent): string | null {
  const amount = reportedCostAmount(p);
  return amount === null ? null : formatUsd(amount);
}

/** Exact decimal text of an amount; most cost classes are zero, so that case is short-cut. */
function usd(amount: bigint): string {
  return amount === 0n ? '0' : formatUsd(amount);
}

/**
 * The columns of a `usage_events` row in insert order: every column of
 * `UsageEventRow`, once (a type check and a test hold them to each other).
 */
export const EVENT_ROW_COLUMNS = [
  'tenant', 'event_id', 'occurred_at', 'received_at', 'processed_at', 'user_id', 'group_id', 'session_id', 'agent',
  'feature', 'request_id', 'api_key_id', 'provider', 'model', 'model_key', 'usage_shape', 'input_tokens',
  'cached_input_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens',
  'audio_input_tokens', 'audio_output_tokens', 'image_input_tokens', 'image_output_tokens', 'total_tokens',
  'prompt_tokens', 'requests', 'tool_calls', 'web_search_requests', 'images', 'audio_seconds', 'cost_input',
  'cost_cached_input', 'cost_cache_write_5m', 'cost_cache_write_1h', 'cost_output', 'cost_reasoning',
  'cost_audio_input', 'cost_audio_output', 'cost_image_input', 'cost_image_output', 'cost_request', 'cost_tool_call',
  'cost_web_search', 'cost_audio_second', 'cost_image', 'cost_total', 'cache_savings', 'price_input',
  'price_cached_input', 'price_cache_write_5m', 'price_cache_write_1h', 'price_output', 'price_reasoning',
  'price_audio_input', 'price_audio_output', 'price_image_input', 'price_image_output', 'price_request',
  'price_tool_call', 'price_web_search', 'price_audio_second', 'price_image', 'price_total', 'price_book_version',
  'reported_cost',
  'cost_source', 'priced', 'pricing_error', 'pricing_error_message', 'price_version', 'price_tier', 'batch',
  'service_tier', 'status', 'error_type', 'duration_ms', 'ttft_ms', 'metadata', 'extra', 'usage_json',
  'unknown_usage_fields', 'source_topic', 'source_partition', 'source_offset', 'row_version', 'sign',
] as const satisfies readonly (keyof UsageEventRow)[];

/** A row as values in `EVENT_ROW_COLUMNS` order, each typed as its column. */
type ValuesOf<T extends readonly (keyof UsageEventRow)[]> = { -readonly [I in keyof T]: UsageEventRow[T[I]] };
export type EventRowValues = ValuesOf<typeof EVENT_ROW_COLUMNS>;
/** Compile-time: every column of `UsageEventRow` is in `EVENT_ROW_COLUMNS`. */
const everyColumnListed: [Exclude<keyof UsageEventRow, (typeof EVENT_ROW_COLUMNS)[number]>] extends [never] ? true : never = true;
void everyColumnListed;

/** Options of `eventRowValues`, with `processedAt` formatted once per batch. */
export interface EventRowValueOptions extends Omit<EventRowOptions, 'processedAt'> {
  readonly processedAt: string;
}

/**
 * The `usage_events` row of a priced event, as values in column order, built
 * without a row object. The one definition of every column's value;
 * `toEventRow` names them, and the RowBinary encoder of inserts
 * (src/store/rowbinary/usage-events.ts) writes the same values, column by
 * column (a property test holds the two to the same stored rows).
 */
export function eventRowValues(p: PricedEvent, options: EventRowValueOptions): EventRowValues {
  const { event, usage, pricing, source } = p;
  const t = usage.tokens;
  const c = pricing.cost;
  const b = p.price?.price ?? ZERO_PRICE;
  const processedAt = options.processedAt;
  return [
    event.tenant, // tenant
    event.event_id, // event_id
    toDateTime64Text(event.occurred_at), // occurred_at
    toDateTime64Text(event.received_at), // received_at
    processedAt, // processed_at
    event.user_id ?? '', // user_id
    event.group ?? '', // group_id
    event.session_id ?? '', // session_id
    event.agent ?? '', // agent
    event.feature ?? '', // feature
    event.request_id ?? '', // request_id
    event.api_key_id ?? '', // api_key_id
    event.provider ?? '', // provider
    event.model, // model
    pricing.model_key ?? '', // model_key
    usage.shape, // usage_shape
    String(t.input), // input_tokens
    String(t.cached_input), // cached_input_tokens
    String(t.cache_write_5m), // cache_write_5m_tokens
    String(t.cache_write_1h), // cache_write_1h_tokens
    String(t.output), // output_tokens
    String(t.reasoning), // reasoning_tokens
    String(t.audio_input), // audio_input_tokens
    String(t.audio_output), // audio_output_tokens
    String(t.image_input), // image_input_tokens
    String(t.image_output), // image_output_tokens
    String(t.total), // total_tokens
    String(usage.prompt_tokens), // prompt_tokens
    usage.requests, // requests
    usage.tool_calls, // tool_calls
    usage.web_search_requests, // web_search_requests
    usage.images, // images
    usage.audio_seconds === 0 ? '0' : toDecimal3Text(usage.audio_seconds), // audio_seconds
    usd(c.input), // cost_input
    usd(c.cached_input), // cost_cached_input
    usd(c.cache_write_5m), // cost_cache_write_5m
    usd(c.cache_write_1h), // cost_cache_write_1h
    usd(c.output), // cost_output
    usd(c.reasoning), // cost_reasoning
    usd(c.audio_input), // cost_audio_input
    usd(c.audio_output), // cost_audio_output
    usd(c.image_input), // cost_image_input
    usd(c.image_output), // cost_image_output
    usd(c.request), // cost_request
    usd(c.tool_call), // cost_tool_call
    usd(c.web_search), // cost_web_search
    usd(c.audio_second), // cost_audio_second
    usd(c.image), // cost_image
    usd(pricing.total), // cost_total
    usd(pricing.cache_savings), // cache_savings
    usd(b.input), // price_input
    usd(b.cached_input), // price_cached_input
    usd(b.cache_write_5m), // price_cache_write_5m
    usd(b.cache_write_1h), // price_cache_write_1h
    usd(b.output), // price_output
    usd(b.reasoning), // price_reasoning
    usd(b.audio_input), // price_audio_input
    usd(b.audio_output), // price_audio_output
    usd(b.image_input), // price_image_input
    usd(b.image_output), // price_image_output
    usd(b.request), // price_request
    usd(b.tool_call), // price_tool_call
    usd(b.web_search), // price_web_search
    usd(b.audio_second), // price_audio_second
    usd(b.image), // price_image
    usd(p.price?.total ?? 0n), // price_total
    p.price?.version ?? '', // price_book_version
    reportedCost(p), // reported_cost
    pricing.cost_source, // cost_source
    pricing.priced, // priced
    pricing.pricing_error?.code ?? '', // pricing_error
    pricing.pricing_error?.message ?? '', // pricing_error_message
    pricing.price_version ?? '', // price_version
    pricing.tier ?? '', // price_tier
    event.batch ?? false, // batch
    event.service_tier ?? '', // service_tier
    event.status, // status
    event.error_type ?? '', // error_type
    event.duration_ms ?? null, // duration_ms
    event.ttft_ms ?? null, // ttft_ms
    event.metadata ?? {}, // metadata
    event.extra === undefined ? '{}' : JSON.stringify(event.extra), // extra
    JSON.stringify(event.usage), // usage_json
    [...usage.unknown_fields], // unknown_usage_fields
    source?.topic ?? '', // source_topic
    source?.partition ?? -1, // source_partition
    source?.offset ?? '-1', // source_offset
    String(options.rowVersion ?? 1), // row_version
    options.sign ?? 1, // sign
  ];
}

/** The `usage_events` row of a priced event, as an object (column → value). */
export function toEventRow(p: PricedEvent, options: EventRowOptions = {}): UsageEventRow {
  const processedAt = options.processedAt ?? new Date();
  const values = eventRowValues(p, { ...options, processedAt: typeof processedAt === 'string' ? processedAt : formatDateTime64(processedAt) });
  const row: Record<string, unknown> = {};
  for (let i = 0; i < EVENT_ROW_COLUMNS.length; i++) row[EVENT_ROW_COLUMNS[i] as string] = values[i];
  return row as UsageEventRow;
}

/** The price columns of a row (migration 0014), in column order. */
export const PRICE_COLUMNS = EVENT_ROW_COLUMNS.filter((c): c is `price_${CostClass}` | 'price_total' | 'price_book_version' => c.startsWith('price_') && c !== 'price_version' && c !== 'price_tier');

export type PriceColumnValues = Pick<UsageEventRow, (typeof PRICE_COLUMNS)[number]>;

/** The price columns of a billed price (null: no book — price 0, version ''). */
export function priceColumnsOf(price: EventPrice | null): PriceColumnValues {
  const b = price?.price ?? ZERO_PRICE;
  const out: Record<string, string> = {};
  for (const c of COST_CLASSES) out[`price_${c}`] = usd(b[c]);
  out.price_total = usd(price?.total ?? 0n);
  out.price_book_version = price?.version ?? '';
  return out as PriceColumnValues;
}

/** Whether two rows bill the same: every price column equal. */
export function samePrice(a: PriceColumnValues, b: PriceColumnValues): boolean {
  return PRICE_COLUMNS.every((c) => String(a[c]) === String(b[c]));
}

/**
 * The row that cancels `stored` in the rollups: the same values with sign -1
 * and a higher row_version, so FINAL reads drop the event unless a newer
 * version follows. Insert it together with the replacement (row_version + 2)
 * in one insert so no reader sees the gap.
 */
export function cancellationOf(stored: UsageEventRow, processedAt: Date = new Date()): UsageEventRow {
  return { ...stored, processed_at: formatDateTime64(processedAt), row_version: (BigInt(stored.row_version) + 1n).toString(), sign: -1 };
}
