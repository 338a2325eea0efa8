/**
 * The processor's seams: how a record becomes a priced event, and the sinks a
 * batch is written to before its offsets are committed.
 */
import type { PricedEvent } from '../pipeline/types.js';
import { type Rejection } from '../events/types.js';

export interface StoreWriteResult {
  /** Events new to the store, plus redeliveries of records already stored from this same log position: the counters see these. */
  readonly counted: readonly PricedEvent[];
  /** Events whose (tenant, event_id) was already stored from another log position: dropped everywhere. */
  readonly duplicates: number;
  /** Events the store refused individually (e.g. a value out of range); they go to the DLQ. */
  readonly rejected: readonly { readonly event: PricedEvent; readonly rejection: Rejection }[];
}

/** The analytics-store sink: idempotent, safe to call again with the same events. */
export interface EventStoreSink {
  write(events: readonly PricedEvent[]): Promise<StoreWriteResult>;
}

export interface CounterBatch {
  readonly topic: string;
  readonly partition: number;
  readonly events: readonly PricedEvent[];
}

/** The counter sink (budgets): applies a batch once, fenced by partition offsets. */
export interface CounterSink {
  apply(batch: CounterBatch): Promise<{
    readonly crossings: readonly AlertMessage[];
    /** Events skipped because the counters' own id window had them: the store counted them new (a duplicate older than its window). */
    readonly duplicates?: number;
  }>;
}

/** A budget threshold crossing, ready to publish. */
export interface AlertMessage {
  /** Stable id: one per (budget, period bucket, threshold). */
  readonly id: string;
  readonly tenant: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Publishes threshold crossings (to usage.alerts and webhooks). Must be idempotent by alert id. */
export interface AlertPublisher {
  publish(alerts: readonly AlertMessage[]): Promise<void>;
}
