/**
 * `tally api` — the HTTP API of the distributed deployment: ingest to Kafka
 * (202 once Kafka acknowledged), analytics from the store, budgets and quota
 * from Redis, dashboard, health and metrics. Refuses to start without API
 * keys: only `tally start` may run open, and only on 127.0.0.1.
 */
import type { Command } from 'commander';
import { createApp } from '../../api/app.js';
import { ApiKeyring } from '../../api/auth.js';
import { TallyError } from '../../core/errors.js';
import { createIngestService } from '../../ingest/service.js';
import { component } from '../../core/logger.js';
import { topicSpecs } from '../../eventlog/topics.js';
import { createAnalyticsService } from '../../analytics/service.js';
import { buildPricer, describeStore, openKafka, openStore, topicsOf } from '../../runtime/adapters.js';
import { buildBudgets } from '../../runtime/budgets.js';
import { onShutdown } from '../../runtime/shutdown.js';
import { cliContext, withConfigFlags, type ConfigFlags } from '../context.js';

interface ApiFlags extends ConfigFlags {
  readonly port?: string;
  readonly host?: string;
}

export function registerApi(program: Command): void {
  withConfigFlags(
    program
      .command('api')
      .description('serve the HTTP API: ingest to Kafka, analytics, budgets and quota (distributed mode; needs API keys)')
      .option('-p, --port <port>', 'HTTP port (default 8787 or TALLY_PORT)')
      .option('--host <host>', 'listen address (default 0.0.0.0 or TALLY_HOST)'),
    { dataDir: true },
  ).action(async (flags: ApiFlags) => {
    const ctx = cliContext(flags, { ...(flags.port ? { api: { port: Number(flags.port) } } : {}), ...(flags.host ? { api: { host: flags.host } } : {}) });
    const { config, logger, metrics, health } = ctx;
    if (config.api.keys.length === 0) {
      throw new TallyError('CONFIG_INVALID', 'tally api refuses to start without API keys: set TALLY_API_KEYS (id:role:tenant:secret, comma-separated) or api.keys in the config file. For a local all-in-one without keys, use `tally start`.');
    }
    const topics = topicsOf(config);
    const log = openKafka(config, logger);
    await log.ensureTopics(topicSpecs(topics));
    const producer = log.producer();
    const store = await openStore(config, logger);
    if (!config.redis.url && !config.redis.clusterNodes) {
      throw new TallyError('CONFIG_INVALID', 'tally api needs Redis for budgets and quota checks: set REDIS_URL or REDIS_CLUSTER_NODES (redis.url / redis.clusterNodes)');
    }
    // Alerts are published by the processors; the API only reads and reserves.
    const budgets = await buildBudgets({ config, store, logger, metrics, pricer: buildPricer(config) });
    const app = await createApp({
      logger: component(logger, 'http'), metrics, health, keyring: new ApiKeyring(config.api.keys), openAccess: false, bodyLimitBytes: config.api.bodyLimitBytes,
      services: {
        ingest: createIngestService({ producer, rawTopic: topics.raw.name, metrics }),
        maxBatchEvents: config.api.maxBatchEvents,
        analytics: createAnalyticsService(store),
        budgets: budgets.admin,
        quota: budgets.quota,
      },
    });
    await app.listen({ host: config.api.host, port: config.api.port });
    logger.info({ url: `http://${config.api.host}:${config.api.port}`, store: describeStore(config), keys: config.api.keys.length }, 'api listening');
    onShutdown(logger, [
      { name: 'http', run: () => app.close() },
      { name: 'budgets', run: () => budgets.close() },
      { name: 'producer', run: () => producer.close() },
      { name: 'event log', run: () => log.close() },
      { name: 'store', run: () => store.close() },
    ]);
  });
}
