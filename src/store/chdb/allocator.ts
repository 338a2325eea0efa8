/**
 * How chDB's memory allocator returns freed pages. libchdb.so carries its own
 * jemalloc, which reads `JE_MALLOC_CONF` once, when the library loads, and
 * whose build keeps freed pages for 5 s (`dirty_decay_ms:5000`). Through a
 * backlog it held 130–190 MiB of freed pages resident: anonymous memory, which
 * a container's memory limit cannot reclaim, so the kernel reclaims the
 * engine's code instead and reads it back from disk. Under a 600 MB limit,
 * 1 s kept 12–23 MiB less anonymous memory than 5 s in every pair of runs at
 * the same throughput, and 5 s once thrashed (half the throughput); without a
 * limit 1 s costs nothing measurable (bench/pipeline-memory-limit.ts,
 * docs/operations.md "Memory").
 *
 * engine.ts imports this module before `chdb`, so the setting is in the
 * environment when the library loads. An operator's `JE_MALLOC_CONF` wins,
 * an empty one included (jemalloc's build settings then).
 */

/** What tally sets when the operator did not: freed pages go back to the system after 1 s. */
export const ENGINE_ALLOCATOR_CONF = 'dirty_decay_ms:1000';

/** Sets `JE_MALLOC_CONF` in `env` unless it is set; returns the value in effect. */
export function defaultEngineAllocator(env: NodeJS.ProcessEnv): string {
  const set = env.JE_MALLOC_CONF;
  if (set !== undefined) return set;
  env.JE_MALLOC_CONF = ENGINE_ALLOCATOR_CONF;
  return ENGINE_ALLOCATOR_CONF;
}

defaultEngineAllocator(process.env);
