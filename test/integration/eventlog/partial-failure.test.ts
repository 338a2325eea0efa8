/**
 * Partially failed sends on the real broker (issue 18, item 1). A produce
 * request whose batch for one partition is over the broker's limit, sent
 * together with a small event for another partition, used to be written in
 * part (the small event) while the caller got an error — and then kafkajs'
 * idempotent producer fell out of sequence: the next same-sized send to that
 * partition was "acknowledged" as a duplicate and never written, others failed
 * with OUT_OF_ORDER_SEQUENCE_NUMBER for good.
 *
 * Through the port, the HTTP ingest and the SDK recorder: every acknowledged
 * id is in the topic exactly once, a request refused as too large wrote
 * nothing, and nothing fails afterwards. A send the producer's cached limit
 * lets through but the broker refuses in part (the topic's limit was lowered
 * meanwhile) is the genuine partial failure; later sends still land exactly
 * once, with the default producer and with `idempotent: true`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { loadConfig } from '../../../src/config/load.js';
import { TallyError } from '../../../src/core/errors.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { partitionForKey } from '../../../src/eventlog/partitioner.js';
import type { EventLog, LogMessage } from '../../../src/eventlog/types.js';
import { openKafkaIngest, type KafkaIngest } from '../../../src/runtime/ingest.js';
import { createUsageRecorder } from '../../../src/sdk/recorder.js';
import { kafkaTransport } from '../../../src/sdk/transports/kafka.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';

const A = 'tenant-a';
const B = 'tenant-b';
const PARTITIONS = 4;
/** 56 metadata values of 1,000 characters: an event of about 57 KiB, under the 64 KiB event limit. */
const PAD: Record<string, string> = Object.fromEntries(Array.from({ length: 56 }, (_, i) => [`k${i}`, 'x'.repeat(1000)]));

function usageEvent(tenant: string, id: string, big = false): Record<string, unknown> {
  return { event_id: id, tenant, provider: 'openai', model: 'gpt-4o', usage: { prompt_tokens: 3, completion_tokens: 1 }, metadata: big ? { ...PAD } : { n: id } };
}

function message(tenant: string, id: string, big = false): LogMessage {
  return { key: tenant, value: JSON.stringify(usageEvent(tenant, id, big)) };
}

/** event_id of every record of the topic (ids may repeat: that is what the tests look for). */
async function idsInTopic(log: EventLog, topic: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of log.replay({ topic, from: { earliest: true } })) ids.push(String((JSON.parse(r.value.toString('utf8')) as { event_id: string }).event_id));
  return ids;
}

function counts(ids: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of ids) out.set(id, (out.get(id) ?? 0) + 1);
  return out;
}

/** Acknowledged ids each exactly once; `refused` ids not at all. */
function expectExactlyOnce(inTopic: readonly string[], acknowledged: readonly string[], refused: readonly string[] = []): void {
  const seen = counts(inTopic);
  const missing = acknowledged.filter((id) => !seen.has(id));
  const doubled = acknowledged.filter((id) => (seen.get(id) ?? 0) > 1);
  expect({ missing, doubled }).toEqual({ missing: [], doubled: [] });
  expect(refused.filter((id) => seen.has(id))).toEqual([]);
}

