/**
 * The window of accepted event times, from config (`events.*`) and the raw
 * retention: the store's own TTL when the process has the store open (what
 * `tally migrate --retention-months` set), else `clickhouse.retentionMonths`.
 */
import type { TallyConfig } from '../config/schema.js';
import type { TimeWindow } from '../events/stamp.js';

export function timeWindowOf(config: TallyConfig, storeRetentionMonths?: number | null): TimeWindow {
  const e = config.events;
  return {
    maxFutureMs: e.maxFutureHours * 3_600_000,
    retentionMonths: storeRetentionMonths ?? config.clickhouse.retentionMonths,
    ...(e.maxAgeDays === undefined ? {} : { maxAgeMs: e.maxAgeDays * 86_400_000 }),
  };
}
