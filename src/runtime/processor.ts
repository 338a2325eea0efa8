/** Assembles a Processor from config and adapters; shared by `tally processor` and `tally start`. */
import type { TallyConfig } from '../config/schema.js';
import type { HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import { component } from '../core/logger.js';
import type { EventLog } from '../eventlog/types.js';
import type { Metrics } from '../core/metrics.js';
import type { Pricer } from '../pricing/pricer.js';
import { createRecordPipeline } from '../pipeline/price-event.js';
import { Processor } from '../processor/processor.js';
import { createStoreSink } from '../processor/store-sink.js';
import type { AlertPublisher, CounterSink } from '../processor/types.js';
import type { AnalyticsStore } from '../store/types.js';
import type { Topics } from '../eventlog/topics.js';

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
  /** Overrides of the processor options (tests, embedded mode). */
  readonly overrides?: Partial<ConstructorParameters<typeof Processor>[1]>;
}

export function buildProcessor(parts: ProcessorParts): Processor {
  const p = parts.config.processor;
  return new Processor(
    {
      log: parts.log,
      pipeline: createRecordPipeline({ pricer: parts.pricer }),
      store: createStoreSink(parts.store),
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
