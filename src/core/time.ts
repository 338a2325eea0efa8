/**
 * Time on the wire and in the store: the one RFC 3339 reader, local dates
 * and times (read in a zone by src/core/zones.ts), and the stored text form
 * of DateTime64(3, 'UTC'), `YYYY-MM-DD hh:mm:ss.sss`.
 *
 * RFC 3339: `YYYY-MM-DD(T|t| )HH:mm:ss[.fraction](Z|z|±HH:mm)` with up to 9
 * fractional digits (nanoseconds, as OpenTelemetry and Go producers write).
 * Digits below the millisecond are truncated, never rounded, so a timestamp
 * never moves into the next millisecond (or the next day, hour or budget
 * period). A leap second (`:60`) is read as the first millisecond of the next
 * minute. Impossible dates and times (Feb 30, 24:00, an offset of +24:00 or
 * more) are not timestamps. Which range of instants a caller accepts is the
 * caller's rule (events, analytics and price files differ).
 */
import { offsetAt, type WallTime } from './zones.js';

/** The wire pattern (also used by the zod schema and the JSON Schema). */
export const RFC3339_PATTERN = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

const RFC3339_PARTS = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
const LOCAL_PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const STORED_PARTS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{3})$/;

/** A calendar date and wall-clock time with no zone (read in one by `instantOf`): month 1–12, hour 0–23. */
export type LocalDateTime = Omit<WallTime, 'millisecond'>;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Whether the parts name a real date and time (seconds up to `maxSecond`). Year 0 is not a year. */
function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number, maxSecond: number): boolean {
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= maxSecond;
}

/** Epoch ms of a proleptic-Gregorian UTC date-time; years 1–99 stay years 1–99 (Date.UTC would read 1900–1999). */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

function fractionMs(frac: string | undefined): number {
  return frac === undefined ? 0 : Number(frac.length >= 3 ? frac.slice(0, 3) : frac.padEnd(3, '0'));
}

/** Days from 1970-01-01 to a proleptic-Gregorian date (month 1–12), by arithmetic (no Date). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The value of `len` ASCII digits of `text` at `at`, or -1 when one is not a digit. */
function digits(text: string, at: number, len: number): number {
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of text in exactly the form tally writes, `YYYY-MM-DDTHH:mm:ss.sssZ`,
 * naming a real date and time (seconds 0–59), or null when it is anything else
 * (which may still be RFC 3339: `parseRfc3339` reads the rest). No regex, no
 * Date, no allocation: the form every stamped event carries, read several
 * times per event on the hot path.
 */
export function canonicalUtcMs(text: string): number | null {
  // The same event's times are read again by each stage (validate, stamp, window, price, bill): the last two are remembered.
  if (text === lastText) return lastMs;
  if (text === otherText) return otherMs;
  const ms = readCanonical(text);
  if (ms !== null) {
    otherText = lastText;
    otherMs = lastMs;
    lastText = text;
    lastMs = ms;
  }
  return ms;
}

let lastText = '';
let lastMs = 0;
let otherText = '';
let otherMs = 0;

function readCanonical(text: string): number | null {
  if (text.length !== 24 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84
    || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return null;
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  const h = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  const s = digits(text, 17, 2);
  const ms = digits(text, 20, 3);
  if (ms < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || !validParts(y, mo, d, h, mi, s, 59)) return null;
  return daysFromCivil(y, mo, d) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

/** Epoch milliseconds of an RFC 3339 timestamp, or null when the text is not a real one. */
export function parseRfc3339(text: string): number | null {
  const canonical = canonicalUtcMs(text);
  if (canonical !== null) return canonical;
  const m = RFC3339_PARTS.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (!validParts(y, mo, d, h, mi, s, 60)) return null;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return utcMs(y, mo, d, h, mi, s, fractionMs(m[7])) - offsetMinutes * 60_000;
}

/** A date (`2025-03-01`) or local date-time (`2025-03-01T09:30[:15]`) with no offset, or null. */
export function parseLocalDateTime(text: string): LocalDateTime | null {
  const l = LOCAL_PARTS.exec(text);
  if (l === null) return null;
  const [y, mo, d] = [l[1], l[2], l[3]].map(Number) as [number, number, number];
  const h = l[4] === undefined ? 0 : Number(l[4]);
  const mi = l[5] === undefined ? 0 : Number(l[5]);
  const s = l[6] === undefined ? 0 : Number(l[6]);
  if (!validParts(y, mo, d, h, mi, s, 59)) return null;
  return { year: y, month: mo, day: d, hour: h, minute: mi, second: s };
}

/** `YYYY-MM-DDTHH:mm:ss.sssZ`: the wire form tally writes (UTC, milliseconds). */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `YYYY-MM-DD hh:mm:ss.sss`, UTC: the text of DateTime64(3, 'UTC'), as stored and as bound. */
export function formatDateTime64(value: Date | number): string {
  const iso = (typeof value === 'number' ? new Date(value) : value).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Epoch ms of stored DateTime64(3, 'UTC') text (`YYYY-MM-DD hh:mm:ss.sss`), or null when it is not that. */
export function parseDateTime64(text: string): number | null {
  const m = STORED_PARTS.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  if (!validParts(y, mo, d, h, mi, s, 59)) return null;
  return utcMs(y, mo, d, h, mi, s, ms);
}

const FAST_UTC_MS = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}\.\d{3})Z$/;

/**
 * An RFC 3339 timestamp (or stored text, passed through) as DateTime64(3, 'UTC')
 * text; null when it is neither. The common `…T…sssZ` form is converted without
 * date arithmetic.
 */
export function toDateTime64Text(text: string): string | null {
  const fast = FAST_UTC_MS.exec(text);
  if (fast) return `${fast[1]} ${fast[2]}`;
  if (parseDateTime64(text) !== null) return text;
  const ms = parseRfc3339(text);
  return ms === null ? null : formatDateTime64(ms);
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
