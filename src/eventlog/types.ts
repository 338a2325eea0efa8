/**
 * The event-log port. tally talks to Kafka only through this interface (kafkajs
 * is unmaintained, so it must stay swappable); the direct adapter implements
 * the same contract in-process for the embedded mode.
 */

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Replicas per partition when created; the broker's default when absent. Ignored by the direct log. */
  readonly replicationFactor?: number;
  /** Extra topic configs, e.g. { 'retention.ms': '604800000' }. */
  readonly config?: Readonly<Record<string, string>>;
}

export interface LogMessage {
  /** Partitioning key: the tenant for usage.raw. */
  readonly key: string | null;
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch; the broker's time when absent. */
  readonly timestamp?: number;
}

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  /** int64 offset as decimal text. */
  readonly offset: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** The records of one partition handed to a handler at once, in offset order. */
export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly LogRecord[];
  /** Offset of the next record the broker will write, as decimal text (for lag). */
  readonly highWatermark: string;
}

export interface BatchContext {
  /** Tells the group coordinator this member is alive; call during long work. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping; abandon work and throw or return early. */
  isRunning(): boolean;
  /** True when a rebalance took this partition away; the batch must not be committed. */
  isStale(): boolean;
  /** Aborted when the consumer stops. */
  readonly signal: AbortSignal;
}

/**
 * Handles one batch. Resolving means every record was durably handled and the
 * batch's offsets may be committed; throwing means nothing is committed and
 * the records will be delivered again.
 */
export type BatchHandler = (batch: RecordBatch, ctx: BatchContext) => Promise<void>;

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. Default true (earliest). */
  readonly fromBeginning?: boolean;
  /** Partitions handled at once. Default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /** Broker-side batching: wait up to this long for `minBytes` to accumulate. Default 100 ms. */
  readonly maxWaitTimeMs?: number;
  readonly minBytes?: number;
  readonly maxBytesPerPartition?: number;
  /**
   * Called once if the consumer gives up on its own (an error kafkajs will not
   * restart from, or the group could not be joined in time): it is then no
   * longer consuming, and the owner should report not-ready or exit.
   */
  readonly onCrash?: (error: Error) => void;
}

export interface LogConsumer {
  /** Joins the group and calls `handler` per batch until `stop()`. Resolves once running. */
  run(handler: BatchHandler): Promise<void>;
  /** Stops fetching, lets an in-flight batch finish or abandon, leaves the group. */
  stop(): Promise<void>;
  /** Committed offset and high watermark per partition, for lag. */
  lag(): Promise<PartitionLag[]>;
}

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly highWatermark: string;
  readonly lag: number;
}

export interface LogProducer {
  /** Resolves only after the log acknowledged every message (acks = all). */
  send(topic: string, messages: readonly LogMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Where a replay starts in each partition. */
export type ReplayStart = { readonly offset: string } | { readonly timestamp: number } | { readonly earliest: true };

export interface ReplayOptions {
  readonly topic: string;
  readonly from: ReplayStart;
  /** Only these partitions; all when absent. */
  readonly partitions?: readonly number[];
}

export interface EventLog {
  readonly kind: 'kafka' | 'direct';
  /** Creates missing topics; leaves existing ones alone. */
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  producer(): LogProducer;
  consumer(options: ConsumerOptions): LogConsumer;
  /** Reads a topic from a start position up to its end at the time of the call, outside any group. */
  replay(options: ReplayOptions): AsyncIterable<LogRecord>;
  /** End offsets per partition now (for progress bars). */
  endOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  close(): Promise<void>;
}