describeWith(['kafka'], 'partially failed sends (issue 18)', () => {
  let log: EventLog;
  let kafka: Kafka;
  beforeAll(() => {
    log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: 'tally-partial-failure-test' });
    kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    // The two tenants must land in different partitions for the straddle.
    expect(partitionForKey(A, PARTITIONS)).not.toBe(partitionForKey(B, PARTITIONS));
  });
  afterAll(async () => {
    await log.close();
  });

  async function topic(config?: Record<string, string>): Promise<string> {
    const name = uniqueName('partial');
    await log.ensureTopics([{ name, partitions: PARTITIONS, ...(config ? { config } : {}) }]);
    return name;
  }

  it('a request with an oversized partition batch is refused before anything is sent; later sends land exactly once', async () => {
    const name = await topic();
    const producer = log.producer();
    const refused = [...Array.from({ length: 20 }, (_, i) => `a${i}`), 'b1'];
    const error = await producer.send(name, [...refused.slice(0, 20).map((id) => message(A, id, true)), message(B, 'b1')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TallyError);
    expect(error).toMatchObject({ code: 'BATCH_TOO_LARGE', retriable: false, details: { partition: partitionForKey(A, PARTITIONS) } });
    const limit = (error as TallyError).details.limit as number;
    expect((error as TallyError).details.bytes).toBeGreaterThan(limit);

    const acknowledged: string[] = [];
    const failures: unknown[] = [];
    // Batches of 1, 2 and 3 events: the sizes that met a "duplicate" or an out-of-order sequence before.
    for (let i = 2; i < 40; i += 1 + (i % 3)) {
      const ids = Array.from({ length: 1 + (i % 3) }, (_, j) => `b${i + j}`);
      await producer.send(name, ids.map((id) => message(B, id))).then(() => acknowledged.push(...ids), (e: unknown) => failures.push(e));
    }
    expect(failures).toEqual([]);
    expectExactlyOnce(await idsInTopic(log, name), acknowledged, refused);
    await producer.close();
  });

  describe.each([
    { label: 'default producer', idempotent: undefined },
    { label: 'idempotent producer', idempotent: true },
  ])('a send the broker refuses in part ($label)', ({ idempotent }) => {
    it('later sends to the partition it wrote still land exactly once', async () => {
      const own = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: 'tally-partial-failure-test', ...(idempotent ? { producer: { idempotent } } : {}) });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const name = await topic();
        const producer = own.producer();
        await producer.send(name, [message(B, 'b0')]); // the producer knows the topic (and its limit) now
        // Lower the topic's limit behind the producer's back: its cached limit lets the next request through, the broker refuses A's part.
        await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'max.message.bytes', value: '200000' }] }] });
        // The broker applies a topic's new limit a moment after alterConfigs answers (a CI run's send went through
        // at the old limit): send until the broker refuses A's part, with new ids each time, for at most 10 s.
        let error: unknown;
        for (let attempt = 0, deadline = Date.now() + 10_000; error === undefined && Date.now() < deadline; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
          error = await producer.send(name, [...Array.from({ length: 6 }, (_, i) => message(A, `a${attempt}-${i}`, true)), message(B, `b1-${attempt}`)]).then(() => undefined, (e: unknown) => e);
        }
        expect(error).toBeInstanceOf(TallyError);

        const acknowledged = ['b0'];
        const failures: unknown[] = [];
        for (let i = 2; i < 40; i += 1 + (i % 3)) {
          const ids = Array.from({ length: 1 + (i % 3) }, (_, j) => `b${i + j}`);
          await producer.send(name, ids.map((id) => message(B, id))).then(() => acknowledged.push(...ids), (e: unknown) => failures.push(e));
        }
        expect(failures).toEqual([]);
        // The b1-* ids may or may not be in the topic (the broker wrote B's part although the request failed): in doubt, never lost.
        expectExactlyOnce(await idsInTopic(own, name), acknowledged);
        await producer.close();
      } finally {
        await admin.disconnect();
        await own.close();
      }
    });
  });

  describe('HTTP ingest', () => {
    const KEY = 'sk_partial_ingest_0123456789';
    let ingest: KafkaIngest;
    let app: FastifyInstance;
    let raw: string;
    beforeAll(async () => {
      raw = `${uniqueName('partial_http')}.usage.raw`;
      const config = loadConfig({ env: {}, overrides: { kafka: { brokers: kafkaBrokers() }, topics: { raw, dlq: `${raw}.dlq`, alerts: `${raw}.alerts`, rawPartitions: PARTITIONS, sidePartitions: 1 } } });
      ingest = await openKafkaIngest({ config, logger: silentLogger() });
      app = await createApp({
        logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([{ id: 'ingest', key: KEY, tenant: '*', role: 'ingest' }]),
        openAccess: false, bodyLimitBytes: 10 * 1024 * 1024, services: { ingest: ingest.ingest },
      });
    });
    afterAll(async () => {
      await app?.close();
      await ingest?.close();
    });

    const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });

    it('413 for the oversized request writes nothing; every 202 afterwards is in the topic exactly once, no 503', async () => {
      const refused = [...Array.from({ length: 20 }, (_, i) => `ha${i}`), 'hb1'];
      const first = await post([...refused.slice(0, 20).map((id) => usageEvent(A, id, true)), usageEvent(B, 'hb1')]);
      expect(first.statusCode).toBe(413);
      expect(first.json()).toMatchObject({ error: { code: 'BATCH_TOO_LARGE', details: { partition: partitionForKey(A, PARTITIONS) } } });

      const acknowledged: string[] = [];
      const statuses: number[] = [];
      for (let i = 2; i < 40; i += 1 + (i % 3)) {
        const ids = Array.from({ length: 1 + (i % 3) }, (_, j) => `hb${i + j}`);
        const res = await post(ids.map((id) => usageEvent(B, id)));
        statuses.push(res.statusCode);
        if (res.statusCode === 202) acknowledged.push(...(res.json() as { event_ids: string[] }).event_ids);
      }
      expect(statuses.filter((s) => s !== 202)).toEqual([]);
      expectExactlyOnce(await idsInTopic(log, raw), acknowledged, refused);
    });
  });

  it('the SDK recorder delivers every event it accepted, including the batches after a refused one', async () => {
    const name = await topic();
    const refusedForGood: string[] = [];
    const recorder = createUsageRecorder({
      transport: kafkaTransport(log, name),
      lingerMs: 60_000, // batches form on flush(), so the test decides what travels together
      retry: { retries: 3, initialDelayMs: 20, maxDelayMs: 200 },
      onError: (error, ids) => {
        if (!error.retriable) refusedForGood.push(...ids);
      },
    });
    const accepted: string[] = [];
    const record = (tenant: string, big = false): void => {
      accepted.push(recorder.record({ tenant, provider: 'openai', model: 'gpt-4o', usage: { prompt_tokens: 3, completion_tokens: 1 }, metadata: big ? PAD : {} }));
    };
    for (let i = 0; i < 10; i++) record(A, true);
    record(B);
    for (let i = 0; i < 10; i++) record(A, true);
    record(B);
    await recorder.flush();
    for (const size of [1, 1, 2, 1, 3]) {
      for (let i = 0; i < size; i++) record(B);
      await recorder.flush();
    }
    await recorder.close();
    expect(refusedForGood).toEqual([]);
    expect(recorder.buffered).toBe(0);
    expectExactlyOnce(await idsInTopic(log, name), accepted);
  });
});
