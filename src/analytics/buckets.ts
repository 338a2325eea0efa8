/**
 * Time buckets on the wall clock of an IANA zone, computed here the same way
 * ClickHouse computes them in SQL (toStartOfHour / toStartOfDay / toMonday /
 * toStartOfMonth with the zone; src/store/usage/buckets.ts), so gaps can be
 * filled with zeros:
 *
 * - hour: the instant the local hour began (a repeated fall-back hour is two
 *   buckets; in +05:30 zones hours start at :30 UTC);
 * - day / week (Monday) / month: the earliest instant at or after local
 *   midnight of the first day — 23 or 25 hours long on DST days.
 */
import { instantOf, isoWeekday, wallClock, MS_PER_HOUR } from '../core/zones.js';
import type { Bucket } from './model.js';

/** Start (epoch ms) of the bucket holding instant `ms`. */
export function bucketStart(ms: number, bucket: Bucket, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  switch (bucket) {
    case 'hour':
      return ms - (w.minute * 60_000 + w.second * 1000 + w.millisecond);
    case 'day':
      return instantOf({ year: w.year, month: w.month, day: w.day }, timeZone);
    case 'week':
      return instantOf({ year: w.year, month: w.month, day: w.day - (isoWeekday(w.year, w.month, w.day) - 1) }, timeZone);
    case 'month':
      return instantOf({ year: w.year, month: w.month, day: 1 }, timeZone);
  }
}

/** Start of the bucket after the one starting at `start`. */
export function nextBucket(start: number, bucket: Bucket, timeZone: string): number {
  if (bucket === 'hour') {
    const next = bucketStart(start + MS_PER_HOUR, 'hour', timeZone);
    return next > start ? next : start + MS_PER_HOUR;
  }
  // The start instant's own local date is the bucket's first day.
  const w = wallClock(start, timeZone);
  switch (bucket) {
    case 'day':
      return instantOf({ year: w.year, month: w.month, day: w.day + 1 }, timeZone);
    case 'week':
      return instantOf({ year: w.year, month: w.month, day: w.day + 7 }, timeZone);
    case 'month':
      return instantOf({ year: w.year, month: w.month + 1, day: 1 }, timeZone);
  }
}

/** Buckets touching [from, to), in order: each bucket's start, the first possibly before `from`. */
export function enumerateBuckets(from: number, to: number, bucket: Bucket, timeZone: string, max = Number.POSITIVE_INFINITY): number[] {
  const out: number[] = [];
  for (let t = bucketStart(from, bucket, timeZone); t < to; t = nextBucket(t, bucket, timeZone)) {
    out.push(t);
    if (out.length > max) break;
  }
  return out;
}
