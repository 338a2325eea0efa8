/**
 * CloudEvents binary content mode at POST /v1/events (issue #15): `ce-*`
 * headers were ignored (tenant `default`, user lost, no event id from
 * `ce-id`). Messages are made by the CloudEvents JS SDK (HTTP.binary and
 * HTTP.structured), and both modes must give the same event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import type { CloudEventMapping } from '../../../src/events/envelopes/cloudevents.js';
import { createIngestService } from '../../../src/ingest/service.js';

const PLATFORM = 'sk_platform_ingest_012345';
const ACME = 'sk_acme_ingest_0123456789';

let log: EventLog | undefined;
let app: FastifyInstance | undefined;

async function start(cloudEvents?: CloudEventMapping): Promise<FastifyInstance> {
  log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 4 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(),
    keyring: new ApiKeyring([
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
      { id: 'acme', key: ACME, tenant: 'acme', role: 'ingest' },
    ]),
    openAccess: false, bodyLimitBytes: 1024 * 1024,
    services: { ingest: createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics, ...(cloudEvents ? { cloudEvents } : {}) }), maxBatchEvents: 10 },
  });
  return app;
}
afterEach(async () => {
  await app?.close();
  await log?.close();
});

async function stored(): Promise<Record<string, unknown>[]> {
  const out: LogRecord[] = [];
  if (log) for await (const r of log.replay({ topic: 'usage.raw', from: { earliest: true } })) out.push(r);
  return out.map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>);
}

const data = { provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } };
const usageEvent = (id: string, extra: Record<string, unknown> = {}): CloudEvent<unknown> =>
  new CloudEvent({ id, source: '/services/chat', type: 'com.example.llm.usage', subject: 'customer-9', time: '2026-12-03T10:00:00.000Z', tenant: 'acme', data, ...extra });

const send = (a: FastifyInstance, m: Message, key = PLATFORM) =>
  a.inject({ method: 'POST', url: '/v1/events', headers: { ...(m.headers as Record<string, string>), authorization: `Bearer ${key}` }, payload: m.body as string });

describe('CloudEvents binary mode (ce-* headers)', () => {
  it('maps ce-id, ce-source, ce-type, ce-subject, ce-time and extensions as structured mode does', async () => {
    const a = await start();
    const binary = await send(a, HTTP.binary(usageEvent('ce-bin-1')));
    expect(binary.statusCode).toBe(202);
    expect(binary.json().event_ids).toEqual(['ce-bin-1']);
    expect((await send(a, HTTP.structured(usageEvent('ce-str-1')))).statusCode).toBe(202);
    const [b, s] = await stored();
    expect(b).toMatchObject({
      event_id: 'ce-bin-1', tenant: 'acme', user_id: 'customer-9', occurred_at: '2026-12-03T10:00:00.000Z',
      extra: { cloudevents: { source: '/services/chat', type: 'com.example.llm.usage', subject: 'customer-9' } },
    });
    const { event_id: _b, received_at: _br, extra: be, ...bRest } = b ?? {};
    const { event_id: _s, received_at: _sr, extra: se, ...sRest } = s ?? {};
    expect(bRest).toEqual(sRest);
    // Binary mode also records the data's content type; the rest of the kept attributes agree.
    expect({ ...(be as { cloudevents: Record<string, unknown> }).cloudevents, datacontenttype: undefined }).toEqual({ ...(se as { cloudevents: Record<string, unknown> }).cloudevents, datacontenttype: undefined });
  });

  it('binds the key tenant and refuses another tenant named in ce-tenant', async () => {
    const a = await start();
    const other = await send(a, HTTP.binary(usageEvent('ce-2', { tenant: 'globex' })), ACME);
    expect(other.statusCode).toBe(400);
    expect(other.json().error.code).toBe('FORBIDDEN');
    expect(other.json().error.message).toMatch(/may only write events for tenant "acme"/);
    const none = HTTP.binary(new CloudEvent({ id: 'ce-3', source: '/s', type: 't', data }));
    expect((await send(a, none, ACME)).statusCode).toBe(202);
    expect((await stored()).map((e) => e.tenant)).toEqual(['acme']);
  });

  it('percent-decodes header values and refuses a binary event missing ce-source with the CloudEvents reason', async () => {
    const a = await start();
    const m = HTTP.binary(usageEvent('ce-4'));
    (m.headers as Record<string, string>)['ce-subject'] = 'customer%20%C3%BC';
    expect((await send(a, m)).statusCode).toBe(202);
    expect((await stored())[0]?.user_id).toBe('customer ü');

    const bad = HTTP.binary(usageEvent('ce-5'));
    delete (bad.headers as Record<string, string>)['ce-source'];
    const res = await send(a, bad);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.errors).toEqual([{ path: 'source', reason: 'is required by CloudEvents 1.0' }]);
  });

  it('names a repeated key of the body under data', async () => {
    const a = await start();
    const m = HTTP.binary(usageEvent('ce-6'));
    const res = await send(a, { headers: m.headers, body: '{"provider":"openai","model":"gpt-4o-mini","model":"x","usage":{"prompt_tokens":1}}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.errors[0].path).toBe('data.model');
  });
});

describe('cloudevents.subject', () => {
  it('tenant: the subject names the billed customer (OpenMeter), in binary and structured mode', async () => {
    const a = await start({ subject: 'tenant' });
    const noTenant = (id: string): CloudEvent<unknown> => new CloudEvent({ id, source: '/s', type: 't', subject: 'customer-9', data });
    expect((await send(a, HTTP.binary(noTenant('s-1')))).statusCode).toBe(202);
    expect((await send(a, HTTP.structured(noTenant('s-2')))).statusCode).toBe(202);
    expect((await stored()).map((e) => [e.tenant, e.user_id])).toEqual([['customer-9', undefined], ['customer-9', undefined]]);
  });

  it('none: the subject is kept in extra.cloudevents only', async () => {
    const a = await start({ subject: 'none' });
    expect((await send(a, HTTP.binary(usageEvent('s-3')))).statusCode).toBe(202);
    const [e] = await stored();
    expect(e?.user_id).toBeUndefined();
    expect(e).toMatchObject({ tenant: 'acme', extra: { cloudevents: { subject: 'customer-9' } } });
  });
});
