/**
 * Budget periods as pure functions of an instant.
 *
 * Calendar periods (`daily`, `weekly` = ISO week from Monday 00:00, `monthly`
 * from the 1st, `yearly` from January 1) are read on the wall clock of an IANA
 * time zone: a period starts at the earliest instant whose local time is at or
 * after its first midnight (see `instantOf`), so a New York day is 23 h long
 * in March and 25 h in November, and 23:59:59.999 and 00:00:00.000 are always
 * in different periods.
 *
 * A `lifetime` period never resets: one bucket holds every instant the store
 * can (1970 to the end of 2105 UTC, events/time.ts), so it counts every event
 * whatever its `occurred_at` — a prepaid wallet's budget (billing/
 * wallet-limit.ts), where an event that arrives late must still count.
 *
 * Rolling windows ("the last N minutes/hours/days") are built from epoch-
 * aligned UTC sub-buckets whose size follows from the window (`granularityOf`):
 *
 * | window          | sub-bucket | window must be a whole number of |
 * |-----------------|------------|----------------------------------|
 * | ≤ 2 hours       | 1 minute   | minutes                          |
 * | ≤ 2 days        | 15 minutes | 15 minutes                       |
 * | ≤ 90 days       | 1 day (UTC)| days                             |
 *
 * At instant `now` a window of N sub-buckets of size g counts exactly the
 * events whose sub-bucket is one of the N most recent, the current one
 * included: everything at or after `floor(now/g)·g − (N−1)·g`. It therefore
 * looks back at least (N−1)·g and less than N·g. It slides at every sub-bucket
 * boundary (`resets_at`).
 */
import { TallyError } from '../core/errors.js';
import { MS_PER_DAY, MS_PER_MINUTE, instantOf, isoWeek, isoWeekday, wallClock } from '../core/zones.js';
import { MAX_TIMESTAMP_MS, MIN_TIMESTAMP_MS } from '../events/time.js';

