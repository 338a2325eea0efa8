/**
 * The OTLP/HTTP traces receiver at the standard path:
 *   POST /v1/traces   an ExportTraceServiceRequest, protobuf (application/x-protobuf)
 *                     or JSON (application/json), optionally gzip (Content-Encoding)
 * Answers as the OTLP spec says: 200 with an ExportTraceServiceResponse in the
 * request's encoding, carrying `partial_success` (rejected span count and
 * reasons) when some GenAI spans were invalid. Spans without GenAI usage are
 * ignored and counted, never errors. The body limit (`api.bodyLimitBytes`)
 * bounds the body as sent and, for gzip, as decompressed: a larger one is 413
 * with the reason. 503 when the event log did not acknowledge: OTLP exporters
 * retry, and the span ids make the retry count once.
 *
 * Errors to a protobuf request are a protobuf google.rpc.Status, as the
 * OTLP/HTTP spec requires (gRPC code and tally's message); to a JSON request,
 * tally's usual error body.
 */
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError, validationError } from '../../core/errors.js';
import { decodeTraceRequest, encodeStatus, encodeTraceResponse } from '../../ingest/otlp/trace-proto.js';
import { errorHandler, retryAfterSeconds, toErrorBody } from '../errors.js';
import type { TraceExportResult } from '../../ingest/otlp/receiver.js';
import { invalidJson } from '../json-body.js';
import { mediaType } from '../media-types.js';
import { ERROR_SCHEMA, type ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const ENCODINGS: readonly string[] = ['gzip', 'identity'];

const RESPONSE_SCHEMA = {
  type: 'object',
  description: 'ExportTraceServiceResponse (OTLP). `partialSuccess` is present when some spans were rejected.',
  properties: {
    partialSuccess: {
      type: 'object',
      properties: {
        rejectedSpans: { type: 'string', description: 'Spans rejected (int64, a decimal string as in OTLP/JSON).' },
        errorMessage: { type: 'string', description: 'Why, for the first rejected spans (by span id).' },
      },
    },
  },
} as const;

/** The operation, with the `operationId` generators name it by. */
const TRACES_OPERATION: ApiOperation = {
  method: 'post', path: '/v1/traces', tag: 'ingest', permission: 'ingest', operationId: 'ingestTraces',
  summary: 'Receive OpenTelemetry traces (OTLP/HTTP)',
  description:
    'The standard OTLP/HTTP traces endpoint: point an OTel SDK or Collector exporter at it. Protobuf or JSON, gzip allowed. ' +
    'Spans with `gen_ai.usage.*` attributes become usage events (event id `<traceId>-<spanId>`, so retries count once); other spans are ignored. ' +
    'Tenant and user come from the attributes in `otlp.tenantAttributes` / `otlp.userAttributes`. See docs/otlp.md.',
  requestBody: { contentTypes: [PROTOBUF, JSON_TYPE], schema: { type: 'object', description: 'ExportTraceServiceRequest (opentelemetry-proto), protobuf or OTLP/JSON.' } },
  responses: {
    '200': { description: 'Received; invalid GenAI spans are counted in `partialSuccess`.', schema: RESPONSE_SCHEMA },
    '400': { description: 'The body is not an ExportTraceServiceRequest (or not valid gzip).', schema: ERROR_SCHEMA },
    '413': { description: 'Body, or body once decompressed, larger than api.bodyLimitBytes.', schema: ERROR_SCHEMA },
    '415': { description: 'Content type or content encoding not read here.', schema: ERROR_SCHEMA },
    '503': { description: 'The event log did not acknowledge; retry (span ids make it count once).', schema: ERROR_SCHEMA },
  },
};

export const OTLP_OPERATIONS: readonly ApiOperation[] = [TRACES_OPERATION];

/** The body as sent, decompressed when Content-Encoding says gzip, within `limit` bytes. */
function decompress(request: FastifyRequest, body: Buffer, limit: number): Buffer {
  const header = request.headers['content-encoding'];
  const encoding = (Array.isArray(header) ? header.join(',') : header ?? 'identity').trim().toLowerCase() || 'identity';
  if (!ENCODINGS.includes(encoding)) {
    throw new TallyError('UNSUPPORTED_MEDIA_TYPE', `content-encoding ${encoding} is not read here; send ${ENCODINGS.join(' or ')}`, { details: { content_encoding: encoding, accepted: ENCODINGS } });
  }
  if (encoding === 'identity') return body;
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new TallyError('BATCH_TOO_LARGE', `request body is larger than the configured limit (api.bodyLimitBytes: ${limit} bytes) once decompressed`, { details: { max_bytes: limit } });
    }
    const reason = `is not valid gzip (content-encoding: gzip): ${(err as Error).message}`;
    throw validationError([{ path: '', reason }], `body ${reason}`);
  }
}

