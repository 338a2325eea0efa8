/**
 * The Kafka consumer behind `LogConsumer`: a consumer-group member running
 * kafkajs `eachBatch` with auto-commit and auto-resolve off.
 *
 * Per batch (one partition's records from one fetch):
 * - the handler resolves → the last offset is resolved and that partition's
 *   offset committed as `last + 1` (Kafka's "next record to read"), unless a
 *   rebalance happened meanwhile (`isStale()`), in which case nothing is
 *   committed and the new owner reads the records again;
 * - the handler throws → nothing is resolved or committed, the consumer seeks
 *   the partition back to the batch's first offset and pauses it for a
 *   backoff (exponential with jitter, growing per consecutive failure), then
 *   resumes: the same records come again, and the other partitions keep
 *   flowing meanwhile. (Letting the error escape to kafkajs also redelivers,
 *   but by restarting the whole fetch loop, and after its retries by crashing
 *   and rejoining the group — slower, noisier, and it stalls every partition.)
 *
 * Broker restarts. The consumer runs on its own kafkajs client whose retries
 * outlast an ordinary restart (`retry`, about a minute), so kafkajs keeps the
 * group membership and fetches again as soon as the broker answers. A
 * consumer that crashes anyway restarts as a new member, which the group
 * coordinator admits only once the old member's session expired: hence the
 * short default session (10 s). A consumer being stopped is never restarted
 * by kafkajs (`restartOnFailure`), and `stop()` does not wait on a dead
 * broker for longer than `shutdownTimeoutMs`.
 */
