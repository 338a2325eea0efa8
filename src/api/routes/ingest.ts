/**
 * Ingest over HTTP:
 *   POST /v1/events         one event (object) or a batch (array); JSON,
 *                           CloudEvents structured and batch content types, and
 *                           CloudEvents binary mode (`ce-*` headers, the event's
 *                           data as a JSON body: one CloudEvent, mapped as in
 *                           structured mode)
 *   POST /v1/events:ndjson  one event per line
 * 202 once the event log acknowledged every accepted event; a batch lists its
 * bad items with index (and line), field paths and reasons while the good
 * ones are accepted. An ingest key writes only its own tenant's events.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TallyError, validationError, type FieldError } from '../../core/errors.js';
import { duplicateKeys } from '../../core/json-keys.js';
import type { Principal } from '../../core/principal.js';
import type { IngestItem, IngestRejection, IngestResult, IngestService } from '../../ingest/service.js';
import { fromBinaryCloudEvent, isBinaryCloudEvent } from '../../events/envelopes/cloudevents-binary.js';
import { formatPath } from '../../events/paths.js';
import { JSON_MEDIA_TYPES, REPEATED_KEY, repeatedKeyError } from '../json-body.js';
import { mediaType } from '../media-types.js';
import { ERROR_SCHEMA, FIELD_ERRORS_SCHEMA, schemaRef, type ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';

const JSON_TYPES = JSON_MEDIA_TYPES;
/** NDJSON media types. Not text/plain: a web page may send that cross-site without asking (see web-guard.ts). */
const NDJSON_TYPES: readonly string[] = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

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

const EVENT_REF = schemaRef('UsageEvent');
const CLOUD_EVENT_REF = schemaRef('CloudEvent');

