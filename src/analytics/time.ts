/**
 * Instants and time zones for analytics inputs: RFC 3339 instants, dates and
 * local date-times read in the query's IANA zone (src/core/time.ts reads the
 * text, src/core/zones.ts the wall clock), and the zone name as ClickHouse
 * will be given it. Wall-clock arithmetic is `Intl`-only, so it agrees with
 * ClickHouse's own tz database on DST days.
 */
import { parseDateTime64, parseLocalDateTime, parseRfc3339 } from '../core/time.js';
import { instantOf } from '../core/zones.js';

let known: Map<string, string> | undefined;

function knownZones(): Map<string, string> {
  if (!known) {
    known = new Map();
    for (const z of [...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'Asia/Kolkata', 'Europe/Kyiv']) known.set(z.toLowerCase(), z);
  }
  return known;
}

/**
 * The zone's name as ClickHouse and Intl both accept it (`utc` → `UTC`,
 * `america/new_york` → `America/New_York`), or null when Intl does not know it.
 */
export function resolveTimeZone(name: string): string | null {
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  const listed = knownZones().get(name.toLowerCase());
  if (listed) return listed;
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  // A valid alias outside ICU's list (e.g. a newer name): keep the caller's spelling when it is cased like a zone name.
  return /[A-Z]/.test(name) ? name : resolved;
}

/**
 * Parses an instant: RFC 3339 with an offset (`2025-03-01T09:30:00Z`,
 * `…+05:30`), or a date / local date-time read on the wall clock of
 * `timeZone` (`2025-03-01` is local midnight; `2025-03-01T09:30` local time).
 * A local time skipped by a DST jump means the moment the clocks jump.
 * Returns epoch milliseconds, or null when the text is neither.
 */
export function parseInstant(text: string, timeZone: string): number | null {
  const exact = parseRfc3339(text);
  if (exact !== null) return exact;
  const local = parseLocalDateTime(text);
  return local === null ? null : instantOf(local, timeZone);
}

/** Epoch ms of `YYYY-MM-DD hh:mm:ss.sss` (UTC, as the store prints DateTime64); NaN when it is not that. */
export function parseStoreTime(text: string): number {
  return parseDateTime64(text) ?? Number.NaN;
}
