/**
 * Assembles what consumes the raw topic from config and adapters: the
 * Processor (`tally processor`, `tally start`) and the batch handler of
 * `tally replay`, both with the same record pipeline and store sink.
 */
import type { TallyConfig } from '../config/schema.js';
import type { HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import { component } from '../core/logger.js';
import type { BatchHandler, EventLog, LogProducer } from '../eventlog/types.js';
import type { Metrics } from '../core/metrics.js';
import type { Pricer } from '../pricing/pricer.js';
import { createRecordPipeline } from '../pipeline/price-event.js';
import { createBatchHandler } from '../processor/batch.js';
import { Processor, type ProcessorOptions } from '../processor/processor.js';
import { createStoreSink } from '../processor/store-sink.js';
import { withPriceBooks } from '../processor/price-stamp.js';
import type { PriceBookSource } from '../pricing/price-books.js';
import type { RecordPipeline } from '../pipeline/types.js';
import { createWindowedStoreSink } from '../processor/windowed-store-sink.js';
import type { AlertPublisher, CounterSink, EventStoreSink } from '../processor/types.js';
import type { AnalyticsStore } from '../store/types.js';
import type { Topics } from '../eventlog/topics.js';
import type { TimeWindow } from '../events/stamp.js';
import { timeWindowOf } from './time-window.js';

/** Overrides of the processor options (tests, embedded mode). */
export type ProcessorOverrides = Partial<ProcessorOptions>;

export interface ProcessorParts {
  readonly config: TallyConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthState;
  readonly log: EventLog;
  readonly store: AnalyticsStore;
  readonly pricer: Pricer;
  readonly topics: Topics;
  readonly counters?: CounterSink;
  readonly alerts?: AlertPublisher;
  readonly overrides?: ProcessorOverrides;
  /** Accepted event times; default from config (`timeWindowOf`). */
  readonly timeWindow?: TimeWindow;
  /** The price books events are billed with (issue 16); absent: price 0, no version. */
  readonly priceBooks?: PriceBookSource;
}

function billed(pipeline: RecordPipeline, books: PriceBookSource | undefined): RecordPipeline {
  return books ? withPriceBooks(pipeline, books) : pipeline;
}

/** Longest a batch ready to insert waits for batches handed over with it (processor/group-insert.ts). */
const GROUP_LINGER_MS = 50;

export function buildProcessor(parts: ProcessorParts): Processor {
  const p = parts.config.processor;
  return new Processor(
    {
      log: parts.log,
      pipeline: billed(createRecordPipeline({ pricer: parts.pricer, timeWindow: parts.timeWindow ?? timeWindowOf(parts.config), cloudEvents: parts.config.cloudevents }), parts.priceBooks),
      store: createWindowedStoreSink(parts.store, {
        windowMs: p.dedupWindowSeconds * 1000,
        onClassified: (c) => {
          if (c.direct > 0) parts.metrics.dedupeEvents.inc({ path: 'direct' }, c.direct);
          if (c.verified > 0) parts.metrics.dedupeEvents.inc({ path: 'verified' }, c.verified);
        },
        onRefill: () => parts.metrics.dedupeRefills.inc(),
        group: {
          maxEvents: p.maxInsertEvents,
          lingerMs: GROUP_LINGER_MS,
          onInsert: (g) => {
            parts.metrics.storeInserts.inc();
            parts.metrics.storeInsertBatches.inc(g.batches);
          },
        },
      }),
      ...(parts.counters ? { counters: parts.counters } : {}),
      ...(parts.alerts ? { alerts: parts.alerts } : {}),
      health: parts.health,
      logger: component(parts.logger, 'processor'),
      metrics: parts.metrics,
    },
    {
      rawTopic: parts.topics.raw.name,
      dlqTopic: parts.topics.dlq.name,
      groupId: p.groupId,
      partitionsConsumedConcurrently: p.partitionsConsumedConcurrently,
      maxWaitTimeMs: p.maxWaitTimeMs,
      minBytes: p.minBytes,
      maxBytesPerPartition: p.maxBytesPerPartition,
      maxSinkBatch: p.maxSinkBatch,
      ...parts.overrides,
    },
  );
}

export interface ReplayHandlerParts {
  /** Mappings the processor applies too (`cloudevents.*`): a replayed record is read as the processor reads it. */
  readonly config: Pick<TallyConfig, 'cloudevents'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthState;
  readonly store: AnalyticsStore;
  readonly pricer: Pricer;
  readonly topics: Topics;
  /** Where records that are still invalid go (the DLQ topic is `topics.dlq`). */
  readonly producer: LogProducer;
  readonly maxSinkBatch: number;
  /** Wraps the store sink (counting, dry runs). */
  readonly wrapStore?: (sink: EventStoreSink) => EventStoreSink;
  /** Accepted event times (config `events.*`); default DEFAULT_TIME_WINDOW. */
  readonly timeWindow?: TimeWindow;
  /** The price books replayed events are billed with, as the processor's. */
  readonly priceBooks?: PriceBookSource;
}

/** The processor's batch handling outside the consumer group: what `tally replay` runs raw records through. */
export function buildReplayHandler(parts: ReplayHandlerParts): BatchHandler {
  const sink = createStoreSink(parts.store);
  return createBatchHandler(
    {
      pipeline: billed(createRecordPipeline({ pricer: parts.pricer, cloudEvents: parts.config.cloudevents, ...(parts.timeWindow ? { timeWindow: parts.timeWindow } : {}) }), parts.priceBooks),
      store: parts.wrapStore ? parts.wrapStore(sink) : sink,
      producer: parts.producer, health: parts.health, metrics: parts.metrics, logger: component(parts.logger, 'replay'),
    },
    { dlqTopic: parts.topics.dlq.name, maxSinkBatch: parts.maxSinkBatch },
  );
}
