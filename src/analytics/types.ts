/**
 * What the analytics service returns — the JSON bodies of /v1/usage/*.
 * Times are RFC 3339 with the query zone's offset (`2025-03-10T00:00:00+05:30`),
 * except record and session times, which are UTC (`…Z`). USD amounts are
 * exact decimal strings; counts are integers.
 */
import type { Bucket, Measure, Measures } from './model.js';
import { type CostClass } from '../core/classes.js';
import { type BreakdownDimension } from '../core/dimensions.js';
import type { RollupGrain } from '../store/index.js';

export interface RangeInfo {
  /** Inclusive. */
  readonly from: string;
  /** Exclusive. */
  readonly to: string;
  readonly tz: string;
}

/** Where the answer was read from. */
export interface SourceInfo {
  /** Time segments and the table each was read from, in order. */
  readonly segments: readonly { readonly table: string; readonly grain: RollupGrain | null; readonly from: string; readonly to: string }[];
  /** Why raw events were read for the whole range, when they were. */
  readonly raw_reason: string | null;
}

export interface ModelTokens {
  /** model_key, or the model as reported when the event is unpriced. */
  readonly model: string;
  readonly events: number;
  readonly requests: number;
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly cache_write_5m_tokens: number;
  readonly cache_write_1h_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
  readonly audio_input_tokens: number;
  readonly audio_output_tokens: number;
  readonly image_input_tokens: number;
  readonly image_output_tokens: number;
  readonly total_tokens: number;
}

/** USD per cost class, exact decimal strings. */
export type ModelCost = {
  readonly model: string;
  readonly events: number;
  readonly cost_total: string;
  readonly cache_savings: string;
  /** Billed, and price − cost_total (exact USD strings); margin ÷ price × 100 (null when price is 0). */
  readonly price: string;
  readonly margin: string;
  readonly margin_pct: string | null;
} & { readonly [K in CostClass as `cost_${K}`]: string };

/** A per-model entry of a summary narrowed by `measures=`: the model and the measures asked for. */
export type NarrowedModel<T extends { readonly model: string }> = { readonly model: string } & Partial<Omit<T, 'model'>>;

export interface SummaryResult {
  readonly range: RangeInfo;
  /** Every measure, or only those `measures=` named. */
  readonly totals: Partial<Measures>;
  /** Sorted by total_tokens, largest first. */
  readonly tokens_by_model: readonly NarrowedModel<ModelTokens>[];
  /** Sorted by cost_total, largest first. */
  readonly cost_by_model: readonly NarrowedModel<ModelCost>[];
  readonly source: SourceInfo;
}

/** A summary that was not narrowed: every measure everywhere (`fullSummary` checks it). */
export interface FullSummaryResult extends SummaryResult {
  readonly totals: Measures;
  readonly tokens_by_model: readonly ModelTokens[];
  readonly cost_by_model: readonly ModelCost[];
}

/** A breakdown row: `bucket` when bucketed, one field per `by` dimension (null = the event had none), the measures. */
export type BreakdownRow = Partial<Measures> & { readonly bucket?: string } & Readonly<Partial<Record<BreakdownDimension, string | null>>>;

/** The groups beyond the top N, summed (per bucket when bucketed); `groups` says how many. */
export type BreakdownOther = Partial<Measures> & { readonly bucket?: string; readonly groups: number };

export interface BreakdownResult {
  readonly range: RangeInfo;
  readonly by: readonly BreakdownDimension[];
  readonly bucket: Bucket | null;
  readonly sort: Measure;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  readonly rows: readonly BreakdownRow[];
  readonly other: readonly BreakdownOther[];
  /** rows + other, added exactly: equal to the summary's totals for the same range and filters. */
  readonly totals: Partial<Measures>;
  readonly source: SourceInfo;
}

/** A value of a timeseries: a count (number), a USD amount (decimal string) or, for `measure=all`, every measure. */
export type SeriesValue = number | string | Measures;

export interface Series {
  /** The stack_by value (null: the events had none, or no stack_by). */
  readonly key: string | null;
  /** True for the series summing every value beyond the top N. */
  readonly other: boolean;
  /** One value per entry of `buckets`; zero where nothing happened. */
  readonly values: readonly SeriesValue[];
  /** The series' total over the range. */
  readonly total: SeriesValue;
}

