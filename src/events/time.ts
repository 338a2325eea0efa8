/**
 * RFC 3339 timestamps on the wire and tally's one stored form.
 *
 * Accepted: `YYYY-MM-DD(T|t| )HH:mm:ss[.fraction](Z|z|±HH:mm)` with up to 9
 * fractional digits (nanoseconds, as OpenTelemetry and Go producers write).
 * Stored: `YYYY-MM-DDTHH:mm:ss.sssZ` (UTC, milliseconds). Digits below the
 * millisecond are truncated, never rounded, so a timestamp never moves into
 * the next millisecond (or the next day, hour or budget period).
 * A leap second (`:60`) is read as the first millisecond of the next minute.
 */

/** The wire pattern (also used by the zod schema and the JSON Schema). */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const PARTS = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Earliest and latest instants tally stores (1970-01-01 to 2299-12-31 UTC: the range of ClickHouse DateTime64). */
export const MIN_TIMESTAMP_MS = 0;
export const MAX_TIMESTAMP_MS = Date.UTC(2299, 11, 31, 23, 59, 59, 999);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Epoch milliseconds of an RFC 3339 timestamp (sub-millisecond digits
 * truncated), or null when the text is not one or names an impossible date or
 * time (Feb 30, 24:00, a +25:00 offset) or lies outside 1970–2299 UTC.
 */
export function parseTimestamp(text: string): number | null {
  const m = PARTS.exec(text);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 1970) return null; // also keeps Date.UTC from reading years 0–99 as 1900–1999
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 60) return null;
  const frac = m[7];
  const ms = frac === undefined ? 0 : Number(frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
  if (!(t >= MIN_TIMESTAMP_MS && t <= MAX_TIMESTAMP_MS)) return null;
  return t;
}

/** The stored form of an instant: `YYYY-MM-DDTHH:mm:ss.sssZ`. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** The stored form of an RFC 3339 timestamp, or null when it is not a valid one. */
export function normalizeTimestamp(text: string): string | null {
  const t = parseTimestamp(text);
  return t === null ? null : formatTimestamp(t);
}
