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
 * - With a `TimeWindow` (the ingest and the processor always pass one),
 *   `occurred_at` and a producer's `received_at` must lie between the oldest
 *   instant raw events are kept for and a little after the time of receipt:
 *   what lies outside would be deleted at once by the retention TTL, or would
 *   count into a period that has not begun.
 */
import { TallyError, validationError, type FieldError } from '../core/errors.js';
import { canonicalUtcMs } from '../core/time.js';
import { uuidv7 } from './ids.js';
import type { UsageEvent } from './schema.js';
import { formatTimestamp, MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS, parseTimestamp, TIMESTAMP_RANGE_REASON } from './time.js';
import { type StampedEvent } from './types.js';

/** Already `YYYY-MM-DDTHH:mm:ss.sssZ` naming a real instant in range: the common case (the SDK and the ingest write this form). */
function isCanonical(value: string): boolean {
  const ms = canonicalUtcMs(value);
  return ms !== null && ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS;
}

/** The stored form of `nowMs`, remembered: every event of a batch is stamped with the same now. */
let lastNow = Number.NaN;
let lastNowText = '';
function formatNow(nowMs: number): string {
  if (nowMs !== lastNow) {
    lastNowText = formatTimestamp(nowMs);
    lastNow = nowMs;
  }
  return lastNowText;
}

function normalized(value: string, field: string): string {
  if (isCanonical(value)) return value;
  const ms = parseTimestamp(value);
  if (ms === null) throw validationError([{ path: field, reason: TIMESTAMP_RANGE_REASON }]);
  return formatTimestamp(ms);
}

/**
 * Which instants an event may carry, relative to when tally received it
 * (config `events.*`, `clickhouse.retentionMonths`; see docs/events.md).
 */
export interface TimeWindow {
  /** How far after its receipt an event may have occurred, ms (clock skew between producers and tally). */
  readonly maxFutureMs: number;
  /** Months raw events are kept (the TTL of usage_events): an older event would be deleted at once. */
  readonly retentionMonths: number;
  /** A narrower age limit, ms; it can only narrow what retention allows. */
  readonly maxAgeMs?: number;
}

/** 24 hours ahead, 13 months back (the default retention). */
export const DEFAULT_TIME_WINDOW: TimeWindow = { maxFutureMs: 24 * 3_600_000, retentionMonths: 13 };

const DAY_MS = 86_400_000;

/**
 * The oldest instant an event received at `nowMs` may carry: one day inside
 * the retention horizon, so the event outlives its own insert. Months are
 * subtracted without clamping the day (Mar 31 − 1 month = Mar 3), which errs
 * on the side of refusing, never of storing what the TTL deletes at once.
 */
export function oldestAccepted(nowMs: number, window: TimeWindow): number {
  // Every event of a batch is received at the same instant, with the same window: computed once for them.
  if (nowMs === oldest.nowMs && window === oldest.window) return oldest.ms;
  const ms = computeOldest(nowMs, window);
  oldest = { nowMs, window, ms };
  return ms;
}

let oldest: { readonly nowMs: number; readonly window: TimeWindow | null; readonly ms: number } = { nowMs: Number.NaN, window: null, ms: 0 };

function computeOldest(nowMs: number, window: TimeWindow): number {
  const d = new Date(nowMs);
  const horizon = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - window.retentionMonths, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()) + DAY_MS;
  return window.maxAgeMs === undefined ? horizon : Math.max(horizon, nowMs - window.maxAgeMs);
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} h` : `${ms / 60_000} min`;
}

/** The field error of a stamped time outside the window around `nowMs`, or null. */
function outsideWindow(field: string, value: string, nowMs: number, window: TimeWindow): FieldError | null {
  const latest = nowMs + window.maxFutureMs;
  const oldest = oldestAccepted(nowMs, window);
  // Stamped values are canonical text (normalized above).
  const ms = canonicalUtcMs(value) ?? Date.parse(value);
  if (ms > latest) {
    return { path: field, reason: `is ${value}, more than ${hours(window.maxFutureMs)} after tally received the event (${formatTimestamp(nowMs)}); events may be at most ${hours(window.maxFutureMs)} ahead (events.maxFutureHours)` };
  }
  if (ms < oldest) {
    const why = window.maxAgeMs !== undefined && oldest === nowMs - window.maxAgeMs
      ? `events may be at most ${window.maxAgeMs / DAY_MS} days old (events.maxAgeDays)`
      : `raw events are kept ${window.retentionMonths} months (clickhouse.retentionMonths), so it would be deleted at once`;
    return { path: field, reason: `is ${value}, before ${formatTimestamp(oldest)}: ${why}` };
  }
  return null;
}

/** The event with `event_id`, `occurred_at` and `received_at` set and normalised, and, with a window, its times checked against it. */
export function stampEvent(event: UsageEvent, now: Date, makeId?: () => string, window?: TimeWindow): StampedEvent {
  const nowMs = now.getTime();
  if (Number.isNaN(nowMs)) throw new TallyError('INTERNAL', 'stampEvent needs a valid Date for now');
  const received_at = event.received_at === undefined ? formatNow(nowMs) : normalized(event.received_at, 'received_at');
  const occurred_at = event.occurred_at === undefined ? received_at : normalized(event.occurred_at, 'occurred_at');
  if (window !== undefined) {
    // Two checks written out (no list built per event): the producer's received_at, then occurred_at.
    const late = event.received_at === undefined ? null : outsideWindow('received_at', received_at, nowMs, window);
    const early = event.occurred_at === undefined ? null : outsideWindow('occurred_at', occurred_at, nowMs, window);
    if (late !== null || early !== null) throw validationError([late, early].filter((e): e is FieldError => e !== null));
  }
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
