/**
 * Event timestamps: RFC 3339 (read by src/core/time.ts) within the range
 * tally stores.
 *
 * Stored: `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds). Digits below the
 * millisecond are truncated, never rounded, so a timestamp never moves into
 * the next millisecond (or the next day, hour or budget period).
 * A leap second (`:60`) is read as the first millisecond of the next minute.
 */
import { formatIso, parseRfc3339 } from '../core/time.js';

/** Earliest and latest instants tally stores (1970-01-01 to 2299-12-31 UTC: the range of ClickHouse DateTime64). */
export const MIN_TIMESTAMP_MS = 0;
export const MAX_TIMESTAMP_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

/**
 * Epoch milliseconds of an RFC 3339 timestamp (sub-millisecond digits
 * truncated), or null when the text is not one or names an impossible date or
 * time (Feb 30, 24:00, a +25:00 offset) or lies outside 1970–2299 UTC.
 */
export function parseTimestamp(text: string): number | null {
  const t = parseRfc3339(text);
  if (t === null || !(t >= MIN_TIMESTAMP_MS && t <= MAX_TIMESTAMP_MS)) return null;
  return t;
}

/** The stored form of an instant: `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export const formatTimestamp = formatIso;

/** The stored form of an RFC 3339 timestamp, or null when it is not a valid one. */
export function normalizeTimestamp(text: string): string | null {
  const t = parseTimestamp(text);
  return t === null ? null : formatIso(t);
}
