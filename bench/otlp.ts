/**
 * `npm run bench -- otlp [--rounds N]`: what the OTLP traces receiver
 * (POST /v1/traces, issue 15) costs, in CPU per span (user + system of this
 * process, one thread), on one export request of 1,000 spans made by the OTel
 * JS SDK's own serializers: 500 GenAI spans (usage attributes, ~12 attributes
 * each) and 500 other spans (HTTP), as a mixed service exports them.
 *
 *   decode-protobuf   protobufjs decode into the OTLP/JSON shape (trace-proto.ts)
 *   decode-json       JSON.parse of the same request as OTLP/JSON
 *   traces-protobuf   the whole POST /v1/traces, protobuf, through Fastify (inject), direct event log
 *   traces-gzip       the same, gzip-compressed
 *   traces-json       the same as OTLP/JSON
 *   events-v1         the 500 GenAI usages as plain v1 events to POST /v1/events (the baseline:
 *                     what the same usage costs without OTLP), per span of the request above
 *
 * Rounds interleave the cases (default 20 after 3 warm-ups); the median is
 * reported. Results: bench/results/otlp.json with the load average.
 */
import { loadavg } from 'node:os';
import { gzipSync } from 'node:zlib';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createApp } from '../src/api/app.js';
import { ApiKeyring } from '../src/api/auth.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import { createDirectEventLog } from '../src/eventlog/direct/log.js';
import { createTraceReceiver } from '../src/ingest/otlp/receiver.js';
import { decodeTraceRequest } from '../src/ingest/otlp/trace-proto.js';
import { createIngestService } from '../src/ingest/service.js';
import { cpuMs, cpuMsAsync, fmt, percentile, writeResult } from './results.js';

const SPANS = 1_000;
const GENAI = 500;

export async function runOtlpBench(args: readonly string[]): Promise<void> {
  const roundsArg = args.indexOf('--rounds');
  const rounds = Math.max(5, roundsArg === -1 ? 20 : Number(args[roundsArg + 1]));

  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'chat', 'tally.tenant': 'acme' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('bench');
  const v1: Record<string, unknown>[] = [];
  for (let i = 0; i < SPANS; i++) {
    if (i % 2 === 1) {
      tracer.startSpan('GET /orders', { attributes: { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': 200, 'url.path': `/orders/${i}` } }).end();
      continue;
    }
    const usage = { input: 1_000 + i, output: 200, cached: 128 };
    tracer.startSpan('chat gpt-4o-mini', {
      attributes: {
        'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.id': `chatcmpl-${i}`, 'gen_ai.usage.input_tokens': usage.input, 'gen_ai.usage.output_tokens': usage.output,
        'gen_ai.usage.cache_read.input_tokens': usage.cached, 'user.id': `u-${i % 100}`, 'gen_ai.conversation.id': `s-${i % 50}`, 'tally.feature': 'search', 'server.address': 'api.openai.com',
      },
    }).end();
    v1.push({ tenant: 'acme', user_id: `u-${i % 100}`, session_id: `s-${i % 50}`, feature: 'search', provider: 'openai', model: 'gpt-4o-mini-2024-07-18', request_id: `chatcmpl-${i}`, usage: { prompt_tokens: usage.input, completion_tokens: usage.output, prompt_tokens_details: { cached_tokens: usage.cached } } });
  }
  const spans = memory.getFinishedSpans();
  const protobufBody = Buffer.from(ProtobufTraceSerializer.serializeRequest([...spans]) ?? new Uint8Array());
  const jsonBody = Buffer.from(JsonTraceSerializer.serializeRequest([...spans]) ?? new Uint8Array());
  const gzipBody = gzipSync(protobufBody);
  const jsonText = jsonBody.toString('utf8');
  const eventsBody = JSON.stringify(v1);

  const log = createDirectEventLog();
  await log.ensureTopics([{ name: 'usage.raw', partitions: 4 }]);
  const metrics = createMetrics({ defaultMetrics: false });
  const ingest = createIngestService({ producer: log.producer(), rawTopic: 'usage.raw', metrics });
  const app = await createApp({
    logger: silentLogger(), metrics, health: new HealthState(), keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 16 * 1024 * 1024,
    services: { ingest, traces: createTraceReceiver({ ingest, metrics }), maxBatchEvents: 10_000 },
  });
  const post = (url: string, type: string, payload: Buffer | string, headers: Record<string, string> = {}) => async (): Promise<number> =>
    cpuMsAsync(async () => {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': type, ...headers }, payload });
      if (res.statusCode >= 300) throw new Error(`${url} answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
      if (res.body.includes('partialSuccess')) throw new Error(`${url} rejected spans: ${res.body.slice(0, 300)}`);
    });

  const cases: Record<string, () => Promise<number>> = {
    'decode-protobuf': async () => cpuMs(() => void decodeTraceRequest(protobufBody)),
    'decode-json': async () => cpuMs(() => void JSON.parse(jsonText)),
    'traces-protobuf': post('/v1/traces', 'application/x-protobuf', protobufBody),
    'traces-gzip': post('/v1/traces', 'application/x-protobuf', gzipBody, { 'content-encoding': 'gzip' }),
    'traces-json': post('/v1/traces', 'application/json', jsonBody),
    'events-v1': post('/v1/events', 'application/json', eventsBody),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const load = loadavg();
  for (let r = 0; r < rounds + 3; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const ms = await run();
      if (r >= 3) samples[name]?.push(ms);
    }
  }
  await app.close();
  await log.close();

  const perSpan: Record<string, number> = {};
  for (const [name, list] of Object.entries(samples)) perSpan[name] = (percentile([...list].sort((a, b) => a - b), 50) * 1000) / SPANS;
  const ratio = (a: string, b: string): number => (perSpan[a] ?? 0) / (perSpan[b] ?? 1);
  console.log(`CPU per span, median of ${rounds} rounds of one ${fmt(SPANS)}-span export (${GENAI} GenAI), protobuf ${fmt(protobufBody.length)} B, gzip ${fmt(gzipBody.length)} B, JSON ${fmt(jsonBody.length)} B; load ${load.map((l) => l.toFixed(2)).join(' ')}:`);
  for (const [name, us] of Object.entries(perSpan)) console.log(`  ${name.padEnd(16)} ${us.toFixed(2).padStart(7)} µs`);
  console.log(`  traces-protobuf / events-v1: ${ratio('traces-protobuf', 'events-v1').toFixed(2)}×; traces-json / traces-protobuf: ${ratio('traces-json', 'traces-protobuf').toFixed(2)}×; gzip adds ${((ratio('traces-gzip', 'traces-protobuf') - 1) * 100).toFixed(1)} %`);
  const file = writeResult({
    benchmark: 'otlp',
    conditions: { spans: SPANS, genAiSpans: GENAI, protobufBytes: protobufBody.length, gzipBytes: gzipBody.length, jsonBytes: jsonBody.length, rounds, loadavg: load },
    figures: {
      cpuMicrosecondsPerSpan: perSpan,
      tracesProtobufOverEventsV1: ratio('traces-protobuf', 'events-v1'),
      tracesJsonOverProtobuf: ratio('traces-json', 'traces-protobuf'),
      gzipOverProtobuf: ratio('traces-gzip', 'traces-protobuf'),
    },
  });
  console.log(`wrote ${file}`);
}
