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
import { TallyError, validationError } from '../core/errors.js';
import { uuidv7 } from './ids.js';
import type { UsageEvent } from './schema.js';
import { formatTimestamp, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, parseTimestamp } from './time.js';
import { type StampedEvent } from './types.js';

/** Already `YYYY-MM-DDTHH:mm:ss.sssZ`: the common case (the SDK and the ingest write this form). */
function isCanonical(value: string): boolean {
  if (value.length !== 24 || value.charCodeAt(23) !== 90 /* Z */ || value.charCodeAt(19) !== 46 /* . */ || value.charCodeAt(10) !== 84 /* T */) return false;
  // Round-trips exactly only when it names a real instant in range (no Feb 30, no 24:00).
  const ms = Date.parse(value);
  return ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS && formatTimestamp(ms) === value;
}

function normalized(value: string, field: string): string {
  if (isCanonical(value)) return value;
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
  // Built field by field in one fixed order (not `{...event}`): parsed events come
  // with their keys in any order, and copying those costs ~10x more per event.
  // Absent optional fields stay undefined, which JSON and the stores treat as absent.
  return {
    event_id, occurred_at, received_at,
    tenant: event.tenant, user_id: event.user_id, group: event.group, session_id: event.session_id, agent: event.agent,
    feature: event.feature, request_id: event.request_id, api_key_id: event.api_key_id,
    provider: event.provider, model: event.model, usage: event.usage,
    audio_seconds: event.audio_seconds, tool_calls: event.tool_calls, images: event.images, web_search_requests: event.web_search_requests,
    batch: event.batch, service_tier: event.service_tier, status: event.status, error_type: event.error_type,
    duration_ms: event.duration_ms, ttft_ms: event.ttft_ms, cost: event.cost, metadata: event.metadata, extra: event.extra,
  };
}
