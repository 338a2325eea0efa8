/**
 * The record that flows from validation to the sinks: one accepted event, its
 * canonical usage and its price. Built by src/pipeline/price-event.ts; written
 * to the analytics store and applied to the counters by the processor.
 */
import type { Rejection, StampedEvent } from '../events/types.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { PricingResult } from '../pricing/types.js';
import type { EventPrice } from '../pricing/price-book.js';

/** Where a record came from in the event log. */
export interface SourcePosition {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as decimal text (int64). */
  readonly offset: string;
}

export interface PricedEvent {
  readonly event: StampedEvent;
  readonly usage: NormalizedUsage;
  readonly pricing: PricingResult;
  /** What the customer is billed under the price book in force (issue 16); absent or null: no book (price 0, version ''). */
  readonly price?: EventPrice | null;
  /** Null when the event did not come through the event log (e.g. `tally price`). */
  readonly source: SourcePosition | null;
}

/** A raw record as the event log delivers it: the bytes, and where they were read. */
export interface RawRecord extends SourcePosition {
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** When the log wrote the record, epoch ms. */
  readonly timestamp: number;
}

export type RecordOutcome = { readonly ok: true; readonly priced: PricedEvent } | { readonly ok: false; readonly rejection: Rejection };

/** Validates, stamps, normalizes and prices one raw record. Pure apart from the clock. */
export interface RecordPipeline {
  process(record: RawRecord): RecordOutcome;
}
