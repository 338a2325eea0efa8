/**
 * JSON request bodies, read one way for every route: `JSON.parse`, then a scan
 * for repeated keys (`JSON.parse` would keep the last one silently).
 *
 * - Not JSON: INVALID_JSON with the line and column, in the message and in
 *   `details` (`line`, `column`, `offset`, `errors: [{path: '', reason}]`).
 * - A repeated key: VALIDATION_FAILED naming each one's path, before the
 *   handler runs — except on routes that set `config.perItemJson` (ingest),
 *   which read `request.jsonDuplicates` and refuse only the items holding one.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TallyError, validationError, type FieldError } from '../core/errors.js';
import { duplicateKeys, type DuplicateKey } from '../core/json-keys.js';
import { locateJsonError } from '../core/lossless-json.js';
import { formatPath } from '../events/paths.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Repeated keys of the JSON body, in document order (null for other bodies and none found). */
    jsonDuplicates: readonly DuplicateKey[] | null;
  }
  interface FastifyContextConfig {
    /** The route refuses repeated keys per item of its body itself (`request.jsonDuplicates`). */
    perItemJson?: boolean;
  }
}

/** Media types whose bodies are JSON (the CloudEvents ones for ingest). */
export const JSON_MEDIA_TYPES: readonly string[] = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'];

/** The reason given for a repeated key. */
export const REPEATED_KEY = 'is repeated in its object (a JSON reader would keep only one of the values); send each key once';

/** A repeated key as a field error, its path relative to `from` leading segments (e.g. 1 to drop a batch index). */
export function repeatedKeyError(d: DuplicateKey, from = 0): FieldError {
  return { path: formatPath([...d.at.slice(from), d.key]), reason: REPEATED_KEY };
}

/** INVALID_JSON for a text `JSON.parse` refused, saying where (`what`: "body", "line 3"). */
export function invalidJson(text: string, what: string): TallyError {
  if (text.trim() === '') {
    const reason = 'is empty: send a JSON value';
    return new TallyError('INVALID_JSON', `${what} ${reason}`, { details: { errors: [{ path: '', reason }] } });
  }
  const where = locateJsonError(text);
  const reason = where === null ? 'is not valid JSON' : `is not valid JSON at line ${where.line}, column ${where.column}: ${where.problem}`;
  const at = where === null ? {} : { line: where.line, column: where.column, offset: where.offset };
  return new TallyError('INVALID_JSON', `${what} ${reason}`, { details: { ...at, errors: [{ path: '', reason }] } });
}

/** Parses a JSON body and notes its repeated keys on the request. */
export function parseJsonBody(request: FastifyRequest, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw invalidJson(text, 'body');
  }
  const found = duplicateKeys(text);
  request.jsonDuplicates = found !== null && found.length > 0 ? found : null;
  return value;
}

/** Replaces Fastify's JSON parser with `parseJsonBody` for every JSON media type, and refuses repeated keys on routes that do not handle them per item. */
export function registerJsonBodies(app: FastifyInstance): void {
  app.decorateRequest('jsonDuplicates', null);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser([...JSON_MEDIA_TYPES], { parseAs: 'string' }, (request, body, done) => {
    try {
      done(null, parseJsonBody(request, body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addHook('preValidation', async (request) => {
    if (request.jsonDuplicates === null || request.routeOptions.config.perItemJson === true) return;
    throw validationError(request.jsonDuplicates.map((d) => repeatedKeyError(d)));
  });
}
