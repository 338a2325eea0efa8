/**
 * The ingest of the distributed deployment: validated events produced to the
 * raw topic on Kafka. Shared by `tally api` (HTTP ingest) and `tally send`
 * (NDJSON from a file), so both refuse and accept exactly the same input.
 */
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { TallyConfig } from '../config/schema.js';
import { topicSpecs, type Topics } from '../eventlog/topics.js';
import type { EventLog, LogProducer } from '../eventlog/types.js';
import { createIngestService, type IngestService } from '../ingest/service.js';
import { createTraceReceiver, type TraceReceiver } from '../ingest/otlp/receiver.js';
import { buildPricer, openKafka, topicsOf } from './adapters.js';
import { timeWindowOf } from './time-window.js';

export interface KafkaIngest {
  readonly ingest: IngestService;
  readonly topics: Topics;
  readonly log: EventLog;
  readonly producer: LogProducer;
  /** "kafka BROKERS topic RAW", for messages. */
  readonly target: string;
  /** Closes the producer, then the log. */
  close(): Promise<void>;
}

/** The OTLP traces receiver (POST /v1/traces) over an ingest service, mapped as `otlp.*` says. */
export function buildTraceReceiver(config: TallyConfig, ingest: IngestService, metrics?: Metrics): TraceReceiver {
  return createTraceReceiver({ ingest, mapping: config.otlp, maxBatch: config.api.maxBatchEvents, ...(metrics ? { metrics } : {}) });
}

/** Connects to Kafka, creates missing topics, and returns the ingest service producing to the raw topic. */
export async function openKafkaIngest(parts: { readonly config: TallyConfig; readonly logger: Logger; readonly metrics?: Metrics }): Promise<KafkaIngest> {
  const { config, logger } = parts;
  const topics = topicsOf(config);
  const log = await openKafka(config, logger);
  try {
    await log.ensureTopics(topicSpecs(topics));
  } catch (err) {
    await log.close().catch(() => undefined);
    throw err;
  }
  const producer = log.producer();
  const ingest = createIngestService({ producer, rawTopic: topics.raw.name, timeWindow: timeWindowOf(config), pricer: buildPricer(config), cloudEvents: config.cloudevents, ...(parts.metrics ? { metrics: parts.metrics } : {}) });
  return {
    ingest, topics, log, producer,
    target: `kafka ${config.kafka.brokers.join(',')} topic ${topics.raw.name}`,
    async close() {
      await producer.close();
      await log.close();
    },
  };
}