import type { Consumer, EachBatchPayload, Kafka, RetryOptions as KafkaRetryOptions } from 'kafkajs';
import { TallyError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { backoffDelay } from '../../core/retry.js';
import { isRebalanceError, mapKafkaError } from './errors.js';
import { nextOffset, toLogRecord } from './records.js';
import type { BatchContext, BatchHandler, ConsumerOptions, LogConsumer, PartitionLag } from '../types.js';

/** Consumer settings the Kafka event log resolves once (see `KafkaEventLogOptions.consumer`). */
export interface KafkaConsumerSettings {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly joinTimeoutMs: number;
  readonly redeliveryInitialDelayMs: number;
  readonly redeliveryMaxDelayMs: number;
  readonly retry: KafkaRetryOptions;
}

/** What the consumer needs from the event log that made it. */
export interface KafkaConsumerDeps {
  readonly kafka: Kafka;
  readonly settings: KafkaConsumerSettings;
  readonly logger: Logger;
  /** Committed offsets and watermarks, through the log's shared admin client. */
  readonly lag: (groupId: string, topics: readonly string[], fromBeginning: boolean) => Promise<PartitionLag[]>;
}

type Outcome = { kind: 'ok' } | { kind: 'failed'; error: unknown } | { kind: 'abandoned' };

export class KafkaLogConsumer implements LogConsumer {
  private consumer: Consumer | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private readonly abort = new AbortController();
  /** Bumped on every rebalance; a batch started under another epoch is stale. */
  private epoch = 0;
  private readonly failures = new Map<number, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private abandon: (() => void) | undefined;
  private readonly abandoned: Promise<void>;
  private readonly log: Logger;

  constructor(
    private readonly deps: KafkaConsumerDeps,
    private readonly options: ConsumerOptions,
  ) {
    this.log = deps.logger.child({ groupId: options.groupId });
    this.abandoned = new Promise((resolve) => {
      this.abandon = resolve;
    });
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.consumer) throw new TallyError('CONFLICT', `consumer for group ${this.options.groupId} is already running`);
    if (this.stopping) throw new TallyError('SHUTTING_DOWN', `consumer for group ${this.options.groupId} was stopped`);
    const { settings } = this.deps;
    const consumer = this.deps.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: settings.heartbeatIntervalMs,
      rebalanceTimeout: settings.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
      minBytes: this.options.minBytes ?? 1,
      maxBytesPerPartition: this.options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      retry: { ...settings.retry, restartOnFailure: async () => !this.stopping },
    });
    this.consumer = consumer;
    const joined = this.watch(consumer);
    joined.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
        eachBatch: (payload) => this.onBatch(payload, handler),
      });
      await joined;
    } catch (err) {
      const error = mapKafkaError(err, `start consumer group ${this.options.groupId}`);
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  lag(): Promise<PartitionLag[]> {
    return this.deps.lag(this.options.groupId, this.options.topics, this.options.fromBeginning ?? true);
  }

  /** Resolves on the first group join; rejects if the consumer crashes for good or the join takes too long. */
  private watch(consumer: Consumer): Promise<void> {
    return new Promise((resolve, reject) => {
      let done = false;
      const settle = (error?: Error): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => {
        if (this.stopping) return settle(new TallyError('SHUTTING_DOWN', 'consumer stopped before it joined its group'));
        const error = new TallyError('LOG_UNAVAILABLE', `consumer group ${this.options.groupId} did not join within ${this.deps.settings.joinTimeoutMs} ms`);
        this.options.onCrash?.(error);
        settle(error);
      }, this.deps.settings.joinTimeoutMs);
      timer.unref();
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        this.epoch++;
        const assignment = event.payload.memberAssignment;
        this.log.info({ assignment, generation: this.epoch }, 'joined consumer group');
        settle();
      });
      consumer.on(consumer.events.REBALANCING, () => {
        this.epoch++;
      });
      consumer.on(consumer.events.CRASH, (event) => {
        const { error, restart } = event.payload;
        if (restart || this.stopping) {
          this.log.warn({ err: error, restart }, 'consumer crashed; kafkajs restarts it');
          return;
        }
        const mapped = mapKafkaError(error, `consume group ${this.options.groupId}`);
        this.log.error({ err: error }, 'consumer crashed and will not restart');
        this.options.onCrash?.(mapped);
        settle(mapped);
      });
    });
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    const first = batch.messages[0];
    if (first === undefined || this.stopping) return;
    const { topic, partition } = batch;
    const epoch = this.epoch;
    const isStale = (): boolean => this.epoch !== epoch || payload.isStale();
    const ctx: BatchContext = {
      heartbeat: async () => {
        try {
          await payload.heartbeat();
        } catch (err) {
          if (isRebalanceError(err)) {
            this.epoch++; // the batch can no longer be committed; the handler sees isStale()
            return;
          }
          throw mapKafkaError(err, 'heartbeat');
        }
      },
      isRunning: () => !this.stopping && payload.isRunning(),
      isStale,
      signal: this.abort.signal,
    };
    const records = batch.messages.map((m) => toLogRecord(topic, partition, m));
    const outcome = await this.settle(handler({ topic, partition, records, highWatermark: batch.highWatermark }, ctx));
    const where = { topic, partition, firstOffset: first.offset, lastOffset: batch.lastOffset(), records: records.length };

    if (outcome.kind === 'abandoned') {
      this.log.warn(where, 'shutdown timeout: batch abandoned, not committed; it will be delivered again');
      return;
    }
    if (outcome.kind === 'failed') {
      if (this.stopping || isStale()) {
        this.log.warn({ ...where, err: outcome.error }, 'batch failed while stopping or after a rebalance; not committed');
        return;
      }
      this.redeliverLater(payload, topic, partition, first.offset, outcome.error, where);
      return;
    }
    if (isStale()) {
      this.log.info(where, 'rebalance during the batch: not committing; the partition owner reads it again');
      return;
    }
    payload.resolveOffset(batch.lastOffset());
    const offset = nextOffset(batch.lastOffset());
    try {
      await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
    } catch (err) {
      if (isRebalanceError(err)) this.epoch++;
      this.log.warn({ ...where, err: errorMessage(err) }, 'commit failed; the batch will be delivered again if no later commit covers it');
      throw err; // kafkajs rejoins on a rebalance and retries its fetch loop otherwise
    }
    this.failures.delete(partition);
  }

  /** The handler's outcome, or `abandoned` if shutdown times out first. */
  private async settle(work: Promise<void>): Promise<Outcome> {
    const done = work.then(
      (): Outcome => ({ kind: 'ok' }),
      (error: unknown): Outcome => ({ kind: 'failed', error }),
    );
    return Promise.race([done, this.abandoned.then((): Outcome => ({ kind: 'abandoned' }))]);
  }

  private redeliverLater(
    payload: EachBatchPayload,
    topic: string,
    partition: number,
    firstOffset: string,
    error: unknown,
    where: Record<string, unknown>,
  ): void {
    const attempt = (this.failures.get(partition) ?? 0) + 1;
    this.failures.set(partition, attempt);
    const delayMs = backoffDelay(attempt, {
      initialDelayMs: this.deps.settings.redeliveryInitialDelayMs,
      maxDelayMs: this.deps.settings.redeliveryMaxDelayMs,
    });
    this.log.warn({ ...where, err: errorMessage(error), attempt, delayMs }, 'batch handler failed; nothing committed, redelivering after a pause');
    this.consumer?.seek({ topic, partition, offset: firstOffset });
    const resume = payload.pause();
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping) resume();
    }, delayMs);
    this.timers.add(timer);
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const consumer = this.consumer;
    if (!consumer) return;
    // kafkajs' disconnect waits for the in-flight batch; past the timeout the batch is abandoned uncommitted.
    const { shutdownTimeoutMs } = this.deps.settings;
    const timer = setTimeout(() => this.abandon?.(), shutdownTimeoutMs);
    // Leaving the group needs the broker; with it away kafkajs would wait through its retries. Bounded here.
    let gaveUp: NodeJS.Timeout | undefined;
    const bounded = new Promise<'timeout'>((resolve) => {
      gaveUp = setTimeout(() => resolve('timeout'), shutdownTimeoutMs + 5_000);
    });
    try {
      const outcome = await Promise.race([consumer.disconnect().then(() => 'done' as const), bounded]);
      if (outcome === 'timeout') this.log.warn({ waitedMs: shutdownTimeoutMs + 5_000 }, 'consumer did not leave its group in time (broker away?); stopped without it');
      else this.log.info('consumer stopped');
    } catch (err) {
      throw mapKafkaError(err, `stop consumer group ${this.options.groupId}`);
    } finally {
      clearTimeout(timer);
      clearTimeout(gaveUp);
    }
  }
}
