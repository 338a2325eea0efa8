/**
 * Issue #15 acceptance: the real OpenTelemetry JS SDK exports traces to a
 * running tally (`tally start`, embedded) at the standard OTLP/HTTP path
 * `/v1/traces`, with its protobuf exporter and its JSON exporter. Each export
 * is one request carrying 120 spans: 70 GenAI spans (current and legacy
 * attribute names, tenant from the resource or the span, user from user.id or
 * enduser.id) and 50 spans of other work (HTTP, DB), which are ignored and
 * counted. The stored events are compared with the same usage sent as plain
 * v1 events (OpenAI's usage shape): same tokens, same cost. Exporting the
 * same spans again (an exporter's retry) counts nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { loadConfig } from '../../../src/config/load.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createProcessContext } from '../../../src/runtime/context.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';

const GENAI = 70;
const OTHER = 50;
const dataDir = mkdtempSync(join(tmpdir(), 'tally-otel-sdk-'));
let e: Embedded;
let metrics: Metrics;

beforeAll(async () => {
  const config = loadConfig({ env: {}, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 } } });
  metrics = createMetrics({ defaultMetrics: false });
  e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics }));
});
afterAll(async () => {
  await e?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Usage {
  readonly input: number;
  readonly output: number;
  readonly cached: number;
}

function usageOf(i: number): Usage {
  return { input: 1_000 + i * 37, output: 50 + i * 11, cached: i % 3 === 0 ? 256 : 0 };
}

/** 120 finished spans (70 GenAI, 50 other) under a resource naming the tenant. */
function makeSpans(tenant: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'chat-service', 'tally.tenant': tenant }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('issue-15-test');
  for (let i = 0; i < GENAI + OTHER; i++) {
    if (i >= GENAI) {
      const span = tracer.startSpan(i % 2 === 0 ? 'GET /orders' : 'SELECT orders', {
        attributes: i % 2 === 0 ? { 'http.request.method': 'GET', 'http.response.status_code': 200 } : { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' },
      });
      span.end();
      continue;
    }
    const u = usageOf(i);
    const current = i % 2 === 0;
    const attributes: Record<string, string | number> = current
      ? {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.usage.input_tokens': u.input,
          'gen_ai.usage.output_tokens': u.output,
          'gen_ai.usage.cache_read.input_tokens': u.cached,
          'user.id': `user-${i % 5}`,
        }
      : {
          // Legacy names (OpenLLMetry and older instrumentations).
          'gen_ai.system': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.prompt_tokens': u.input,
          'gen_ai.usage.completion_tokens': u.output,
          'gen_ai.usage.cache_read_input_tokens': u.cached,
          'enduser.id': `user-${i % 5}`,
        };
    // Every tenth GenAI span names its own tenant: the span's attribute wins over the resource's.
    if (i % 10 === 0) attributes['tally.tenant'] = `${tenant}-vip`;
    tracer.startSpan(`chat gpt-4o-mini`, { attributes }).end();
  }
  const spans = memory.getFinishedSpans();
  expect(spans).toHaveLength(GENAI + OTHER);
  return [...spans];
}

/** The same usage as plain v1 events (OpenAI's usage object), to price independently of the OTLP path. */
function referenceEvents(tenant: string): Record<string, unknown>[] {
  return Array.from({ length: GENAI }, (_, i) => {
    const u = usageOf(i);
    return {
      event_id: `ref-${tenant}-${i}`, tenant, provider: 'openai', model: i % 2 === 0 ? 'gpt-4o-mini-2024-07-18' : 'gpt-4o-mini', user_id: `user-${i % 5}`,
      usage: { prompt_tokens: u.input, completion_tokens: u.output, prompt_tokens_details: { cached_tokens: u.cached } },
    };
  });
}

function exportOnce(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

interface Totals {
  readonly events: string;
  readonly rows: string;
  readonly tokens: string;
  readonly cost: string;
  readonly users: string;
}

async function totals(tenants: readonly string[]): Promise<Totals> {
  const [row] = await e.store.sql.query<Totals>({
    sql: `SELECT toString((SELECT count() FROM usage_events WHERE has({tenants:Array(String)}, tenant))) AS rows,
                 toString(count()) AS events, toString(sum(total_tokens)) AS tokens, toString(sum(cost_total)) AS cost,
                 toString(uniqExact(user_id)) AS users
          FROM usage_events FINAL WHERE has({tenants:Array(String)}, tenant) AND sign = 1`,
    params: { tenants },
  });
  if (row === undefined) throw new Error('no totals');
  return row;
}

async function spanOutcomes(): Promise<Record<string, number>> {
  return Object.fromEntries((await metrics.otlpSpans.get()).values.map((v) => [String(v.labels.outcome), v.value]));
}

describe('the OTel JS SDK exporting to tally (POST /v1/traces)', () => {
  const encodings = [
    { name: 'protobuf', make: (url: string): SpanExporter => new ProtoExporter({ url: `${url}/v1/traces` }) },
    { name: 'json', make: (url: string): SpanExporter => new JsonExporter({ url: `${url}/v1/traces` }) },
    { name: 'protobuf-gzip', make: (url: string): SpanExporter => new ProtoExporter({ url: `${url}/v1/traces`, compression: CompressionAlgorithm.GZIP }) },
  ] as const;

  for (const encoding of encodings) {
    it(`stores every GenAI span once, priced as the same usage sent as v1 events (${encoding.name})`, async () => {
      const tenant = `otel-${encoding.name}`;
      const spans = makeSpans(tenant);
      const before = await spanOutcomes();
      const exporter = encoding.make(e.url);
      const result = await exportOnce(exporter, spans);
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);

      const res = await fetch(`${e.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(referenceEvents(`ref-${encoding.name}`)) });
      expect(res.status).toBe(202);

      const got = await totals([tenant, `${tenant}-vip`]);
      const ref = await totals([`ref-${encoding.name}`]);
      expect(got.events).toBe(String(GENAI));
      expect(got.rows).toBe(String(GENAI));
      expect(got.tokens).toBe(ref.tokens);
      expect(got.cost).toBe(ref.cost);
      expect(Number(got.cost)).toBeGreaterThan(0);
      expect(got.users).toBe('5');
      // Tenant from the span where it names one (every tenth GenAI span), else from the resource.
      expect((await totals([`${tenant}-vip`])).events).toBe(String(GENAI / 10));

      // Event ids are trace id + span id.
      const first = spans[0];
      const [row] = await e.store.sql.query<{ event_id: string; model: string; provider: string }>({
        sql: 'SELECT event_id, model, provider FROM usage_events FINAL WHERE event_id = {id:String}',
        params: { id: `${first?.spanContext().traceId}-${first?.spanContext().spanId}` },
      });
      expect(row).toEqual({ event_id: `${first?.spanContext().traceId}-${first?.spanContext().spanId}`, model: 'gpt-4o-mini-2024-07-18', provider: 'openai' });

      const after = await spanOutcomes();
      expect((after.accepted ?? 0) - (before.accepted ?? 0)).toBe(GENAI);
      expect((after.ignored ?? 0) - (before.ignored ?? 0)).toBe(OTHER);

      // The exporter's retry: the same spans again change nothing.
      const again = await exportOnce(exporter, spans);
      expect(again.code).toBe(ExportResultCode.SUCCESS);
      expect(await totals([tenant, `${tenant}-vip`])).toEqual(got);
      await exporter.shutdown();
    });
  }
});
