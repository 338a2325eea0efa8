/**
 * The record that flows from validation to the sinks: one accepted event, its
 * canonical usage and its price. Built by src/pipeline/price-event.ts; written
 * to the analytics store and applied to the counters by the processor.
 */
import type { UsageEvent } from '../events/schema.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { PricingResult } from '../pricing/types.js';
import type { FieldError } from '../core/errors.js';

/** Where a record came from in the event log. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as decimal text (int64). */
  readonly offset: string;
}

/** An event after stamping: event_id, occurred_at and received_at are always set. */
export type StampedEvent = UsageEvent & {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly received_at: string;
};

export interface PricedEvent {
  readonly event: StampedEvent;
  readonly usage: NormalizedUsage;
  readonly pricing: PricingResult;
  /** Null when the event did not come through the event log (e.g. `tally price`). */
  readonly source: SourcePosition | null;
}

/** Which envelope an input used. */
export type Envelope = 'v1' | 'cloudevents' | 'otel';

/** An input that could not be accepted, with every reason. Goes to the DLQ. */
export interface Rejection {
  /** VALIDATION_FAILED, INVALID_JSON, EVENT_TOO_LARGE, USAGE_INVALID, … */
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldError[];
}
