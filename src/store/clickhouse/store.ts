/**
 * The distributed analytics store: a ClickHouse server (or cluster) through
 * @clickhouse/client over HTTP. Same SQL, same output settings and the same
 * error mapping as the chDB adapter.
 */
import { Readable } from 'node:stream';
import { ClickHouseError, createClient, drainStream, type ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../../core/logger.js';
import { component, silentLogger } from '../../core/logger.js';
import { errorMessage, isTallyError, type TallyError } from '../../core/errors.js';
import type { AnalyticsStore, SqlExecutor, InsertOptions, SqlQuery } from '../types.js';
import { createAnalyticsStore } from '../analytics-store.js';
import { insertSettings, REQUEST_SETTINGS, SHARDED_SETTINGS } from '../settings.js';
import { assertIdentifier, normalizeParams, stringifyJson, toCompactRows } from '../sql.js';
import { engineError, unavailableError, type StoreErrorContext } from '../errors.js';
import { clickHouseLogLevel, clickHouseLoggerClass } from './logger.js';

export interface ClickHouseStoreOptions {
  /** Server URL, e.g. `http://localhost:8123`; may carry credentials (`http://user:pass@host:8123`). */
  readonly url: string;
  /** Default `default`. */
  readonly username?: string;
  /** Default empty. Never logged. */
  readonly password?: string;
  /** Database holding tally's tables. Default `tally`. */
  readonly database?: string;
  /** Create `database` if missing when the store opens (needs CREATE DATABASE rights). Default true. */
  readonly createDatabase?: boolean;
  /** Per-request timeout in ms; a timed-out request is STORE_UNAVAILABLE. Default 30,000. */
  readonly requestTimeoutMs?: number;
  /** gzip request bodies (inserts) and/or responses. Default both false. */
  readonly compression?: { readonly request?: boolean; readonly response?: boolean };
  /** Sockets per host. Default 10. */
  readonly maxOpenConnections?: number;
  /** Parent logger; the client logs under `component: 'store.clickhouse'`. Default silent. */
  readonly logger?: Logger;
  /** Include query text and bound values in the client's log lines. Default false (they may hold personal data). */
  readonly logQueries?: boolean;
  /**
   * The tables are in the sharded layout (Distributed over `<table>_local`,
   * `tally migrate --shards`): every request carries SHARDED_SETTINGS, so an
   * insert answers only once each shard stored its part. Default false.
   */
  readonly sharded?: boolean;
}

/** Node socket error codes meaning the server could not be reached or dropped the connection. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET',
]);

/** A connection dropped while a request was sent or awaited (not a refusal, not a timeout). */
function isSocketReset(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET' || (err instanceof Error && err.message === 'socket hang up');
}

/** Maps a client failure: a ClickHouse exception by its code; network trouble, timeouts and non-ClickHouse HTTP errors (proxies) as STORE_UNAVAILABLE. */
export function mapClickHouseError(err: unknown, op: string): TallyError {
  const ctx: StoreErrorContext = { adapter: 'clickhouse', op };
  if (isTallyError(err)) return err;
  const message = errorMessage(err);
  if (err instanceof ClickHouseError) {
    const code = Number(err.code);
    return engineError(Number.isFinite(code) ? code : undefined, message, ctx, err);
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return unavailableError(`${code} ${message}`, ctx, err);
  if (err instanceof TypeError || err instanceof RangeError) return engineError(undefined, message, ctx, err);
  // Timeouts ("Timeout error."), aborted sockets, and HTTP errors whose body is
  // not a ClickHouse exception (a proxy's 502/503): the server did not answer.
  return unavailableError(message, ctx, err);
}

class ClickHouseStore implements SqlExecutor {
  readonly kind = 'clickhouse' as const;

  constructor(
    readonly database: string,
    private readonly client: ClickHouseClient,
  ) {}

  /** Reads are retried once when the socket was reset: a kept-alive socket the server (or a proxy) closed as it was reused. */
  async query<Row extends object>(q: SqlQuery): Promise<Row[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const rs = await this.client.query({ query: q.sql, format: 'JSONEachRow', query_params: normalizeParams(q.params) });
        return await rs.json<Row>();
      } catch (err) {
        if (attempt === 1 && isSocketReset(err)) continue;
        throw mapClickHouseError(err, 'query');
      }
    }
  }

  async command(q: SqlQuery): Promise<void> {
    try {
      await this.client.command({ query: q.sql, query_params: normalizeParams(q.params) });
    } catch (err) {
      throw mapClickHouseError(err, 'command');
    }
  }

  async insert(table: string, rows: readonly Record<string, unknown>[], options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const compact = toCompactRows(rows);
    if (compact !== null) return this.insertValues(table, compact.columns, compact.values, options);
    for (const part of table.split('.')) assertIdentifier(part, 'table');
    try {
      await this.client.insert({ table, values: rows, format: 'JSONEachRow', clickhouse_settings: insertSettings(options) });
    } catch (err) {
      throw mapClickHouseError(err, 'insert');
    }
  }

  async insertValues(table: string, columns: readonly string[], values: readonly (readonly unknown[])[], options: InsertOptions = {}): Promise<void> {
    if (values.length === 0) return;
    for (const part of table.split('.')) assertIdentifier(part, 'table');
    const [first, ...rest] = columns;
    if (first === undefined) return;
    try {
      await this.client.insert({ table, values: values as unknown[][], columns: [first, ...rest], format: 'JSONCompactEachRow', clickhouse_settings: insertSettings(options) });
    } catch (err) {
      throw mapClickHouseError(err, 'insert');
    }
  }

  /**
   * RowBinary through `exec` (the client's `insert` encodes only its own formats): the statement goes in the URL,
   * the bytes as the body, with the same insert settings; the empty answer is drained so the socket is reused.
   */
  async insertRowBinary(table: string, columns: readonly string[], data: Buffer, options: InsertOptions = {}): Promise<void> {
    if (data.length === 0) return;
    for (const part of table.split('.')) assertIdentifier(part, 'table');
    if (columns.length === 0) throw new RangeError('a RowBinary insert needs its column list');
    const cols = columns.map((c) => assertIdentifier(c, 'column')).join(', ');
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} (${cols}) FORMAT RowBinary`,
        values: Readable.from([data]),
        clickhouse_settings: insertSettings(options),
      });
      await drainStream(result.stream);
    } catch (err) {
      throw mapClickHouseError(err, 'insert');
    }
  }

  async ping(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw mapClickHouseError(result.error, 'ping');
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Credentials may come in the URL (`http://user:pass@host:8123`); explicit options win. */
function splitCredentials(url: string): { url: string; username?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url };
  }
  if (u.username === '' && u.password === '') return { url };
  const username = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { url: u.toString(), username, password };
}

