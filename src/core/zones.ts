/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl` — no time
 * zone library, no table of our own. Instants are epoch milliseconds (UTC);
 * a wall time is the calendar reading of a clock in the zone.
 *
 * The one hard question — "which instant is local midnight?" — is answered by
 * `instantOf`: the earliest instant whose wall time is at or after the one
 * asked for. That is the ordinary instant when the wall time exists once, the
 * first of two when a fall-back repeats it, and the end of the gap when a
 * spring-forward skips it (a day that "starts" at a skipped 00:00 starts at
 * the moment the clocks jump).
 */
import { TallyError } from './errors.js';

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** A wall-clock reading: month 1–12, day 1–31, hour 0–23. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * The canonical name of an IANA time zone (`utc` → `UTC`), or BUDGET_INVALID
 * when the runtime does not know the zone.
 */
export function canonicalTimeZone(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    throw new TallyError('BUDGET_INVALID', `unknown time zone "${timeZone}"`, {
      details: { errors: [{ path: 'period.timezone', reason: `unknown IANA time zone "${timeZone}"` }] },
    });
  }
}

/** The wall time of instant `ms` in `timeZone`. */
export function wallClock(ms: number, timeZone: string): WallTime {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatter(timeZone).formatToParts(ms)) {
    switch (part.type) {
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': second = Number(part.value); break;
      default: break;
    }
  }
  return { year, month, day, hour, minute, second, millisecond: ((ms % 1000) + 1000) % 1000 };
}

/**
 * Epoch ms of midnight UTC of a proleptic-Gregorian date (month 1–12; month
 * and day may overflow). Years 0–99 stay years 0–99: `Date.UTC` would read
 * them as 1900–1999.
 */
function utcDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** A wall time read as if it were UTC, in ms: comparable and subtractable. */
export function naiveMs(w: Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>): number {
  return utcDay(w.year, w.month, w.day) + (((w.hour ?? 0) * 60 + (w.minute ?? 0)) * 60 + (w.second ?? 0)) * 1000 + (w.millisecond ?? 0);
}

/** UTC offset of `timeZone` at instant `ms`, in ms (New York in winter: −18,000,000). */
export function offsetAt(ms: number, timeZone: string): number {
  return naiveMs(wallClock(ms, timeZone)) - ms;
}

/**
 * The earliest instant whose wall time in `timeZone` is at or after `wall`
 * (month 1–12; day may overflow, `{month: 3, day: 32}` is April 1).
 */
export function instantOf(wall: Pick<WallTime, 'year' | 'month' | 'day'> & Partial<WallTime>, timeZone: string): number {
  const target = naiveMs(wall);
  // Every offset in force within a day either side: at most two in real zones.
  const offsets = new Set([offsetAt(target - MS_PER_DAY, timeZone), offsetAt(target, timeZone), offsetAt(target + MS_PER_DAY, timeZone)]);
  let best: number | undefined;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const offset of offsets) {
    const t = target - offset;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
    if (offsetAt(t, timeZone) === offset && (best === undefined || t < best)) best = t;
  }
  if (best !== undefined) return best;
  // The wall time falls in a gap: find the first instant whose wall time passes it.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (naiveMs(wallClock(mid, timeZone)) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Day of the week of a calendar date, ISO numbering: Monday 1 … Sunday 7. */
export function isoWeekday(year: number, month: number, day: number): number {
  const dow = new Date(utcDay(year, month, day)).getUTCDay();
  return dow === 0 ? 7 : dow;
}

/** ISO 8601 week-numbering year and week of a calendar date. */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = utcDay(year, month, day);
  const thursday = new Date(date + (4 - isoWeekday(year, month, day)) * MS_PER_DAY);
  const weekYear = thursday.getUTCFullYear();
  const dayOfYear = Math.floor((thursday.getTime() - utcDay(weekYear, 1, 1)) / MS_PER_DAY);
  return { year: weekYear, week: Math.floor(dayOfYear / 7) + 1 };
}
