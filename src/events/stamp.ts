/**
 * Stamping: every accepted event leaves with an id and three timestamps in
 * one form, so the stores, counters and dedup windows never compare
 * `+02:00` with `Z` or nanoseconds with milliseconds.
 *
 * - `event_id`: kept when the producer sent one (it is the idempotency key),
 *   else a new UUIDv7.
 * - `received_at`: kept when present (a replay keeps its first stamp), else now.
 * - `occurred_at`: defaults to `received_at`.
 * - All three timestamps become `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC). Digits below
 *   the millisecond are truncated, not rounded: `…:00.999999Z` stays in the
 *   same millisecond, so an event never moves into the next period.
 */
import { TallyError, validationError } from '../errors.js';
import type { StampedEvent } from '../pipeline/types.js';
import { uuidv7 } from './ids.js';
import type { UsageEvent } from './schema.js';
import { formatTimestamp, parseTimestamp } from './time.js';

function normalized(value: string, field: string): string {
  const ms = parseTimestamp(value);
  if (ms === null) throw validationError([{ path: field, reason: 'is not a valid RFC 3339 timestamp between 1970 and 2299' }]);
  return formatTimestamp(ms);
}

/** The event with `event_id`, `occurred_at` and `received_at` set and normalised. */
export function stampEvent(event: UsageEvent, now: Date, makeId?: () => string): StampedEvent {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new TallyError('INTERNAL', 'stampEvent needs a valid Date for now');
  const received_at = event.received_at === undefined ? formatTimestamp(nowMs) : normalized(event.received_at, 'received_at');
  const occurred_at = event.occurred_at === undefined ? received_at : normalized(event.occurred_at, 'occurred_at');
  const event_id = event.event_id ?? (makeId === undefined ? uuidv7(nowMs) : makeId());
  return { ...event, event_id, occurred_at, received_at };
}