export interface TimeseriesResult {
  readonly range: RangeInfo;
  readonly bucket: Bucket;
  readonly measure: Measure | 'all';
  readonly stack_by: BreakdownDimension | null;
  /** Bucket starts, every bucket of the range (the first may start before `from`). */
  readonly buckets: readonly string[];
  /** Without stack_by one series; with it the top N by the measure, then `other` if any. */
  readonly series: readonly Series[];
  readonly source: SourceInfo;
}

/** The cost of each class: `cost_input`, …, `cost_image` (exact USD strings). */
export type CostPerClass = { readonly [K in CostClass as `cost_${K}`]: string };

export interface UsageRecord extends CostPerClass {
  readonly event_id: string;
  readonly tenant: string;
  readonly occurred_at: string;
  readonly received_at: string;
  readonly user_id: string | null;
  readonly group: string | null;
  readonly session_id: string | null;
  readonly agent: string | null;
  readonly feature: string | null;
  readonly request_id: string | null;
  readonly api_key_id: string | null;
  readonly provider: string | null;
  readonly model: string;
  readonly model_key: string | null;
  readonly status: string;
  readonly error_type: string | null;
  readonly priced: boolean;
  readonly pricing_error: string | null;
  readonly input_tokens: number;
  readonly cached_input_tokens: number;
  readonly cache_write_5m_tokens: number;
  readonly cache_write_1h_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
  readonly audio_input_tokens: number;
  readonly audio_output_tokens: number;
  readonly image_input_tokens: number;
  readonly image_output_tokens: number;
  readonly total_tokens: number;
  readonly requests: number;
  readonly tool_calls: number;
  readonly web_search_requests: number;
  readonly images: number;
  readonly audio_seconds: number;
  readonly cost_total: string;
  readonly cache_savings: string;
  /** What the event is billed at (0 when no price book priced it). */
  readonly price: string;
  /** price − cost_total. */
  readonly margin: string;
  /** margin ÷ price × 100, two decimals; null when price is 0. */
  readonly margin_pct: string | null;
  /** The price book version that priced the event; null when none did. */
  readonly price_book_version: string | null;
  readonly cost_source: string;
  readonly price_version: string | null;
  readonly duration_ms: number | null;
  readonly ttft_ms: number | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** The event's usage object as it was received (before normalization). */
  readonly usage: Readonly<Record<string, unknown>>;
}

export interface RecordsResult {
  readonly range: RangeInfo;
  readonly records: readonly UsageRecord[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly next_cursor: string | null;
}

export interface SessionResult {
  readonly session_id: string;
  /** First event's occurred_at (UTC). */
  readonly started_at: string;
  /** Last event's occurred_at (UTC). */
  readonly ended_at: string;
  /** ended_at − started_at. */
  readonly duration_ms: number;
  readonly totals: Measures;
  /** model_key (or the reported model when unpriced) of every event, sorted. */
  readonly models: readonly string[];
  readonly users: readonly string[];
  readonly agents: readonly string[];
  readonly tenants: readonly string[];
}

export interface LatencyStats {
  /** Events that reported the value. */
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly avg: number | null;
}

export interface LatencyRow {
  /** model_key / model / provider (null: none recorded); absent in `totals`. */
  readonly key?: string | null;
  readonly events: number;
  readonly requests: number;
  /** Events per status (`ok`, `error`, `cancelled`). */
  readonly statuses: Readonly<Record<string, number>>;
  /** error events ÷ events, 4 decimals. */
  readonly error_rate: number;
  readonly duration_ms: LatencyStats;
  readonly ttft_ms: LatencyStats;
}

export interface LatencyResult {
  readonly range: RangeInfo;
  readonly by: 'model_key' | 'model' | 'provider';
  /** `exact`: quantilesExactInclusive over raw events (linear interpolation, R type 7); `histogram`: from the latency rollups' bins, within 1 % of exact. */
  readonly quantiles: 'exact' | 'histogram';
  /** The segments read: raw events for exact percentiles, the latency rollups for `histogram`. */
  readonly source: SourceInfo;
  /** Most events first. */
  readonly rows: readonly LatencyRow[];
  readonly totals: LatencyRow;
}
