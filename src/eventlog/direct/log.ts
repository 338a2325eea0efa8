/**
 * The direct event log: the port's contract in process memory, for the
 * embedded mode (`tally start`), where the HTTP ingest feeds the processor
 * without a broker.
 *
 * - Topics have N partitions; a keyed record goes to partition
 *   murmur2(key) mod N — Kafka's default partitioner, so a tenant lands in the
 *   same partition number as with Kafka. Unkeyed records go round-robin.
 * - Offsets increase by one per record in each partition, from a base offset
 *   per partition (`startOffsets`; the embedded app passes the store's highest
 *   stored offset + 1, so offsets keep increasing across restarts).
 * - `send` resolves only after every consumer group running on the topic has
 *   handled (committed) the records — so in embedded mode an HTTP 202 means
 *   "stored". When a handler throws, `send` rejects with that error; the
 *   records stay in the log and are delivered again after a backoff, like
 *   Kafka (at least once; the sinks dedupe by event id).
 * - No consumer running on the topic: `send` resolves once the records are
 *   appended (a later subscriber reads them from the retained window), except
 *   for topics listed in `awaitConsumerTopics`, where `send` waits for the
 *   first group to handle them. Either way at most `maxPendingRecords`
 *   unhandled records are held per topic; beyond that `send` rejects with
 *   LOG_UNAVAILABLE (retriable) — backpressure, never a silent drop.
 * - Handled records stay in memory for `replay` within a window of about
 *   `retainRecordsPerPartition` records per partition (`retainByTopic` sets
 *   it for some topics). Nothing survives the
 *   process: durability in embedded mode is the analytics store's.
 * - Each consumer group has at most one running member at a time.
 */
import { TallyError } from '../../core/errors.js';
import { component, silentLogger, type Logger } from '../../core/logger.js';
import { DirectLogConsumer, type DirectCore, type DirectTopic, type GroupOffsets } from './consumer.js';
import { PartitionLog } from './partition.js';
import { directReplay } from './replay.js';
import { SendTicket, TicketBook } from './tickets.js';
import { partitionForKey } from '../partitioner.js';
import type { ConsumerOptions, EventLog, LogConsumer, LogMessage, LogProducer, LogRecord, ReplayOptions, TopicSpec } from '../types.js';

export interface DirectEventLogOptions {
  /** Root logger (component `log`). Default: silent. */
  readonly logger?: Logger;
  /** First offset per topic and partition when the topic is created: `{ 'usage.raw': { 0: '1042' } }`. Default 0. */
  readonly startOffsets?: Readonly<Record<string, Readonly<Record<number, string>>>>;
  /** Handled records kept per partition for `replay` (about; eviction runs in chunks). Default 10,000. */
  readonly retainRecordsPerPartition?: number;
  /** `retainRecordsPerPartition` of some topics: `{ 'usage.raw': 0 }` keeps none of its records once every group handled them. */
  readonly retainByTopic?: Readonly<Record<string, number>>;
  /** Unhandled records one topic may hold before `send` rejects with LOG_UNAVAILABLE (retriable). Default 100,000. */
  readonly maxPendingRecords?: number;
  /** Topics whose `send` waits for a consumer group to handle the records even while none runs. Default none. */
  readonly awaitConsumerTopics?: readonly string[];
  /** Most records handed to a handler in one batch. Default 1,000. */
  readonly maxBatchRecords?: number;
  /** `stop()` waits this long for in-flight batches, then abandons them uncommitted, ms. Default 30,000. */
  readonly shutdownTimeoutMs?: number;
  /** First pause before a failed batch is delivered again, ms. Default 200. */
  readonly redeliveryInitialDelayMs?: number;
  /** Longest such pause, ms. Default 10,000. */
  readonly redeliveryMaxDelayMs?: number;
}

export class DirectEventLog implements EventLog, DirectCore {
  readonly kind = 'direct' as const;
  readonly logger: Logger;
  readonly maxBatchRecords: number;
  readonly shutdownTimeoutMs: number;
  readonly redeliveryInitialDelayMs: number;
  readonly redeliveryMaxDelayMs: number;
  private readonly retain: number;
  private readonly maxPending: number;
  private readonly awaitConsumer: ReadonlySet<string>;
  private readonly topics = new Map<string, DirectTopic & { roundRobin: number }>();
  private readonly groups = new Map<string, GroupOffsets>();
  private readonly members = new Map<string, DirectLogConsumer>();
  private closed = false;

  constructor(private readonly options: DirectEventLogOptions = {}) {
    this.logger = component(options.logger ?? silentLogger(), 'log', { log: 'direct' });
    this.retain = options.retainRecordsPerPartition ?? 10_000;
    this.maxPending = options.maxPendingRecords ?? 100_000;
    this.awaitConsumer = new Set(options.awaitConsumerTopics ?? []);
    this.maxBatchRecords = options.maxBatchRecords ?? 1_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
    this.redeliveryInitialDelayMs = options.redeliveryInitialDelayMs ?? 200;
    this.redeliveryMaxDelayMs = options.redeliveryMaxDelayMs ?? 10_000;
  }

