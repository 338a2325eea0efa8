/**
 * Hostile and malformed ingest bodies are 4xx answers that name the field
 * (issue 10, items 5 and 7): deep nesting refuses only the item that has it,
 * empty batches and repeated keys are refused, bodies of the wrong media
 * type get 415, CloudEvents errors name the path as sent (`data.usage…`), and
 * a JSON syntax error says where.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { createIngestService } from '../../../src/ingest/service.js';
import { MAX_EVENT_DEPTH } from '../../../src/events/parse.js';

let log: EventLog;
let app: FastifyInstance;

const event = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 }, ...extra });
/** An event whose unknown field `junk` nests `levels` arrays (~2 bytes a level). */
const deepEvent = (levels: number): string => `{"provider":"openai","model":"gpt-4o","usage":{},"junk":${'['.repeat(levels)}${']'.repeat(levels)}}`;

async function records(): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic: 'usage.raw', from: { earliest: true } })) out.push(r);
  return out;
}

beforeEach(async () => {
  log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 1 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(), keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 1024 * 1024,
    services: { ingest: createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics }), maxBatchEvents: 100 },
  });
});
afterEach(async () => {
  await app.close();
  await log.close();
});

const post = (url: string, payload: string, type: string | null = 'application/json') =>
  app.inject({ method: 'POST', url, headers: type === null ? {} : { 'content-type': type }, payload });

describe('nesting depth (item 5)', () => {
  it('refuses the deeply nested item alone, with its index, the field and the limit; the rest is stored', async () => {
    const body = `[${JSON.stringify(event({ event_id: 'ok-1' }))},${deepEvent(5000)},${JSON.stringify(event({ event_id: 'ok-2' }))}]`;
    expect(body.length).toBeLessThan(11_000);
    const res = await post('/v1/events', body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, event_ids: ['ok-1', 'ok-2'] });
    expect(res.json().rejected).toEqual([
      { index: 1, code: 'VALIDATION_FAILED', message: expect.stringMatching(/junk/), errors: [{ path: 'junk', reason: expect.stringContaining(`${MAX_EVENT_DEPTH} levels`) }] },
    ]);
    expect((await records()).length).toBe(2);
  });

  it('accepts nesting up to the limit and refuses one level more, as one event, over NDJSON and inside a CloudEvent', async () => {
    // The event object is level 1, `junk` holds levels 2…: `levels` arrays put the deepest at level levels + 1.
    expect((await post('/v1/events', deepEvent(MAX_EVENT_DEPTH - 1))).statusCode).toBe(202);
    const over = await post('/v1/events', deepEvent(MAX_EVENT_DEPTH));
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'junk' }] } });
    const nd = await post('/v1/events:ndjson', `${JSON.stringify(event())}\n${deepEvent(5000)}\n`, 'application/x-ndjson');
    expect(nd.statusCode).toBe(202);
    expect(nd.json().rejected).toEqual([expect.objectContaining({ index: 1, line: 2, errors: [expect.objectContaining({ path: 'junk' })] })]);
    const ce = `{"specversion":"1.0","id":"c1","source":"s","type":"t","data":${deepEvent(5000)}}`;
    const ceRes = await post('/v1/events', ce, 'application/cloudevents+json');
    expect(ceRes.statusCode).toBe(400);
    expect(ceRes.json().error.details.errors).toEqual([expect.objectContaining({ path: 'data.junk' })]);
  });
});

