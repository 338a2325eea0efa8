/** Maps every error to one JSON shape: `{ error: { code, message, details } }` with the catalog's status. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError, isTallyError } from '../core/errors.js';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: Record<string, unknown> };
}

export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (isTallyError(err)) return { status: err.status, body: { error: err.toJSON() } };
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, body: { error: { code: 'BATCH_TOO_LARGE', message: 'request body is larger than the configured limit (api.bodyLimitBytes)' } } };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, body: { error: { code: 'VALIDATION_FAILED', message: fe.message ?? 'unsupported content type' } } };
  }
  if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (fe.statusCode === 400 && fe instanceof SyntaxError)) {
    return { status: 400, body: { error: { code: 'INVALID_JSON', message: fe.message ?? 'body is not valid JSON' } } };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { error: { code: 'VALIDATION_FAILED', message: fe.message ?? 'bad request' } } };
  }
  const internal = new TallyError('INTERNAL', 'internal error');
  return { status: 500, body: { error: internal.toJSON() } };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body } = toErrorBody(err);
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
