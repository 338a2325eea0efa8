/** Shared set-up of the stream tests: unique topics on the real broker, a store, the processor process started as `tally processor` starts it. */
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import type { HealthState } from '../../../src/core/health.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import type { Topics } from '../../../src/eventlog/topics.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import type { Metrics } from '../../../src/core/metrics.js';
import type { Processor } from '../../../src/processor/processor.js';
import { startProcessor } from '../../../src/runtime/processes/processor.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { Kafka, logLevel } from 'kafkajs';
import { testContext } from '../../support/context.js';
import { kafkaBrokers, uniqueName } from '../../support/services.js';

export interface StreamHarness {
  /** The processor's config (unique topics and group); an API on the same topics starts from it. */
  readonly config: TallyConfig;
  readonly topics: Topics;
  readonly groupId: string;
  /** The test's own Kafka client, for producing and reading topics. */
  readonly log: EventLog;
  readonly health: HealthState;
  readonly metrics: Metrics;
  readonly processor: Processor;
  close(): Promise<void>;
}

export async function streamHarness(store: AnalyticsStore, options: { partitions?: number; retryMaxDelayMs?: number; cloudevents?: TallyConfig['cloudevents'] } = {}): Promise<StreamHarness> {
  const prefix = `${uniqueName('t')}.`;
  const groupId = `${prefix}processor`;
  const config = loadConfig({
    env: {},
    overrides: {
      kafka: { brokers: kafkaBrokers(), clientId: prefix },
      topics: { raw: `${prefix}usage.raw`, dlq: `${prefix}usage.dlq`, alerts: `${prefix}usage.alerts`, rawPartitions: options.partitions ?? 4, sidePartitions: 1 },
      api: { host: '127.0.0.1' },
      processor: { groupId, maxWaitTimeMs: 50, minBytes: 1, healthPort: 0 },
      ...(options.cloudevents ? { cloudevents: options.cloudevents } : {}),
    },
  });
  const ctx = testContext(config);
  const started = await startProcessor(ctx, {
    store,
    processor: { retryInitialDelayMs: 100, retryMaxDelayMs: options.retryMaxDelayMs ?? 2_000, lagIntervalMs: 1_000 },
  });
  const log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: `${prefix}test` });
  return {
    config, topics: started.topics, groupId, log, health: ctx.health, metrics: ctx.metrics, processor: started.processor,
    async close() {
      await started.close();
      await log.close();
    },
  };
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function readAll(log: EventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic, from: { earliest: true } })) out.push(r);
  return out;
}

export async function storedTotals(store: AnalyticsStore): Promise<{ rows: number; events: number; unpriced: number; tokens: bigint; cost: string }> {
  const [r] = await store.sql.query<{ rows: string; events: string; unpriced: string; tokens: string; cost: string }>({
    sql: `SELECT toString((SELECT count() FROM usage_events)) AS rows, toString(count()) AS events, toString(countIf(NOT priced)) AS unpriced,
                 toString(sum(total_tokens)) AS tokens, toString(sum(cost_total)) AS cost
          FROM usage_events FINAL WHERE sign = 1`,
  });
  if (!r) throw new Error('no totals');
  return { rows: Number(r.rows), events: Number(r.events), unpriced: Number(r.unpriced), tokens: BigInt(r.tokens), cost: r.cost };
}

/** Waits until a consumer group has committed every record of a topic (a partition that never got one counts as done). */
export async function waitForGroupCaughtUp(groupId: string, topic: string, timeoutMs = 180_000): Promise<void> {
  const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await waitFor(`group ${groupId} to commit every offset of ${topic}`, async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return ends.every((e) => {
        const offset = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        return BigInt(offset === '-1' ? e.low : offset) >= BigInt(e.high);
      });
    }, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}
