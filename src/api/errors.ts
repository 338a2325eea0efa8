/** Maps every error to one JSON shape: `{ error: { code, message, details } }` with the catalog's status. */
import { mediaType } from './media-types.js';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError, isTallyError, type ErrorCode } from '../core/errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
}

export function toErrorBody(err: unknown, contentType: string | null = null): { status: number; body: ErrorBody } {
  if (isTallyError(err)) return { status: err.status, body: { error: err.toJSON() } };
  const fe = (err ?? {}) as Partial<FastifyError> & { validation?: unknown };
  const as = (code: ErrorCode, message: string, details: Record<string, unknown> = {}): { status: number; body: ErrorBody } => {
    const e = new TallyError(code, message, { details });
    return { status: e.status, body: { error: e.toJSON() } };
  };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return as('BATCH_TOO_LARGE', 'request body is larger than the configured limit (api.bodyLimitBytes)');
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return as('UNSUPPORTED_MEDIA_TYPE', `this route reads no request body${contentType === null ? ' without a content type' : ` of content type ${contentType}`}`, { content_type: contentType });
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && err instanceof SyntaxError)) {
    const reason = fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'is empty: send a JSON value' : 'is not valid JSON';
    return as('INVALID_JSON', `body ${reason}`, { errors: [{ path: '', reason }] });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: 'VALIDATION_FAILED', message: fe.message ?? 'bad request', details: {} } } };
  }
  const internal = new TallyError('INTERNAL', 'internal error');
  return { status: 500, body: { error: internal.toJSON() } };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorBody(err, mediaType(request.headers['content-type']));
  if (status >= 500) request.log.error({ err }, 'request failed');
  const retryAfter = retryAfterSeconds(err, status);
  if (retryAfter !== null) void reply.header('retry-after', String(retryAfter));
  void reply.status(status).send(body);
}

/**
 * `Retry-After` for a 429 (a hard budget: until it resets) and for every 503
 * (a dependency is away: the event log, the counters, the store, or the
 * process is stopping): the error's `details.retry_after_seconds`, else 1 s.
 */
export function retryAfterSeconds(err: unknown, status: number): number | null {
  const given = isTallyError(err) && typeof err.details.retry_after_seconds === 'number' ? err.details.retry_after_seconds : null;
  if (status === 429 && given !== null) return Math.max(1, Math.ceil(given));
  if (status === 503) return Math.max(1, Math.ceil(given ?? 1));
  return null;
}

export function notFound(request: FastifyRequest, reply: FastifyReply): void {
  const err = new TallyError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`);
  void reply.status(404).send({ error: err.toJSON() });
}