export const CALENDAR_KINDS = ['daily', 'weekly', 'monthly', 'yearly'] as const;
export type CalendarKind = (typeof CALENDAR_KINDS)[number];
export const PERIOD_KINDS = [...CALENDAR_KINDS, 'rolling', 'lifetime'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

export const WINDOW_UNITS = ['minutes', 'hours', 'days'] as const;
export type WindowUnit = (typeof WINDOW_UNITS)[number];

export interface CalendarPeriod {
  readonly kind: CalendarKind;
  /** Canonical IANA zone, e.g. `UTC`, `America/New_York`. */
  readonly timezone: string;
}

export interface RollingPeriod {
  readonly kind: 'rolling';
  /** Window length in minutes (1 minute … 90 days). */
  readonly windowMinutes: number;
}

export interface LifetimePeriod {
  readonly kind: 'lifetime';
}

export type Period = CalendarPeriod | RollingPeriod | LifetimePeriod;

/** One counter bucket: `[start, end)` in epoch ms, and a readable label used in keys and alerts. */
export interface Bucket {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

/** What a budget evaluates at an instant. */
export interface PeriodWindow {
  /** First instant counted. */
  readonly start: number;
  /** When the count next drops: the period's end, or a rolling window's next slide. */
  readonly resetsAt: number;
  /** The buckets whose sum is the usage, oldest first (one for calendar periods). */
  readonly buckets: readonly Bucket[];
}

/** Sub-bucket size of rolling windows. */
export interface Granularity {
  readonly ms: number;
  /** Stable code used in counter keys: `1m`, `15m`, `1d`. */
  readonly code: string;
}

const G_MINUTE: Granularity = { ms: MS_PER_MINUTE, code: '1m' };
const G_QUARTER: Granularity = { ms: 15 * MS_PER_MINUTE, code: '15m' };
const G_DAY: Granularity = { ms: MS_PER_DAY, code: '1d' };

export const MAX_WINDOW_MINUTES = 90 * 24 * 60;

/** The one bucket of a lifetime period: every instant an event may carry. */
export const LIFETIME_BUCKET: Bucket = { start: MIN_TIMESTAMP_MS, end: MAX_TIMESTAMP_MS + 1, label: 'all' };

function invalid(path: string, reason: string): TallyError {
  return new TallyError('BUDGET_INVALID', `${path}: ${reason}`, { details: { errors: [{ path, reason }] } });
}

/** Sub-bucket size for a rolling window, or BUDGET_INVALID when the window does not fit the table. */
export function granularityOf(windowMinutes: number): Granularity {
  if (!Number.isInteger(windowMinutes) || windowMinutes < 1) throw invalid('window', 'must be a whole number of minutes, at least 1');
  if (windowMinutes > MAX_WINDOW_MINUTES) throw invalid('window', 'must be at most 90 days');
  if (windowMinutes <= 120) return G_MINUTE;
  if (windowMinutes <= 2 * 24 * 60) {
    if (windowMinutes % 15 !== 0) throw invalid('window', 'windows over 2 hours must be a multiple of 15 minutes');
    return G_QUARTER;
  }
  if (windowMinutes % (24 * 60) !== 0) throw invalid('window', 'windows over 2 days must be whole days');
  return G_DAY;
}

/** Parses `30m`, `24h`, `7d` (or a `{size, unit}` object) into minutes. */
export function parseWindow(text: string): number {
  const m = /^\s*(\d+)\s*(m|min|minutes?|h|hours?|d|days?)\s*$/i.exec(text);
  if (!m) throw invalid('window', `"${text}" is not a window such as 30m, 24h or 7d`);
  const size = Number(m[1]);
  const unit = (m[2] ?? 'm').toLowerCase()[0];
  const minutes = unit === 'd' ? size * 24 * 60 : unit === 'h' ? size * 60 : size;
  granularityOf(minutes);
  return minutes;
}

/** `90m`, `24h`, `7d`: the shortest exact text of a window. */
export function formatWindow(windowMinutes: number): string {
  if (windowMinutes % (24 * 60) === 0) return `${windowMinutes / (24 * 60)}d`;
  if (windowMinutes % 60 === 0) return `${windowMinutes / 60}h`;
  return `${windowMinutes}m`;
}

/**
 * The identity of a period's counters: periods with the same id share buckets.
 * Calendar: `daily@UTC`; rolling: the sub-bucket size (`r1m`), so every window
 * built from one-minute buckets shares them.
 */
export function counterPeriodId(period: Period): string {
  if (period.kind === 'lifetime') return 'lifetime';
  return period.kind === 'rolling' ? `r${granularityOf(period.windowMinutes).code}` : `${period.kind}@${period.timezone}`;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function calendarBucket(kind: CalendarKind, timezone: string, at: number): Bucket {
  const w = wallClock(at, timezone);
  switch (kind) {
    case 'daily':
      return {
        start: instantOf({ year: w.year, month: w.month, day: w.day }, timezone),
        end: instantOf({ year: w.year, month: w.month, day: w.day + 1 }, timezone),
        label: `${w.year}-${pad(w.month)}-${pad(w.day)}`,
      };
    case 'weekly': {
      const monday = w.day - (isoWeekday(w.year, w.month, w.day) - 1);
      const first = new Date(Date.UTC(w.year, w.month - 1, monday));
      const y = first.getUTCFullYear();
      const mo = first.getUTCMonth() + 1;
      const d = first.getUTCDate();
      const iso = isoWeek(y, mo, d);
      return {
        start: instantOf({ year: y, month: mo, day: d }, timezone),
        end: instantOf({ year: y, month: mo, day: d + 7 }, timezone),
        label: `${iso.year}-W${pad(iso.week)}`,
      };
    }
    case 'monthly':
      return {
        start: instantOf({ year: w.year, month: w.month, day: 1 }, timezone),
        end: instantOf({ year: w.month === 12 ? w.year + 1 : w.year, month: w.month === 12 ? 1 : w.month + 1, day: 1 }, timezone),
        label: `${w.year}-${pad(w.month)}`,
      };
    case 'yearly':
      return {
        start: instantOf({ year: w.year, month: 1, day: 1 }, timezone),
        end: instantOf({ year: w.year + 1, month: 1, day: 1 }, timezone),
        label: `${w.year}`,
      };
  }
}

function subBucketLabel(start: number, g: Granularity): string {
  const iso = new Date(start).toISOString(); // 2026-03-08T14:05:00.000Z → 2026-03-08T1405Z
  if (g.ms === MS_PER_DAY) return `${iso.slice(0, 10)}Z`;
  return `${iso.slice(0, 13)}${iso.slice(14, 16)}Z`;
}

function subBucket(start: number, g: Granularity): Bucket {
  return { start, end: start + g.ms, label: subBucketLabel(start, g) };
}

/** The bucket an event at instant `at` is counted in (the period, or the rolling sub-bucket). */
export function bucketAt(period: Period, at: number): Bucket {
  if (period.kind === 'lifetime') return LIFETIME_BUCKET;
  if (period.kind === 'rolling') {
    const g = granularityOf(period.windowMinutes);
    return subBucket(Math.floor(at / g.ms) * g.ms, g);
  }
  return calendarBucket(period.kind, period.timezone, at);
}

/** What a budget with this period counts at instant `now`. */
export function windowAt(period: Period, now: number): PeriodWindow {
  if (period.kind === 'lifetime') return { start: LIFETIME_BUCKET.start, resetsAt: LIFETIME_BUCKET.end, buckets: [LIFETIME_BUCKET] };
  if (period.kind !== 'rolling') {
    const b = calendarBucket(period.kind, period.timezone, now);
    return { start: b.start, resetsAt: b.end, buckets: [b] };
  }
  const g = granularityOf(period.windowMinutes);
  const count = Math.round((period.windowMinutes * MS_PER_MINUTE) / g.ms);
  const current = Math.floor(now / g.ms) * g.ms;
  const buckets: Bucket[] = [];
  for (let i = count - 1; i >= 0; i--) buckets.push(subBucket(current - i * g.ms, g));
  return { start: current - (count - 1) * g.ms, resetsAt: current + g.ms, buckets };
}

/** First instant of the period (or window) in force at `now`. */
export function periodStart(period: Period, now: number): number {
  return windowAt(period, now).start;
}

/** When the period in force at `now` ends (a rolling window: its next slide). */
export function resetsAt(period: Period, now: number): number {
  return windowAt(period, now).resetsAt;
}

/**
 * How long a bucket's counter must live: until the last instant at which some
 * window still reads it (calendar: the period end; rolling: the sub-bucket
 * end plus the longest window of that granularity), plus `graceMs` for late
 * events and reconcile.
 */
export function bucketExpiry(period: Period, bucket: Bucket, graceMs: number): number {
  if (period.kind !== 'rolling') return bucket.end + graceMs; // lifetime: 2106 and after
  const g = granularityOf(period.windowMinutes);
  const longest = g.ms === MS_PER_MINUTE ? 120 * MS_PER_MINUTE : g.ms === 15 * MS_PER_MINUTE ? 2 * MS_PER_DAY : MAX_WINDOW_MINUTES * MS_PER_MINUTE;
  return bucket.end + longest + graceMs;
}

/** Human text: `monthly (America/New_York)`, `rolling 24h`, `lifetime`. */
export function describePeriod(period: Period): string {
  if (period.kind === 'lifetime') return 'lifetime';
  return period.kind === 'rolling' ? `rolling ${formatWindow(period.windowMinutes)}` : `${period.kind} (${period.timezone})`;
}
