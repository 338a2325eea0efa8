/**
 * Late events (issue #11 item 12). A calendar period's counters live until
 * the period's end plus the grace (default 2 days); an event of that period
 * applied later (a replay, a consumer that was down) used to count nowhere,
 * silently. It now counts in the period's LATE LEDGER: a counter with the
 * same slot, bucket and dimensions under the period id `<period>!late`,
 * kept until the following period's counters expire. A status (and so a
 * quota check) reads the ledger of the previous period and says, in `late`,
 * how much that period received after its counters were gone; `reconcile`
 * of that period (`tally reconcile --period 2026-10`) rebuilds its counters
 * from the store — late events included — and empties the ledger.
 *
 * Rolling windows keep no ledger: their sub-buckets expire after the
 * longest window plus the grace, so an event that late is outside every
 * window that could still be read.
 */
import type { CounterDim, CounterKeys, Slot } from '../counters/keys.js';
import { bucketAt, bucketExpiry, type Bucket, type Period } from './periods.js';

/** The period id of a counter period's late ledger. */
export function latePeriodId(periodId: string): string {
  return `${periodId}!late`;
}

/** The late ledger's key for one counter identity and bucket. */
export function lateKey(keys: CounterKeys, periodId: string, slot: Slot, bucket: Bucket, dims: readonly CounterDim[]): string {
  return keys.counter({ slot, period: latePeriodId(periodId), bucket: bucket.label, dims });
}

/** When a ledger may expire: with the following period's counters (never before now + grace). */
export function lateExpiry(period: Period, bucket: Bucket, now: number, graceMs: number): number {
  return Math.max(now + graceMs, bucketExpiry(period, bucketAt(period, bucket.end), graceMs));
}

/** The bucket whose ledger a status reads: the period before `start` (calendar periods only; a lifetime period has no before). */
export function previousBucket(period: Period, start: number): Bucket | null {
  return period.kind === 'rolling' || period.kind === 'lifetime' ? null : bucketAt(period, start - 1);
}
