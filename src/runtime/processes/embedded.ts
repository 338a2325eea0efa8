/**
 * `tally start`: the embedded all-in-one: ingest, processor and API in one
 * process over the direct event log. Same code paths as the distributed
 * processes: the HTTP ingest produces to the raw topic, the processor consumes
 * it into the store, and a 202 means stored (the direct log's `send` resolves
 * after the processor handled the records). Raw offsets continue from the
 * store's highest, so a restart keeps data and counting exact.
 *
 * The store and the counters are the configured ones: `tally start` clears
 * `clickhouse.url` and the Redis settings, so it runs on chDB under the data
 * directory with in-memory counters rebuilt from the store at start. With no
 * API keys configured it listens on 127.0.0.1 only and every request acts as
 * an all-tenant admin (`openAccess`).
 */
import { createStatementService } from '../../billing/statement-service.js';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../api/app.js';
import { ApiKeyring } from '../../api/auth.js';
import { allowedHostsFor } from '../../api/web-guard.js';
import { createAnalyticsService } from '../../analytics/service.js';
import { component } from '../../core/logger.js';
import { createDirectEventLog } from '../../eventlog/direct/log.js';
import { topicSpecs, type Topics } from '../../eventlog/topics.js';
import type { EventLog, LogProducer } from '../../eventlog/types.js';
import { createIngestService, type IngestService } from '../../ingest/service.js';
import { buildTraceReceiver } from '../ingest.js';
import type { Processor } from '../../processor/processor.js';
import { migrate } from '../../store/migrate.js';
import type { AnalyticsStore } from '../../store/types.js';
import { buildPricer, openStore, topicsOf } from '../adapters.js';
import { alertsTopicSender, buildBudgets, type Budgets, type BudgetsOverrides } from '../budgets.js';
import type { ProcessContext } from '../context.js';
import { buildProcessor, type ProcessorOverrides } from '../processor.js';
import { buildPriceBooks, walletsService, type PriceBooks } from '../billing.js';
import { addReadinessProbes, redisProbe, storeProbe } from '../readiness.js';
import { runSteps, type ShutdownStep } from '../shutdown.js';
import { timeWindowOf } from '../time-window.js';
import { guardRollups, type RollupGuard } from '../rollup-guard.js';
import { withDurableDeadLetters } from '../durable-dlq.js';
import { boundHeapGrowth } from '../heap.js';
import { listen, starting, type ProcessHandle } from './handle.js';
import { explainStartupError } from '../startup-errors.js';

/** The later of two next-offset maps, partition by partition. */
function laterOffsets(a: Record<number, string>, b: Record<number, string>): Record<number, string> {
  const out: Record<number, string> = { ...a };
  for (const [p, next] of Object.entries(b)) {
    const mine = out[Number(p)];
    if (mine === undefined || BigInt(next) > BigInt(mine)) out[Number(p)] = next;
  }
  return out;
}

/** Partitions of the embedded raw topic: enough for the processor to overlap store writes. */
export const EMBEDDED_RAW_PARTITIONS = 4;

export interface EmbeddedOptions {
  /** An open analytics store to use instead of the configured one; the process does not close it (tests). */
  readonly store?: AnalyticsStore;
  readonly processor?: ProcessorOverrides;
  readonly budgets?: BudgetsOverrides;
}

export interface Embedded extends ProcessHandle {
  readonly app: FastifyInstance;
  readonly log: EventLog;
  readonly store: AnalyticsStore;
  readonly ingest: IngestService;
  readonly topics: Topics;
  readonly processor: Processor;
  /** No API keys configured: bound to 127.0.0.1, every request accepted without a key. */
  readonly openAccess: boolean;
  readonly budgets: Budgets;
  /** Customers' price books: what the processor bills with (issue 16). */
  readonly priceBooks: PriceBooks;
  /** What the start-up comparison of the rollups with raw events found and repaired (null after a clean stop). */
  readonly rollups: RollupGuard;
}

