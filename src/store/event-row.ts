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
import type { TokenClass, CostClass } from '../core/classes.js';
import { formatDateTime64, toDateTime64Text as dateTime64TextOf } from '../core/time.js';

/** Cost classes in column order: `cost_<class>`. */

type TokenColumns = { [K in TokenClass as `${K}_tokens`]: string };
type CostColumns = { [K in CostClass as `cost_${K}`]: string };

export type UsageEventRow = TokenColumns &
  CostColumns & {
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

function reportedCost(p: PricedEvent): string | null {
  const raw = p.event.cost ?? p.usage.reported_cost;
  if (raw === undefined || raw === null) return null;
  try {
    return formatUsd(typeof raw === 'number' ? usdFromNumber(raw) : parseUsd(raw));
  } catch {
    // Finer than a femto-dollar or malformed: pricing already reported it; keep the row.
    return null;
  }
}

/** Exact decimal text of an amount; most cost classes are zero, so that case is short-cut. */
function usd(amount: bigint): string {
  return amount === 0n ? '0' : formatUsd(amount);
}

/** The `usage_events` row of a priced event. Written out column by column: one object shape, built fast. */
export function toEventRow(p: PricedEvent, options: EventRowOptions = {}): UsageEventRow {
  const { event, usage, pricing, source } = p;
  const t = usage.tokens;
  const c = pricing.cost;
  const processedAt = options.processedAt ?? new Date();
  return {
    tenant: event.tenant,
    event_id: event.event_id,
    occurred_at: toDateTime64Text(event.occurred_at),
    received_at: toDateTime64Text(event.received_at),
    processed_at: typeof processedAt === 'string' ? processedAt : formatDateTime64(processedAt),
    user_id: event.user_id ?? '',
    group_id: event.group ?? '',
    session_id: event.session_id ?? '',
    agent: event.agent ?? '',
    feature: event.feature ?? '',
    request_id: event.request_id ?? '',
    api_key_id: event.api_key_id ?? '',
    provider: event.provider ?? '',
    model: event.model,
    model_key: pricing.model_key ?? '',
    usage_shape: usage.shape,
    input_tokens: String(t.input),
    cached_input_tokens: String(t.cached_input),
    cache_write_5m_tokens: String(t.cache_write_5m),
    cache_write_1h_tokens: String(t.cache_write_1h),
    output_tokens: String(t.output),
    reasoning_tokens: String(t.reasoning),
    audio_input_tokens: String(t.audio_input),
    audio_output_tokens: String(t.audio_output),
    image_input_tokens: String(t.image_input),
    image_output_tokens: String(t.image_output),
    total_tokens: String(t.total),
    prompt_tokens: String(usage.prompt_tokens),
    requests: usage.requests,
    tool_calls: usage.tool_calls,
    web_search_requests: usage.web_search_requests,
    images: usage.images,
    audio_seconds: usage.audio_seconds === 0 ? '0' : toDecimal3Text(usage.audio_seconds),
    cost_input: usd(c.input),
    cost_cached_input: usd(c.cached_input),
    cost_cache_write_5m: usd(c.cache_write_5m),
    cost_cache_write_1h: usd(c.cache_write_1h),
    cost_output: usd(c.output),
    cost_reasoning: usd(c.reasoning),
    cost_audio_input: usd(c.audio_input),
    cost_audio_output: usd(c.audio_output),
    cost_image_input: usd(c.image_input),
    cost_image_output: usd(c.image_output),
    cost_request: usd(c.request),
    cost_tool_call: usd(c.tool_call),
    cost_web_search: usd(c.web_search),
    cost_audio_second: usd(c.audio_second),
    cost_image: usd(c.image),
    cost_total: usd(pricing.total),
    cache_savings: usd(pricing.cache_savings),
    reported_cost: reportedCost(p),
    cost_source: pricing.cost_source,
    priced: pricing.priced,
    pricing_error: pricing.pricing_error?.code ?? '',
    pricing_error_message: pricing.pricing_error?.message ?? '',
    price_version: pricing.price_version ?? '',
    price_tier: pricing.tier ?? '',
    batch: event.batch ?? false,
    service_tier: event.service_tier ?? '',
    status: event.status,
    error_type: event.error_type ?? '',
    duration_ms: event.duration_ms ?? null,
    ttft_ms: event.ttft_ms ?? null,
    metadata: event.metadata ?? {},
    extra: event.extra === undefined ? '{}' : JSON.stringify(event.extra),
    usage_json: JSON.stringify(event.usage),
    unknown_usage_fields: [...usage.unknown_fields],
    source_topic: source?.topic ?? '',
    source_partition: source?.partition ?? -1,
    source_offset: source?.offset ?? '-1',
    row_version: String(options.rowVersion ?? 1),
    sign: options.sign ?? 1,
  };
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
