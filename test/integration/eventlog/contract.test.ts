/**
 * The event-log contract, run against every adapter: Kafka (a real broker,
 * through kafkajs) and the direct in-process log. Each test uses its own
 * topic and consumer group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectEventLog } from '../../../src/eventlog/direct/log.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { partitionForKey } from '../../../src/eventlog/partitioner.js';
import type { BatchContext, BatchHandler, EventLog, LogConsumer, LogMessage, LogRecord, RecordBatch } from '../../../src/eventlog/types.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];

function messages(count: number, options: { from?: number; timestamp?: (i: number) => number } = {}): LogMessage[] {
  const from = options.from ?? 0;
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return {
      key: TENANTS[i % TENANTS.length] ?? 'acme',
      value: JSON.stringify({ n: i }),
      headers: { 'x-n': String(i) },
      ...(options.timestamp ? { timestamp: options.timestamp(i) } : {}),
    };
  });
}

const n = (r: LogRecord): number => (JSON.parse(r.value.toString('utf8')) as { n: number }).n;

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls `read` until `check` holds for its result; returns that result. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const totalLag = (lag: readonly { lag: number }[]): number => lag.reduce((s, l) => s + l.lag, 0);

/** Runs a consumer that collects what its handler resolved for; `behave` may throw or wait. */
async function collect(
  consumer: LogConsumer,
  behave: (batch: RecordBatch, ctx: BatchContext) => Promise<void> = async () => undefined,
): Promise<{ handled: LogRecord[]; attempts: RecordBatch[] }> {
  const handled: LogRecord[] = [];
  const attempts: RecordBatch[] = [];
  const handler: BatchHandler = async (batch, ctx) => {
    attempts.push(batch);
    await behave(batch, ctx);
    handled.push(...batch.records);
  };
  await consumer.run(handler);
  return { handled, attempts };
}