export async function startEmbedded(ctx: ProcessContext, options: EmbeddedOptions = {}): Promise<Embedded> {
  const { config, logger, metrics, health } = ctx;
  let store: AnalyticsStore | undefined = options.store;
  let log: EventLog | undefined;
  let alertsProducer: LogProducer | undefined;
  let producer: LogProducer | undefined;
  let budgets: Budgets | undefined;
  let priceBooks: PriceBooks | undefined;
  let processor: Processor | undefined;
  let app: FastifyInstance | undefined;
  let rollups: RollupGuard | undefined;
  const steps: ShutdownStep[] = [
    { name: 'http', run: async () => app?.close() },
    { name: 'processor', run: async () => processor?.stop() },
    { name: 'budgets', run: async () => budgets?.close() },
    { name: 'price books', run: async () => priceBooks?.close() },
    { name: 'alerts producer', run: async () => alertsProducer?.close() },
    { name: 'producer', run: async () => producer?.close() },
    { name: 'event log', run: async () => log?.close() },
    { name: 'rollup checkpoint', run: async () => rollups?.stop() },
    { name: 'store', run: async () => (options.store ? undefined : store?.close()) },
  ];
  // V8 lets garbage grow to ~4× the live heap unless told otherwise (processor.heapGrowthPercent).
  boundHeapGrowth(config.processor.heapGrowthPercent);
  return starting(logger, steps, async () => {
    store ??= await openStore(config, logger);
    const engine = store.engine;
    // chDB runs in this process: most of its memory beyond V8 and code is the engine's, so /metrics shows it.
    if (store.kind === 'chdb') {
      metrics.readEngineMemoryFrom(async () => {
        const m = await engine.memory();
        return { tracked: m.trackedBytes, allocator_allocated: m.allocatorAllocatedBytes, allocator_resident: m.allocatorResidentBytes };
      });
    }
    await migrate(store, { logger: component(logger, 'migrate') });
    // Before anything writes: rollups equal to raw again after a crash (issue #10), then checkpoints while running.
    rollups = await guardRollups(store, component(logger, 'rollups'), { writer: 'tally start' });
    const timeWindow = timeWindowOf(config, await store.events.retentionMonths());
    const base = topicsOf(config);
    const topics: Topics = { ...base, raw: { ...base.raw, partitions: EMBEDDED_RAW_PARTITIONS } };
    log = createDirectEventLog({
      logger,
      awaitConsumerTopics: [topics.raw.name],
      // Batches as large as the processor writes in one step: each batch costs the store a fixed amount (its
      // partition's high offset read and recorded), whatever its size.
      maxBatchRecords: config.processor.maxSinkBatch,
      // Nothing here replays the raw topic (`tally replay --embedded` reads the dead letters from the store), so its
      // records go once handled. Keeping 10,000 per partition cost ~28 MiB of tally start's floor (idle after 400,000
      // events: 550-552 against 578-580 MiB; bench part memory-baseline, README "Capacity").
      retainByTopic: { [topics.raw.name]: 0 },
      // Past the highest stored or dead-lettered offset per partition of the raw topic, so offsets keep increasing across restarts.
      startOffsets: { [topics.raw.name]: laterOffsets(await store.events.nextOffsets(topics.raw.name), await store.deadLetters.nextOffsets(topics.raw.name)) },
    });
    await log.ensureTopics(topicSpecs(topics));

    const pricer = buildPricer(config);
    // Memory counters without Redis (`tally start`), rebuilt from the store before any traffic.
    alertsProducer = log.producer();
    const leases = config.budgets.leases;
    priceBooks = await buildPriceBooks({ store, pricer, logger });
    budgets = await buildBudgets({
      config, store, logger, metrics, pricer, health, alertsSend: alertsTopicSender(alertsProducer, topics.alerts.name), ...(options.budgets ? { overrides: options.budgets } : {}),
      // Budget leases (budgets.leases), as in `tally api`.
      ...(leases.enabled ? { leases: { ttlMs: leases.ttlMs, renewMs: leases.renewMs, refreshMs: leases.refreshMs, headroomFactor: leases.headroomFactor } } : {}),
      // Wallets refuse what the balance cannot pay for: reservations hold the billed price under the customer's book.
      priceBooks: priceBooks.source, keepWallets: true,
    });
    // Dead letters are kept in the store: the direct log holds them in memory only (issue #10).
    processor = buildProcessor({ ...ctx, log: withDurableDeadLetters(log, topics.dlq.name, store), store, pricer, topics, timeWindow, counters: budgets.engine, alerts: budgets.publisher, priceBooks: priceBooks.source, ...(options.processor ? { overrides: options.processor } : {}) });
    await processor.start();

    const openAccess = config.api.keys.length === 0;
    const host = openAccess ? '127.0.0.1' : config.api.host;
    producer = log.producer();
    const ingest = createIngestService({ producer, rawTopic: topics.raw.name, metrics, timeWindow, pricer, cloudEvents: config.cloudevents });
    app = await createApp({
      logger: component(logger, 'http'),
      metrics,
      health,
      keyring: new ApiKeyring(config.api.keys),
      openAccess,
      allowedHosts: allowedHostsFor({ openAccess, boundHost: host, configured: config.api.allowedHosts }),
      bodyLimitBytes: config.api.bodyLimitBytes,
      services: { ingest, traces: buildTraceReceiver(config, ingest, metrics), maxBatchEvents: config.api.maxBatchEvents, analytics: createAnalyticsService(store), budgets: budgets.admin, quota: budgets.quota, priceBooks: priceBooks.api, wallets: walletsService(store, budgets), statements: createStatementService(store, pricer) },
    });
    // Readiness: the store; the event log and the counters are in this process.
    addReadinessProbes(health, [storeProbe(store), redisProbe(budgets.counters)]);
    const { url, port } = await listen(app, host, config.api.port);
    const handle: Embedded = {
      url, port, steps, app, log, store, ingest, topics, processor, openAccess, budgets, priceBooks, rollups,
      close: () => runSteps(logger, steps),
    };
    return handle;
  }, (err) => explainStartupError(err, config));
}
