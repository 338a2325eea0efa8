/**
 * The embedded all-in-one: ingest, processor and API in one process, with the
 * direct event log and the chDB store under the data directory. Same code
 * paths as the distributed processes: the HTTP ingest produces to the raw
 * topic, the processor consumes it into the store, and a 202 means stored
 * (the direct log's `send` resolves after the processor handled the records).
 * Raw offsets continue from the store's highest, so a restart keeps data and
 * counting exact.
 */
import type { FastifyInstance } from 'fastify';
import { createApp } from '../api/app.js';
import { ApiKeyring } from '../api/auth.js';
import type { ProcessContext } from './context.js';
import { createIngestService, type IngestService } from '../ingest/service.js';
import { component } from '../core/logger.js';
import { createDirectEventLog } from '../eventlog/direct/log.js';
import type { Topics } from '../eventlog/topics.js';
import { topicSpecs } from '../eventlog/topics.js';
import type { EventLog } from '../eventlog/types.js';
import type { Processor } from '../processor/processor.js';
import { createAnalyticsService } from '../analytics/service.js';
import { migrate } from '../store/migrate.js';
import type { AnalyticsStore } from '../store/types.js';
import { buildPricer, openStore, topicsOf } from './adapters.js';
import { alertsTopicSender, buildBudgets, type Budgets } from './budgets.js';
import { buildProcessor } from './processor.js';
import { OPEN_ACCESS } from '../core/principal.js';

/** Partitions of the embedded raw topic: enough for the processor to overlap store writes. */
export const EMBEDDED_RAW_PARTITIONS = 4;

export interface EmbeddedOptions {
  readonly host: string;
  readonly port: number;
}

export interface Embedded {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly log: EventLog;
  readonly store: AnalyticsStore;
  readonly ingest: IngestService;
  readonly topics: Topics;
  readonly processor: Processor;
  readonly openAccess: boolean;
  readonly budgets: Budgets;
  close(): Promise<void>;
}

export async function startEmbedded(ctx: ProcessContext, options: EmbeddedOptions): Promise<Embedded> {
  const { config, logger, metrics, health } = ctx;
  const store = await openStore(config, logger);
  await migrate(store, { logger: component(logger, 'migrate') });
  const base = topicsOf(config);
  const topics: Topics = { ...base, raw: { ...base.raw, partitions: EMBEDDED_RAW_PARTITIONS } };
  const log = createDirectEventLog({
    logger,
    awaitConsumerTopics: [topics.raw.name],
    // Highest stored offset + 1 per partition of the raw topic, so offsets keep increasing across restarts.
    startOffsets: { [topics.raw.name]: await store.events.nextOffsets(topics.raw.name) },
  });
  await log.ensureTopics(topicSpecs(topics));

  const pricer = buildPricer(config);
  // Memory counters (the config has no Redis in embedded mode), rebuilt from the store before any traffic.
  const alertsProducer = log.producer();
  const budgets = await buildBudgets({ config, store, logger, metrics, pricer, alertsSend: alertsTopicSender(alertsProducer, topics.alerts.name) });
  const processor = buildProcessor({ ...ctx, log, store, pricer, topics, counters: budgets.engine, alerts: budgets.publisher });
  await processor.start();

  const openAccess = config.api.keys.length === 0;
  const host = openAccess ? '127.0.0.1' : options.host;
  const producer = log.producer();
  const ingest = createIngestService({ producer, rawTopic: topics.raw.name, metrics });
  const app = await createApp({
    logger: component(logger, 'http'),
    metrics,
    health,
    keyring: new ApiKeyring(config.api.keys),
    openAccess,
    bodyLimitBytes: config.api.bodyLimitBytes,
    services: { ingest, maxBatchEvents: config.api.maxBatchEvents, analytics: createAnalyticsService(store), budgets: budgets.admin, quota: budgets.quota },
  });
  await app.listen({ host, port: options.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host}:${port}`;
  return {
    url, app, log, store, ingest, topics, processor, openAccess, budgets,
    async close() {
      await app.close();
      await processor.stop();
      await budgets.close();
      await alertsProducer.close();
      await producer.close();
      await log.close();
      await store.close();
    },
  };
}

export { OPEN_ACCESS };
