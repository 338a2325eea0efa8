/**
 * The `reprices` operations of the analytics-store port: the pages of current
 * events a re-pricing walks through, and its audit record (`usage_reprices`).
 * The new versions themselves are written with `events.insertRows`. The
 * contract only; the SQL is in reprices-sql.ts.
 */
import type { UsageEventRow } from '../event-row.js';

export interface RepricePageInput {
  readonly from: Date;
  readonly to: Date;
  /** Only this tenant. */
  readonly tenant?: string;
  /** Only events of this model (raw id or model key). */
  readonly model?: string;
  /** Resume after this event: its stored `occurred_at` and event_id (the last row of the previous page). */
  readonly after?: { readonly occurredAt: string; readonly eventId: string };
  readonly limit: number;
}

/** One re-pricing run, as recorded. */
export interface RepriceRecord {
  readonly repriceId: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly from: Date;
  readonly to: Date;
  /** '' for every tenant. */
  readonly tenant: string;
  /** '' for every model. */
  readonly model: string;
  readonly examined: number;
  readonly changed: number;
  /** USD decimals. */
  readonly costBefore: string;
  readonly costAfter: string;
  readonly priceFiles: readonly string[];
  /** What the run did to billed prices (migration 0015); absent: the columns keep their defaults (0). */
  readonly prices?: {
    /** Prices were recomputed with the price books in force (`--price-book`). */
    readonly books: boolean;
    /** USD decimals: the billed price of the changed events before and after. */
    readonly before: string;
    readonly after: string;
  };
}

export interface RepriceOperations {
  /** Current, uncancelled versions of the events in range, by (occurred_at, event_id), after `after`, at most `limit`. */
  page(input: RepricePageInput): Promise<UsageEventRow[]>;
  /** Records one run in `usage_reprices`. */
  record(run: RepriceRecord): Promise<void>;
}
