/**
 * Start-up failures a user can act on, said so: a process that cannot start
 * ends with one message naming the cause and what to do (the CLI prints it
 * and exits 1).
 *
 *   STORE_NOT_MIGRATED  the store has no tally tables      → run `tally migrate`
 *   DATA_DIR_IN_USE     another process holds the chDB dir → stop it or use another --data-dir
 *   PORT_IN_USE         the listen address is taken        → stop that process or choose another port
 *
 * Anything else goes on unchanged. `assertMigrated` reads the tables every
 * process needs (usage_events, budgets) once at start, so a process on an
 * unmigrated store fails then — not at its first write, retried for ever.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TallyConfig } from '../config/schema.js';
import { TallyError, errorMessage, isTallyError } from '../core/errors.js';
import type { AnalyticsStore } from '../store/types.js';
import { chdbDataDir, describeStore } from './adapters.js';

/** ClickHouse codes for a table or database that does not exist. */
const UNKNOWN_TABLE = 60;
const UNKNOWN_DATABASE = 81;

/** Where to run `tally migrate` against: the same store. */
function sameStore(config: TallyConfig): string {
  return config.clickhouse.url ? `the same CLICKHOUSE_URL (${describeStore(config)})` : `the same --data-dir (${config.dataDir})`;
}

function notMigrated(err: TallyError, config: TallyConfig): TallyError {
  return new TallyError('STORE_NOT_MIGRATED', `the analytics store (${describeStore(config)}) has no tally tables: run \`tally migrate\` with ${sameStore(config)}, then start again (${err.message})`, {
    cause: err,
    details: err.details,
  });
}

/** The process that holds a chDB data directory, from the engine's status file, if it is alive and not this one. */
function holder(config: TallyConfig): number | null {
  const status = join(chdbDataDir(config), 'status');
  if (!existsSync(status)) return null;
  const pid = Number(/PID:\s*(\d+)/.exec(readFileSync(status, 'utf8'))?.[1] ?? NaN);
  if (!Number.isInteger(pid) || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

interface ListenError {
  readonly code?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
}

/** The start-up error as the user should read it. */
export function explainStartupError(err: unknown, config: TallyConfig, portSetting = '--port (TALLY_PORT)'): unknown {
  if (isTallyError(err)) {
    const code = err.details.clickhouseCode;
    if (err.code === 'STORE_QUERY_FAILED' && (code === UNKNOWN_TABLE || code === UNKNOWN_DATABASE)) return notMigrated(err, config);
    if (err.code === 'STORE_UNAVAILABLE' && !config.clickhouse.url && err.message.includes('cannot open the chDB engine')) {
      const pid = holder(config);
      if (pid !== null) {
        return new TallyError('DATA_DIR_IN_USE', `another process (pid ${pid}) holds the embedded store in ${chdbDataDir(config)}: stop it (one process per data directory), or give this one its own --data-dir (TALLY_DATA_DIR)`, {
          cause: err,
          details: { data_dir: config.dataDir, pid },
        });
      }
    }
    return err;
  }
  const listen = (typeof err === 'object' && err !== null ? err : {}) as ListenError;
  if (listen.code === 'EADDRINUSE') {
    const where = `${String(listen.address ?? config.api.host)}:${String(listen.port ?? '')}`;
    return new TallyError('PORT_IN_USE', `${where} is in use by another process: stop it, or choose another port with ${portSetting}`, {
      cause: err,
      details: { address: listen.address ?? null, port: listen.port ?? null },
    });
  }
  return err;
}

/** Reads the tables every process uses, so an unmigrated store fails the start (mapped by `explainStartupError`). */
export async function assertMigrated(store: Pick<AnalyticsStore, 'events' | 'budgets'>): Promise<void> {
  try {
    await store.events.any();
    // stream_positions (0007): the processor's dedupe writes it before every insert.
    await store.events.highOffset('', 0);
    await store.budgets.maxVersion();
  } catch (err) {
    if (isTallyError(err)) throw err;
    throw new TallyError('STORE_UNAVAILABLE', `the analytics store did not answer at start: ${errorMessage(err)}`, { cause: err });
  }
}
