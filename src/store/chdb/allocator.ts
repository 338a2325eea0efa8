/**
 * How chDB's memory allocator returns freed pages. libchdb.so carries its own
 * jemalloc, which reads `JE_MALLOC_CONF` once, when the library loads, and
 * whose build keeps freed pages for 5 s (`dirty_decay_ms:5000`). Through a
 * backlog that held 130–250 MiB of freed pages resident: pages a container's
 * memory limit cannot take back (they are anonymous), so under a 600 MB limit
 * the kernel pushed the engine's code out instead and read it back from disk,
 * halving throughput. Returned after 1 s they cost no measurable CPU without a
 * limit and keep throughput under one (bench/pipeline-memory-limit.ts,
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