function makeClient(options: ClickHouseStoreOptions, database: string, log: Logger): ClickHouseClient {
  const fromUrl = splitCredentials(options.url);
  return createClient({
    url: fromUrl.url,
    username: options.username ?? fromUrl.username ?? 'default',
    password: options.password ?? fromUrl.password ?? '',
    database,
    application: 'tally',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    max_open_connections: options.maxOpenConnections ?? 10,
    compression: { request: options.compression?.request ?? false, response: options.compression?.response ?? false },
    clickhouse_settings: { ...REQUEST_SETTINGS, ...(options.sharded ? SHARDED_SETTINGS : {}) },
    // A socket idle past its TTL is destroyed before reuse even when a busy event loop delayed the
    // TTL timer: reusing it meets the server's own idle close as ECONNRESET (seen under load).
    keep_alive: { enabled: true, eagerly_destroy_stale_sockets: true },
    // Long id lists (the dedupe lookup) move from the URL into a multipart body.
    use_multipart_params_auto: true,
    // Rows may carry bigints (row_version, offsets): written as decimal text, like the chDB adapter does.
    json: { parse: JSON.parse, stringify: stringifyJson },
    log: { LoggerClass: clickHouseLoggerClass(log, options.logQueries ?? false), level: clickHouseLogLevel(log) },
  });
}

/**
 * Opens a ClickHouse store. With `createDatabase` (the default) it first
 * creates the database through a short-lived connection to the server's
 * default database, so a fresh server needs nothing done by hand. Throws
 * STORE_UNAVAILABLE when the server does not answer.
 */
export async function createClickHouseStore(options: ClickHouseStoreOptions): Promise<AnalyticsStore> {
  const database = assertIdentifier(options.database ?? 'tally', 'database');
  const log = component(options.logger ?? silentLogger(), 'store.clickhouse', { database });
  if (options.createDatabase ?? true) {
    const admin = makeClient(options, 'default', log);
    try {
      await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    } catch (err) {
      throw mapClickHouseError(err, 'open');
    } finally {
      await admin.close();
    }
  }
  const client = makeClient(options, database, log);
  log.debug({ url: redactUrl(options.url) }, 'ClickHouse store open');
  return createAnalyticsStore(new ClickHouseStore(database, client));
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}
