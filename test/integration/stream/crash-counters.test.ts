/**
 * The crash test with budget counters: real `tally processor` processes with
 * REDIS_URL and budgets covering all the traffic are SIGKILLed ten times at
 * random points while events flow. After the last one caught up, the Redis
 * counters equal the analytics store's totals exactly — per tenant (cost),
 * per tenant and user (tokens) and globally (requests) — and the store holds
 * exactly the valid unique events (no loss, no double count anywhere).
 *
 * The budgets are created before the first processor with the real
 * `tally budgets add`; the store is the embedded chDB directory, opened by
 * this test only after the last processor exited (one process per directory).
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs } from '../../../src/eventlog/topics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { buildPricer } from '../../../src/runtime/adapters.js';
import { buildBudgets } from '../../../src/runtime/budgets.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { runTally } from '../../support/cli.js';
import { killAllTally, spawnTally, type TallyProcess } from '../../support/processes.js';
import { describeWith, kafkaBrokers, serviceUrl, uniqueName } from '../../support/services.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { provisionalPrices } from '../../../src/pricing/provisional.js';
import { storedTotals, waitForGroupCaughtUp } from './harness.js';
import { produceSteadily, workload } from './workload.js';

describeWith(['kafka', 'redis'], 'processor crash test with Redis counters (SIGKILL ×10)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-crash-counters-'));
  afterAll(() => {
    killAllTally();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('Redis counters equal the store totals exactly after ten SIGKILLs', { timeout: 480_000 }, async () => {
    const t0 = Date.now();
    const phase = (what: string): void => console.log(`[crash-counters] +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const prefix = `${uniqueName('crashc')}.`;
    const keyPrefix = uniqueName('tcc');
    const topics = resolveTopics({ prefix, raw: { partitions: 4 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    const groupId = `${prefix}processor`;
    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: '', TALLY_DATA_DIR: dataDir,
      REDIS_URL: serviceUrl('redis'), REDIS_CLUSTER_NODES: '', TALLY_REDIS_PREFIX: keyPrefix,
      TALLY_TOPIC_RAW: topics.raw.name, TALLY_TOPIC_DLQ: topics.dlq.name, TALLY_TOPIC_ALERTS: topics.alerts.name,
      TALLY_GROUP_ID: groupId, TALLY_HEALTH_PORT: '0', TALLY_SESSION_TIMEOUT_MS: '3000', TALLY_HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'info',
    };
    expect((await runTally(['migrate'], { env })).code).toBe(0);
    // Rolling windows: every event of the workload (1–2 hours old) is inside them, whatever the time of day.
    const add = async (args: string[]): Promise<void> => {
      const r = await runTally(['budgets', 'add', '--no-backfill', '--json', ...args], { env });
      expect(r.code, r.stderr).toBe(0);
    };
    await add(['--id', 'tenant-cost', '--name', 'cost per tenant', '--metric', 'cost', '--limit', '1000000', '--period', 'rolling', '--window', '7d', '--tenant', '*']);
    await add(['--id', 'user-tokens', '--name', 'tokens per user', '--metric', 'tokens', '--limit', '1000000000', '--period', 'rolling', '--window', '2d', '--tenant', '*', '--user', '*', '--soft']);
    await add(['--id', 'all-requests', '--name', 'requests', '--metric', 'requests', '--limit', '1000000', '--period', 'rolling', '--window', '7d']);
    phase('budgets created');

    const log = createKafkaEventLog({ brokers: kafkaBrokers() });
    await log.ensureTopics(topicSpecs(topics));
    const producer = log.producer();
    const w = workload(20_000, new Date(Date.now() - 3_600_000), 'cc');
    const produced = produceSteadily(producer, topics.raw.name, w.items);

    let current: TallyProcess | undefined;
    for (let kills = 1; kills <= 10; kills++) {
      current = spawnTally(['processor'], env);
      await current.waitForLog('processor running');
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
      current.child.kill('SIGKILL');
      await current.exited;
      phase(`SIGKILL ${kills}`);
    }
    await produced;
    phase('all events produced');

    const last = spawnTally(['processor'], env);
    await last.waitForLog('processor running');
    await waitForGroupCaughtUp(groupId, topics.raw.name);
    phase('caught up');
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    await producer.close();
    await log.close();

    const store = await createChdbStore({ dataDir: join(dataDir, 'chdb'), database: 'tally' });
    const config = loadConfig({ env: {}, overrides: { redis: { url: serviceUrl('redis') ?? '', keyPrefix } } });
    const budgets = await buildBudgets({ config, store, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), pricer: buildPricer(config), overrides: { reconcileAtStart: false } });
    try {
      expect(await storedTotals(store)).toEqual({ rows: w.expected.events, events: w.expected.events, unpriced: w.expected.unpriced, tokens: w.expected.tokens, cost: w.expected.cost });
      const engine = budgets.engine;
      // Unpriced events (acme-internal) count toward cost budgets at their provisional price (issue #11), per token: their token sums price them exactly.
      const provisional = provisionalPrices(buildPricer(config).catalog);
      const perTenant = await store.sql.query<{ tenant: string; cost: string; input: string; cached: string; output: string }>({
        sql: `SELECT tenant, toString(sum(cost_total)) AS cost, toString(sumIf(input_tokens, NOT priced)) AS input,
  toString(sumIf(cached_input_tokens, NOT priced)) AS cached, toString(sumIf(output_tokens, NOT priced)) AS output
FROM usage_events FINAL WHERE sign = 1 GROUP BY tenant ORDER BY tenant`,
      });
      expect(perTenant).toHaveLength(4);
      for (const t of perTenant) {
        const held = provisional.costOf('acme-internal', { input: BigInt(t.input), cached_input: BigInt(t.cached), output: BigInt(t.output) });
        expect((await engine.status('tenant-cost', { tenant: t.tenant })).used, t.tenant).toBe(formatUsd(parseUsd(t.cost) + held));
      }
      const perUser = await store.sql.query<{ tenant: string; user: string; tokens: string }>({ sql: 'SELECT tenant, user_id AS user, toString(sum(total_tokens)) AS tokens FROM usage_events FINAL WHERE sign = 1 GROUP BY tenant, user_id ORDER BY tenant, user_id' });
      expect(perUser.length).toBeGreaterThan(100);
      const mismatched = [];
      for (const u of perUser) {
        const used = (await engine.status('user-tokens', { tenant: u.tenant, user: u.user })).used;
        if (used !== u.tokens) mismatched.push({ ...u, used });
      }
      expect(mismatched).toEqual([]);
      const [all] = await store.sql.query<{ requests: string }>({ sql: 'SELECT toString(sum(requests)) AS requests FROM usage_events FINAL WHERE sign = 1' });
      expect((await engine.status('all-requests')).used).toBe(all?.requests);
      expect(all?.requests).toBe(String(w.expected.events));
      phase('counters equal the store');
    } finally {
      await budgets.counters.clear();
      await budgets.close();
      await store.close();
    }
  });
});
