/**
 * The one path from input bytes to a priced event, shared by the ingest (which
 * accepts and stamps), the processor (which prices what the log delivers) and
 * `tally price` (which does both in one go):
 *
 *   parse (envelope, contract) → stamp (id, timestamps) → normalize → price
 *
 * Every failure becomes a Rejection with a code and field errors; nothing
 * throws for bad input.
 */
import { isTallyError, errorMessage } from '../core/errors.js';
import { canonicalUtcMs } from '../core/time.js';
import { parseEvent } from '../events/parse.js';
import type { CloudEventMapping } from '../events/envelopes/cloudevents.js';
import type { UsageEvent } from '../events/schema.js';
import { DEFAULT_TIME_WINDOW, stampEvent, type TimeWindow } from '../events/stamp.js';
import { pricingBeyondLimits, usageBeyondLimits } from './storable.js';
import { normalizeUsage, usageRejection } from '../normalize/index.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { Pricer } from '../pricing/pricer.js';
import type { Envelope, Rejection, StampedEvent } from '../events/types.js';
import type { PricedEvent, RawRecord, RecordOutcome, RecordPipeline, SourcePosition } from './types.js';

/** Header the ingest puts on raw records: when tally first received the event. */
export const RECEIVED_AT_HEADER = 'tally-received-at';

export interface AcceptContext {
  /** When the event was received; becomes `received_at` unless the event carries one. */
  readonly receivedAt: Date;
  /** Makes an event_id when the event has none. Default: a UUIDv7. */
  readonly makeId?: () => string;
  /** Maximum encoded event size in bytes. */
  readonly maxBytes?: number;
  /**
   * Which occurred_at (and producer received_at) are accepted around
   * `receivedAt`. The ingest and the processor always pass one (default
   * DEFAULT_TIME_WINDOW there); without it only the store's absolute range
   * (1970–2105) applies, as for `tally price`.
   */
  readonly timeWindow?: TimeWindow;
  /** How CloudEvent attributes map to v1 fields (config `cloudevents.*`). Default: subject → user_id. */
  readonly cloudEvents?: CloudEventMapping;
}

export type AcceptOutcome =
  | { readonly ok: true; readonly event: StampedEvent; readonly usage: NormalizedUsage; readonly envelope: Envelope }
  | { readonly ok: false; readonly rejection: Rejection };

/** Parses, stamps and normalizes one input (bytes, text or an already-parsed object). */
export function acceptInput(input: Buffer | string | unknown, ctx: AcceptContext): AcceptOutcome {
  // The context holds parseEvent's options under the same names (maxBytes, cloudEvents): no options object per input.
  const parsed = parseEvent(input, ctx);
  if (!parsed.ok) return parsed;
  const accepted = acceptEvent(parsed.event, parsed.envelope, ctx);
  if (accepted.ok) return accepted;
  // Errors found after parsing (the usage object, the stamp) name the field where the input has it: `data.usage…` in a CloudEvent.
  const { code, message, errors } = accepted.rejection;
  const located = errors.map((e) => ({ path: parsed.locate(e.path), reason: e.reason }));
  if (located.every((e, i) => e.path === errors[i]?.path)) return accepted;
  return { ok: false, rejection: { code, message: relocated(message, errors, located), errors: located } };
}

/** The message with its leading field path (`usage.x: reason…`) replaced by where the input has it. */
function relocated(message: string, from: readonly { path: string }[], to: readonly { path: string }[]): string {
  const was = from[0]?.path;
  const now = to[0]?.path;
  if (was === undefined || now === undefined || was === '' || !message.startsWith(`${was}: `)) return message;
  return `${now}${message.slice(was.length)}`;
}

