/**
 * The stream end to end on the real Kafka broker: 20,000 events through the
 * SDK (Kafka transport) and the HTTP ingest (SDK HTTP transport), 1 % invalid
 * (written raw to the topic: the SDK and the ingest refuse invalid input before
 * it reaches Kafka), 1 % re-sent event ids, 1 % unknown models. The store ends
 * with exactly the valid unique events and the DLQ with exactly the invalid
 * records and their reasons; totals match an independent computation to the
 * femto-dollar.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startApi, type ApiProcess } from '../../../src/runtime/processes/api.js';
import { readDlqRecord } from '../../../src/processor/dlq.js';
import { createUsageRecorder } from '../../../src/sdk/recorder.js';
import { httpTransport } from '../../../src/sdk/transports/http.js';
import { kafkaTransport } from '../../../src/sdk/transports/kafka.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import type { UsageEventInput } from '../../../src/events/schema.js';
import { testContext } from '../../support/context.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';
import { readAll, storedTotals, streamHarness, waitFor, type StreamHarness } from './harness.js';
import { workload } from './workload.js';

describeWith(['kafka', 'redis'], 'stream end to end (Kafka → processor → chDB)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-e2e-'));
  const INGEST_KEY = 'sk_e2e_ingest_all_tenants_01';
  let store: AnalyticsStore;
  let h: StreamHarness;
  let api: ApiProcess;
  let app: FastifyInstance;

  beforeAll(async () => {
    store = await createChdbStore({ dataDir, database: uniqueName('e2e') });
    await migrate(store);
    h = await streamHarness(store);
    // `tally api` on the harness's topics and store (its budgets on Redis under a key prefix of its own).
    api = await startApi(testContext({
      ...h.config,
      api: { ...h.config.api, port: 0, bodyLimitBytes: 10 * 1024 * 1024, keys: [{ id: 'e2e', key: INGEST_KEY, tenant: '*', role: 'ingest' }] },
      redis: { ...h.config.redis, url: serviceUrl('redis'), keyPrefix: uniqueName('e2e') },
    }), { store });
    app = api.app;
  });

  afterAll(async () => {
    await api?.close();
    await h?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores exactly the valid unique events, dead-letters exactly the invalid ones, and totals match to the femto-dollar', async () => {
    const w = workload(20_000, new Date(Date.now() - 3_600_000));
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const viaKafka = createUsageRecorder({ transport: kafkaTransport(h.log, h.topics.raw.name), maxBatchSize: 500, lingerMs: 20 });
    const viaHttp = createUsageRecorder({ transport: httpTransport({ url: `http://127.0.0.1:${port}`, apiKey: INGEST_KEY }), maxBatchSize: 500, lingerMs: 20 });
    const raw = h.log.producer();
    const invalid: string[] = [];
    let n = 0;
    for (const item of w.items) {
      n++;
      if (item.kind === 'invalid') {
        invalid.push(item.raw);
        await raw.send(h.topics.raw.name, [{ key: 'acme', value: item.raw }]);
        continue;
      }
      (n % 2 === 0 ? viaKafka : viaHttp).record(item.event as UsageEventInput);
      if (n % 2000 === 0) await Promise.all([viaKafka.flush(), viaHttp.flush()]);
    }
    await Promise.all([viaKafka.close(), viaHttp.close()]);

    await waitFor('every valid event stored', async () => (await storedTotals(store)).events >= w.expected.events, 180_000);
    await waitFor('every invalid record dead-lettered', async () => (await readAll(h.log, h.topics.dlq.name)).length >= w.expected.invalid);
    // Anything still in flight (a duplicate that would slip through) has had time to land.
    await new Promise((r) => setTimeout(r, 2_000));

    const totals = await storedTotals(store);
    expect(totals).toEqual({ rows: w.expected.events, events: w.expected.events, unpriced: w.expected.unpriced, tokens: w.expected.tokens, cost: w.expected.cost });

    const letters = (await readAll(h.log, h.topics.dlq.name)).map(readDlqRecord);
    expect(letters).toHaveLength(w.expected.invalid);
    expect(letters.map((l) => l.value.toString()).sort()).toEqual([...invalid].sort());
    for (const l of letters) {
      expect(['VALIDATION_FAILED', 'USAGE_INVALID', 'INVALID_JSON']).toContain(l.code);
      expect(l.message.length).toBeGreaterThan(0);
      expect(l.source?.topic).toBe(h.topics.raw.name);
      expect(Number(l.source?.offset)).toBeGreaterThanOrEqual(0);
    }
    expect(letters.some((l) => l.errors.some((e) => e.path === 'usage.prompt_tokens'))).toBe(true);
    expect(letters.some((l) => l.errors.some((e) => e.path === 'model'))).toBe(true);
    expect(h.health.ready()).toBe(true);
  });
});