async function drain(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

interface Adapter {
  readonly name: string;
  make(): EventLog;
}

function contract(adapter: Adapter): void {
  let log: EventLog;
  const topicOf = async (partitions: number): Promise<string> => {
    const name = uniqueName(`contract_${adapter.name}`);
    await log.ensureTopics([{ name, partitions }]);
    return name;
  };
  const groupOf = (): string => uniqueName(`g_${adapter.name}`);

  beforeAll(() => {
    log = adapter.make();
  });
  afterAll(async () => {
    await log.close();
  });

  it('round trip: keyed records reach the consumer in offset order, each key always in its partition', async () => {
    const topic = await topicOf(3);
    await log.producer().send(topic, messages(30, { timestamp: (i) => 1_700_000_000_000 + i }));
    const consumer = log.consumer({ groupId: groupOf(), topics: [topic], partitionsConsumedConcurrently: 3 });
    const { handled } = await collect(consumer);
    await waitFor(() => handled.length >= 30, '30 records');
    await consumer.stop();

    expect(handled.map(n).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const r of handled) {
      expect(r.topic).toBe(topic);
      expect(r.partition).toBe(partitionForKey(r.key ?? '', 3)); // Kafka's default partitioner in both adapters
      expect(r.headers['x-n']).toBe(String(n(r)));
      expect(r.timestamp).toBe(1_700_000_000_000 + n(r));
    }
    for (const p of [0, 1, 2]) {
      const inP = handled.filter((r) => r.partition === p);
      const offsets = inP.map((r) => BigInt(r.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
      expect(inP.map(n)).toEqual([...inP.map(n)].sort((a, b) => a - b)); // send order kept within a partition
    }
  });

  it('a handler that throws gets the same records again, and nothing is committed meanwhile', async () => {
    const topic = await topicOf(1);
    await log.producer().send(topic, messages(5));
    const consumer = log.consumer({ groupId: groupOf(), topics: [topic] });
    let failures = 0;
    let lagWhileFailing: string | undefined;
    const { handled, attempts } = await collect(consumer, async () => {
      if (failures < 2) {
        failures++;
        throw new Error('sink down');
      }
      lagWhileFailing ??= (await consumer.lag())[0]?.committed;
    });
    await waitFor(() => handled.length >= 5, 'records after two failures');
    const lag = await eventually(() => consumer.lag(), (l) => totalLag(l) === 0, 'the commit');
    await consumer.stop();

    expect(attempts.length).toBe(3);
    const offsetsOf = (b: RecordBatch): string[] => b.records.map((r) => r.offset);
    expect(offsetsOf(attempts[1] as RecordBatch)).toEqual(offsetsOf(attempts[0] as RecordBatch));
    expect(offsetsOf(attempts[2] as RecordBatch)).toEqual(offsetsOf(attempts[0] as RecordBatch));
    expect(lagWhileFailing).toBe('-1');
    expect(lag[0]).toMatchObject({ committed: '5', highWatermark: '5', lag: 0 });
  });

  it('a resolved batch is committed: the next consumer of the group starts after it', async () => {
    const topic = await topicOf(2);
    const groupId = groupOf();
    await log.producer().send(topic, messages(10));
    const first = log.consumer({ groupId, topics: [topic] });
    const a = await collect(first);
    await waitFor(() => a.handled.length >= 10, 'first 10');
    await first.stop();

    await log.producer().send(topic, messages(4, { from: 100 }));
    const second = log.consumer({ groupId, topics: [topic] });
    const b = await collect(second);
    await waitFor(() => b.handled.length >= 4, 'next 4');
    await new Promise((r) => setTimeout(r, 300)); // nothing else may come
    await second.stop();
    expect(b.handled.map(n).sort((x, y) => x - y)).toEqual([100, 101, 102, 103]);
  });

  it('replays from the earliest offset, an offset or a timestamp, up to the end captured when it started', async () => {
    const topic = await topicOf(2);
    const t0 = 1_750_000_000_000;
    const producer = log.producer();
    await producer.send(topic, messages(20, { timestamp: (i) => t0 + i * 1000 }));
    const ends = await log.endOffsets(topic);
    expect(ends.map((e) => e.partition)).toEqual([0, 1]);

    // The end offsets are captured when a replay starts; the first record proves it started.
    const started = async (iterable: AsyncIterable<LogRecord>): Promise<{ first: LogRecord[]; rest: AsyncIterator<LogRecord> }> => {
      const it = iterable[Symbol.asyncIterator]();
      const head = await it.next();
      return { first: head.done ? [] : [head.value], rest: it };
    };
    const finish = async (s: { first: LogRecord[]; rest: AsyncIterator<LogRecord> }): Promise<LogRecord[]> => {
      const out = [...s.first];
      for (let r = await s.rest.next(); !r.done; r = await s.rest.next()) out.push(r.value);
      return out;
    };
    const earliest = await started(log.replay({ topic, from: { earliest: true } }));
    const fromOffset = await started(log.replay({ topic, from: { offset: '3' } }));
    const fromTime = await started(log.replay({ topic, from: { timestamp: t0 + 12_000 } }));
    const onlyP1 = await started(log.replay({ topic, from: { earliest: true }, partitions: [1] }));
    await producer.send(topic, messages(5, { from: 1000 })); // after the replays started: not replayed

    const all = await finish(earliest);
    expect(all.map(n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    const byOffset = await finish(fromOffset);
    const expectedByOffset = all.filter((r) => BigInt(r.offset) >= 3n).map(n).sort((a, b) => a - b);
    expect(byOffset.map(n).sort((a, b) => a - b)).toEqual(expectedByOffset);

    const byTime = await finish(fromTime);
    expect(byTime.map(n).sort((a, b) => a - b)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);

    const p1 = await finish(onlyP1);
    expect(p1.every((r) => r.partition === 1)).toBe(true);
    expect(p1.map(n).sort((a, b) => a - b)).toEqual(all.filter((r) => r.partition === 1).map(n).sort((a, b) => a - b));

    const later = await drain(log.replay({ topic, from: { timestamp: Date.now() + 60_000 } }));
    expect(later).toEqual([]);
  });

  it('ensureTopics is idempotent, also when two calls race, and leaves existing topics alone', async () => {
    const name = uniqueName(`contract_${adapter.name}_ensure`);
    await Promise.all([log.ensureTopics([{ name, partitions: 4 }]), log.ensureTopics([{ name, partitions: 4 }])]);
    await log.ensureTopics([{ name, partitions: 8 }]);
    expect((await log.endOffsets(name)).length).toBe(4);
    await log.producer().send(name, messages(3));
    expect((await log.endOffsets(name)).reduce((s, e) => s + Number(e.offset), 0)).toBe(3);
  });

  it('reports lag from committed offsets against high watermarks', async () => {
    const topic = await topicOf(2);
    await log.producer().send(topic, messages(12));
    const consumer = log.consumer({ groupId: groupOf(), topics: [topic] });
    const before = await consumer.lag();
    expect(totalLag(before)).toBe(12);
    expect(before.every((l) => l.committed === '-1')).toBe(true);
    const { handled } = await collect(consumer);
    await waitFor(() => handled.length >= 12, '12 records');
    const after = await eventually(() => consumer.lag(), (l) => totalLag(l) === 0, 'the commits');
    await consumer.stop();
    expect(after.map((l) => l.committed).sort()).toEqual(after.map((l) => l.highWatermark).sort());
  });

  it('graceful stop lets the in-flight batch finish and commits it', async () => {
    const topic = await topicOf(1);
    const groupId = groupOf();
    await log.producer().send(topic, messages(6));
    const consumer = log.consumer({ groupId, topics: [topic] });
    let started = false;
    let seenStopping = false;
    let aborted = false;
    const { handled } = await collect(consumer, async (_batch, ctx) => {
      started = true;
      await waitFor(() => !ctx.isRunning(), 'stop to begin');
      seenStopping = true;
      aborted = ctx.signal.aborted;
      await new Promise((r) => setTimeout(r, 300)); // the rest of the batch's work
    });
    await waitFor(() => started, 'a batch in flight');
    await consumer.stop();
    expect(seenStopping).toBe(true);
    expect(aborted).toBe(true);
    expect(handled.length).toBe(6);

    const next = log.consumer({ groupId, topics: [topic] });
    expect((await next.lag())[0]).toMatchObject({ committed: '6', lag: 0 });
  });

  it('stop abandons a batch that outlives the shutdown timeout, uncommitted; it comes again', async () => {
    const topic = await topicOf(1);
    const groupId = groupOf();
    await log.producer().send(topic, messages(3));
    const stuck = log.consumer({ groupId, topics: [topic] });
    let started = false;
    let release: (() => void) | undefined;
    await collect(stuck, async () => {
      started = true;
      await new Promise<void>((r) => {
        release = r;
      });
    });
    await waitFor(() => started, 'a batch in flight');
    const t0 = Date.now();
    await stuck.stop();
    expect(Date.now() - t0).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 5_000);
    release?.(); // finishing late must not commit

    const next = log.consumer({ groupId, topics: [topic] });
    const { handled } = await collect(next);
    await waitFor(() => handled.length >= 3, 'the abandoned records again');
    await next.stop();
    expect(handled.map(n).sort()).toEqual([0, 1, 2]);
  });
}

const SHUTDOWN_TIMEOUT_MS = 1_500;

describeWith(['kafka'], 'event log contract: kafka', () => {
  contract({
    name: 'kafka',
    make: () =>
      createKafkaEventLog({
        brokers: kafkaBrokers(),
        clientId: 'tally-contract-test',
        consumer: {
          redeliveryInitialDelayMs: 50,
          redeliveryMaxDelayMs: 200,
          sessionTimeoutMs: 10_000,
          heartbeatIntervalMs: 1_000,
          shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
        },
      }),
  });
});

describe('event log contract: direct', () => {
  contract({
    name: 'direct',
    make: () => createDirectEventLog({ redeliveryInitialDelayMs: 50, redeliveryMaxDelayMs: 200, shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS }),
  });
});