  async ensureTopics(topics: readonly TopicSpec[]): Promise<void> {
    for (const spec of topics) {
      if (this.topics.has(spec.name)) continue;
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
        throw new TallyError('CONFIG_INVALID', `topic ${spec.name}: partitions must be a whole number of at least 1`);
      }
      const bases = this.options.startOffsets?.[spec.name] ?? {};
      const partitions = Array.from({ length: spec.partitions }, (_, p) => new PartitionLog(spec.name, p, BigInt(bases[p] ?? '0')));
      this.topics.set(spec.name, { name: spec.name, partitions, tickets: new TicketBook(), roundRobin: 0 });
      this.logger.info({ topic: spec.name, partitions: spec.partitions }, 'created topic');
    }
  }

  producer(): LogProducer {
    let closed = false;
    return {
      send: (topic, messages) => {
        if (closed) return Promise.reject(new TallyError('SHUTTING_DOWN', 'the producer is closed', { retriable: false }));
        return this.send(topic, messages);
      },
      close: async () => {
        closed = true;
      },
    };
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new DirectLogConsumer(this, options);
  }

  replay(options: ReplayOptions): AsyncIterable<LogRecord> {
    return directReplay(this.topics.get(options.topic), options);
  }

  async endOffsets(topic: string): Promise<{ partition: number; offset: string }[]> {
    return this.requireTopic(topic).partitions.map((p) => ({ partition: p.partition, offset: p.next.toString() }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.members.values()].map((m) => m.stop()));
    const error = new TallyError('SHUTTING_DOWN', 'the event log closed before the records were handled');
    for (const topic of this.topics.values()) topic.tickets.rejectAll(error);
  }

  // ---- DirectCore, used by the consumers

  topic(name: string): DirectTopic | undefined {
    return this.topics.get(name);
  }

  groupOffsets(groupId: string): GroupOffsets {
    let offsets = this.groups.get(groupId);
    if (!offsets) {
      offsets = new Map();
      this.groups.set(groupId, offsets);
    }
    return offsets;
  }

  join(consumer: DirectLogConsumer): void {
    if (this.closed) throw new TallyError('SHUTTING_DOWN', 'the event log is closed');
    if (this.members.has(consumer.groupId)) {
      throw new TallyError('CONFLICT', `group ${consumer.groupId} already has a running member; the direct log allows one per group`);
    }
    this.members.set(consumer.groupId, consumer);
  }

  leave(consumer: DirectLogConsumer): void {
    if (this.members.get(consumer.groupId) !== consumer) return;
    this.members.delete(consumer.groupId);
    const error = new TallyError('LOG_UNAVAILABLE', `consumer group ${consumer.groupId} stopped before handling the records`);
    for (const name of consumer.options.topics) this.topics.get(name)?.tickets.left(consumer.groupId, error);
  }

  evict(topic: DirectTopic): void {
    const retain = this.options.retainByTopic?.[topic.name] ?? this.retain;
    for (const log of topic.partitions) log.evict(this.handledBelow(topic, log), retain);
  }

  // ---- internals

  private async send(topicName: string, messages: readonly LogMessage[]): Promise<void> {
    if (this.closed) throw new TallyError('SHUTTING_DOWN', 'the event log is closed');
    const topic = this.requireTopic(topicName);
    if (messages.length === 0) return;
    const running = [...this.members.values()].filter((m) => m.consumes(topicName));
    const awaited = running.length > 0 ? new Set(running.map((m) => m.groupId)) : this.awaitConsumer.has(topicName) ? 'any' : undefined;
    if (awaited !== undefined) {
      const pending = this.unhandled(topic);
      if (pending + messages.length > this.maxPending) {
        throw new TallyError('LOG_UNAVAILABLE', `topic ${topicName} holds ${pending} unhandled records (limit ${this.maxPending}); try again later`, {
          details: { topic: topicName, pending, limit: this.maxPending },
        });
      }
    }
    const ticket = new SendTicket();
    const now = Date.now();
    const count = topic.partitions.length;
    for (const message of messages) {
      const p = message.key === null ? topic.roundRobin++ % count : partitionForKey(message.key, count);
      const log = topic.partitions[p];
      if (!log) continue; // unreachable: p < count
      const record = log.append(message, now);
      if (awaited !== undefined) ticket.add(p, BigInt(record.offset), awaited);
    }
    if (awaited === undefined) {
      this.evict(topic);
      return;
    }
    topic.tickets.add(ticket);
    for (const member of running) member.notify();
    return ticket.promise;
  }

  /** Offsets below this are handled by every running group and not held for a future one. */
  private handledBelow(topic: DirectTopic, log: PartitionLog): bigint {
    let low = log.next;
    for (const member of this.members.values()) {
      const position = member.position(topic.name, log.partition);
      if (position !== undefined && position < low) low = position;
    }
    const held = topic.tickets.firstHeld(log.partition);
    return held !== undefined && held < low ? held : low;
  }

  private unhandled(topic: DirectTopic): number {
    let total = 0;
    for (const log of topic.partitions) total += Number(log.next - this.handledBelow(topic, log));
    return total;
  }

  private requireTopic(name: string): DirectTopic & { roundRobin: number } {
    const topic = this.topics.get(name);
    if (!topic) throw new TallyError('LOG_UNAVAILABLE', `topic ${name} does not exist; create it with ensureTopics first`, { retriable: false });
    return topic;
  }
}

/** Creates the in-process event log for the embedded mode. */
export function createDirectEventLog(options: DirectEventLogOptions = {}): EventLog {
  return new DirectEventLog(options);
}
