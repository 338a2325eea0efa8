/**
 * Which rollup answers a bucketed query exactly. Rollup buckets are UTC; a
 * bucket in another zone is an exact sum of rollup buckets only when the
 * zone's UTC offset is a multiple of the rollup's width throughout the range:
 *
 * - `daily` (UTC days): UTC-offset-0 zones, day/week/month buckets;
 * - `hourly`: zones whose offset is whole hours (most of the world, with DST);
 * - `15m`: every zone in use today — India (+05:30), Nepal (+05:45),
 *   Newfoundland (−03:30), Chatham (+12:45), central Australia (+09:30)…
 *
 * The range ends must also fall on the chosen grain's boundaries for the
 * edges to be exact; callers align their ranges to their buckets.
 */
import { TallyError } from '../../core/errors.js';
import { toDate, type Instant } from './time.js';

export type RollupGrain = '15m' | 'hourly' | 'daily';


/** The bucket a query groups by, in its time zone. */
export type TimeBucket = 'hour' | 'day' | 'week' | 'month';

const STEP_MS = 6 * 3_600_000;
const MAX_SAMPLES = 20_000;

function offsetMinutes(format: Intl.DateTimeFormat, at: number): number {
  const name = format.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(name);
  if (!m) throw new TallyError('VALIDATION_FAILED', `cannot read the UTC offset "${name}"`);
  if (m[1] === undefined) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? '0'));
}

/** Distinct UTC offsets (minutes) of `timeZone` in [from, to], sampled every 6 hours. */
export function zoneOffsets(timeZone: string, from: Instant, to: Instant): Set<number> {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  } catch {
    throw new TallyError('VALIDATION_FAILED', `unknown time zone "${timeZone}"`);
  }
  const start = toDate(from, 'from').getTime();
  const end = toDate(to, 'to').getTime();
  const step = Math.max(STEP_MS, Math.ceil((end - start) / MAX_SAMPLES));
  const offsets = new Set<number>();
  for (let t = start; t < end; t += step) offsets.add(offsetMinutes(format, t));
  offsets.add(offsetMinutes(format, end));
  return offsets;
}

/** The coarsest rollup whose buckets add up exactly to `bucket`s in `timeZone` over [from, to]. */
export function rollupGrainFor(q: { timeZone: string; bucket: TimeBucket; from: Instant; to: Instant }): RollupGrain {
  const offsets = [...zoneOffsets(q.timeZone, q.from, q.to)];
  const wholeHours = offsets.every((o) => o % 60 === 0);
  if (q.bucket !== 'hour' && offsets.every((o) => o === 0)) return 'daily';
  return wholeHours ? 'hourly' : '15m';
}
