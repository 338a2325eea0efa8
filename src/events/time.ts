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

/**
 * Earliest and latest instants every table of the store holds: 1970-01-01 to
 * 2105-12-31 UTC. The rollups' 15-minute and hourly buckets are ClickHouse
 * DateTime (to 2106-02-07 06:28:15; later instants wrap to the 1970s), the
 * daily bucket and the raw sort key are Date (to 2149-06-06), the raw rows
 * DateTime64 (1900–2299): the narrowest wins. The ingest and the processor
 * narrow this further to a window around the time an event is received
 * (`TimeWindow`, stamp.ts).
 */
export const MIN_TIMESTAMP_MS = 0;
export const MAX_TIMESTAMP_MS = Date.UTC(2105, 11, 31, 23, 59, 59, 999);

/** The reason given for a timestamp outside that range (or not a real date and time). */
export const TIMESTAMP_RANGE_REASON = 'is not a real date and time between 1970 and 2105 UTC (check the year, the day of the month, the hour and the offset)';

/**
 * Epoch milliseconds of an RFC 3339 timestamp (sub-millisecond digits
 * truncated), or null when the text is not one or names an impossible date or
 * time (Feb 30, 24:00, a +25:00 offset) or lies outside 1970–2105 UTC.
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