/** Stamps and normalizes an event that already passed the contract (e.g. from `readNdjson`). */
export function acceptEvent(parsedEvent: UsageEvent, envelope: Envelope, ctx: AcceptContext): AcceptOutcome {
  let event: StampedEvent;
  try {
    event = stampEvent(parsedEvent, ctx.receivedAt, ctx.makeId, ctx.timeWindow);
  } catch (err) {
    return { ok: false, rejection: rejectionOf(err) };
  }
  const normalized = normalizeUsage(event);
  if (!normalized.ok) return { ok: false, rejection: usageRejection(normalized.errors) };
  const beyond = usageBeyondLimits(normalized.usage);
  if (beyond.length > 0) return { ok: false, rejection: usageRejection(beyond) };
  return { ok: true, event, usage: normalized.usage, envelope };
}

/** A thrown error as a rejection, keeping its code and field errors. */
export function rejectionOf(err: unknown): Rejection {
  const errors = isTallyError(err) && Array.isArray(err.details.errors) ? (err.details.errors as Rejection['errors']) : [];
  return { code: isTallyError(err) ? err.code : 'VALIDATION_FAILED', message: errorMessage(err), errors };
}

/** Prices an accepted event (throws only on values the contract should have refused, e.g. a reported cost finer than 1e-15 USD). Unknown models are priced `false` with the reason, never dropped. */
export function priceAccepted(pricer: Pricer, event: StampedEvent, usage: NormalizedUsage, source: SourcePosition | null): PricedEvent {
  const pricing = pricer.price({
    provider: event.provider,
    model: event.model,
    occurredAt: event.occurred_at,
    usage,
    batch: event.batch,
    serviceTier: event.service_tier,
    reportedCost: event.cost === undefined ? undefined : String(event.cost),
  });
  return { event, usage, pricing, source };
}

export interface RecordPipelineOptions {
  readonly pricer: Pricer;
  readonly maxEventBytes?: number;
  /** Accepted occurred_at around the time the record was received. Default DEFAULT_TIME_WINDOW. */
  readonly timeWindow?: TimeWindow;
  /** How CloudEvent attributes map to v1 fields (config `cloudevents.*`), for CloudEvents produced straight to the topic. */
  readonly cloudEvents?: CloudEventMapping;
}

/**
 * The processor's per-record step. Deterministic for a given record, so a
 * redelivered record yields the same event: an event without an id gets one
 * derived from its log position, and `received_at` comes from the ingest's
 * header or the record's own timestamp, never from the processor's clock.
 */
export function createRecordPipeline(options: RecordPipelineOptions): RecordPipeline {
  // One context for every record (no object, closure or Date built per record): `process` runs to its end before the
  // next call, and nothing keeps the context or its Date (stampEvent reads the time; makeId reads the record being processed).
  const none: SourcePosition = { topic: '', partition: -1, offset: '' };
  let current: SourcePosition = none;
  const receivedAt = new Date(0);
  const ctx: AcceptContext = {
    receivedAt,
    makeId: () => `log-${current.topic}-${current.partition}-${current.offset}`,
    maxBytes: options.maxEventBytes,
    timeWindow: options.timeWindow ?? DEFAULT_TIME_WINDOW,
    cloudEvents: options.cloudEvents,
  };
  return {
    process(record: RawRecord): RecordOutcome {
      const stamped = record.headers[RECEIVED_AT_HEADER];
      // The ingest writes the canonical form, read without Date.parse (which is several times slower); anything else as before.
      const receivedMs = stamped === undefined ? record.timestamp : (canonicalUtcMs(stamped) ?? Date.parse(stamped));
      receivedAt.setTime(Number.isFinite(receivedMs) ? receivedMs : record.timestamp);
      current = record;
      let accepted: AcceptOutcome;
      try {
        accepted = acceptInput(record.value, ctx);
      } finally {
        current = none;
      }
      if (!accepted.ok) return accepted;
      const source: SourcePosition = { topic: record.topic, partition: record.partition, offset: record.offset };
      try {
        const priced = priceAccepted(options.pricer, accepted.event, accepted.usage, source);
        const beyond = pricingBeyondLimits(priced.pricing);
        return beyond === null ? { ok: true, priced } : { ok: false, rejection: beyond };
      } catch (err) {
        return { ok: false, rejection: rejectionOf(err) };
      }
    },
  };
}
