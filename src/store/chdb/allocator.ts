/**
 * The engine's allocator, set before libchdb loads (engine.ts imports this
 * module ahead of `chdb`; ES modules run in import order). chDB allocates
 * with its own jemalloc, which reads JE_MALLOC_CONF once, when the library
 * loads; ClickHouse builds it to keep freed pages for 5 s
 * (`dirty_decay_ms:5000`) — a server that owns its machine reuses them. In
 * `tally start` (issue 12: ≤ 600 MB) those 5 s turned every background
 * merge of usage_events into ~100–150 MiB of RSS that outlived the merge:
 * the peak under ingest load was a merge's pages plus the next insert's.
 * With 0 the pages go back to the system when freed.
 *
 * Measured (bench/pipeline-memory.ts, memory-tuning; 4 senders × 5,000
 * events per request, 2 vCPUs): RSS peaks with this and usage_events'
 * smaller compression blocks (migration 0021) 518–572 MiB against 623–681
 * MiB before, at the same CPU per event (271 µs both, means of three runs);
 * alone, without 0021, it cost ~30 % CPU per event (each merge re-faulted
 * 1 MiB buffers). README "Capacity", docs/storage.md "Memory".
 *
 * An operator's JE_MALLOC_CONF wins: this only fills it in when unset.
 */

/** jemalloc options tally gives the embedded engine (jemalloc's `name:value,…` form). */
export const ENGINE_MALLOC_CONF = 'dirty_decay_ms:0';

/** The environment variable chDB's jemalloc reads its options from (built with the `je_` prefix). */
export const ENGINE_MALLOC_CONF_ENV = 'JE_MALLOC_CONF';

/** Sets ENGINE_MALLOC_CONF in `env` unless the operator set the variable; returns the value in effect. */
export function applyEngineMallocConf(env: NodeJS.ProcessEnv = process.env): string {
  const set = env[ENGINE_MALLOC_CONF_ENV];
  if (set !== undefined && set !== '') return set;
  env[ENGINE_MALLOC_CONF_ENV] = ENGINE_MALLOC_CONF;
  return ENGINE_MALLOC_CONF;
}

applyEngineMallocConf();
