/**
 * Kafka-only behaviour of the Kafka event log, on the real broker: rebalance
 * staleness, concurrent sends (plain and idempotent producer), error mapping,
 * logging into pino.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { createLogger } from '../../../src/core/logger.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describeWith(['kafka'], 'kafka event log', () => {
  let log: EventLog;
  beforeAll(() => {
    log = createKafkaEventLog({
      brokers: kafkaBrokers(),
      consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 20_000, redeliveryInitialDelayMs: 50 },
    });
  });
  afterAll(async () => {
    await log.close();
  });

  it('a rebalance during a batch makes it stale: it is not committed and is read again', async () => {
    const topic = uniqueName('kafka_rebalance');
    const groupId = uniqueName('g_rebalance');
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
    await log.producer().send(topic, [
      { key: 'acme', value: 'a' }, // partitions differ for these two keys (murmur2 mod 2)
      { key: 'globex', value: 'b' },
      { key: 'acme', value: 'c' },
      { key: 'globex', value: 'd' },
    ]);
    const handledBy = new Map<string, string[]>();
    const note = (who: string, records: readonly LogRecord[]): void => {
      for (const r of records) handledBy.set(`${r.partition}:${r.offset}`, [...(handledBy.get(`${r.partition}:${r.offset}`) ?? []), who]);
    };
    let staleSeen = false;
    let inFlight = false;
    const a = log.consumer({ groupId, topics: [topic] });
    await a.run(async (batch, ctx) => {
      if (!staleSeen) {
        inFlight = true;
        const deadline = Date.now() + 30_000;
        while (!ctx.isStale() && Date.now() < deadline) {
          await ctx.heartbeat();
          await new Promise((r) => setTimeout(r, 100));
        }
        staleSeen = ctx.isStale();
        return; // resolves, but stale: must not be committed
      }
      note('a', batch.records);
    });
    await waitFor(() => inFlight, 'a batch in flight in member a');
    const b = log.consumer({ groupId, topics: [topic] });
    await b.run(async (batch) => {
      note('b', batch.records);
    });
    await waitFor(() => handledBy.size === 4, 'every record handled after the rebalance');
    await Promise.all([a.stop(), b.stop()]);
    expect(staleSeen).toBe(true);
    const lag = await log.consumer({ groupId, topics: [topic] }).lag();
    expect(lag.reduce((s, l) => s + l.lag, 0)).toBe(0);
  });

  it('ensureTopics from two clients racing creates the topic once, with leaders, and neither fails', async () => {
    const name = uniqueName('kafka_race');
    const other = createKafkaEventLog({ brokers: kafkaBrokers() });
    try {
      await Promise.all([log.ensureTopics([{ name, partitions: 5 }]), other.ensureTopics([{ name, partitions: 5 }])]);
      expect((await other.endOffsets(name)).length).toBe(5);
    } finally {
      await other.close();
    }
  });

  it.each([false, true])('concurrent sends on one producer (idempotent: %s) all land exactly once', async (idempotent) => {
    const own = createKafkaEventLog({ brokers: kafkaBrokers(), producer: { idempotent } });
    const topic = uniqueName('kafka_concurrent');
    await own.ensureTopics([{ name: topic, partitions: 3 }]);
    const producer = own.producer();
    await Promise.all(
      Array.from({ length: 40 }, (_, s) => producer.send(topic, Array.from({ length: 25 }, (_, i) => ({ key: `t${(s + i) % 7}`, value: `${s}-${i}` })))),
    );
    const values: string[] = [];
    for await (const r of own.replay({ topic, from: { earliest: true } })) values.push(r.value.toString());
    await own.close();
    expect(values.length).toBe(1000);
    expect(new Set(values).size).toBe(1000);
  });

  it('maps an unreachable broker to LOG_UNAVAILABLE, retriable, with the cause', async () => {
    const dead = createKafkaEventLog({ brokers: ['127.0.0.1:1'], connectionTimeoutMs: 300, retry: { retries: 1, initialRetryTimeMs: 50 } });
    const error = await dead
      .producer()
      .send('usage.raw', [{ key: 'acme', value: '{}' }])
      .catch((e: unknown) => e);
    await dead.close();
    expect(error).toBeInstanceOf(TallyError);
    expect(error).toMatchObject({ code: 'LOG_UNAVAILABLE', retriable: true });
    expect((error as TallyError).cause).toBeDefined();
  });

  it('maps a batch the broker refuses as too large to BATCH_TOO_LARGE, not retriable', async () => {
    const topic = uniqueName('kafka_large');
    await log.ensureTopics([{ name: topic, partitions: 1, config: { 'max.message.bytes': '10000' } }]);
    const error = await log
      .producer()
      .send(topic, [{ key: 'acme', value: Buffer.alloc(50_000, 1) }])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BATCH_TOO_LARGE', retriable: false });
  });

  it('logs kafkajs lines through pino as component kafka', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logged = createKafkaEventLog({ brokers: kafkaBrokers(), logger: createLogger({ level: 'info', destination: sink }) });
    const topic = uniqueName('kafka_logs');
    await logged.ensureTopics([{ name: topic, partitions: 1 }]);
    const consumer = logged.consumer({ groupId: uniqueName('g_logs'), topics: [topic] });
    await consumer.run(async () => undefined);
    await consumer.stop();
    await logged.close();
    const fromKafkajs = lines.filter((l) => l.component === 'kafka' && typeof l.namespace === 'string');
    expect(fromKafkajs.length).toBeGreaterThan(0);
    expect(fromKafkajs.every((l) => typeof l.msg === 'string' && typeof l.level === 'number')).toBe(true);
  });
});
