/** The window of accepted event times, from config (`events.*`, `clickhouse.retentionMonths`). */
import type { TallyConfig } from '../config/schema.js';
import type { TimeWindow } from '../events/stamp.js';

export function timeWindowOf(config: TallyConfig): TimeWindow {
  const e = config.events;
  return {
    maxFutureMs: e.maxFutureHours * 3_600_000,
    retentionMonths: config.clickhouse.retentionMonths,
    ...(e.maxAgeDays === undefined ? {} : { maxAgeMs: e.maxAgeDays * 86_400_000 }),
  };
}
