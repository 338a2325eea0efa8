/**
 * A consumer of the direct log: the one member of its group, fed from memory.
 * Same contract as the Kafka consumer — one batch per partition at a time, in
 * offset order; commit after the handler resolved; on a throw nothing is
 * committed and the same records come again after a backoff.
 *
 * Batches form by themselves: a partition is handed over as soon as it has
 * records and no batch of it is in flight, with everything that accumulated
 * meanwhile (up to `maxBatchRecords` / `maxBytesPerPartition`). There is no
 * broker-side wait, so `maxWaitTimeMs` and `minBytes` do not apply.
 */
import { TallyError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { backoffDelay } from '../../core/retry.js';
import type { PartitionLog } from './partition.js';
import type { TicketBook } from './tickets.js';
import type { BatchContext, BatchHandler, ConsumerOptions, LogConsumer, PartitionLag } from '../types.js';

export interface DirectTopic {
  readonly name: string;
  readonly partitions: readonly PartitionLog[];
  readonly tickets: TicketBook;
}

/** Committed offsets of one group: topic → partition → next offset to read. */
export type GroupOffsets = Map<string, Map<number, bigint>>;

/** What a consumer needs from its log. */
export interface DirectCore {
  readonly logger: Logger;
  readonly maxBatchRecords: number;
  readonly shutdownTimeoutMs: number;
  readonly redeliveryInitialDelayMs: number;
  readonly redeliveryMaxDelayMs: number;
  topic(name: string): DirectTopic | undefined;
  groupOffsets(groupId: string): GroupOffsets;
  /** Registers the running member of a group; throws CONFLICT when the group has one. */
  join(consumer: DirectLogConsumer): void;
  leave(consumer: DirectLogConsumer): void;
  /** Handled records may go (outside the retention window). */
  evict(topic: DirectTopic): void;
}

interface Slot {
  readonly topic: DirectTopic;
  readonly log: PartitionLog;
  /** Next offset to deliver = the committed offset (a failed batch is read again from here). */
  position: bigint;
  busy: boolean;
  failures: number;
  pausedUntil: number;
}

export class DirectLogConsumer implements LogConsumer {
  private handler: BatchHandler | undefined;
  private readonly slots: Slot[] = [];
  private cursor = 0;
  private inFlight = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private abandoned = false;
  private scheduled = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = 0;
  private readonly abort = new AbortController();
  private idle: (() => void) | undefined;
  private readonly log: Logger;

  constructor(
    private readonly core: DirectCore,
    readonly options: ConsumerOptions,
  ) {
    this.log = core.logger.child({ groupId: options.groupId });
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Whether this member takes records of `topic` now. */
  consumes(topic: string): boolean {
    return this.handler !== undefined && !this.stopping && this.options.topics.includes(topic);
  }

  /** The next offset this member will deliver in a partition (its committed offset). */
  position(topic: string, partition: number): bigint | undefined {
    return this.slots.find((s) => s.topic.name === topic && s.log.partition === partition)?.position;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.handler || this.stopping) throw new TallyError('CONFLICT', `consumer for group ${this.groupId} was already started`);
    const offsets = this.core.groupOffsets(this.groupId);
    for (const name of this.options.topics) {
      const topic = this.core.topic(name);
      if (!topic) throw new TallyError('LOG_UNAVAILABLE', `topic ${name} does not exist; create it with ensureTopics first`, { retriable: false });
      const committed = offsets.get(name) ?? new Map<number, bigint>();
      offsets.set(name, committed);
      for (const log of topic.partitions) {
        const start = committed.get(log.partition) ?? ((this.options.fromBeginning ?? true) ? log.first : log.next);
        this.slots.push({ topic, log, position: start < log.first ? log.first : start, busy: false, failures: 0, pausedUntil: 0 });
      }
    }
    this.core.join(this);
    this.handler = handler;
    this.log.info({ topics: this.options.topics }, 'direct consumer running');
    this.notify();
  }

  /** Records arrived (or a pause ended): look for work soon, letting more records accumulate first. */
  notify(): void {
    if (this.scheduled || !this.handler || this.stopping) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  async lag(): Promise<PartitionLag[]> {
    const offsets = this.core.groupOffsets(this.groupId);
    const result: PartitionLag[] = [];
    for (const name of this.options.topics) {
      const topic = this.core.topic(name);
      for (const log of topic?.partitions ?? []) {
        const committed = offsets.get(name)?.get(log.partition);
        const from = committed ?? this.position(name, log.partition) ?? log.first;
        result.push({
          topic: name,
          partition: log.partition,
          committed: committed === undefined ? '-1' : committed.toString(),
          highWatermark: log.next.toString(),
          lag: Number(log.next > from ? log.next - from : 0n),
        });
      }
    }
    return result;
  }

  private pump(): void {
    const limit = Math.max(1, this.options.partitionsConsumedConcurrently ?? 1);
    const now = Date.now();
    let wakeAt = Infinity;
    for (let checked = 0; checked < this.slots.length && this.inFlight < limit && !this.stopping; checked++) {
      this.cursor = (this.cursor + 1) % this.slots.length;
      const slot = this.slots[this.cursor];
      if (!slot || slot.busy || slot.position >= slot.log.next) continue;
      if (slot.pausedUntil > now) {
        wakeAt = Math.min(wakeAt, slot.pausedUntil);
        continue;
      }
      if (slot.position < slot.log.first) slot.position = slot.log.first; // evicted while this group was away
      void this.deliver(slot);
    }
    // A timer may fire a millisecond before Date.now() reaches a pause's end; look again
    // then, or a paused partition with records would wait for the next send to wake it.
    if (wakeAt !== Infinity) this.wakeAfter(wakeAt - now);
  }

  /** One wake-up timer at a time: the earliest one asked for. */
  private wakeAfter(delayMs: number): void {
    const at = Date.now() + Math.max(1, delayMs);
    if (this.wakeTimer && this.wakeAt <= at) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.notify();
    }, at - Date.now());
  }

  private async deliver(slot: Slot): Promise<void> {
    const handler = this.handler;
    const records = slot.log.read(slot.position, this.core.maxBatchRecords, this.options.maxBytesPerPartition);
    const last = records[records.length - 1];
    if (!handler || !last) return;
    slot.busy = true;
    this.inFlight++;
    const { name } = slot.topic;
    const { partition } = slot.log;
    const ctx: BatchContext = {
      heartbeat: async () => undefined,
      isRunning: () => !this.stopping,
      isStale: () => this.abandoned,
      signal: this.abort.signal,
    };
    try {
      await handler({ topic: name, partition, records, highWatermark: slot.log.next.toString() }, ctx);
      if (this.abandoned) return;
      const next = BigInt(last.offset) + 1n;
      slot.position = next;
      slot.failures = 0;
      this.core.groupOffsets(this.groupId).get(name)?.set(partition, next);
      slot.topic.tickets.committed(this.groupId, partition, next);
      this.core.evict(slot.topic);
    } catch (err) {
      if (this.abandoned) return;
      slot.topic.tickets.failed(this.groupId, partition, BigInt(last.offset), err);
      if (this.stopping) return;
      slot.failures++;
      const delayMs = backoffDelay(slot.failures, { initialDelayMs: this.core.redeliveryInitialDelayMs, maxDelayMs: this.core.redeliveryMaxDelayMs });
      slot.pausedUntil = Date.now() + delayMs;
      this.log.warn({ topic: name, partition, firstOffset: records[0]?.offset, lastOffset: last.offset, err: errorMessage(err), attempt: slot.failures, delayMs }, 'batch handler failed; nothing committed, redelivering after a pause');
      this.wakeAfter(delayMs);
    } finally {
      slot.busy = false;
      this.inFlight--;
      if (this.inFlight === 0) this.idle?.();
      this.notify();
    }
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.inFlight > 0) {
      const drained = new Promise<boolean>((resolve) => {
        this.idle = () => resolve(true);
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), this.core.shutdownTimeoutMs);
      });
      const finished = await Promise.race([drained, timedOut]);
      clearTimeout(timer);
      if (!finished) {
        this.abandoned = true;
        this.log.warn('shutdown timeout: in-flight batches abandoned, not committed');
      }
    }
    if (this.handler) this.core.leave(this);
    this.log.info('direct consumer stopped');
  }
}
