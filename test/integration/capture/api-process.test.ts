/**
 * Issue #15 on the distributed deployment: `tally api` (Kafka) serves
 * POST /v1/traces, and `cloudevents.subject: tenant` applies at the HTTP
 * ingest (binary mode) and in the processor, for CloudEvents produced straight
 * to the raw topic (an OpenMeter-style producer putting the customer in
 * `subject`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, HTTP } from 'cloudevents';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startApi, type ApiProcess } from '../../../src/runtime/processes/api.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { testContext } from '../../support/context.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';
import { streamHarness, waitFor, type StreamHarness } from '../stream/harness.js';

const KEY = 'sk_capture_ingest_all_0001';
const usage = { provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 500, completion_tokens: 20 } };

describeWith(['kafka', 'redis'], 'tally api (Kafka): /v1/traces and cloudevents.subject', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-capture-api-'));
  let store: AnalyticsStore;
  let h: StreamHarness;
  let api: ApiProcess;
  let url: string;

  beforeAll(async () => {
    store = await createChdbStore({ dataDir, database: uniqueName('capture') });
    await migrate(store);
    h = await streamHarness(store, { cloudevents: { subject: 'tenant' } });
    api = await startApi(testContext({
      ...h.config,
      api: { ...h.config.api, port: 0, keys: [{ id: 'capture', key: KEY, tenant: '*', role: 'ingest' }] },
      redis: { ...h.config.redis, url: serviceUrl('redis'), keyPrefix: uniqueName('capture') },
    }), { store });
    url = api.url;
  });
  afterAll(async () => {
    await api?.close();
    await h?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Rows as written (not FINAL): a duplicate would be a second row. */
  async function count(tenant: string): Promise<number> {
    const [r] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events WHERE tenant = {t:String}', params: { t: tenant } });
    return Number(r?.n ?? 0);
  }

  it('takes an OTel SDK export of 120 spans (100 GenAI) and stores the GenAI ones once', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'chat', 'tally.tenant': 'otel-kafka' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('t');
    for (let i = 0; i < 120; i++) {
      const attributes = i < 100 ? { 'gen_ai.system': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100 + i, 'gen_ai.usage.output_tokens': 5 } : { 'http.request.method': 'GET' };
      tracer.startSpan('s', { attributes }).end();
    }
    const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, headers: { authorization: `Bearer ${KEY}` } });
    const send = (): Promise<ExportResult> => new Promise((resolve) => exporter.export([...memory.getFinishedSpans()], resolve));
    expect((await send()).code).toBe(ExportResultCode.SUCCESS);
    expect((await send()).code).toBe(ExportResultCode.SUCCESS);
    // A marker on the same tenant (so the same partition) is processed after the re-export.
    const marker = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify({ ...usage, tenant: 'otel-kafka', event_id: 'marker' }) });
    expect(marker.status).toBe(202);
    await waitFor('the marker stored', async () => {
      const [r] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM usage_events WHERE event_id = 'marker'" });
      return r?.n === '1';
    });
    expect(await count('otel-kafka')).toBe(101);
    await exporter.shutdown();
  });

  it('maps subject to the tenant at the HTTP ingest (binary mode) and in the processor (a CloudEvent written to Kafka)', async () => {
    const ce = (id: string, subject: string): CloudEvent<unknown> => new CloudEvent({ id, source: '/billing', type: 'com.example.usage', subject, data: usage });
    const m = HTTP.binary(ce('om-http-1', 'customer-http'));
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { ...(m.headers as Record<string, string>), authorization: `Bearer ${KEY}` }, body: m.body as string });
    expect(res.status).toBe(202);
    const producer = h.log.producer();
    await producer.send(h.topics.raw.name, [{ key: 'customer-kafka', value: String(HTTP.structured(ce('om-kafka-1', 'customer-kafka')).body) }]);
    await producer.close();
    await waitFor('both CloudEvents stored', async () => (await count('customer-http')) === 1 && (await count('customer-kafka')) === 1);
  });
});
