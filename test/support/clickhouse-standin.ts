/**
 * TEST STAND-IN — NOT A CLICKHOUSE SERVER.
 *
 * A small ClickHouse-HTTP endpoint served over the process's chDB engine, so
 * the @clickhouse/client adapter's code path (HTTP, settings on the URL,
 * bound parameters, JSONEachRow, errors, compression) runs in every CI run,
 * also where no ClickHouse server or Docker is available. The SQL engine is
 * the real ClickHouse engine (chDB); only the HTTP layer is ours, and it
 * implements what @clickhouse/client uses:
 *
 * - `GET /ping` → `Ok.`
 * - `GET|POST /?query=…&database=…&query_id=…&param_<name>=…&<setting>=…`
 *   with the query in the URL, in the body, or both (URL query + body data for
 *   `INSERT … FORMAT <fmt>`), or in a multipart/form-data body with
 *   `param_<name>` parts (the client's `use_multipart_params`);
 * - output format from a trailing `FORMAT` clause, else `default_format`,
 *   else TabSeparated; `X-ClickHouse-Format`, `X-ClickHouse-Query-Id`,
 *   `X-ClickHouse-Summary` and `X-ClickHouse-Timezone` response headers;
 * - errors as HTTP 500 with `Code: N. DB::Exception: … (TYPE)` text and
 *   `X-ClickHouse-Exception-Code: N`;
 * - RowBinary insert bodies (binary, with the query in the URL), read from a
 *   file as the chDB adapter reads them (src/store/chdb/file-insert.ts);
 * - gzip request bodies (`Content-Encoding: gzip`) and gzip responses when
 *   `enable_http_compression=1` and the client accepts gzip.
 *
 * Every URL setting is applied to a fresh chDB connection per request, so
 * requests never leak settings into each other. Not implemented: sessions,
 * authentication (credentials are ignored), progress headers, Tuple params.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Session } from 'chdb';
import { acquireChdbEngine, type ChdbEngine } from '../../src/store/chdb/engine.js';
import { InsertFiles, rowBinaryFileInsert } from '../../src/store/chdb/file-insert.js';
import { component, silentLogger, type Logger } from '../../src/core/logger.js';
import { parseClickHouseCode, parseClickHouseType } from '../../src/store/errors.js';
import { declaredParamTypes, paramValueForChdb, type LiteralValue } from './clickhouse-standin-params.js';

/** What the stand-in says it is, in logs and in the X-ClickHouse-Server-Display-Name header. */
export const STANDIN_LABEL = 'chdb-http-standin (TEST STAND-IN, not a ClickHouse server)';

export interface ClickHouseStandinOptions {
  /** chDB data directory; default: join the engine already open in this process. */
  readonly dataDir?: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  readonly logger?: Logger;
}

export interface ClickHouseStandin {
  /** e.g. `http://127.0.0.1:40123` */
  readonly url: string;
  /** Requests served so far. */
  readonly requests: number;
  /** Requests whose body came gzip-compressed, and responses sent gzip-compressed. */
  readonly gzip: { readonly requests: number; readonly responses: number };
  close(): Promise<void>;
}

/** URL parameters that are HTTP-interface options, not ClickHouse settings. */
const NOT_SETTINGS = new Set([
  'query', 'database', 'query_id', 'default_format', 'user', 'password', 'session_id', 'session_timeout', 'session_check',
  'role', 'quota_key', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query', 'enable_http_compression',
]);
const SETTING_RE = /^[a-z][a-z0-9_]*$/;
const INSERT_RE = /^\s*INSERT\s+INTO\s+([A-Za-z0-9_.]+)\s*(?:\(([^)]*)\))?\s*FORMAT\s+([A-Za-z]+)\s*$/is;
const TRAILING_FORMAT_RE = /\bFORMAT\s+([A-Za-z]+)\s*;?\s*$/i;
const RAW_INSERT_FORMATS = new Set(['JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames', 'RowBinary']);
/** Binary bodies chDB cannot take as inline insert data (it ends at an empty line): read from a file, as the chDB adapter does. */
const FILE_INSERT_FORMATS = new Set(['RowBinary']);

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

interface ParsedRequest {
  readonly sql: string;
  /** Data of an INSERT … FORMAT x whose query came in the URL. */
  readonly insertData: Buffer | null;
  readonly params: Map<string, string>;
  readonly settings: Record<string, string>;
  readonly database: string | null;
  readonly defaultFormat: string | null;
  readonly queryId: string;
  readonly gzipResponse: boolean;
}

interface GzipCounts {
  requests: number;
  responses: number;
}

async function readBody(req: IncomingMessage, gzipCounts: GzipCounts): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') {
    gzipCounts.requests += 1;
    return gunzipSync(body);
  }
  if (encoding !== '' && encoding !== 'identity') throw new HttpError(36, `the test stand-in does not decode Content-Encoding ${encoding}`);
  return body;
}

