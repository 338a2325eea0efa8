/** Query objects of the engine's own memory (system tables; no tally table). */
import type { SqlQuery } from '../types.js';

/** `MemoryTracking`: what the engine's own accounting holds now, bytes (one row, `bytes` as text). */
export function trackedMemoryQuery(): SqlQuery {
  return { sql: "SELECT toString(value) AS bytes FROM system.metrics WHERE metric = 'MemoryTracking'" };
}

/** Whether this engine has jemalloc's statistics table (`n`: '1' or '0'): chDB and ClickHouse builds with jemalloc do. */
export function hasAllocatorStatsQuery(): SqlQuery {
  return { sql: "SELECT toString(count()) AS n FROM system.tables WHERE database = 'system' AND name = 'jemalloc_stats'" };
}

/** jemalloc's statistics text (`stats`, one row): what `malloc_stats_print` prints. */
export function allocatorStatsQuery(): SqlQuery {
  return { sql: 'SELECT stats FROM system.jemalloc_stats' };
}
