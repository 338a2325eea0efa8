/**
 * Recorder → tally's HTTP ingest: each batch is one `POST /v1/events` with a
 * JSON array body and `authorization: Bearer <key>`.
 *
 * - 202 (or 200): acknowledged; `{accepted, rejected: [{index, errors}]}` —
 *   rejected items are returned to the recorder, which reports them.
 * - 4xx/5xx with `{error: {code, message, details}}`: a TallyError with that
 *   code, retriable as the catalog says (429, 502, 503, 504 and network
 *   failures are always retriable; other 4xx never).
 */
import { ERROR_CATALOG, TallyError, type ErrorCode, type FieldError } from '../../core/errors.js';
import type { RecordedEvent, RejectedItem, TransportResult, UsageTransport } from '../types.js';

export interface HttpTransportOptions {
  /** tally's API base URL, e.g. `http://127.0.0.1:8787`; the transport posts to `<url>/v1/events`. Required. */
  readonly url: string;
  /** An API key with the ingest role. Optional for a local `tally start` without keys. */
  readonly apiKey?: string;
  /** Timeout of one request, ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `fetch` to use. Default the global one. */
  readonly fetch?: typeof fetch;
}

const ALWAYS_RETRIABLE = new Set([408, 429, 502, 503, 504]);

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
}

function endpoint(base: string): string {
  return new URL('v1/events', base.endsWith('/') ? base : `${base}/`).toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function rejectedItems(body: unknown): RejectedItem[] {
  const list = (body as { rejected?: unknown } | undefined)?.rejected;
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    const { index, errors } = (item ?? {}) as { index?: unknown; errors?: unknown };
    if (typeof index !== 'number') return [];
    const fieldErrors: FieldError[] = Array.isArray(errors)
      ? errors.map((e: unknown) => {
          const { path, reason } = (e ?? {}) as { path?: unknown; reason?: unknown };
          return { path: String(path ?? ''), reason: String(reason ?? 'rejected') };
        })
      : [];
    return [{ index, errors: fieldErrors }];
  });
}

/** A TallyError from an error answer of tally's API (its `{error: {code, message, details}}`, else by status). */
export function errorFor(status: number, body: unknown, url: string, method = 'POST'): TallyError {
  const payload = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const message = `${method} ${url} answered ${status}${typeof payload?.message === 'string' ? `: ${payload.message}` : ''}`;
  const details: Record<string, unknown> = { status, ...(typeof payload?.details === 'object' && payload.details !== null ? (payload.details as Record<string, unknown>) : {}) };
  const retriable = ALWAYS_RETRIABLE.has(status) || status >= 500 ? true : undefined;
  if (isErrorCode(payload?.code)) return new TallyError(payload.code, message, { details, ...(retriable ? { retriable } : {}) });
  if (status === 401) return new TallyError('UNAUTHORIZED', message, { details });
  if (status === 403) return new TallyError('FORBIDDEN', message, { details });
  if (status === 413) return new TallyError('BATCH_TOO_LARGE', message, { details });
  if (retriable) return new TallyError('LOG_UNAVAILABLE', message, { details, retriable: true });
  return new TallyError('VALIDATION_FAILED', message, { details, retriable: false });
}

export function httpTransport(options: HttpTransportOptions): UsageTransport {
  const url = endpoint(options.url);
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...(options.headers ?? {}),
  };
  return {
    async send(events: readonly RecordedEvent[]): Promise<TransportResult> {
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method: 'POST', headers, body: JSON.stringify(events), signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
        text = await response.text();
      } catch (err) {
        throw new TallyError('LOG_UNAVAILABLE', `POST ${url} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retriable: true });
      }
      const body = parseJson(text);
      if (response.status === 202 || response.status === 200) return { rejected: rejectedItems(body) };
      throw errorFor(response.status, body, url);
    },
    close: async () => undefined,
  };
}