function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new HttpError(36, 'multipart body without a boundary');
  const parts = new Map<string, string>();
  for (const chunk of body.toString('utf8').split(`--${boundary}`)) {
    const headerEnd = chunk.indexOf('\r\n\r\n');
    if (headerEnd === -1) continue;
    const name = /name="([^"]+)"/.exec(chunk.slice(0, headerEnd))?.[1];
    if (name === undefined) continue;
    parts.set(name, chunk.slice(headerEnd + 4).replace(/\r\n$/, ''));
  }
  return parts;
}

async function parseRequest(req: IncomingMessage, gzipCounts: GzipCounts): Promise<ParsedRequest> {
  const url = new URL(req.url ?? '/', 'http://standin');
  const body = await readBody(req, gzipCounts);
  const params = new Map<string, string>();
  const settings: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (k.startsWith('param_')) params.set(k.slice(6), v);
    else if (!NOT_SETTINGS.has(k) && SETTING_RE.test(k)) settings[k] = v;
  }
  let sql = url.searchParams.get('query') ?? '';
  let insertData: Buffer | null = null;
  const contentType = String(req.headers['content-type'] ?? '');
  if (contentType.startsWith('multipart/form-data')) {
    for (const [k, v] of parseMultipart(body, contentType)) {
      if (k === 'query') sql = sql === '' ? v : `${sql}\n${v}`;
      else if (k.startsWith('param_')) params.set(k.slice(6), v);
    }
  } else if (body.length > 0) {
    if (sql !== '' && INSERT_RE.test(sql)) insertData = body;
    else sql = sql === '' ? body.toString('utf8') : `${sql}\n${body.toString('utf8')}`;
  }
  if (sql.trim() === '') throw new HttpError(62, 'Empty query. (SYNTAX_ERROR)');
  const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  return {
    sql,
    insertData,
    params,
    settings,
    database: url.searchParams.get('database'),
    defaultFormat: url.searchParams.get('default_format'),
    queryId: url.searchParams.get('query_id') ?? randomUUID(),
    gzipResponse: url.searchParams.get('enable_http_compression') === '1' && acceptsGzip,
  };
}

interface Outcome {
  readonly body: Buffer;
  readonly format: string;
  readonly summary: Record<string, string>;
}

function summary(read: { rows: number; bytes: number }, written: { rows: number; bytes: number }, elapsedSec: number, resultRows = 0): Record<string, string> {
  return {
    read_rows: String(read.rows),
    read_bytes: String(read.bytes),
    written_rows: String(written.rows),
    written_bytes: String(written.bytes),
    total_rows_to_read: String(read.rows),
    result_rows: String(resultRows),
    result_bytes: '0',
    elapsed_ns: String(Math.round(elapsedSec * 1e9)),
  };
}

async function execute(session: Session, r: ParsedRequest, files: InsertFiles): Promise<Outcome> {
  if (r.database !== null && r.database !== '') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(r.database)) throw new HttpError(81, `Database ${r.database} does not exist. (UNKNOWN_DATABASE)`);
    await session.queryAsync(`USE ${r.database}`, { format: 'TabSeparated' });
  }
  if (r.insertData !== null) {
    const m = INSERT_RE.exec(r.sql);
    const [table = '', columnList, format = ''] = m === null ? [] : m.slice(1);
    if (!RAW_INSERT_FORMATS.has(format)) throw new HttpError(73, `Unknown format ${format} for the test stand-in's inserts. (UNKNOWN_FORMAT)`);
    const columns = columnList === undefined ? undefined : columnList.split(',').map((c) => c.trim().replace(/^`|`$/g, ''));
    if (FILE_INSERT_FORMATS.has(format)) {
      if (columns === undefined) throw new HttpError(73, `the test stand-in's ${format} inserts need a column list. (UNKNOWN_FORMAT)`);
      const data = r.insertData;
      const res = await files.with(data, (file) => session.queryAsync(rowBinaryFileInsert(table, columns, file, {}), { format: 'TabSeparated' }));
      return { body: Buffer.alloc(0), format, summary: summary({ rows: 0, bytes: data.length }, { rows: res.rowsRead, bytes: res.bytesRead }, res.elapsed) };
    }
    const res = await session.insert({
      table,
      values: r.insertData,
      format: format as 'JSONEachRow',
      ...(columns === undefined ? {} : { columns }),
    });
    return {
      body: Buffer.alloc(0),
      format,
      summary: summary({ rows: res.rowsSent ?? 0, bytes: res.bytesSent }, { rows: res.rowsWritten, bytes: res.bytesWritten }, res.elapsed),
    };
  }
  const format = TRAILING_FORMAT_RE.exec(r.sql)?.[1] ?? r.defaultFormat ?? 'TabSeparated';
  const types = declaredParamTypes(r.sql);
  const bound: Record<string, LiteralValue> = {};
  for (const [name, text] of r.params) {
    try {
      bound[name] = paramValueForChdb(types.get(name), text);
    } catch (err) {
      throw new HttpError(457, `Value ${JSON.stringify(text)} of parameter ${name} cannot be read: ${(err as Error).message}. (BAD_QUERY_PARAMETER)`);
    }
  }
  const res = r.params.size > 0 ? await session.queryBindAsync(r.sql, bound, { format }) : await session.queryAsync(r.sql, { format });
  const out = Buffer.from(res.bytes());
  return { body: out, format, summary: summary({ rows: res.rowsRead, bytes: res.bytesRead }, { rows: 0, bytes: 0 }, res.elapsed) };
}

