/**
 * The embedded analytics store: the ClickHouse engine in-process through chDB.
 * Same SQL, same output settings and same error mapping as the ClickHouse
 * adapter; the process's one engine is shared through src/store/chdb-engine.ts,
 * and stores are isolated by database name.
 */
import type { Session } from 'chdb';
import type { Logger } from '../../core/logger.js';
import { component, silentLogger } from '../../core/logger.js';
import { errorMessage, isTallyError, type TallyError } from '../../core/errors.js';
import type { AnalyticsStore, SqlExecutor, InsertOptions, SqlQuery } from '../types.js';
import { createAnalyticsStore } from '../analytics-store.js';
import { acquireChdbEngine, type ChdbEngine } from './engine.js';
import { InsertFiles, rowBinaryFileInsert } from './file-insert.js';
import { insertSettings, REQUEST_SETTINGS, type SettingValue } from '../settings.js';
import { assertIdentifier, normalizeParams, parseJsonEachRow, qualified, toCompactRows, toJsonLines } from '../sql.js';
import { engineError, parseClickHouseCode, unavailableError, type StoreErrorContext } from '../errors.js';

export interface ChdbStoreOptions {
  /** Data directory of the engine (created if missing). One per process; e.g. `./.tally/chdb`. */
  readonly dataDir: string;
  /** Database holding tally's tables; created if missing. Default `tally`. */
  readonly database?: string;
  /** Parent logger; the store logs under `component: 'store.chdb'`. Default silent. */
  readonly logger?: Logger;
  /** Engine server settings over ENGINE_SERVER_SETTINGS (engine.ts), applied if this store opens the engine. */
  readonly serverSettings?: Readonly<Record<string, SettingValue>>;
}

/** chDB error codes (chdb's `err.code`) that mean the engine, not the statement, failed. */
const ENGINE_FAILURES: ReadonlySet<string> = new Set(['CHDB_CONNECTION', 'CHDB_CLOSED', 'CHDB_INTERNAL', 'CHDB_TIMEOUT', 'CHDB_ABORT', 'CHDB_PLATFORM', 'CHDB_ABI']);

interface ChdbErrorShape {
  readonly code?: unknown;
  readonly clickhouseCode?: unknown;
}

/** Maps a chDB failure to STORE_UNAVAILABLE (engine) or STORE_QUERY_FAILED / STORE_UNAVAILABLE by ClickHouse code. */
export function mapChdbError(err: unknown, op: string): TallyError {
  const ctx: StoreErrorContext = { adapter: 'chdb', op };
  if (isTallyError(err)) return err;
  const shape = (typeof err === 'object' && err !== null ? err : {}) as ChdbErrorShape;
  const message = errorMessage(err);
  if (typeof shape.code === 'string' && ENGINE_FAILURES.has(shape.code)) return unavailableError(message, ctx, err);
  const code = typeof shape.clickhouseCode === 'number' ? shape.clickhouseCode : parseClickHouseCode(message);
  return engineError(code, message, ctx, err);
}

class ChdbStore implements SqlExecutor {
  readonly kind = 'chdb' as const;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly files: InsertFiles;
  private closed = false;

  constructor(
    readonly database: string,
    private readonly engine: ChdbEngine,
    private readonly session: Session,
    private readonly log: Logger,
  ) {
    this.files = new InsertFiles(engine.path);
  }

  async query<Row extends object>(q: SqlQuery): Promise<Row[]> {
    const text = await this.run('query', q, 'JSONEachRow');
    return parseJsonEachRow<Row>(text);
  }

  async command(q: SqlQuery): Promise<void> {
    await this.run('command', q, 'TabSeparated');
  }

  async insert(table: string, rows: readonly Record<string, unknown>[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const compact = toCompactRows(rows);
    if (compact !== null) return this.insertValues(table, compact.columns, compact.values, options);
    const target = this.insertTarget(table);
    const settings = insertSettings(options);
    await this.track('insert', () => this.session.insert({ table: target, values: Buffer.from(toJsonLines(rows)), format: 'JSONEachRow', settings }));
  }

  async insertValues(table: string, columns: readonly string[], values: readonly (readonly unknown[])[], options: InsertOptions = {}): Promise<void> {
    if (values.length === 0) return;
    const target = this.insertTarget(table);
    const settings = insertSettings(options);
    await this.track('insert', () =>
      this.session.insert({ table: target, values: Buffer.from(toJsonLines(values)), format: 'JSONCompactEachRow', columns: [...columns], settings }),
    );
  }

  /** Through a file the engine reads (file-insert.ts: chdb's inline insert data cannot be binary). */
  async insertRowBinary(table: string, columns: readonly string[], data: Buffer, options: InsertOptions = {}): Promise<void> {
    if (data.length === 0) return;
    const target = this.insertTarget(table);
    const settings = insertSettings(options);
    await this.track('insert', () => this.files.with(data, (file) => this.session.queryAsync(rowBinaryFileInsert(target, columns, file, settings), { format: 'TabSeparated' })));
  }

  private insertTarget(table: string): string {
    const target = table.includes('.') ? table : qualified(this.database, table);
    const [db = '', name = ''] = target.split('.');
    assertIdentifier(db, 'database');
    assertIdentifier(name, 'table');
    return target;
  }

  async ping(): Promise<void> {
    await this.run('ping', { sql: 'SELECT 1' }, 'TabSeparated');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    this.session.close();
    await this.files.close();
    await this.engine.release();
    this.log.debug({ database: this.database }, 'chDB store closed');
  }

  private async run(op: string, q: SqlQuery, format: string): Promise<string> {
    const params = normalizeParams(q.params);
    const result = await this.track(op, () =>
      Object.keys(params).length > 0
        ? this.session.queryBindAsync(q.sql, params, { format })
        : this.session.queryAsync(q.sql, { format }),
    );
    return result.text();
  }

  private async track<T>(op: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw unavailableError('the store is closed', { adapter: 'chdb', op }, undefined);
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      throw mapChdbError(err, op);
    }
    this.inFlight.add(p);
    try {
      return await p;
    } catch (err) {
      throw mapChdbError(err, op);
    } finally {
      this.inFlight.delete(p);
    }
  }
}

/**
 * Opens a chDB store: joins (or opens) the process's engine at `dataDir`,
 * creates `database` if missing and makes it the connection's current one.
 */
export async function createChdbStore(options: ChdbStoreOptions): Promise<AnalyticsStore> {
  const database = assertIdentifier(options.database ?? 'tally', 'database');
  const log = component(options.logger ?? silentLogger(), 'store.chdb', { database });
  const engine = acquireChdbEngine(options.dataDir, options.serverSettings);
  let session: Session | undefined;
  try {
    session = engine.connect(REQUEST_SETTINGS);
    await session.queryAsync(`CREATE DATABASE IF NOT EXISTS ${database}`, { format: 'TabSeparated' });
    await session.queryAsync(`USE ${database}`, { format: 'TabSeparated' });
  } catch (err) {
    session?.close();
    await engine.release();
    throw mapChdbError(err, 'open');
  }
  log.debug({ path: engine.path }, 'chDB store open');
  return createAnalyticsStore(new ChdbStore(database, engine, session, log));
}
