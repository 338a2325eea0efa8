/**
 * One HTTP request to tally's API: base URL, key, timeout, JSON in and out,
 * and the one error mapping (errors.ts). A network failure or timeout is a
 * retriable TallyError with the code the caller names for "tally is away"
 * (LOG_UNAVAILABLE for ingest, COUNTERS_UNAVAILABLE for quota and budgets,
 * STORE_UNAVAILABLE for analytics).
 */
import { TallyError, type ErrorCode } from '../../core/errors.js';
import { errorFor } from './errors.js';

export interface ApiConnection {
  /** tally's API base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** An API key (sent as `authorization: Bearer <key>`); none for a local `tally start` without keys. */
  readonly apiKey?: string;
  /** Timeout of one request, ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Extra headers on every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
}

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, starting with `/` (path parameters already encoded). */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  /** A JSON body (serialized here), or a text body with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** The code of the TallyError thrown when the API cannot be reached. */
  readonly unavailable: ErrorCode;
  /** Statuses other than 2xx answered with their body instead of thrown (e.g. 429 for quota refusals). */
  readonly answer?: (status: number, body: unknown) => boolean;
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export type Requester = <T>(request: ApiRequest) => Promise<ApiAnswer<T>>;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The URL of `path` below `base` with `query` (arrays repeat the parameter). */
export function urlOf(base: string, path: string, query: ApiRequest['query'] = {}): string {
  const url = new URL(path.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(x));
  }
  return url.toString();
}

export function createRequester(connection: ApiConnection): Requester {
  const doFetch = connection.fetch ?? fetch;
  const common: Record<string, string> = { accept: 'application/json', ...(connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {}), ...(connection.headers ?? {}) };
  return async <T>(r: ApiRequest): Promise<ApiAnswer<T>> => {
    const url = urlOf(connection.url, r.path, r.query);
    const hasBody = r.body !== undefined;
    const headers = hasBody ? { 'content-type': r.contentType ?? 'application/json', ...common } : common;
    const body = !hasBody ? undefined : r.contentType !== undefined && typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    let response: Response;
    let text: string;
    try {
      response = await doFetch(url, { method: r.method, headers, ...(body === undefined ? {} : { body }), signal: AbortSignal.timeout(connection.timeoutMs ?? 10_000) });
      text = await response.text();
    } catch (err) {
      throw new TallyError(r.unavailable, `${r.method} ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retriable: true });
    }
    const json = parseJson(text);
    if ((response.status >= 200 && response.status < 300) || r.answer?.(response.status, json)) return { status: response.status, body: (json ?? {}) as T, headers: response.headers };
    throw errorFor(response.status, json, url, r.method);
  };
}
