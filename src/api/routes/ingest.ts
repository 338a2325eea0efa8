/**
 * Ingest over HTTP:
 *   POST /v1/events         one event (object) or a batch (array); JSON,
 *                           CloudEvents structured and batch content types
 *   POST /v1/events:ndjson  one event per line
 * 202 once the event log acknowledged every accepted event; a batch lists its
 * bad items with index (and line), field paths and reasons while the good
 * ones are accepted. An ingest key writes only its own tenant's events.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError } from '../../core/errors.js';
import type { IngestItem, IngestResult, IngestService } from '../../ingest/service.js';
import { ERROR_SCHEMA, FIELD_ERRORS_SCHEMA, type ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/plain'];

const RESULT_SCHEMA = {
  type: 'object',
  required: ['accepted', 'event_ids', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Events the event log acknowledged.' },
    event_ids: { type: 'array', items: { type: 'string' }, description: 'Ids of the accepted events, in input order (made for events without one).' },
    rejected: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'code', 'message', 'errors'],
        properties: { index: { type: 'integer' }, line: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' }, errors: FIELD_ERRORS_SCHEMA },
      },
    },
  },
} as const;

const EVENT_REF = { $ref: 'https://tally.dev/schemas/usage-event.v1.json', description: 'A usage event (schemas/usage-event.v1.json), a CloudEvent whose data is one, or OTel GenAI attributes.' };

export const INGEST_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'post', path: '/v1/events', tag: 'ingest', permission: 'ingest',
    summary: 'Ingest one event or a batch',
    description: 'An object is one event; an array is a batch. Accepted once Kafka (or, embedded, the store) acknowledged. Send event_id to make retries safe.',
    requestBody: { contentTypes: JSON_TYPES, schema: { oneOf: [EVENT_REF, { type: 'array', items: EVENT_REF }] } },
    responses: {
      '202': { description: 'Accepted (some batch items may be listed as rejected).', schema: RESULT_SCHEMA },
      '400': { description: 'Nothing accepted: the event (or every batch item) is invalid.', schema: ERROR_SCHEMA },
      '413': { description: 'Body or batch larger than allowed.', schema: ERROR_SCHEMA },
      '503': { description: 'The event log did not acknowledge; retry.', schema: ERROR_SCHEMA },
    },
  },
  {
    method: 'post', path: '/v1/events:ndjson', tag: 'ingest', permission: 'ingest',
    summary: 'Ingest events as NDJSON (one per line)',
    requestBody: { contentTypes: NDJSON_TYPES, schema: { type: 'string', description: 'One event per line.' } },
    responses: {
      '202': { description: 'Accepted; bad lines listed with `line`.', schema: RESULT_SCHEMA },
      '400': { description: 'No line was a valid event.', schema: ERROR_SCHEMA },
      '413': { description: 'Body or batch larger than allowed.', schema: ERROR_SCHEMA },
      '503': { description: 'The event log did not acknowledge; retry.', schema: ERROR_SCHEMA },
    },
  },
];

function checkBatchSize(count: number, max: number): void {
  if (count > max) throw new TallyError('BATCH_TOO_LARGE', `batch has ${count} events; at most ${max} per request (api.maxBatchEvents)`, { details: { count, max } });
}

async function answer(reply: FastifyReply, result: IngestResult, single: boolean): Promise<FastifyReply> {
  if (result.accepted === 0 && result.rejected.length > 0) {
    const first = result.rejected[0];
    const errors = single ? first?.errors ?? [] : undefined;
    const message = single ? first?.message ?? 'invalid event' : `none of the ${result.rejected.length} events was accepted`;
    return reply.status(400).send({
      error: { code: single ? first?.code ?? 'VALIDATION_FAILED' : 'VALIDATION_FAILED', message, details: single ? { errors } : { rejected: result.rejected } },
      ...result,
    });
  }
  return reply.status(202).send(result);
}

export function registerIngestRoutes(app: FastifyInstance, services: ApiServices): void {
  const ingest: IngestService | undefined = services.ingest;
  if (!ingest) return;
  const maxBatch = services.maxBatchEvents ?? 10_000;

  app.register(async (scope) => {
    // Ingest reads bodies as text: NDJSON lines are parsed (and size-checked) one by one.
    scope.addContentTypeParser(NDJSON_TYPES, { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser(['application/cloudevents+json', 'application/cloudevents-batch+json'], { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new TallyError('INVALID_JSON', 'body is not valid JSON'), undefined);
      }
    });

    scope.post('/v1/events', { config: { permission: 'ingest' } }, async (request: FastifyRequest, reply) => {
      const body: unknown = request.body;
      const single = !Array.isArray(body);
      const inputs: unknown[] = single ? [body] : (body as unknown[]);
      checkBatchSize(inputs.length, maxBatch);
      const items: IngestItem[] = inputs.map((input, index) => ({ index, input }));
      return answer(reply, await ingest.ingest(items, request.principal, 'http'), single);
    });

    scope.post('/v1/events::ndjson', { config: { permission: 'ingest' } }, async (request: FastifyRequest, reply) => {
      if (typeof request.body !== 'string') throw new TallyError('VALIDATION_FAILED', `send NDJSON with content-type ${NDJSON_TYPES[0]}`);
      const items: IngestItem[] = [];
      const lines = request.body.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const text = (lines[i] ?? '').replace(/\r$/, '');
        if (text.trim() === '') continue;
        items.push({ index: items.length, line: i + 1, input: text });
      }
      checkBatchSize(items.length, maxBatch);
      return answer(reply, await ingest.ingest(items, request.principal, 'http'), false);
    });
  });
}
