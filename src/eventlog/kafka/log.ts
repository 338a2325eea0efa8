/**
 * The Kafka event log: kafkajs kept entirely behind the `EventLog` port.
 *
 * Three kafkajs clients, because kafkajs takes connection timeouts and the
 * retries of cluster operations (connect, metadata, coordinator lookup) from
 * the client, not from the producer or consumer made from it:
 * - producer client: short timeouts and few retries — a send answers within
 *   `producer.sendTimeoutMs` (see producer.ts: size pre-check, circuit
 *   breaker, deadline; not idempotent unless asked);
 * - consumer client: retries that outlast an ordinary broker restart, so a
 *   consumer keeps its group membership instead of crashing and waiting for
 *   its old member's session to expire (see consumer.ts);
 * - admin client: topics, offsets, lag and replay, connected lazily.
 * Errors reach callers as TallyError: LOG_UNAVAILABLE (retriable) when the
 * log may come back, so a caller can retry at its own level, never forever here.
 */
import { Kafka, type Admin, type KafkaConfig, type RetryOptions as KafkaRetryOptions, type SASLOptions } from 'kafkajs';
import { TallyError } from '../../core/errors.js';
import { component, silentLogger, type Logger } from '../../core/logger.js';
import { sleep, withRetry, type RetryOptions } from '../../core/retry.js';
import { KafkaLogConsumer, type KafkaConsumerSettings } from './consumer.js';
import { mapKafkaError } from './errors.js';
import { kafkaLogCreator, kafkaLogLevel } from './logger.js';
import { KafkaLogProducer, type KafkaProducerSettings } from './producer.js';
import { kafkaReplay } from './replay.js';
import { TopicLimitsCache } from './topic-limits.js';
import type { ConsumerOptions, EventLog, LogConsumer, LogProducer, LogRecord, PartitionLag, ReplayOptions, TopicSpec } from '../types.js';

