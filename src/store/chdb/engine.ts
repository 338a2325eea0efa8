/**
 * The process's one chDB engine. libchdb binds a single data directory per
 * process, so every user in the process — each chDB store (one per database)
 * and the test harness's ClickHouse-HTTP stand-in — shares it through this
 * registry. Each user opens its own connection on the engine: connections
 * carry their own current database and settings and, for queries without
 * bound parameters, run in parallel.
 *
 * Concurrency (chdb 3.4, verified in test/integration/store): one connection
 * runs one statement at a time (a native mutex queues the rest); queries with
 * bound parameters are serialised process-wide by chdb itself, because its
 * parameter state is not isolated between connections. Both are safe to call
 * concurrently, so no extra queue is needed here.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
// Before `chdb`: its allocator reads JE_MALLOC_CONF when the library loads (allocator.ts).
import './allocator.js';
import { Session, drainPending } from 'chdb';
import { TallyError, errorMessage } from '../../core/errors.js';
import { toConnectionArgs, type SettingValue } from '../settings.js';
import { removeLeftInsertFiles } from './file-insert.js';

const MiB = 1024 * 1024;

/**
 * Server settings the engine opens with (issue 12: `tally start` ≤ 600 MB).
 * ClickHouse sizes its caches for a server that owns the machine (5 GiB mark,
 * index-mark, primary-index and vector caches; memory up to 90 % of RAM);
 * embedded next to Node they are bounded here. Every value is measured, not
 * assumed: bench/pipeline-memory.ts compares them with ClickHouse's defaults
 * (README "Capacity"). `clickhouse.embeddedServerSettings` overrides them
 * name by name.
 */
export const ENGINE_SERVER_SETTINGS = {
  mark_cache_size: 64 * MiB,
  index_mark_cache_size: 16 * MiB,
  primary_index_cache_size: 64 * MiB,
  compiled_expression_cache_size: 16 * MiB,
  query_condition_cache_size: 16 * MiB,
  vector_similarity_index_cache_size: 16 * MiB,
  text_index_header_cache_size: 16 * MiB,
  text_index_postings_cache_size: 16 * MiB,
  text_index_tokens_cache_size: 16 * MiB,
  unique_key_index_cache_size_bytes: 16 * MiB,
  parquet_metadata_cache_size: 16 * MiB,
  iceberg_metadata_files_cache_size: 16 * MiB,
} as const satisfies Record<string, SettingValue>;

/** ClickHouse's own values of ENGINE_SERVER_SETTINGS (chDB 3.4), to compare with: bench/pipeline-memory.ts. */
export const CLICKHOUSE_SERVER_DEFAULTS = {
  mark_cache_size: 5120 * MiB,
  index_mark_cache_size: 5120 * MiB,
  primary_index_cache_size: 5120 * MiB,
  compiled_expression_cache_size: 128 * MiB,
  query_condition_cache_size: 100 * MiB,
  vector_similarity_index_cache_size: 5120 * MiB,
  text_index_header_cache_size: 1024 * MiB,
  text_index_postings_cache_size: 2048 * MiB,
  text_index_tokens_cache_size: 1024 * MiB,
  unique_key_index_cache_size_bytes: 1024 * MiB,
  parquet_metadata_cache_size: 512 * MiB,
  iceberg_metadata_files_cache_size: 128 * MiB,
} as const satisfies Record<keyof typeof ENGINE_SERVER_SETTINGS, SettingValue>;

/** A shared reference to the engine; release it when done. */
export interface ChdbEngine {
  /** Absolute data directory. */
  readonly path: string;
  /** Opens a new connection with these settings (`--name=value` arguments). Close it with `session.close()`. */
  connect(settings?: Readonly<Record<string, SettingValue>>): Session;
  /** Drops this reference; the engine closes when the last one is released. Idempotent. */
  release(): Promise<void>;
}

interface OpenEngine {
  readonly path: string;
  /** Keeps the data directory bound while users come and go. */
  readonly base: Session;
  refs: number;
}

let current: OpenEngine | null = null;

/**
 * Shares the process's engine, opening it on `dataDir` if none is open.
 * Without `dataDir`, joins the open engine (throws when there is none). A
 * different directory while one is open is refused: chDB cannot serve two.
 * `serverSettings` (over ENGINE_SERVER_SETTINGS) apply when this call opens
 * the engine; an engine already open keeps the settings it opened with.
 */
export function acquireChdbEngine(dataDir?: string, serverSettings: Readonly<Record<string, SettingValue>> = {}): ChdbEngine {
  const wanted = dataDir === undefined ? undefined : resolve(dataDir);
  if (current !== null && wanted !== undefined && wanted !== current.path) {
    throw new TallyError(
      'CONFIG_INVALID',
      `chDB already has ${current.path} open in this process; it serves one data directory per process (asked for ${wanted})`,
    );
  }
  if (current === null) {
    if (wanted === undefined) throw new TallyError('CONFIG_INVALID', 'no chDB engine is open in this process and no data directory was given');
    try {
      mkdirSync(wanted, { recursive: true });
      removeLeftInsertFiles(wanted);
      current = { path: wanted, base: new Session(wanted, { connectionArgs: toConnectionArgs({ ...ENGINE_SERVER_SETTINGS, ...serverSettings }) }), refs: 0 };
    } catch (err) {
      throw new TallyError('STORE_UNAVAILABLE', `cannot open the chDB engine at ${wanted}: ${errorMessage(err)}`, { cause: err });
    }
  }
  const engine = current;
  engine.refs += 1;
  let released = false;
  return {
    path: engine.path,
    connect(settings = {}): Session {
      if (released) throw new TallyError('STORE_UNAVAILABLE', 'the chDB engine reference was released');
      try {
        return new Session(engine.path, { connectionArgs: toConnectionArgs(settings) });
      } catch (err) {
        throw new TallyError('STORE_UNAVAILABLE', `cannot connect to the chDB engine at ${engine.path}: ${errorMessage(err)}`, { cause: err });
      }
    },
    async release(): Promise<void> {
      if (released) return;
      released = true;
      engine.refs -= 1;
      if (engine.refs > 0) return;
      if (current === engine) current = null;
      engine.base.close();
      await drainPending();
    },
  };
}

/** The data directory of the open engine, or null. */
export function openChdbEnginePath(): string | null {
  return current?.path ?? null;
}
