/**
 * Config → adapters. The one place that decides which implementation of each
 * port a process uses: ClickHouse when `clickhouse.url` is set, else the
 * embedded chDB store under the data directory; Kafka for the distributed
 * processes, the direct log for `tally start`; Redis (or Redis Cluster) for
 * the counters when configured, else memory. Each adapter (and its client
 * library: chdb, @clickhouse/client, kafkajs, ioredis) is imported when it is
 * opened, so a command loads only the ones it uses.
 */
import { join } from 'node:path';
import type { TallyConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import { resolveTopics, type Topics } from '../eventlog/topics.js';
import type { EventLog } from '../eventlog/types.js';
import { createPricer, loadCatalog, type Pricer } from '../pricing/index.js';
import type { AnalyticsStore } from '../store/types.js';
import type { CounterStore } from '../counters/types.js';

/** Where the embedded chDB engine keeps its files. */
export function chdbDataDir(config: TallyConfig): string {
  return join(config.dataDir, 'chdb');
}

export async function openStore(config: TallyConfig, logger: Logger): Promise<AnalyticsStore> {
  const c = config.clickhouse;
  if (c.url) {
    const { createClickHouseStore } = await import('../store/clickhouse/store.js');
    return createClickHouseStore({ url: c.url, username: c.username, password: c.password, database: c.database, requestTimeoutMs: c.requestTimeoutMs, sharded: c.shards, logger });
  }
  const { createChdbStore } = await import('../store/chdb/store.js');
  return createChdbStore({ dataDir: chdbDataDir(config), database: c.database, serverSettings: c.embeddedServerSettings, logger });
}

/** Redis or a Redis Cluster is configured: budgets and quota share counters across processes. */
export function redisConfigured(config: TallyConfig): boolean {
  return Boolean(config.redis.url || config.redis.clusterNodes);
}

export function describeStore(config: TallyConfig): string {
  return config.clickhouse.url ? `ClickHouse ${new URL(config.clickhouse.url).host}/${config.clickhouse.database}` : `chDB ${chdbDataDir(config)}`;
}

export async function openKafka(config: TallyConfig, logger: Logger): Promise<EventLog> {
  const { createKafkaEventLog } = await import('../eventlog/kafka/log.js');
  const k = config.kafka;
  const p = config.processor;
  return createKafkaEventLog({
    brokers: k.brokers, clientId: k.clientId, ssl: k.ssl, ...(k.sasl ? { sasl: k.sasl } : {}), logger,
    producer: { sendTimeoutMs: k.sendTimeoutMs, idempotent: k.idempotent },
    consumer: { sessionTimeoutMs: p.sessionTimeoutMs, heartbeatIntervalMs: p.heartbeatIntervalMs },
  });
}

export function topicsOf(config: TallyConfig): Topics {
  const t = config.topics;
  return resolveTopics({
    raw: { name: t.raw, partitions: t.rawPartitions },
    dlq: { name: t.dlq, partitions: t.sidePartitions },
    alerts: { name: t.alerts, partitions: t.sidePartitions },
  });
}

export function buildPricer(config: TallyConfig, extraPriceFiles: readonly string[] = []): Pricer {
  const catalog = loadCatalog({ files: [...config.pricing.priceFiles, ...extraPriceFiles], litellmInclusiveThresholds: config.pricing.litellmInclusiveThresholds });
  return createPricer(catalog, { deployments: config.pricing.azureDeployments, reportedCost: config.pricing.reportedCost, batchCache: config.pricing.batchCache });
}

export interface CounterStoreConfig {
  /** Redis URL; with neither url nor clusterNodes the store is in memory. */
  readonly url?: string;
  /** `host:port` seed nodes of a Redis Cluster; win over url. */
  readonly clusterNodes?: readonly string[];
  /** Key prefix, e.g. `tally` (a `:` is added). */
  readonly keyPrefix?: string;
  /** Redis that may evict keys: `refuse` to connect (default) or `warn` (config redis.unsafeEvictionPolicy). */
  readonly unsafeEvictionPolicy?: 'refuse' | 'warn';
  /** Where Redis connect warnings go. */
  readonly logger?: Logger;
}

/** Connects the configured counter store (waits for Redis to answer). */
export async function createCounterStore(config: CounterStoreConfig): Promise<CounterStore> {
  const prefix = config.keyPrefix ?? 'tally';
  const checks = { unsafeEvictionPolicy: config.unsafeEvictionPolicy ?? 'refuse', ...(config.logger ? { logger: config.logger } : {}) };
  if (config.clusterNodes && config.clusterNodes.length > 0) {
    const nodes = config.clusterNodes.map((hp) => {
      const cut = hp.lastIndexOf(':');
      return { host: hp.slice(0, cut), port: Number(hp.slice(cut + 1)) };
    });
    const { createRedisCounterStore } = await import('../counters/redis/store.js');
    return createRedisCounterStore({ clusterNodes: nodes, prefix, ...checks });
  }
  if (config.url) {
    const { createRedisCounterStore } = await import('../counters/redis/store.js');
    return createRedisCounterStore({ url: config.url, prefix, ...checks });
  }
  const { MemoryCounterStore } = await import('../counters/memory/store.js');
  return new MemoryCounterStore({ prefix });
}
