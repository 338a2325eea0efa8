/**
 * What the contract layer hands on: an event stamped with its identity and
 * times, which envelope it came in, and why an input was refused.
 */
import type { FieldError } from '../core/errors.js';
import type { UsageEvent } from './schema.js';

/** An event after stamping: event_id, occurred_at and received_at are always set. */
export type StampedEvent = UsageEvent & {
  readonly event_id: string;
  readonly occurred_at: string;
  readonly received_at: string;
};

/** Which envelope an input used. */
export type Envelope = 'v1' | 'cloudevents' | 'otel';

/** An input that could not be accepted, with every reason. Goes to the DLQ. */
export interface Rejection {
  /** VALIDATION_FAILED, INVALID_JSON, EVENT_TOO_LARGE, USAGE_INVALID, … */
  readonly code: string;
  readonly message: string;
  readonly errors: readonly FieldError[];
}
