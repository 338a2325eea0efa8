/**
 * Instants and time zones for analytics inputs: RFC 3339 instants, dates and
 * local date-times read in the query's IANA zone, and the zone name as
 * ClickHouse will be given it. Wall-clock arithmetic is `Intl`-only
 * (src/budgets/zoned.ts), so it agrees with ClickHouse's own tz database on
 * DST days.
 */
import { instantOf, offsetAt } from '../budgets/zoned.js';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

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

function validParts(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return false;
  const probe = new Date(Date.UTC(y, mo - 1, d));
  return probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/**
 * Parses an instant: RFC 3339 with an offset (`2025-03-01T09:30:00Z`,
 * `…+05:30`), or a date / local date-time read on the wall clock of
 * `timeZone` (`2025-03-01` is local midnight; `2025-03-01T09:30` local time).
 * A local time skipped by a DST jump means the moment the clocks jump.
 * Returns epoch milliseconds, or null when the text is neither.
 */
export function parseInstant(text: string, timeZone: string): number | null {
  const r = RFC3339.exec(text);
  if (r) {
    const [y, mo, d, h, mi, s] = [r[1], r[2], r[3], r[4], r[5], r[6]].map(Number) as [number, number, number, number, number, number];
    if (!validParts(y, mo, d, h, mi, s)) return null;
    const ms = Number((r[7] ?? '').padEnd(3, '0').slice(0, 3));
    const zone = r[8] as string;
    const offsetMin = zone === 'Z' || zone === 'z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    return Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  }
  const l = LOCAL.exec(text);
  if (l) {
    const [y, mo, d] = [l[1], l[2], l[3]].map(Number) as [number, number, number];
    const h = l[4] === undefined ? 0 : Number(l[4]);
    const mi = l[5] === undefined ? 0 : Number(l[5]);
    const s = l[6] === undefined ? 0 : Number(l[6]);
    if (!validParts(y, mo, d, h, mi, s)) return null;
    return instantOf({ year: y, month: mo, day: d, hour: h, minute: mi, second: s }, timeZone);
  }
  return null;
}

const pad = (n: number, w = 2): string => String(Math.abs(n)).padStart(w, '0');

/** RFC 3339 text of an instant with the zone's offset at that instant: `2025-03-10T00:00:00+05:30` (`Z` for UTC). */
export function formatInstant(ms: number, timeZone: string): string {
  const offset = offsetAt(ms, timeZone);
  const local = new Date(ms + offset);
  const base = local.toISOString().slice(0, 19);
  const frac = ms % 1000 === 0 ? '' : `.${pad(((ms % 1000) + 1000) % 1000, 3)}`;
  if (offset === 0) return `${base}${frac}Z`;
  const minutes = Math.round(Math.abs(offset) / 60_000);
  return `${base}${frac}${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** `YYYY-MM-DD hh:mm:ss.sss` UTC: the text of a DateTime64(3, 'UTC') parameter. */
export function dateTime64Text(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Parses `YYYY-MM-DD hh:mm:ss[.sss]` (UTC, as the store prints DateTime64) into epoch ms. */
export function parseStoreTime(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}Z`);
}
