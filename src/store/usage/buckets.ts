/**
 * Time buckets in SQL, on the wall clock of the query's zone (bound once as
 * `{tz:String}`): ClickHouse's toStartOfHour / toStartOfDay / toMonday /
 * toStartOfMonth with the zone. src/analytics/buckets.ts computes the same
 * starts in TypeScript to fill empty buckets with zeros.
 */
import { TallyError } from '../../core/errors.js';
import type { TimeBucket } from '../queries/grain.js';

/** The SQL expression of a bucket's start as epoch seconds, over a `DateTime('UTC')` expression `ts`; the zone is the bound `{tz:String}`. */
export function bucketStartSql(bucket: TimeBucket, ts: string): string {
  switch (bucket) {
    case 'hour':
      return `toUnixTimestamp(toStartOfHour(${ts}, {tz:String}))`;
    case 'day':
      return `toUnixTimestamp(toStartOfDay(${ts}, {tz:String}))`;
    case 'week':
      return `toUnixTimestamp(toDateTime(toMonday(${ts}, {tz:String}), {tz:String}))`;
    case 'month':
      return `toUnixTimestamp(toDateTime(toStartOfMonth(${ts}, {tz:String}), {tz:String}))`;
    default:
      throw new TallyError('INTERNAL', `no time bucket ${JSON.stringify(bucket)}`);
  }
}
