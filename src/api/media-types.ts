/**
 * Each route reads the media types its OpenAPI operation declares
 * (`requestBody.contentTypes`), and only those: any other body — or none —
 * is 415 UNSUPPORTED_MEDIA_TYPE with the type sent and the types accepted,
 * before the body is read. So `/v1/events` never takes `text/plain` as an
 * event, and no write can be sent as a CORS "simple request" (text/plain,
 * form encodings): a web page must ask the browser for a preflight, which
 * tally does not grant (see web-guard.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TallyError } from '../core/errors.js';
import type { ApiOperation } from './openapi.js';

/** `/v1/budgets/:id` and `/v1/budgets::status` (Fastify) → `/v1/budgets/{id}` and `/v1/budgets:status` (OpenAPI). */
export function openApiPath(url: string): string {
  return url.replace(/\/:([A-Za-z_]+)/g, '/{$1}').replace(/::/g, ':');
}

/** The media type of a content-type header: lower case, without parameters; null when absent or empty. */
export function mediaType(header: string | undefined): string | null {
  const type = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' ? null : type;
}

/** Refuses, with 415, a body whose media type the route's operation does not list. */
export function registerMediaTypes(app: FastifyInstance, operations: readonly ApiOperation[]): void {
  const accepted = new Map<string, readonly string[]>();
  for (const op of operations) {
    if (op.requestBody) accepted.set(`${op.method.toUpperCase()} ${op.path}`, op.requestBody.contentTypes);
  }
  app.addHook('preParsing', async (request: FastifyRequest) => {
    const url = request.routeOptions.url;
    if (url === undefined) return;
    const types = accepted.get(`${request.method} ${openApiPath(url)}`);
    if (types === undefined) return;
    const sent = mediaType(request.headers['content-type']);
    if (sent !== null && types.includes(sent)) return;
    const message = sent === null
      ? `send the body with content-type ${types.join(' or ')}`
      : `content-type ${sent} is not read here; send ${types.join(' or ')}`;
    throw new TallyError('UNSUPPORTED_MEDIA_TYPE', message, { details: { content_type: sent, accepted: types } });
  });
}
