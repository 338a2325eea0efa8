/**
 * POST /v1/traces (issue #15): the OTLP/HTTP traces receiver, called as an
 * exporter calls it. Bodies are made by the OTel JS SDK's own serializers
 * (@opentelemetry/otlp-transformer), so the protobuf and JSON encodings are
 * the ones real exporters send.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { createIngestService } from '../../../src/ingest/service.js';
import { createTraceReceiver, type TraceMapping } from '../../../src/ingest/otlp/receiver.js';

const INGEST = 'sk_acme_ingest_0123456789';
const LIMIT = 256 * 1024;

let log: EventLog;
let app: FastifyInstance;
let metrics: Metrics;

async function start(mapping?: TraceMapping, maxBatch = 4): Promise<void> {
  log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 4 }]);
  metrics = createMetrics({ defaultMetrics: false });
  const ingest = createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics });
  app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(),
    keyring: new ApiKeyring([{ id: 'acme-ingest', key: INGEST, tenant: 'acme', role: 'ingest' }]),
    openAccess: false, bodyLimitBytes: LIMIT,
    services: { ingest, traces: createTraceReceiver({ ingest, metrics, maxBatch, ...(mapping ? { mapping } : {}) }), maxBatchEvents: maxBatch },
  });
}

beforeEach(() => start());
afterEach(async () => {
  await app.close();
  await log.close();
});

async function stored(): Promise<Record<string, unknown>[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic: 'usage.raw', from: { earliest: true } })) out.push(r);
  return out.map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>);
}

type Attrs = Record<string, string | number>;
const genAi = (i: number, extra: Attrs = {}): Attrs => ({ 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100 + i, 'gen_ai.usage.output_tokens': 10, ...extra });

function spans(list: readonly Attrs[], resource: Attrs = { 'service.name': 'svc' }): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('t');
  for (const attributes of list) tracer.startSpan('s', { attributes }).end();
  return [...memory.getFinishedSpans()];
}

const protobufBody = (s: ReadableSpan[]): Buffer => Buffer.from(ProtobufTraceSerializer.serializeRequest(s) ?? new Uint8Array());
const jsonBody = (s: ReadableSpan[]): Buffer => Buffer.from(JsonTraceSerializer.serializeRequest(s) ?? new Uint8Array());

const send = (body: Buffer | string, type: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': type, authorization: `Bearer ${INGEST}`, ...headers }, payload: body });

const messages = protobuf.parse(`syntax = "proto3";
message P { int64 rejected_spans = 1; string error_message = 2; }
message R { P partial_success = 1; }
message S { int32 code = 1; string message = 2; }`).root;
const partialSuccess = messages.lookupType('R');
const rpcStatus = messages.lookupType('S');

describe('POST /v1/traces', () => {
  it('takes an OTLP/JSON export request with many spans (was 404 here, and 400 at /v1/events)', async () => {
    const batch = spans(Array.from({ length: 10 }, (_, i) => genAi(i)));
    const res = await send(jsonBody(batch), 'application/json');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
    const events = await stored();
    expect(events).toHaveLength(10);
    expect(events.map((e) => e.event_id)).toEqual(batch.map((s) => `${s.spanContext().traceId}-${s.spanContext().spanId}`));
    expect(events[3]).toMatchObject({ tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', usage: { 'gen_ai.usage.input_tokens': 103, 'gen_ai.usage.output_tokens': 10 } });
  });

  it('takes protobuf (was 415), and answers in protobuf', async () => {
    const batch = spans([genAi(1), genAi(2)]);
    const res = await send(protobufBody(batch), 'application/x-protobuf');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-protobuf');
    expect(res.rawPayload.length).toBe(0);
    expect((await stored()).map((e) => e.event_id)).toEqual(batch.map((s) => `${s.spanContext().traceId}-${s.spanContext().spanId}`));
  });

  it('reads gzip bodies, and refuses one larger than the body limit once decompressed (413, with the reason)', async () => {
    const ok = await send(gzipSync(protobufBody(spans([genAi(1)]))), 'application/x-protobuf', { 'content-encoding': 'gzip' });
    expect(ok.statusCode).toBe(200);
    expect(await stored()).toHaveLength(1);

    const padding = 'x'.repeat(2 * LIMIT);
    const bomb = gzipSync(jsonBody(spans([genAi(1, { pad: padding })])));
    expect(bomb.length).toBeLessThan(LIMIT);
    const big = await send(bomb, 'application/json', { 'content-encoding': 'gzip' });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatchObject({ code: 'BATCH_TOO_LARGE', message: expect.stringContaining('once decompressed') });

    const br = await send(jsonBody(spans([genAi(1)])), 'application/json', { 'content-encoding': 'br' });
    expect(br.statusCode).toBe(415);
    expect(br.json().error.details).toEqual({ content_encoding: 'br', accepted: ['gzip', 'identity'] });
  });

  it('ingests a batch larger than api.maxBatchEvents in chunks', async () => {
    const res = await send(protobufBody(spans(Array.from({ length: 11 }, (_, i) => genAi(i)))), 'application/x-protobuf');
    expect(res.statusCode).toBe(200);
    expect(await stored()).toHaveLength(11);
  });

  it('ignores spans without GenAI usage and counts them; rejects invalid GenAI spans as an OTLP partial success', async () => {
    const batch = spans([genAi(1), { 'http.request.method': 'GET' }, genAi(2, { 'gen_ai.usage.input_tokens': -5 }), { 'gen_ai.request.model': 'gpt-4o-mini' }, genAi(3)]);
    const res = await send(jsonBody(batch), 'application/json');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.partialSuccess.rejectedSpans).toBe('1');
    expect(body.partialSuccess.errorMessage).toContain(`span ${batch[2]?.spanContext().spanId}: `);
    expect(body.partialSuccess.errorMessage).toContain('gen_ai.usage.input_tokens');
    expect(await stored()).toHaveLength(2);
    const outcomes = Object.fromEntries((await metrics.otlpSpans.get()).values.map((v) => [v.labels.outcome, v.value]));
    expect(outcomes).toEqual({ accepted: 2, ignored: 2, rejected: 1 });

    const proto = await send(protobufBody(batch), 'application/x-protobuf');
    const decoded = partialSuccess.toObject(partialSuccess.decode(proto.rawPayload), { longs: Number });
    expect(decoded).toEqual({ partialSuccess: { rejectedSpans: 1, errorMessage: expect.stringContaining(String(batch[2]?.spanContext().spanId)) as string } });
  });

  it('binds the key tenant: a span naming another tenant is rejected, the others take the key\'s', async () => {
    const batch = spans([genAi(1), genAi(2, { 'tally.tenant': 'globex' })], { 'service.name': 'svc' });
    const res = await send(jsonBody(batch), 'application/json');
    expect(res.json().partialSuccess).toMatchObject({ rejectedSpans: '1', errorMessage: expect.stringContaining('may only write events for tenant') as string });
    expect((await stored()).map((e) => e.tenant)).toEqual(['acme']);
  });

  it('takes tenant and user from the configured attributes, span before resource', async () => {
    await app.close();
    await log.close();
    await start({ tenantAttributes: ['tally.tenant'], userAttributes: ['traceloop.association.properties.user_id', 'user.id'] });
    const batch = spans(
      [genAi(1, { 'traceloop.association.properties.user_id': 'u-span', 'user.id': 'not-me' }), genAi(2), genAi(3, { 'tally.tenant': 'acme' })],
      { 'tally.tenant': 'acme', 'user.id': 'u-resource' },
    );
    expect((await send(protobufBody(batch), 'application/x-protobuf')).statusCode).toBe(200);
    expect((await stored()).map((e) => [e.tenant, e.user_id])).toEqual([['acme', 'u-span'], ['acme', 'u-resource'], ['acme', 'u-resource']]);
  });

  it('refuses a body that is not an export request; to a protobuf request, as a protobuf google.rpc.Status', async () => {
    const bad = await send(Buffer.from([0x0a, 0xff, 0xff]), 'application/x-protobuf');
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toBe('application/x-protobuf');
    const status = rpcStatus.toObject(rpcStatus.decode(bad.rawPayload));
    expect(status).toEqual({ code: 3, message: expect.stringMatching(/^VALIDATION_FAILED: body is not an OTLP ExportTraceServiceRequest in protobuf/) as string });
    const unauthorized = await app.inject({ method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/x-protobuf' }, payload: Buffer.alloc(0) });
    expect(unauthorized.statusCode).toBe(401);
    expect(rpcStatus.toObject(rpcStatus.decode(unauthorized.rawPayload))).toMatchObject({ code: 16 });
    expect((await send('[1]', 'application/json')).json().error.message).toMatch(/JSON object with `resourceSpans`/);
    expect((await send('{', 'application/json')).json().error.code).toBe('INVALID_JSON');
    expect((await send('x', 'text/plain')).statusCode).toBe(415);
  });
});

describe('POST /v1/events with an OTLP export request', () => {
  it('points at /v1/traces', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/events', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` }, payload: jsonBody(spans([genAi(1)])) });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toContain('POST /v1/traces');
  });
});
