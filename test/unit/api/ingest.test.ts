import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { TallyError } from '../../../src/core/errors.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { createIngestService } from '../../../src/ingest/service.js';

const INGEST = 'sk_acme_ingest_0123456789';
const READ = 'sk_acme_read_000123456789';
const PLATFORM = 'sk_platform_ingest_012345';

let log: EventLog;
let app: FastifyInstance;

const event = (extra: Record<string, unknown> = {}) => ({ provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 }, ...extra });

async function records(): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic: 'usage.raw', from: { earliest: true } })) out.push(r);
  return out;
}

beforeEach(async () => {
  log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 4 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createApp({
    logger: silentLogger(),
    metrics,
    health: new HealthState(),
    keyring: new ApiKeyring([
      { id: 'acme-ingest', key: INGEST, tenant: 'acme', role: 'ingest' },
      { id: 'acme-read', key: READ, tenant: 'acme', role: 'read' },
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
    ]),
    openAccess: false,
    bodyLimitBytes: 1024 * 1024,
    services: { ingest: createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics }), maxBatchEvents: 3 },
  });
});
afterEach(async () => {
  await app.close();
  await log.close();
});

const post = (url: string, body: unknown, key?: string, type = 'application/json') =>
  app.inject({ method: 'POST', url, headers: { 'content-type': type, ...(key ? { authorization: `Bearer ${key}` } : {}) }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

describe('POST /v1/events', () => {
  it('requires an ingest key', async () => {
    expect((await post('/v1/events', event())).statusCode).toBe(401);
    expect((await post('/v1/events', event(), 'sk_wrong_key_0000000000')).json().error.code).toBe('UNAUTHORIZED');
    const read = await post('/v1/events', event(), READ);
    expect(read.statusCode).toBe(403);
    expect(read.json().error.message).toMatch(/may not ingest/);
  });

  it('accepts one event into the key tenant, keyed by tenant, with an id and received_at', async () => {
    const res = await post('/v1/events', event({ event_id: 'e-1' }), INGEST);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 1, event_ids: ['e-1'], rejected: [] });
    const [r] = await records();
    expect(r?.key).toBe('acme');
    const stored = JSON.parse(r!.value.toString()) as { tenant: string; event_id: string; received_at: string };
    expect(stored).toMatchObject({ tenant: 'acme', event_id: 'e-1' });
    expect(r?.headers['tally-received-at']).toBe(stored.received_at);
  });

  it('never lets an ingest key write another tenant, and lists bad batch items with index, path and reason', async () => {
    const res = await post('/v1/events', [event(), event({ tenant: 'globex' }), event({ usage: { prompt_tokens: 1.5 } })], INGEST);
    expect(res.statusCode).toBe(202);
    const body = res.json();
    expect(body.accepted).toBe(1);
    expect(body.rejected).toEqual([
      expect.objectContaining({ index: 1, code: 'FORBIDDEN', errors: [expect.objectContaining({ path: 'tenant' })] }),
      expect.objectContaining({ index: 2, code: 'USAGE_INVALID', errors: [expect.objectContaining({ path: 'usage.prompt_tokens' })] }),
    ]);
    expect((await records()).map((r) => r.key)).toEqual(['acme']);
  });

  it('lets an all-tenant key write any tenant', async () => {
    const res = await post('/v1/events', [event({ tenant: 'globex' }), event({ tenant: 'initech' })], PLATFORM);
    expect(res.json().accepted).toBe(2);
    expect((await records()).map((r) => r.key).sort()).toEqual(['globex', 'initech']);
  });

  it('answers 400 with field errors when nothing is valid', async () => {
    const res = await post('/v1/events', { provider: 'openai', usage: {} }, INGEST);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'model' }] } });
    expect((await post('/v1/events', '{"model":', INGEST)).statusCode).toBe(400);
  });

  it('refuses batches over the limit with 413', async () => {
    const res = await post('/v1/events', [event(), event(), event(), event()], INGEST);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('BATCH_TOO_LARGE');
  });

  it('accepts a CloudEvent with its own content type', async () => {
    const ce = { specversion: '1.0', id: 'ce-9', source: 'svc', type: 'tally.usage.v1', data: event() };
    const res = await post('/v1/events', ce, INGEST, 'application/cloudevents+json');
    expect(res.json()).toMatchObject({ accepted: 1, event_ids: ['ce-9'] });
  });
});

describe('POST /v1/events:ndjson', () => {
  it('takes one event per line and names bad lines by number', async () => {
    const body = [JSON.stringify(event()), '', '{"model": ', JSON.stringify(event({ event_id: 'e-3' }))].join('\n');
    const res = await post('/v1/events:ndjson', body, INGEST, 'application/x-ndjson');
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(2);
    expect(res.json().rejected).toEqual([expect.objectContaining({ index: 1, line: 3, code: 'INVALID_JSON' })]);
  });
});

describe('POST /v1/events when the event log does not acknowledge', () => {
  it('answers 503 with Retry-After and the event id of every input, so a retry is deduplicated', async () => {
    const unavailable = new TallyError('LOG_UNAVAILABLE', 'send to usage.raw: the event log is unavailable', { details: { reason: 'circuit_open', retry_after_seconds: 2 } });
    const down = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
      keyring: new ApiKeyring([{ id: 'acme-ingest', key: INGEST, tenant: 'acme', role: 'ingest' }]), openAccess: false, bodyLimitBytes: 1024 * 1024,
      services: { ingest: createIngestService({ producer: { send: () => Promise.reject(unavailable), close: async () => undefined }, rawTopic: 'usage.raw' }) },
    });
    try {
      const res = await down.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${INGEST}`, 'content-type': 'application/json' }, payload: JSON.stringify([event({ event_id: 'mine-1' }), { model: 'x' }, event()]) });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      const { error } = res.json() as { error: { code: string; details: { event_ids: (string | null)[]; rejected: { index: number }[] } } };
      expect(error.code).toBe('LOG_UNAVAILABLE');
      expect(error.details.event_ids).toHaveLength(3);
      expect(error.details.event_ids[0]).toBe('mine-1');
      expect(error.details.event_ids[1]).toBeNull();
      expect(error.details.event_ids[2]).toMatch(/^[0-9a-f-]{36}$/);
      expect(error.details.rejected).toEqual([expect.objectContaining({ index: 1 })]);
    } finally {
      await down.close();
    }
  });
});
