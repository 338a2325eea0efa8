/**
 * The `engine` operations of the analytics-store port: what the store's
 * engine says of its own memory. For `tally start` (chDB in the process)
 * this is most of the process beyond V8 and the engine's code, so
 * /metrics shows it beside Node's own figures (docs/metrics.md). The
 * contract only; the SQL is in engine-sql.ts.
 */

/** The engine's memory in bytes; null for a figure this engine does not report. */
export interface EngineMemory {
  /** What the engine's own accounting holds (`MemoryTracking`): queries, inserts, merges, caches. */
  readonly trackedBytes: number | null;
  /** What its allocator (jemalloc) has handed out. */
  readonly allocatorAllocatedBytes: number | null;
  /** The physical pages its allocator holds: allocated, plus freed pages it keeps for reuse (up to `dirty_decay_ms`). */
  readonly allocatorResidentBytes: number | null;
}

export interface EngineOperations {
  memory(): Promise<EngineMemory>;
}

const ALLOCATOR_LINE = /Allocated: (\d+), active: \d+, metadata: \d+.*?, resident: (\d+)/;

/**
 * The allocated and resident bytes of jemalloc's statistics text (the
 * `Allocated: …, active: …, metadata: …, resident: …, mapped: …, retained: …`
 * line of `malloc_stats_print`), or nulls when the text has no such line.
 */
export function allocatorBytes(stats: string): Pick<EngineMemory, 'allocatorAllocatedBytes' | 'allocatorResidentBytes'> {
  const m = ALLOCATOR_LINE.exec(stats);
  if (m === null) return { allocatorAllocatedBytes: null, allocatorResidentBytes: null };
  return { allocatorAllocatedBytes: Number(m[1]), allocatorResidentBytes: Number(m[2]) };
}