export const INGEST_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'post', path: '/v1/events', operationId: 'ingestEvents', tag: 'ingest', permission: 'ingest',
    summary: 'Ingest one event or a batch',
    description:
      'An object is one event; an array is a batch. Accepted once Kafka (or, embedded, the store) acknowledged. Send event_id to make retries safe. ' +
      'CloudEvents: structured (application/cloudevents+json), batch (application/cloudevents-batch+json), or binary mode — `ce-id`, `ce-source`, `ce-type` ' +
      '(and `ce-subject`, `ce-time`, extensions such as `ce-tenant`) as headers with the usage event as an application/json body; `ce-id` is the event id.',
    requestBody: {
      contentTypes: JSON_TYPES,
      description: 'application/json: a usage event (schemas/usage-event.v1.json) or an array of them — or, with ce-* headers, the data of a binary-mode CloudEvent; a CloudEvent or OTel GenAI attributes are recognised in application/json too. application/cloudevents+json: one CloudEvent; application/cloudevents-batch+json: an array of them.',
      schema: { oneOf: [EVENT_REF, { type: 'array', items: EVENT_REF }] },
      schemas: { 'application/cloudevents+json': CLOUD_EVENT_REF, 'application/cloudevents-batch+json': { type: 'array', items: CLOUD_EVENT_REF } },
    },
    responses: {
      '202': { description: 'Accepted (some batch items may be listed as rejected).', schema: RESULT_SCHEMA },
      '400': { description: 'Nothing accepted: the event (or every batch item) is invalid.', schema: ERROR_SCHEMA },
      '413': { description: 'Body or batch larger than allowed.', schema: ERROR_SCHEMA },
      '503': { description: 'The event log did not acknowledge; retry.', schema: ERROR_SCHEMA },
    },
  },
  {
    method: 'post', path: '/v1/events:ndjson', operationId: 'ingestEventsNdjson', tag: 'ingest', permission: 'ingest',
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

function emptyInput(reason: string): TallyError {
  return validationError([{ path: '', reason }], `nothing to ingest: the body ${reason}`);
}

/** An item refused before the ingest service saw it (a repeated key), in the shape the service reports. */
function refused(item: IngestItem, errors: readonly FieldError[]): IngestRejection {
  const first = errors[0];
  const message = `${first?.path ?? ''}: ${first?.reason ?? ''}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
  return { index: item.index, ...(item.line === undefined ? {} : { line: item.line }), code: 'VALIDATION_FAILED', message, errors };
}

/** Ingests the items not refused already, and lists every refusal in input order. */
async function ingestRest(ingest: IngestService, items: readonly IngestItem[], refusals: readonly IngestRejection[], principal: Principal): Promise<IngestResult> {
  if (refusals.length === 0) return ingest.ingest(items, principal, 'http');
  const skip = new Set(refusals.map((r) => r.index));
  const rest = items.filter((item) => !skip.has(item.index));
  const result: IngestResult = rest.length > 0 ? await ingest.ingest(rest, principal, 'http') : { accepted: 0, event_ids: [], rejected: [] };
  return { ...result, rejected: [...result.rejected, ...refusals].sort((a, b) => a.index - b.index) };
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
    // NDJSON bodies are read as text: lines are parsed (and size-checked) one by one.
    scope.addContentTypeParser([...NDJSON_TYPES], { parseAs: 'string' }, (_req, body, done) => done(null, body));

    scope.post('/v1/events', { config: { permission: 'ingest', perItemJson: true } }, async (request: FastifyRequest, reply) => {
      if (isBinaryCloudEvent(request.headers, mediaType(request.headers['content-type']))) {
        // Binary mode: one CloudEvent whose data is the body; a repeated key is named under `data`.
        const item: IngestItem = { index: 0, input: fromBinaryCloudEvent(request.headers, request.body) };
        const errors = (request.jsonDuplicates ?? []).map((d) => ({ path: formatPath(['data', ...d.at, d.key]), reason: REPEATED_KEY }));
        return answer(reply, await ingestRest(ingest, [item], errors.length > 0 ? [refused(item, errors)] : [], request.principal), true);
      }
      const body: unknown = request.body;
      const single = !Array.isArray(body);
      const inputs: unknown[] = single ? [body] : (body as unknown[]);
      if (inputs.length === 0) throw emptyInput('is an empty array: send one event, or an array of at least one');
      checkBatchSize(inputs.length, maxBatch);
      const items: IngestItem[] = inputs.map((input, index) => ({ index, input }));
      // Repeated keys refuse the item holding them (a batch's paths start with the item's index).
      const repeated = new Map<number, FieldError[]>();
      for (const d of request.jsonDuplicates ?? []) {
        const index = single ? 0 : d.at[0];
        if (typeof index !== 'number') continue;
        const list = repeated.get(index) ?? [];
        list.push(repeatedKeyError(d, single ? 0 : 1));
        repeated.set(index, list);
      }
      const refusals = [...repeated].map(([index, errors]) => refused({ index, input: null }, errors));
      return answer(reply, await ingestRest(ingest, items, refusals, request.principal), single);
    });

    scope.post('/v1/events::ndjson', { config: { permission: 'ingest' } }, async (request: FastifyRequest, reply) => {
      const text = typeof request.body === 'string' ? request.body : '';
      const items: IngestItem[] = [];
      const refusals: IngestRejection[] = [];
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const line = (lines[i] ?? '').replace(/\r$/, '');
        if (line.trim() === '') continue;
        const item: IngestItem = { index: items.length, line: i + 1, input: line };
        items.push(item);
        const repeated = duplicateKeys(line);
        if (repeated !== null && repeated.length > 0) refusals.push(refused(item, repeated.map((d) => repeatedKeyError(d))));
      }
      if (items.length === 0) throw emptyInput(text === '' ? 'is empty: send one event per line' : 'has no events: every line is blank');
      checkBatchSize(items.length, maxBatch);
      return answer(reply, await ingestRest(ingest, items, refusals, request.principal), false);
    });
  });
}
