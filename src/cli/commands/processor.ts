/**
 * `tally processor` — a consumer-group member: usage.raw → DLQ / analytics
 * store / counters, committing only after the sinks acknowledged. Serves
 * /healthz, /readyz and /metrics on processor.healthPort. Run as many as the
 * raw topic has partitions.
 */
import type { Command } from 'commander';
import { createApp } from '../../api/app.js';
import { ApiKeyring } from '../../api/auth.js';
import { component } from '../../core/logger.js';
import { topicSpecs } from '../../eventlog/topics.js';
import { buildPricer, describeStore, openKafka, openStore, topicsOf } from '../../runtime/adapters.js';
import { alertsTopicSender, buildBudgets, type Budgets } from '../../runtime/budgets.js';
import { buildProcessor } from '../../runtime/processor.js';
import { onShutdown } from '../../runtime/shutdown.js';
import { cliContext, withConfigFlags, type ConfigFlags } from '../context.js';

export function registerProcessor(program: Command): void {
  withConfigFlags(
    program.command('processor').description('consume usage.raw into the analytics store and the budget counters (distributed mode)'),
    { dataDir: true },
  ).action(async (flags: ConfigFlags) => {
    const ctx = cliContext(flags);
    const { config, logger, metrics, health } = ctx;
    const topics = topicsOf(config);
    const log = openKafka(config, logger);
    await log.ensureTopics(topicSpecs(topics));
    const store = await openStore(config, logger);
    if (!config.clickhouse.url) logger.warn({ store: describeStore(config) }, 'no CLICKHOUSE_URL: using the embedded chDB store, which only this process can write');
    const pricer = buildPricer(config);
    // Budget counters need the shared counter store: only with Redis (or Redis Cluster) configured.
    const alertsProducer = log.producer();
    const budgets: Budgets | null = config.redis.url || config.redis.clusterNodes
      ? await buildBudgets({ config, store, logger, metrics, pricer, alertsSend: alertsTopicSender(alertsProducer, topics.alerts.name) })
      : null;
    const processor = buildProcessor({ ...ctx, log, store, pricer, topics, ...(budgets ? { counters: budgets.engine, alerts: budgets.publisher } : {}) });

    const app = await createApp({ logger: component(logger, 'http'), metrics, health, keyring: new ApiKeyring([]), openAccess: false, bodyLimitBytes: 1024, services: {} });
    await app.listen({ host: config.api.host, port: config.processor.healthPort });
    await processor.start();
    logger.info({ health: `http://${config.api.host}:${config.processor.healthPort}/readyz`, store: describeStore(config), brokers: config.kafka.brokers }, 'processor running');

    onShutdown(logger, [
      { name: 'processor', run: () => processor.stop() },
      { name: 'health server', run: () => app.close() },
      { name: 'budgets', run: async () => budgets?.close() },
      { name: 'alerts producer', run: () => alertsProducer.close() },
      { name: 'event log', run: () => log.close() },
      { name: 'store', run: () => store.close() },
    ]);
  });
}
