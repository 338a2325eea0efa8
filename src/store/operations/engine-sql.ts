/** The `engine` operations (engine.ts) in SQL, over one executor. */
import { allocatorStatsQuery, hasAllocatorStatsQuery, trackedMemoryQuery } from '../queries/engine.js';
import type { SqlExecutor } from '../types.js';
import { allocatorBytes, type EngineMemory, type EngineOperations } from './engine.js';

export function createEngineOperations(sql: SqlExecutor): EngineOperations {
  /** Whether the engine has jemalloc's statistics table: asked until one answer comes. */
  let hasAllocatorStats: boolean | null = null;
  return {
    async memory(): Promise<EngineMemory> {
      hasAllocatorStats ??= (await sql.query<{ n: string }>(hasAllocatorStatsQuery()))[0]?.n === '1';
      const [tracked] = await sql.query<{ bytes: string }>(trackedMemoryQuery());
      const trackedBytes = tracked === undefined ? null : Number(tracked.bytes);
      if (!hasAllocatorStats) return { trackedBytes, allocatorAllocatedBytes: null, allocatorResidentBytes: null };
      const [stats] = await sql.query<{ stats: string }>(allocatorStatsQuery());
      return { trackedBytes, ...allocatorBytes(stats?.stats ?? '') };
    },
  };
}
