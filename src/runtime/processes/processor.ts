/**
 * `tally processor`: a consumer-group member on Kafka: usage.raw → DLQ /
 * analytics store / budget counters (with Redis configured), committing only
 * after the sinks acknowledged; /healthz, /readyz and /metrics on
 * `processor.healthPort` (at `api.host`).
 *
 *   const p = await startProcessor(createProcessContext(config));
 *   …
 *   await p.close();
 */
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../api/app.js';
import { ApiKeyring } from '../../api/auth.js';
import { allowedHostsFor } from '../../api/web-guard.js';
import { component } from '../../core/logger.js';
import { topicSpecs, type Topics } from '../../eventlog/topics.js';
import type { EventLog, LogProducer } from '../../eventlog/types.js';
import type { Processor } from '../../processor/processor.js';
import type { AnalyticsStore } from '../../store/types.js';
import { buildPricer, describeStore, openKafka, openStore, redisConfigured, topicsOf } from '../adapters.js';
import { alertsTopicSender, buildBudgets, type Budgets, type BudgetsOverrides } from '../budgets.js';
import type { ProcessContext } from '../context.js';
import { buildProcessor, type ProcessorOverrides } from '../processor.js';
import { buildPriceBooks, type PriceBooks } from '../billing.js';
import { addReadinessProbes, kafkaProbe, redisProbe, storeProbe } from '../readiness.js';
import { runSteps, type ShutdownStep } from '../shutdown.js';
import { guardRollups, type RollupGuard } from '../rollup-guard.js';
import { boundHeapGrowth } from '../heap.js';
import { listen, starting, type ProcessHandle } from './handle.js';
import { assertMigrated, explainStartupError } from '../startup-errors.js';

export interface ProcessorProcessOptions {
  /** An open analytics store to use instead of the configured one; the process does not close it (tests). */
  readonly store?: AnalyticsStore;
  readonly processor?: ProcessorOverrides;
  readonly budgets?: BudgetsOverrides;
}

export interface ProcessorProcess extends ProcessHandle {
  readonly processor: Processor;
  readonly log: EventLog;
  readonly store: AnalyticsStore;
  readonly topics: Topics;
  /** The budget counters the processor counts into; null without Redis. */
  readonly budgets: Budgets | null;
  /** Customers' price books: what the processor bills with (issue 16). */
  readonly priceBooks: PriceBooks;
  /** The health server (/healthz, /readyz, /metrics). */
  readonly app: FastifyInstance;
}

/** The HTTP server of a process that serves no API: health, readiness and metrics only. */
export function createHealthApp(ctx: ProcessContext): Promise<FastifyInstance> {
  const { config, logger, metrics, health } = ctx;
  const allowedHosts = allowedHostsFor({ openAccess: false, boundHost: config.api.host, configured: config.api.allowedHosts });
  return createApp({ logger: component(logger, 'http'), metrics, health, keyring: new ApiKeyring([]), openAccess: false, allowedHosts, bodyLimitBytes: 1024, services: {} });
}

export async function startProcessor(ctx: ProcessContext, options: ProcessorProcessOptions = {}): Promise<ProcessorProcess> {
  const { config, logger, metrics } = ctx;
  let log: EventLog | undefined;
  let store: AnalyticsStore | undefined = options.store;
  let alertsProducer: LogProducer | undefined;
  let budgets: Budgets | null = null;
  let priceBooks: PriceBooks | undefined;
  let processor: Processor | undefined;
  let app: FastifyInstance | undefined;
  let rollups: RollupGuard | undefined;
  const steps: ShutdownStep[] = [
    { name: 'processor', run: async () => processor?.stop() },
    { name: 'health server', run: async () => app?.close() },
    { name: 'budgets', run: async () => budgets?.close() },
    { name: 'price books', run: async () => priceBooks?.close() },
    { name: 'alerts producer', run: async () => alertsProducer?.close() },
    { name: 'event log', run: async () => log?.close() },
    { name: 'rollup checkpoint', run: async () => rollups?.stop() },
    { name: 'store', run: async () => (options.store ? undefined : store?.close()) },
  ];
  // V8 lets garbage grow to ~4× the live heap unless told otherwise (processor.heapGrowthPercent).
  boundHeapGrowth(config.processor.heapGrowthPercent);
  return starting(logger, steps, async () => {
    const topics = topicsOf(config);
    log = await openKafka(config, logger);
    await log.ensureTopics(topicSpecs(topics));
    store ??= await openStore(config, logger);
    await assertMigrated(store);
    if (!options.store && !config.clickhouse.url) logger.warn({ store: describeStore(config) }, 'no CLICKHOUSE_URL: using the embedded chDB store, which only this process can write');
    // The sole writer of an embedded store repairs its rollups after a crash, like `tally start` (issue #10).
    if (!options.store && store.kind === 'chdb') rollups = await guardRollups(store, component(logger, 'rollups'), { writer: 'tally processor' });
    const pricer = buildPricer(config);
    alertsProducer = log.producer();
    // Budget counters need the shared counter store: only with Redis (or Redis Cluster) configured.
    if (redisConfigured(config)) {
      budgets = await buildBudgets({ config, store, logger, metrics, health: ctx.health, pricer, alertsSend: alertsTopicSender(alertsProducer, topics.alerts.name), ...(options.budgets ? { overrides: options.budgets } : {}) });
    }
    priceBooks = await buildPriceBooks({ store, pricer, logger });
    processor = buildProcessor({
      ...ctx, log, store, pricer, topics, priceBooks: priceBooks.source,
      ...(budgets ? { counters: budgets.engine, alerts: budgets.publisher } : {}),
      ...(options.processor ? { overrides: options.processor } : {}),
    });
    addReadinessProbes(ctx.health, [storeProbe(store), budgets ? redisProbe(budgets.counters) : null, kafkaProbe(log, topics.raw.name)]);
    app = await createHealthApp(ctx);
    const { url, port } = await listen(app, config.api.host, config.processor.healthPort);
    await processor.start();
    logger.info({ health: `${url}/readyz`, store: describeStore(config), brokers: config.kafka.brokers }, 'processor running');
    const handle: ProcessorProcess = {
      url, port, steps, processor, log, store, topics, budgets, priceBooks, app,
      close: () => runSteps(logger, steps),
    };
    return handle;
  }, (err) => explainStartupError(err, config, 'the health port setting (processor.healthPort, TALLY_HEALTH_PORT)'));
}
