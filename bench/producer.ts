/**
 * `npm run bench -- producer [--seconds 5] [--rounds 3]`: what issue 18's
 * producer costs. Sends batches of 500 JSON events (~300 B, 100 tenants) to a
 * 12-partition topic on KAFKA_BROKERS (default 127.0.0.1:19092) for a few
 * seconds per run, with 1 and 4 concurrent senders, rounds interleaved so
 * that the machine's noise spreads over every variant:
 *
 *   before      kafkajs configured as tally was (idempotent, retries 5 × up to 10 s,
 *               30 s timeouts), no size pre-check, no deadline
 *   plain       tally's producer now: not idempotent, size pre-check, deadline, breaker
 *   idempotent  tally's producer with idempotent: true: pre-check, one send at a
 *               time, replaced after a failure
 *
 * Prints and writes (bench/results/producer.json) the median events/s and the
 * client CPU per 1,000 events of each, plus the pre-check's own cost per event.
 */
import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import { loadavg } from 'node:os';
import { checkBatchSizes } from '../src/eventlog/kafka/producer.js';
import { createKafkaEventLog } from '../src/eventlog/kafka/log.js';
import type { EventLog, LogMessage, LogProducer } from '../src/eventlog/types.js';
import { fmt, writeResult } from './results.js';

type Variant = 'before' | 'plain' | 'idempotent';
const VARIANTS: readonly Variant[] = ['before', 'plain', 'idempotent'];
const CONCURRENCY = [1, 4] as const;
const BATCH = 500;

function arg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : Number.NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function batchOf(seq: number): LogMessage[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const n = seq * BATCH + i;
    const tenant = `tenant-${n % 100}`;
    return { key: tenant, value: JSON.stringify({ event_id: `bench-${n}`, tenant, user_id: `u${n % 997}`, provider: 'openai', model: 'gpt-4o-mini', occurred_at: new Date().toISOString(), usage: { prompt_tokens: 1000 + (n % 500), completion_tokens: 50 + (n % 200) }, metadata: { feature: 'bench', n: String(n) } }) };
  });
}

/** The producer tally had before issue 18, straight on kafkajs. */
function beforeProducer(brokers: string[]): { send: (topic: string, messages: readonly LogMessage[]) => Promise<void>; close: () => Promise<void> } {
  const kafka = new Kafka({ clientId: 'bench-before', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3_000, requestTimeout: 30_000, retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 } });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10_000 } });
  const connected = producer.connect();
  return {
    async send(topic, messages) {
      await connected;
      await producer.send({ topic, acks: -1, timeout: 30_000, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    },
    close: () => producer.disconnect(),
  };
}

async function run(sender: Pick<LogProducer, 'send'>, topic: string, concurrency: number, seconds: number): Promise<{ eventsPerSecond: number; cpuMsPer1000: number }> {
  let seq = Math.floor(Math.random() * 1e6);
  let events = 0;
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await sender.send(topic, batchOf(seq++));
        events += BATCH;
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { eventsPerSecond: events / wall, cpuMsPer1000: ((used.user + used.system) / 1000 / events) * 1000 };
}

const median = (values: readonly number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

export async function runProducerBench(args: readonly string[]): Promise<void> {
  const seconds = arg(args, 'seconds', 5);
  const rounds = arg(args, 'rounds', 3);
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const load = loadavg();
  const topic = `bench-producer-${Date.now().toString(36)}`;
  const log: EventLog = createKafkaEventLog({ brokers, clientId: 'bench-producer' });
  const idem: EventLog = createKafkaEventLog({ brokers, clientId: 'bench-producer-idem', producer: { idempotent: true } });
  await log.ensureTopics([{ name: topic, partitions: 12 }]);
  const senders: Record<Variant, Pick<LogProducer, 'send' | 'close'>> = { before: beforeProducer(brokers), plain: log.producer(), idempotent: idem.producer() };
  for (const v of VARIANTS) await senders[v].send(topic, batchOf(0)); // connect, learn the topic

  const samples = new Map<string, { eventsPerSecond: number[]; cpuMsPer1000: number[] }>();
  for (let round = 1; round <= rounds; round++) {
    for (const concurrency of CONCURRENCY) {
      for (const v of round % 2 === 0 ? [...VARIANTS].reverse() : VARIANTS) {
        const r = await run(senders[v], topic, concurrency, seconds);
        const key = `${v}/${concurrency}`;
        const s = samples.get(key) ?? { eventsPerSecond: [], cpuMsPer1000: [] };
        s.eventsPerSecond.push(r.eventsPerSecond);
        s.cpuMsPer1000.push(r.cpuMsPer1000);
        samples.set(key, s);
        console.log(`round ${round} ${key.padEnd(14)} ${fmt(r.eventsPerSecond).padStart(8)} events/s  ${fmt(r.cpuMsPer1000, 1).padStart(5)} ms CPU / 1000 events`);
      }
    }
  }

  // The pre-check alone: group by partition and size 500 events.
  const batch = batchOf(1);
  const limits = { partitions: 12, maxMessageBytes: 1_048_588 };
  const reps = 2_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) checkBatchSizes(topic, batch, limits);
  const precheckUsPerEvent = Number(process.hrtime.bigint() - t) / 1e3 / (reps * BATCH);

  const figures: Record<string, unknown> = { precheckMicrosecondsPerEvent: Number(precheckUsPerEvent.toFixed(3)) };
  console.log(`\nmedian of ${rounds} rounds, ${seconds} s each (load average before: ${load.map((l) => l.toFixed(1)).join(' ')}, after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}):`);
  for (const [key, s] of samples) {
    figures[key] = { eventsPerSecond: Math.round(median(s.eventsPerSecond)), cpuMsPer1000Events: Number(median(s.cpuMsPer1000).toFixed(1)), samples: s.eventsPerSecond.map(Math.round) };
    console.log(`  ${key.padEnd(14)} ${fmt(median(s.eventsPerSecond)).padStart(8)} events/s  ${fmt(median(s.cpuMsPer1000), 1).padStart(5)} ms CPU / 1000 events`);
  }
  console.log(`  pre-check alone: ${precheckUsPerEvent.toFixed(2)} µs per event`);
  const file = writeResult({ benchmark: 'producer', conditions: { brokers, seconds, rounds, batch: BATCH, partitions: 12, tenants: 100, loadAverageBefore: load, loadAverageAfter: loadavg() }, figures });
  console.log(`wrote ${file}`);
  for (const v of VARIANTS) await senders[v].close();
  await log.close();
  await idem.close();
}
