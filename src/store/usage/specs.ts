/**
 * What a usage query asks the store for: a tenant scope, filters, a range
 * and, per query, a time zone and bucket, group-by dimensions, a sort and a
 * limit, or a record position. Plain data, already validated by the caller
 * (src/analytics/ parses the API's parameters into these); every identifier
 * that reaches SQL text is taken from a fixed list (src/store/usage/names.ts),
 * every value is a bound parameter.
 */
import type { BreakdownDimension } from '../../core/dimensions.js';
import type { TimeBucket } from '../queries/grain.js';
import type { MeasureName, RankMeasure } from '../queries/measures.js';

/** The tenant a query is restricted to; null reads every tenant (all-tenant keys only). */
export type TenantScope = string | null;

/** A metadata tag filter: `metadata[key] = value`. */
export interface TagFilter {
  readonly key: string;
  readonly value: string;
}

/**
 * Filters, AND-combined across fields; the values of one field are OR-ed.
 * `model` matches `model_key` or the model as reported. `session_id` and
 * `tags` only raw events can answer (rollups carry neither).
 */
export interface UsageFilters {
  readonly user_id?: readonly string[];
  readonly group?: readonly string[];
  readonly session_id?: readonly string[];
  readonly agent?: readonly string[];
  readonly feature?: readonly string[];
  readonly provider?: readonly string[];
  readonly model?: readonly string[];
  readonly api_key_id?: readonly string[];
  readonly status?: readonly string[];
  readonly priced?: boolean;
  readonly tags?: readonly TagFilter[];
}

/** Whose events, which ones, and when: what every usage query starts from. */
export interface UsageSelection {
  readonly scope: TenantScope;
  readonly filters: UsageFilters;
  /** Inclusive start, epoch ms. */
  readonly from: number;
  /** Exclusive end, epoch ms. */
  readonly to: number;
}

/** Where a summed query may read: `auto`, rollups where they answer exactly and raw events where they must; `raw`, raw events throughout. */
export type UsageSource = 'auto' | 'raw';

/** Every measure per model over a range. */
export interface SummarySpec extends UsageSelection {
  /** The IANA zone of the query (the planner reads it only for bucketed queries). */
  readonly tz: string;
  readonly source: UsageSource;
  /**
   * The measures to sum (absent: all of MEASURE_NAMES); `events` and what the query ranks or sorts by are
   * always added. Each measure costs the engine its analysis in every branch of the statement: a caller
   * that shows three measures should not pay for thirty-five (issue 13).
   */
  readonly measures?: readonly MeasureName[];
}

/** The measures by up to two dimensions and/or a time bucket, the top `limit` groups by `sort`, the rest folded into "other". */
export interface BreakdownSpec extends SummarySpec {
  readonly by: readonly BreakdownDimension[];
  /** Buckets on the wall clock of `tz`; null: no time bucket. */
  readonly bucket: TimeBucket | null;
  readonly sort: RankMeasure;
  readonly order: 'asc' | 'desc';
  readonly limit: number;
}

/** The measures per time bucket, optionally stacked by one dimension: its top `limit` values by `rank`, then "other". */
export interface TimeseriesSpec extends SummarySpec {
  readonly bucket: TimeBucket;
  readonly stackBy: BreakdownDimension | null;
  /** The measure the stacked values are ranked by (largest first). */
  readonly rank: RankMeasure;
  readonly limit: number;
}

/** A page of individual events, newest first. */
export interface RecordsSpec extends UsageSelection {
  /** Only these events (`event_id IN …`); absent: any. */
  readonly eventIds?: readonly string[];
  readonly limit: number;
}

/** Where the previous page of records ended. */
export interface RecordPosition {
  /** `YYYY-MM-DD hh:mm:ss.sss` UTC, as stored. */
  readonly occurredAt: string;
  readonly eventId: string;
}

/** One session's usage. */
export interface SessionSpec {
  readonly scope: TenantScope;
  readonly filters: UsageFilters;
  readonly id: string;
  /** Inclusive start, epoch ms; null: unbounded (a session is found whenever it happened). */
  readonly from: number | null;
  /** Exclusive end, epoch ms; null: unbounded. */
  readonly to: number | null;
}

/** What latency percentiles may be grouped by. */
export const LATENCY_DIMENSIONS = ['model_key', 'model', 'provider'] as const satisfies readonly BreakdownDimension[];
export type LatencyDimension = (typeof LATENCY_DIMENSIONS)[number];

/** How latency percentiles are computed: `exact` over raw events, or `histogram` from the latency rollups (within 1 %). */
export const LATENCY_QUANTILES = ['exact', 'histogram'] as const;
export type LatencyQuantiles = (typeof LATENCY_QUANTILES)[number];

/** Latency percentiles and status counts per group and overall. */
export interface LatencySpec extends UsageSelection {
  readonly by: LatencyDimension;
  /** Default `exact`. */
  readonly quantiles?: LatencyQuantiles;
}
