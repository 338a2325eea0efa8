/**
 * `tally api`: the HTTP API of the distributed deployment on `api.host:port`:
 * ingest to Kafka (202 once Kafka acknowledged), analytics from the store,
 * budgets and quota from Redis, the dashboard, health and metrics. Refuses to
 * start without API keys (only the embedded mode may run open, and only on
 * 127.0.0.1) and without Redis (budgets and quota need shared counters).
 * Alerts are published by the processors; the API only reads and reserves.
 */
import { createStatementService } from '../../billing/statement-service.js';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../api/app.js';
import { ApiKeyring } from '../../api/auth.js';
import { allowedHostsFor } from '../../api/web-guard.js';
import { createAnalyticsService } from '../../analytics/service.js';
import { TallyError } from '../../core/errors.js';
import { component } from '../../core/logger.js';
import type { Topics } from '../../eventlog/topics.js';
import type { EventLog } from '../../eventlog/types.js';
import type { IngestService } from '../../ingest/service.js';
import type { AnalyticsStore } from '../../store/types.js';
import { buildPricer, describeStore, openStore, redisConfigured } from '../adapters.js';
import { buildBudgets, type Budgets, type BudgetsOverrides } from '../budgets.js';
import { buildPriceBooks, walletsService, type PriceBooks } from '../billing.js';
import type { ProcessContext } from '../context.js';
import { buildTraceReceiver, openKafkaIngest, type KafkaIngest } from '../ingest.js';
import { addReadinessProbes, kafkaProbe, redisProbe, storeProbe } from '../readiness.js';
import { runSteps, type ShutdownStep } from '../shutdown.js';
import { listen, starting, type ProcessHandle } from './handle.js';
import { assertMigrated, explainStartupError } from '../startup-errors.js';

export interface ApiProcessOptions {
  /** An open analytics store to use instead of the configured one; the process does not close it (tests). */
  readonly store?: AnalyticsStore;
  readonly budgets?: BudgetsOverrides;
}

export interface ApiProcess extends ProcessHandle {
  readonly app: FastifyInstance;
  readonly log: EventLog;
  readonly store: AnalyticsStore;
  readonly topics: Topics;
  readonly ingest: IngestService;
  readonly budgets: Budgets;
}

export async function startApi(ctx: ProcessContext, options: ApiProcessOptions = {}): Promise<ApiProcess> {
  const { config, logger, metrics, health } = ctx;
  if (config.api.keys.length === 0) {
    throw new TallyError('CONFIG_INVALID', 'tally api refuses to start without API keys: set TALLY_API_KEYS (id:role:tenant:secret, comma-separated) or api.keys in the config file. For a local all-in-one without keys, use `tally start`.');
  }
  if (!redisConfigured(config)) {
    throw new TallyError('CONFIG_INVALID', 'tally api needs Redis for budgets and quota checks: set REDIS_URL or REDIS_CLUSTER_NODES (redis.url / redis.clusterNodes)');
  }
  let kafka: KafkaIngest | undefined;
  let store: AnalyticsStore | undefined = options.store;
  let budgets: Budgets | undefined;
  let priceBooks: PriceBooks | undefined;
  let app: FastifyInstance | undefined;
  const steps: ShutdownStep[] = [
    { name: 'http', run: async () => app?.close() },
    { name: 'budgets', run: async () => budgets?.close() },
    { name: 'price books', run: async () => priceBooks?.close() },
    { name: 'producer', run: async () => kafka?.producer.close() },
    { name: 'event log', run: async () => kafka?.log.close() },
    { name: 'store', run: async () => (options.store ? undefined : store?.close()) },
  ];
  return starting(logger, steps, async () => {
    kafka = await openKafkaIngest({ config, logger, metrics });
    store ??= await openStore(config, logger);
    await assertMigrated(store);
    const leases = config.budgets.leases;
    const pricer = buildPricer(config);
    // Quota reservations hold a call's billed price on wallets: the price books in force, kept current.
    priceBooks = await buildPriceBooks({ store, pricer, logger });
    budgets = await buildBudgets({
      config, store, logger, metrics, health, pricer, priceBooks: priceBooks.source, keepWallets: true,
      ...(options.budgets ? { overrides: options.budgets } : {}),
      // Budget leases (budgets.leases): checks and reservations far from a limit answered in memory; a grant may be
      // settled through any API process (the holder applies settles recorded in Redis at its next renewal).
      ...(leases.enabled ? { leases: { ttlMs: leases.ttlMs, renewMs: leases.renewMs, refreshMs: leases.refreshMs, headroomFactor: leases.headroomFactor } } : {}),
    });
    // Redis away only degrades the API while every budget fails open: its checks are all answered (readiness.ts).
    const engine = budgets.engine;
    addReadinessProbes(health, [storeProbe(store), redisProbe(budgets.counters, () => engine.failsOpenOnly()), kafkaProbe(kafka.log, kafka.topics.raw.name)]);
    app = await createApp({
      logger: component(logger, 'http'), metrics, health, keyring: new ApiKeyring(config.api.keys), openAccess: false, bodyLimitBytes: config.api.bodyLimitBytes,
      allowedHosts: allowedHostsFor({ openAccess: false, boundHost: config.api.host, configured: config.api.allowedHosts }),
      services: {
        ingest: kafka.ingest,
        traces: buildTraceReceiver(config, kafka.ingest, metrics),
        maxBatchEvents: config.api.maxBatchEvents,
        analytics: createAnalyticsService(store),
        budgets: budgets.admin,
        quota: budgets.quota,
        // Processors pick a change up by polling; this process loads it at once (quota price estimates).
        priceBooks: priceBooks.api,
        statements: createStatementService(store, pricer),
        wallets: walletsService(store, budgets),
      },
    });
    const { url, port } = await listen(app, config.api.host, config.api.port);
    logger.info({ url, store: describeStore(config), keys: config.api.keys.length }, 'api listening');
    const handle: ApiProcess = {
      url, port, steps, app, log: kafka.log, store, topics: kafka.topics, ingest: kafka.ingest, budgets,
      close: () => runSteps(logger, steps),
    };
    return handle;
  }, (err) => explainStartupError(err, config));
}
