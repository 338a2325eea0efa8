/**
 * A budgets deployment for the API tests: the analytics store is chDB served
 * over HTTP by the ClickHouse TEST STAND-IN (so a `tally` child process can
 * share it), counters in the real Redis or Redis Cluster under a unique
 * prefix, and the embedded process (`startEmbedded`, as `tally start` runs
 * it, here with that store and Redis configured): the API with keys and a
 * processor over the direct log counting into the same budgets engine.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import { resolveTopics } from '../../../src/eventlog/topics.js';
import type { EventLog, LogProducer } from '../../../src/eventlog/types.js';
import type { Processor } from '../../../src/processor/processor.js';
import type { Budgets } from '../../../src/runtime/budgets.js';
import { startEmbedded } from '../../../src/runtime/processes/embedded.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { testContext } from '../../support/context.js';
import { serviceUrl, uniqueName } from '../../support/services.js';

export type RedisKind = 'redis' | 'redisCluster';

export const KEYS = {
  platform: 'sk_platform_admin_0123456789',
  acme: 'sk_acme_admin_000123456789',
  acmeRead: 'sk_acme_read_0000123456789',
  globex: 'sk_globex_admin_0123456789',
} as const;

export interface Deployment {
  readonly kind: RedisKind;
  readonly config: TallyConfig;
  readonly store: AnalyticsStore;
  readonly database: string;
  readonly prefix: string;
  readonly budgets: Budgets;
  readonly app: FastifyInstance;
  readonly log: EventLog;
  readonly producer: LogProducer;
  readonly processor: Processor;
  readonly rawTopic: string;
  /** Environment for a `tally` child process on the same store and counters. */
  readonly env: NodeJS.ProcessEnv;
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** Sends raw events through the direct log; resolves once the processor stored and counted them. */
  send(events: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

export function redisConfig(kind: RedisKind, prefix: string): TallyConfig['redis'] {
  return kind === 'redis'
    ? { url: serviceUrl('redis'), keyPrefix: prefix, unsafeEvictionPolicy: 'refuse' }
    : { clusterNodes: (serviceUrl('redisCluster') ?? '').split(','), keyPrefix: prefix, unsafeEvictionPolicy: 'refuse' };
}

export async function deploy(kind: RedisKind, standinUrl: string): Promise<Deployment> {
  const database = uniqueName('tb_api');
  const prefix = uniqueName('tba');
  const topics = resolveTopics({ prefix: `${prefix}.` });
  const config = loadConfig({
    env: {},
    overrides: {
      clickhouse: { url: standinUrl, database },
      redis: redisConfig(kind, prefix),
      topics: { raw: topics.raw.name, dlq: topics.dlq.name, alerts: topics.alerts.name, sidePartitions: 1 },
      api: { host: '127.0.0.1', port: 0, bodyLimitBytes: 1024 * 1024, keys: [
        { id: 'platform', key: KEYS.platform, tenant: '*', role: 'admin' },
        { id: 'acme', key: KEYS.acme, tenant: 'acme', role: 'admin' },
        { id: 'acme-read', key: KEYS.acmeRead, tenant: 'acme', role: 'read' },
        { id: 'globex', key: KEYS.globex, tenant: 'globex', role: 'admin' },
      ] },
      processor: { maxWaitTimeMs: 20, minBytes: 1 },
    } as never,
  });
  const embedded = await startEmbedded(testContext(config), {
    budgets: { pollMs: 100, backfillSettleMs: 300 },
    processor: { retryInitialDelayMs: 50, retryMaxDelayMs: 500 },
  });
  const { store, budgets, app, log, processor } = embedded;
  const producer = log.producer();
  const env: NodeJS.ProcessEnv = {
    CLICKHOUSE_URL: standinUrl, CLICKHOUSE_DATABASE: database, TALLY_REDIS_PREFIX: prefix,
    REDIS_URL: kind === 'redis' ? serviceUrl('redis') : '', REDIS_CLUSTER_NODES: kind === 'redisCluster' ? serviceUrl('redisCluster') : '',
  };
  return {
    kind, config, store, database, prefix, budgets, app, log, producer, processor, rawTopic: embedded.topics.raw.name, env,
    call: (method, url, key, body) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) }),
    send: (events) => producer.send(embedded.topics.raw.name, events.map((e) => ({ key: String(e.tenant ?? 'default'), value: JSON.stringify(e) }))),
    async close() {
      await producer.close();
      await budgets.counters.clear();
      await embedded.close();
    },
  };
}

let seq = 0;

/** A gpt-4o-mini call ($0.15 / $0.60 per million tokens) a minute ago. */
export function usageEvent(tenant: string, user: string, input: number, output: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  seq += 1;
  return {
    event_id: `${uniqueName('ev')}-${seq}`, tenant, user_id: user, provider: 'openai', model: 'gpt-4o-mini',
    occurred_at: new Date(Date.now() - 60_000).toISOString(), usage: { prompt_tokens: input, completion_tokens: output }, ...extra,
  };
}

/** The store's exact sums for a tenant (and user), as the counters should see them. */
export async function storeSums(store: AnalyticsStore, tenant: string, user?: string): Promise<{ cost: string; tokens: string; requests: string }> {
  const [row] = await store.sql.query<{ cost: string; tokens: string; requests: string }>({
    sql: `SELECT toString(sum(cost_total)) AS cost, toString(sum(total_tokens)) AS tokens, toString(sum(requests)) AS requests
          FROM usage_events FINAL WHERE sign = 1 AND tenant = {tenant:String} ${user === undefined ? '' : 'AND user_id = {user:String}'}`,
    params: { tenant, ...(user === undefined ? {} : { user }) },
  });
  if (!row) throw new Error('no sums');
  return row;
}