/** Retries of idempotent admin calls on retriable broker answers: up to ~15 s in all. */
const ADMIN_RETRY: RetryOptions = { retries: 6, initialDelayMs: 250, maxDelayMs: 4_000 };

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port`. Required. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and quotas. Default `tally`. */
  readonly clientId?: string;
  /** Root logger; kafkajs logs under component `kafka`. Default: silent. */
  readonly logger?: Logger;
  /** TLS to the brokers. Default false. */
  readonly ssl?: boolean;
  /** SASL authentication. Default none. */
  readonly sasl?: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string };
  /** TCP connect timeout per broker, ms (every client). Default 1,000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one request of the admin and consumer clients, ms. Default 30,000. (The producer's is its `sendTimeoutMs`.) */
  readonly requestTimeoutMs?: number;
  /**
   * kafkajs' own retries of one admin operation (topics, offsets, replay),
   * with exponential backoff and jitter. After them the error reaches the
   * caller. Defaults: 5 retries, first after 300 ms, one wait at most 10,000 ms.
   */
  readonly retry?: KafkaRetrySettings;
  readonly producer?: {
    /**
     * A send resolves (acknowledged) or fails within this time, ms, including
     * connecting; also the producer client's request timeout. During an
     * outage sends fail at once between probes (see `probeIntervalMs`).
     * Default 3,000.
     */
    readonly sendTimeoutMs?: number;
    /** How long the broker may take to replicate before acknowledging, ms; below `sendTimeoutMs`. Default 2,000. */
    readonly ackTimeoutMs?: number;
    /**
     * kafkajs' idempotent producer (broker-side dedupe of its own retries).
     * Off by default: tally drops duplicates by event id, and kafkajs'
     * idempotent producer loses acknowledged records after a partially failed
     * request. When on, sends go one at a time and the producer is replaced
     * after every failure. Default false.
     */
    readonly idempotent?: boolean;
    /** While the log is unavailable, one send per this interval goes to the broker; the others fail at once, ms. Default 1,000. */
    readonly probeIntervalMs?: number;
    /** kafkajs' retries inside one send. Default 2 retries, 100 ms, at most 1,000 ms. */
    readonly retry?: KafkaRetrySettings;
  };
  readonly consumer?: {
    /** Group session timeout, ms: after a crash the group waits this long for the old member. Default 10,000. */
    readonly sessionTimeoutMs?: number;
    /** Heartbeat interval, ms (a third of the session timeout or less). Default 1,000. */
    readonly heartbeatIntervalMs?: number;
    /**
     * kafkajs' retries of the consumer's operations (fetch, join, commit,
     * reconnect). Long enough to ride out a broker restart without crashing
     * (a crash rejoins as a new member, which waits for the old member's
     * session to expire). Default 60 retries, 250 ms, at most 1,000 ms (about a minute).
     */
    readonly retry?: KafkaRetrySettings;
    /** How long the group waits for members to rejoin in a rebalance, ms. Default 60,000. */
    readonly rebalanceTimeoutMs?: number;
    /** `stop()` waits this long for an in-flight batch, then abandons it uncommitted, ms. Default 30,000. */
    readonly shutdownTimeoutMs?: number;
    /** `run()` fails when the group is not joined within this time, ms. Default 60,000. */
    readonly joinTimeoutMs?: number;
    /** After a handler failure the partition pauses for a backoff starting here, ms. Default 200. */
    readonly redeliveryInitialDelayMs?: number;
    /** The longest such pause, ms. Default 10,000. */
    readonly redeliveryMaxDelayMs?: number;
  };
  readonly replay?: {
    /** A replay fails when nothing arrives for this long although records remain, ms. Default 30,000. */
    readonly idleTimeoutMs?: number;
    /** Prefix of the throwaway group a replay reads in. Default `tally-replay`. */
    readonly groupPrefix?: string;
  };
  /** How long `ensureTopics` waits for new topics to have leaders, ms. Default 30,000. */
  readonly topicTimeoutMs?: number;
}

export interface KafkaRetrySettings {
  readonly retries?: number;
  readonly initialRetryTimeMs?: number;
  readonly maxRetryTimeMs?: number;
}

interface Resolved {
  readonly retry: KafkaRetryOptions;
  readonly producer: KafkaProducerSettings;
  readonly consumer: KafkaConsumerSettings;
  readonly replayIdleTimeoutMs: number;
  readonly replayGroupPrefix: string;
  readonly topicTimeoutMs: number;
}

function retryOf(given: KafkaRetrySettings | undefined, retries: number, initialRetryTime: number, maxRetryTime: number): KafkaRetryOptions {
  return {
    retries: given?.retries ?? retries,
    initialRetryTime: given?.initialRetryTimeMs ?? initialRetryTime,
    maxRetryTime: given?.maxRetryTimeMs ?? maxRetryTime,
  };
}

function resolve(options: KafkaEventLogOptions): Resolved {
  const retry = retryOf(options.retry, 5, 300, 10_000);
  const p = options.producer ?? {};
  const sendTimeoutMs = p.sendTimeoutMs ?? 3_000;
  const ackTimeoutMs = p.ackTimeoutMs ?? Math.min(2_000, Math.max(1, sendTimeoutMs - 1_000));
  if (!(sendTimeoutMs > 0) || !(ackTimeoutMs > 0) || ackTimeoutMs >= sendTimeoutMs) {
    throw new TallyError('CONFIG_INVALID', `Kafka producer: ackTimeoutMs (${ackTimeoutMs}) must be positive and below sendTimeoutMs (${sendTimeoutMs})`);
  }
  const c = options.consumer ?? {};
  return {
    retry,
    producer: {
      idempotent: p.idempotent ?? false,
      sendTimeoutMs,
      ackTimeoutMs,
      probeIntervalMs: p.probeIntervalMs ?? 1_000,
      retry: retryOf(p.retry, 2, 100, 1_000),
    },
    consumer: {
      sessionTimeoutMs: c.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: c.heartbeatIntervalMs ?? 1_000,
      rebalanceTimeoutMs: c.rebalanceTimeoutMs ?? 60_000,
      shutdownTimeoutMs: c.shutdownTimeoutMs ?? 30_000,
      joinTimeoutMs: c.joinTimeoutMs ?? 60_000,
      redeliveryInitialDelayMs: c.redeliveryInitialDelayMs ?? 200,
      redeliveryMaxDelayMs: c.redeliveryMaxDelayMs ?? 10_000,
      retry: retryOf(c.retry, 60, 250, 1_000),
    },
    replayIdleTimeoutMs: options.replay?.idleTimeoutMs ?? 30_000,
    replayGroupPrefix: options.replay?.groupPrefix ?? 'tally-replay',
    topicTimeoutMs: options.topicTimeoutMs ?? 30_000,
  };
}

export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  /** Admin, replay. */
  private readonly kafka: Kafka;
  private readonly producerKafka: Kafka;
  private readonly consumerKafka: Kafka;
  private readonly limits: TopicLimitsCache;
  private limitsAdmin: Promise<Admin> | undefined;
  private readonly settings: Resolved;
  private readonly log: Logger;
  private adminClient: Promise<Admin> | undefined;
  private readonly producers = new Set<KafkaLogProducer>();
  private readonly consumers = new Set<KafkaLogConsumer>();

  constructor(options: KafkaEventLogOptions) {
    if (options.brokers.length === 0) throw new TallyError('CONFIG_INVALID', 'the Kafka event log needs at least one broker');
    this.settings = resolve(options);
    this.log = component(options.logger ?? silentLogger(), 'kafka');
    const config: KafkaConfig = {
      clientId: options.clientId ?? 'tally',
      brokers: [...options.brokers],
      logLevel: kafkaLogLevel(this.log),
      logCreator: kafkaLogCreator(this.log),
      connectionTimeout: options.connectionTimeoutMs ?? 1_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      retry: this.settings.retry,
      ...(options.ssl ? { ssl: true } : {}),
      ...(options.sasl ? { sasl: options.sasl as SASLOptions } : {}),
    };
    this.kafka = new Kafka(config);
    this.producerKafka = new Kafka({ ...config, requestTimeout: this.settings.producer.sendTimeoutMs, retry: this.settings.producer.retry });
    this.consumerKafka = new Kafka({ ...config, retry: this.settings.consumer.retry });
    this.limits = new TopicLimitsCache(() => this.limitsAdminClient(), this.log);
  }

  /**
   * Right after a topic is created (or a broker starts) metadata and leaders
   * can lag for a moment ("does not host this topic-partition", "not the
   * leader"): these idempotent admin calls retry such retriable answers.
   */
  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    await withRetry(() => this.ensureTopicsOnce(topics), ADMIN_RETRY);
  }

  private async ensureTopicsOnce(topics: readonly TopicSpec[]): Promise<void> {
    const admin = await this.admin();
    const names = topics.map((t) => t.name);
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.name));
      if (missing.length > 0) {
        // Returns false when every topic already existed (another process won the race): not an error.
        const created = await admin.createTopics({
          waitForLeaders: true,
          timeout: this.settings.topicTimeoutMs,
          topics: missing.map((t) => ({
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor ?? -1,
            configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
        this.log.info({ topics: missing.map((t) => t.name), created }, created ? 'created topics' : 'topics were created concurrently');
      }
      await this.waitForLeaders(admin, names);
      await this.warnOnFewerPartitions(admin, topics);
    } catch (err) {
      if (err instanceof TallyError) throw err;
      // A racing creator can make createTopics fail with TOPIC_ALREADY_EXISTS mixed with other answers.
      if (errorType(err) === 'TOPIC_ALREADY_EXISTS') return this.waitForLeaders(admin, names);
      throw mapKafkaError(err, `ensure topics ${names.join(', ')}`);
    }
  }

  producer(): LogProducer {
    const producer = new KafkaLogProducer({ kafka: this.producerKafka, settings: this.settings.producer, limits: this.limits, logger: this.log });
    this.producers.add(producer);
    return producer;
  }

  consumer(options: ConsumerOptions): LogConsumer {
    const consumer = new KafkaLogConsumer(
      { kafka: this.consumerKafka, settings: this.settings.consumer, logger: this.log, lag: (g, t, f) => this.lag(g, t, f) },
      options,
    );
    this.consumers.add(consumer);
    return consumer;
  }

  replay(options: ReplayOptions): AsyncIterable<LogRecord> {
    return kafkaReplay(
      {
        kafka: this.kafka,
        admin: () => this.admin(),
        logger: this.log,
        retry: this.settings.retry,
        idleTimeoutMs: this.settings.replayIdleTimeoutMs,
        groupPrefix: this.settings.replayGroupPrefix,
      },
      options,
    );
  }

  async endOffsets(topic: string): Promise<{ partition: number; offset: string }[]> {
    return withRetry(async () => {
      const admin = await this.admin();
      try {
        const offsets = await admin.fetchTopicOffsets(topic);
        return offsets.map((o) => ({ partition: o.partition, offset: o.high })).sort((a, b) => a.partition - b.partition);
      } catch (err) {
        throw mapKafkaError(err, `end offsets of ${topic}`);
      }
    }, ADMIN_RETRY);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await Promise.allSettled([...this.producers].map((p) => p.close()));
    for (const pending of [this.adminClient, this.limitsAdmin]) {
      if (pending) await (await pending.catch(() => undefined))?.disconnect().catch(() => undefined);
    }
    this.adminClient = undefined;
    this.limitsAdmin = undefined;
  }

  /** The producers' admin client (topic limits for the size pre-check): on the producer client, so a lookup fails as fast as a send. */
  private limitsAdminClient(): Promise<Admin> {
    this.limitsAdmin ??= (async () => {
      const admin = this.producerKafka.admin({ retry: this.settings.producer.retry });
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.limitsAdmin = undefined;
      throw err;
    });
    return this.limitsAdmin;
  }

  private admin(): Promise<Admin> {
    this.adminClient ??= (async () => {
      const admin = this.kafka.admin({ retry: this.settings.retry });
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.adminClient = undefined;
      throw mapKafkaError(err, 'connect the Kafka admin client');
    });
    return this.adminClient;
  }

  private async lag(groupId: string, topics: readonly string[], fromBeginning: boolean): Promise<PartitionLag[]> {
    const admin = await this.admin();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
      const result: PartitionLag[] = [];
      for (const topic of topics) {
        const marks = await admin.fetchTopicOffsets(topic);
        const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const mark of marks) {
          const done = mine.find((p) => p.partition === mark.partition)?.offset ?? '-1';
          const high = BigInt(mark.high);
          // No commit yet: the group starts at the earliest (or latest) offset.
          const from = BigInt(done) >= 0n ? BigInt(done) : fromBeginning ? BigInt(mark.low) : high;
          result.push({ topic, partition: mark.partition, committed: done, highWatermark: mark.high, lag: Number(high > from ? high - from : 0n) });
        }
      }
      return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    } catch (err) {
      throw mapKafkaError(err, `lag of group ${groupId}`);
    }
  }

  /** Polls metadata until every partition of `names` has a leader (covers topics another process just created). */
  private async waitForLeaders(admin: Admin, names: readonly string[]): Promise<void> {
    const deadline = Date.now() + this.settings.topicTimeoutMs;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
        const ready = topics.length === names.length && topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (ready) return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
      }
      if (Date.now() >= deadline) {
        throw new TallyError('LOG_UNAVAILABLE', `topics ${names.join(', ')} have no leader after ${this.settings.topicTimeoutMs} ms`);
      }
      await sleep(100);
    }
  }

  private async warnOnFewerPartitions(admin: Admin, topics: readonly TopicSpec[]): Promise<void> {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const t of topics) {
      const actual = meta.find((m) => m.name === t.name)?.partitions.length ?? 0;
      if (actual < t.partitions) {
        this.log.warn({ topic: t.name, partitions: actual, wanted: t.partitions }, 'existing topic has fewer partitions than configured; left unchanged');
      }
    }
  }
}

function errorType(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { type, errors } = err as { type?: unknown; errors?: unknown };
  if (typeof type === 'string') return type;
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => errorType(e) === 'TOPIC_ALREADY_EXISTS')) return 'TOPIC_ALREADY_EXISTS';
  return undefined;
}

/** Creates the Kafka event log. Connections open lazily, on first use. */
export function createKafkaEventLog(options: KafkaEventLogOptions): EventLog {
  return new KafkaEventLog(options);
}
