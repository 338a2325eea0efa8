/** Bound time values for query objects. */
import { TallyError } from '../../core/errors.js';
import { formatDateTime64 } from '../../core/time.js';

/** A point in time: a Date, epoch milliseconds, or an RFC 3339 string. */
export type Instant = Date | number | string;

export function toDate(value: Instant, what: string): Date {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new TallyError('VALIDATION_FAILED', `${what} is not a valid time`);
  return d;
}

/** DateTime64(3, 'UTC') parameter text. */
export function dateTime64Param(value: Instant, what: string): string {
  return formatDateTime64(toDate(value, what));
}

/** DateTime('UTC') parameter text (whole seconds, truncated). */
export function dateTimeParam(value: Instant, what: string): string {
  return dateTime64Param(value, what).slice(0, 19);
}

/** Date parameter text (the UTC date). */
export function dateParam(value: Instant, what: string): string {
  return dateTime64Param(value, what).slice(0, 10);
}
