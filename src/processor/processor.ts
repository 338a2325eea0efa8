/**
 * The processor: a consumer-group member that turns raw usage records into
 * stored, counted events. Batching by time and size happens at the broker
 * (maxWaitTimeMs / minBytes); backpressure is structural — a partition's next
 * batch is not fetched until its current one is committed, and at most
 * `partitionsConsumedConcurrently` batches are in flight.
 */
import { errorMessage } from '../core/errors.js';
import type { HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import type { EventLog, LogConsumer, LogProducer } from '../eventlog/types.js';
import type { Metrics } from '../core/metrics.js';
import { createBatchHandler } from './batch.js';
import type { AlertPublisher, CounterSink, EventStoreSink } from './types.js';
import { type RecordPipeline } from '../pipeline/types.js';

export interface ProcessorOptions {
  readonly rawTopic: string;
  readonly dlqTopic: string;
  readonly groupId: string;
  readonly partitionsConsumedConcurrently: number;
  readonly maxWaitTimeMs: number;
  readonly minBytes: number;
  readonly maxBytesPerPartition: number;
  readonly maxSinkBatch: number;
  /** Start from the earliest offset when the group has none. Default true. */
  readonly fromBeginning?: boolean;
  /** How often consumer lag is measured, in ms. Default 10,000. */
  readonly lagIntervalMs?: number;
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

export interface ProcessorDeps {
  readonly log: EventLog;
  readonly pipeline: RecordPipeline;
  readonly store: EventStoreSink;
  readonly counters?: CounterSink;
  readonly alerts?: AlertPublisher;
  readonly health: HealthState;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export class Processor {
  readonly #deps: ProcessorDeps;
  readonly #options: ProcessorOptions;
  #consumer: LogConsumer | undefined;
  #producer: LogProducer | undefined;
  #lagTimer: NodeJS.Timeout | undefined;

  constructor(deps: ProcessorDeps, options: ProcessorOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  async start(): Promise<void> {
    const { log, logger, health } = this.#deps;
    const o = this.#options;
    this.#producer = log.producer();
    const handler = createBatchHandler(
      { ...this.#deps, producer: this.#producer },
      { dlqTopic: o.dlqTopic, maxSinkBatch: o.maxSinkBatch, retryInitialDelayMs: o.retryInitialDelayMs, retryMaxDelayMs: o.retryMaxDelayMs },
    );
    this.#consumer = log.consumer({
      groupId: o.groupId,
      topics: [o.rawTopic],
      fromBeginning: o.fromBeginning ?? true,
      partitionsConsumedConcurrently: o.partitionsConsumedConcurrently,
      maxWaitTimeMs: o.maxWaitTimeMs,
      minBytes: o.minBytes,
      maxBytesPerPartition: o.maxBytesPerPartition,
      // The consumer gave up for good (kafkajs will not restart it): say so on /readyz.
      onCrash: (error) => {
        health.fail('consumer', error);
        logger.error({ err: error.message }, 'the consumer stopped consuming; restart the processor');
      },
    });
    await this.#consumer.run(handler);
    health.ok('consumer');
    this.#lagTimer = setInterval(() => void this.#measureLag(), o.lagIntervalMs ?? 10_000);
    this.#lagTimer.unref();
    logger.info({ topic: o.rawTopic, groupId: o.groupId, log: log.kind }, 'processor consuming');
  }

  async #measureLag(): Promise<void> {
    const consumer = this.#consumer;
    if (!consumer) return;
    try {
      for (const p of await consumer.lag()) {
        this.#deps.metrics.consumerLag.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      }
    } catch (err) {
      this.#deps.logger.debug({ err: errorMessage(err) }, 'could not measure consumer lag');
    }
  }

  /** Stops consuming: the in-flight batch finishes or is abandoned uncommitted, then the group is left. */
  async stop(): Promise<void> {
    this.#deps.health.stopping();
    if (this.#lagTimer) clearInterval(this.#lagTimer);
    await this.#consumer?.stop();
    await this.#producer?.close();
    this.#deps.logger.info('processor stopped');
  }
}
