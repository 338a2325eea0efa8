/**
 * The `counters` operations of the analytics-store port: what budget counters
 * are rebuilt from (reconcile). Usage is summed over the current version of
 * each event; a cancelled event still yields its group, with zeros, so a
 * counter that counted it is set back to zero. Dimensions are named as in
 * src/core/dimensions.ts (`model` is the model an event counts under). The
 * contract only; the SQL is in counter-source-sql.ts.
 */
import type { TokenClass } from '../../core/classes.js';
import type { ScopeDimension } from '../../core/dimensions.js';
import type { Money } from '../../core/money.js';
import type { SourcePosition } from '../../pipeline/types.js';

/** How a dimension narrows the sums: equal to a value, any non-empty value (one group each), or matching a glob. */
export interface DimensionFilter {
  readonly dim: Exclude<ScopeDimension, 'tenant'>;
  readonly kind: 'literal' | 'each' | 'pattern';
  /** The literal value, or the glob (`*` = any run); ignored for `each`. */
  readonly value: string;
}

export interface UsageSumsInput {
  /** One tenant, or null for every tenant. */
  readonly tenant: string | null;
  /** First instant (epoch ms) and end (exclusive) of the buckets. */
  readonly from: number;
  readonly to: number;
  /** Bucket width in ms: an event falls in bucket intDiv(ms − from, step). */
  readonly step: number;
  readonly dims: readonly DimensionFilter[];
  /**
   * Events from the log count only at or below these offsets (per topic and
   * partition; a partition not listed counts nothing); events not from the
   * log always count.
   */
  readonly fence: readonly SourcePosition[];
  /** Only events priced (true) or not priced (false); both when absent. */
  readonly priced?: boolean;
}

/** Usage of one group: the values of its `each` dimensions, in one bucket. */
export interface UsageSums {
  readonly bucket: number;
  readonly dims: Readonly<Partial<Record<ScopeDimension, string>>>;
  readonly cost: Money;
  /** The billed price (price_total). */
  readonly price: Money;
  readonly tokens: bigint;
  readonly requests: bigint;
  readonly classes: Readonly<Record<TokenClass, bigint>>;
}

export interface CounterSourceOperations {
  /** Usage per (`each` dimension values, bucket) of the events the input selects, cut at the fence. */
  sums(input: UsageSumsInput): Promise<UsageSums[]>;
  /** Highest stored offset per log partition, for one tenant or (null) every tenant; by topic, partition. */
  maxOffsets(tenant: string | null): Promise<SourcePosition[]>;
  /** Tenants with events in [from, to) (epoch ms), sorted. */
  tenants(from: number, to: number): Promise<string[]>;
}