describe('empty input and repeated keys (item 7)', () => {
  it('refuses an empty array and a body of blank NDJSON lines with 400', async () => {
    for (const [url, body, type] of [['/v1/events', '[]', 'application/json'], ['/v1/events:ndjson', '\n \n\r\n', 'application/x-ndjson'], ['/v1/events:ndjson', '', 'application/x-ndjson']] as const) {
      const res = await post(url, body, type);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: '', reason: expect.stringMatching(/no events|empty/) }] } });
    }
    expect(await records()).toEqual([]);
  });

  it('refuses a repeated key with its path: the one event, the batch item alone, the NDJSON line alone', async () => {
    const single = await post('/v1/events', '{"provider":"openai","model":"a","usage":{},"model":"b"}');
    expect(single.statusCode).toBe(400);
    expect(single.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'model', reason: expect.stringMatching(/twice|repeated/) }] } });

    const batch = await post('/v1/events', `[${JSON.stringify(event({ event_id: 'b0' }))},{"model":"m","usage":{"prompt_tokens":1,"prompt_tokens":900}}]`);
    expect(batch.statusCode).toBe(202);
    expect(batch.json()).toMatchObject({ accepted: 1, event_ids: ['b0'] });
    expect(batch.json().rejected).toEqual([{ index: 1, code: 'VALIDATION_FAILED', message: expect.stringContaining('usage.prompt_tokens'), errors: [{ path: 'usage.prompt_tokens', reason: expect.any(String) }] }]);

    const nd = await post('/v1/events:ndjson', `${JSON.stringify(event())}\n{"model":"m","usage":{},"tenant":"a","tenant":"b"}`, 'application/x-ndjson');
    expect(nd.json().rejected).toEqual([expect.objectContaining({ index: 1, line: 2, errors: [expect.objectContaining({ path: 'tenant' })] })]);
    expect((await records()).map((r) => JSON.parse(r.value.toString()).event_id)).toContain('b0');
    expect((await records()).length).toBe(2);
  });

  it('refuses repeated keys in other bodies too, naming the path', async () => {
    const res = await post('/v1/events', '{"model":"m","usage":{"a":{"b":1,"b":2}}}');
    expect(res.json().error.details.errors).toEqual([expect.objectContaining({ path: 'usage.a.b' })]);
  });
});

describe('media types (item 7)', () => {
  it('answers 415 UNSUPPORTED_MEDIA_TYPE with the accepted types for a body /v1/events does not read', async () => {
    for (const type of ['text/plain', 'application/x-ndjson', 'application/xml', 'application/x-www-form-urlencoded', null]) {
      const res = await post('/v1/events', JSON.stringify(event()), type);
      expect(res.statusCode, String(type)).toBe(415);
      expect(res.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: { content_type: type ?? null, accepted: expect.arrayContaining(['application/json']) } });
    }
    const nd = await post('/v1/events:ndjson', JSON.stringify(event()), 'application/json');
    expect(nd.statusCode).toBe(415);
    expect(nd.json().error.details.accepted).toContain('application/x-ndjson');
    expect(await records()).toEqual([]);
  });

  it('reads a content type with parameters and in any case', async () => {
    expect((await post('/v1/events', JSON.stringify(event()), 'Application/JSON; charset=utf-8')).statusCode).toBe(202);
  });
});

describe('where the error is (item 7)', () => {
  it('names CloudEvents fields as sent: data.usage…, including errors found when reading the usage', async () => {
    const ce = (data: Record<string, unknown>) => JSON.stringify({ specversion: '1.0', id: 'x', source: 's', type: 't', data });
    for (const type of ['application/cloudevents+json', 'application/json']) {
      const negative = await post('/v1/events', ce({ model: 'm', usage: { prompt_tokens: -1 } }), type);
      expect(negative.statusCode).toBe(400);
      expect(negative.json().error.details.errors).toEqual([expect.objectContaining({ path: 'data.usage.prompt_tokens' })]);
      const missing = await post('/v1/events', ce({ usage: {} }), type);
      expect(missing.json().error.details.errors).toEqual([expect.objectContaining({ path: 'data.model' })]);
    }
  });

  it('gives the line and column of a JSON syntax error, in details', async () => {
    for (const type of ['application/json', 'application/cloudevents+json']) {
      const res = await post('/v1/events', '{\n  "model": x\n}', type);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_JSON', message: expect.stringContaining('line 2, column 12'), details: { line: 2, column: 12, errors: [{ path: '', reason: expect.stringContaining('line 2') }] } });
    }
    const empty = await post('/v1/events', '');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error).toMatchObject({ code: 'INVALID_JSON', details: { errors: [{ path: '' }] } });
  });
});
