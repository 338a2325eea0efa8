/**
 * The one mapping from tally's error answers to TallyErrors, used by every
 * HTTP caller (the typed client, the recorder's HTTP transport, the CLI's
 * `--url` modes): the body's `{error: {code, message, details}}` when its code
 * is in the catalog, else a code by status. 408, 429 and 5xx are retriable.
 */
import { ERROR_CATALOG, TallyError, type ErrorCode } from '../../core/errors.js';

const ALWAYS_RETRIABLE = new Set([408, 429, 502, 503, 504]);

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CATALOG, code);
}

/** A TallyError from an error answer of tally's API (its `{error: {code, message, details}}`, else by status); `details.status` is the HTTP status. */
export function errorFor(status: number, body: unknown, url: string, method = 'POST'): TallyError {
  const payload = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const message = `${method} ${url} answered ${status}${typeof payload?.message === 'string' ? `: ${payload.message}` : ''}`;
  const details: Record<string, unknown> = { status, ...(typeof payload?.details === 'object' && payload.details !== null ? (payload.details as Record<string, unknown>) : {}) };
  const retriable = ALWAYS_RETRIABLE.has(status) || status >= 500 ? true : undefined;
  if (isErrorCode(payload?.code)) return new TallyError(payload.code, message, { details, ...(retriable ? { retriable } : {}) });
  if (status === 401) return new TallyError('UNAUTHORIZED', message, { details });
  if (status === 403) return new TallyError('FORBIDDEN', message, { details });
  if (status === 404) return new TallyError('NOT_FOUND', message, { details });
  if (status === 413) return new TallyError('BATCH_TOO_LARGE', message, { details });
  if (retriable) return new TallyError('LOG_UNAVAILABLE', message, { details, retriable: true });
  return new TallyError('VALIDATION_FAILED', message, { details, retriable: false });
}