/** ClickHouse's error text for a chDB or stand-in failure: `Code: N. DB::Exception: … (TYPE)`. */
function errorText(err: unknown): { code: number; text: string } {
  if (err instanceof HttpError) return { code: err.code, text: `Code: ${err.code}. DB::Exception: ${err.message} (version chDB test stand-in)\n` };
  const message = err instanceof Error ? err.message : String(err);
  const known = (err as { clickhouseCode?: unknown }).clickhouseCode;
  const code = typeof known === 'number' ? known : (parseClickHouseCode(message) ?? 1001);
  let text = /^Code: \d+\./.test(message) ? message : `Code: ${code}. DB::Exception: ${message}`;
  if (parseClickHouseType(text) === undefined) text += ' (STD_EXCEPTION)';
  return { code, text: `${text} (version chDB test stand-in)\n` };
}

/** Starts the stand-in on the process's chDB engine. Label it as a stand-in wherever it is used. */
export async function startClickHouseStandin(options: ClickHouseStandinOptions = {}): Promise<ClickHouseStandin> {
  const engine: ChdbEngine = acquireChdbEngine(options.dataDir);
  const log = component(options.logger ?? silentLogger(), 'clickhouse-standin', { standin: STANDIN_LABEL });
  let requests = 0;
  const gzipCounts: GzipCounts = { requests: 0, responses: 0 };
  const files = new InsertFiles(engine.path);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requests += 1;
    const started = Date.now();
    res.setHeader('X-ClickHouse-Server-Display-Name', STANDIN_LABEL);
    const url = new URL(req.url ?? '/', 'http://standin');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    let queryId = url.searchParams.get('query_id') ?? randomUUID();
    let session: Session | undefined;
    try {
      if (url.pathname !== '/') throw new HttpError(1001, `the test stand-in serves / and /ping, not ${url.pathname}. (STD_EXCEPTION)`);
      const parsed = await parseRequest(req, gzipCounts);
      queryId = parsed.queryId;
      try {
        session = engine.connect(parsed.settings);
      } catch (err) {
        throw new HttpError(115, `cannot apply the request's settings: ${(err as Error).message}. (UNKNOWN_SETTING)`);
      }
      const outcome = await execute(session, parsed, files);
      const headers: Record<string, string> = {
        'Content-Type': outcome.format.startsWith('JSON') ? 'application/json; charset=UTF-8' : 'text/plain; charset=UTF-8',
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Format': outcome.format,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Summary': JSON.stringify(outcome.summary),
      };
      let body = outcome.body;
      if (parsed.gzipResponse) {
        body = gzipSync(body);
        headers['Content-Encoding'] = 'gzip';
        gzipCounts.responses += 1;
      }
      res.writeHead(200, headers).end(body);
      log.debug({ status: 200, ms: Date.now() - started, format: outcome.format }, 'test stand-in request');
    } catch (err) {
      const { code, text } = errorText(err);
      res
        .writeHead(500, {
          'Content-Type': 'text/plain; charset=UTF-8',
          'X-ClickHouse-Query-Id': queryId,
          'X-ClickHouse-Exception-Code': String(code),
        })
        .end(text);
      log.debug({ status: 500, code, ms: Date.now() - started }, 'test stand-in request failed');
    } finally {
      session?.close();
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'test stand-in handler crashed');
      if (!res.headersSent) res.writeHead(500).end(`Code: 1001. DB::Exception: ${String(err)} (STD_EXCEPTION)\n`);
    });
  });
  // Idle connections are closed after 10 s (Node's default is 5 s): far from the client's 2.5 s socket TTL, so
  // a client process descheduled between its TTL check and its request (a loaded CI machine) meets a socket the
  // stand-in has not closed yet. The adapter's handling of a closed socket is tested on its own (clickhouse-reset).
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const url = `http://${address.address}:${address.port}`;
  log.info({ url }, 'ClickHouse-HTTP test stand-in (chDB) listening — not a ClickHouse server');
  return {
    url,
    get requests(): number {
      return requests;
    },
    get gzip(): { requests: number; responses: number } {
      return { ...gzipCounts };
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await files.close();
      await engine.release();
    },
  };
}
