/**
 * Human time ranges (`tally report --since 7d`, `--since last-month`) resolved
 * to a half-open [from, to) of instants in a time zone:
 *
 * | spec | as --since | as --until |
 * |---|---|---|
 * | `30m`, `24h`, `7d`, `2w` | now minus that (d = 24 h, w = 7 d) | now minus that |
 * | `today`, `yesterday` | local midnight starting that day; `to` defaults to its end | that midnight |
 * | `this-week`, `last-week` | Monday 00:00 local; `to` defaults to the week's end | that Monday |
 * | `this-month`, `last-month` | the 1st, 00:00 local; `to` defaults to the month's end | that 1st |
 * | `this-year`, `last-year` | January 1, 00:00 local; `to` defaults to the year's end | that January 1 |
 * | `now` | — | now |
 * | `2025-03-01`, `2025-03-01T09:30`, RFC 3339 | that instant (dates and local times in the zone) | same |
 *
 * Without --until, `to` is the named period's end, else now.
 */
import { validationError } from '../core/errors.js';
import { instantOf, wallClock } from '../core/zones.js';
import { bucketStart } from './buckets.js';
import { parseInstant } from './time.js';

export interface ResolvedRange {
  readonly from: number;
  readonly to: number;
}

const RELATIVE = /^(\d{1,6})(m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

const PERIODS = ['today', 'yesterday', 'this-week', 'last-week', 'this-month', 'last-month', 'this-year', 'last-year'] as const;
type NamedPeriod = (typeof PERIODS)[number];

function isPeriod(spec: string): spec is NamedPeriod {
  return (PERIODS as readonly string[]).includes(spec);
}

/** [start, end) of a named period containing (or before) `now`. */
export function namedPeriod(name: NamedPeriod, timeZone: string, now: number): ResolvedRange {
  const w = wallClock(now, timeZone);
  const day = (d: number): number => instantOf({ year: w.year, month: w.month, day: w.day + d }, timeZone);
  switch (name) {
    case 'today':
      return { from: day(0), to: day(1) };
    case 'yesterday':
      return { from: day(-1), to: day(0) };
    case 'this-week':
    case 'last-week': {
      const monday = bucketStart(now, 'week', timeZone);
      const mw = wallClock(monday, timeZone);
      const at = (weeks: number): number => instantOf({ year: mw.year, month: mw.month, day: mw.day + weeks * 7 }, timeZone);
      return name === 'this-week' ? { from: monday, to: at(1) } : { from: at(-1), to: monday };
    }
    case 'this-month':
      return { from: instantOf({ year: w.year, month: w.month, day: 1 }, timeZone), to: instantOf({ year: w.year, month: w.month + 1, day: 1 }, timeZone) };
    case 'last-month':
      return { from: instantOf({ year: w.year, month: w.month - 1, day: 1 }, timeZone), to: instantOf({ year: w.year, month: w.month, day: 1 }, timeZone) };
    case 'this-year':
      return { from: instantOf({ year: w.year, month: 1, day: 1 }, timeZone), to: instantOf({ year: w.year + 1, month: 1, day: 1 }, timeZone) };
    case 'last-year':
      return { from: instantOf({ year: w.year - 1, month: 1, day: 1 }, timeZone), to: instantOf({ year: w.year, month: 1, day: 1 }, timeZone) };
  }
}

const HELP = 'use 30m, 24h, 7d, 2w, today, yesterday, this-week, last-week, this-month, last-month, this-year, last-year, now, a date (2025-03-01) or an RFC 3339 time';

function point(spec: string, role: 'since' | 'until', timeZone: string, now: number): { at: number; periodEnd?: number } | string {
  const s = spec.trim();
  if (s === 'now') return { at: now };
  const rel = RELATIVE.exec(s);
  if (rel) return { at: now - Number(rel[1]) * (UNIT_MS[rel[2] as string] ?? 0) };
  if (isPeriod(s)) {
    const p = namedPeriod(s, timeZone, now);
    return role === 'since' ? { at: p.from, periodEnd: p.to } : { at: p.from };
  }
  const at = parseInstant(s, timeZone);
  if (at === null) return `"${spec}" is not a time: ${HELP}`;
  return { at };
}

/** Resolves --since/--until (either optional; --since defaults to 30d) in `timeZone` at `now`. Field errors name `since` / `until`. */
export function resolveRange(input: { since?: string | undefined; until?: string | undefined }, timeZone: string, now: number = Date.now()): ResolvedRange {
  const since = point(input.since ?? '30d', 'since', timeZone, now);
  const until = input.until === undefined ? undefined : point(input.until, 'until', timeZone, now);
  const errors = [
    ...(typeof since === 'string' ? [{ path: 'since', reason: since }] : []),
    ...(typeof until === 'string' ? [{ path: 'until', reason: until }] : []),
  ];
  if (typeof since === 'string' || typeof until === 'string') throw validationError(errors);
  const from = since.at;
  const to = until?.at ?? since.periodEnd ?? now;
  if (to <= from) throw validationError([{ path: 'until', reason: `must be after --since (${new Date(from).toISOString()})` }]);
  return { from, to };
}