function decode(type: string, bytes: Buffer): unknown {
  if (type === PROTOBUF) {
    try {
      return decodeTraceRequest(bytes);
    } catch (err) {
      const reason = `is not an OTLP ExportTraceServiceRequest in protobuf: ${(err as Error).message}`;
      throw validationError([{ path: '', reason }], `body ${reason}`);
    }
  }
  const text = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    throw invalidJson(text, 'body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const reason = 'must be an OTLP ExportTraceServiceRequest: a JSON object with `resourceSpans`';
    throw validationError([{ path: '', reason }], `body ${reason}`);
  }
  return value;
}

/** The gRPC status code for an HTTP status (OTLP/HTTP error bodies). */
function grpcCode(httpStatus: number): number {
  if (httpStatus === 401) return 16; // UNAUTHENTICATED
  if (httpStatus === 403) return 7; // PERMISSION_DENIED
  if (httpStatus === 429) return 8; // RESOURCE_EXHAUSTED
  if (httpStatus === 503) return 14; // UNAVAILABLE
  if (httpStatus >= 400 && httpStatus < 500) return 3; // INVALID_ARGUMENT
  return 13; // INTERNAL
}

function otlpError(err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (mediaType(request.headers['content-type']) !== PROTOBUF) {
    errorHandler(err, request, reply);
    return;
  }
  const { status, body } = toErrorBody(err, PROTOBUF);
  if (status >= 500) request.log.error({ err }, 'request failed');
  const retryAfter = retryAfterSeconds(err, status);
  if (retryAfter !== null) void reply.header('retry-after', String(retryAfter));
  void reply.status(status).type(PROTOBUF).send(Buffer.from(encodeStatus(grpcCode(status), `${body.error.code}: ${body.error.message}`)));
}

function answer(reply: FastifyReply, type: string, result: TraceExportResult): FastifyReply {
  const partial = result.rejected > 0 ? { rejectedSpans: result.rejected, errorMessage: result.errorMessage } : null;
  if (type === PROTOBUF) return reply.status(200).type(PROTOBUF).send(Buffer.from(encodeTraceResponse(partial)));
  const body = partial === null ? {} : { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } };
  return reply.status(200).type(JSON_TYPE).send(body);
}

export function registerOtlpRoutes(app: FastifyInstance, services: ApiServices): void {
  const traces = services.traces;
  if (!traces) return;
  app.register(async (scope) => {
    scope.setErrorHandler(otlpError);
    // Both encodings are read as bytes here: gzip first, then protobuf or JSON.
    scope.removeContentTypeParser(JSON_TYPE);
    scope.addContentTypeParser([PROTOBUF, JSON_TYPE], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    scope.post('/v1/traces', { config: { permission: 'ingest' } }, async (request: FastifyRequest, reply) => {
      const type = mediaType(request.headers['content-type']) ?? JSON_TYPE;
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const bytes = decompress(request, raw, request.routeOptions.bodyLimit ?? raw.length);
      const result = await traces.receive(decode(type, bytes), request.principal);
      return answer(reply, type, result);
    });
  });
}
