/** Types shared by the SDK's recorder, transports and wrappers. */
import type { FieldError, TallyError } from '../core/errors.js';
import type { UsageEvent, UsageEventInput } from '../events/schema.js';

/** An event the recorder accepted: validated, defaults applied, `event_id` and `occurred_at` set. */
export type RecordedEvent = UsageEvent & { readonly event_id: string; readonly occurred_at: string };

/** One event the receiver refused although the batch as a whole was acknowledged. */
export interface RejectedItem {
  /** Index in the batch that was sent. */
  readonly index: number;
  readonly errors: readonly FieldError[];
}

export interface TransportResult {
  /** Items refused individually (HTTP ingest's per-item errors). The others are acknowledged. */
  readonly rejected?: readonly RejectedItem[];
}

/**
 * Where batches go. `send` resolves once the receiver acknowledged the batch
 * durably (Kafka: every replica in sync; HTTP: 202) and throws a TallyError
 * otherwise — retriable when trying again later can help.
 */
export interface UsageTransport {
  send(events: readonly RecordedEvent[]): Promise<TransportResult | void>;
  close(): Promise<void>;
}

/** What `onFlush` reports after a batch was acknowledged. */
export interface FlushInfo {
  readonly events: number;
  /** Attempts the batch took (1 = first try). */
  readonly attempts: number;
  readonly durationMs: number;
  /** Events refused individually by the receiver (also reported through `onError`). */
  readonly rejected: number;
}

/** What `onRetry` reports before waiting to try a batch again. */
export interface RetryInfo {
  readonly error: TallyError;
  readonly attempt: number;
  readonly delayMs: number;
  readonly events: number;
}

/** Identity fields a caller can set once for every event. */
export type EventDefaults = Partial<Pick<UsageEventInput, 'tenant' | 'user_id' | 'group' | 'session_id' | 'agent' | 'feature' | 'api_key_id' | 'provider' | 'metadata'>>;
