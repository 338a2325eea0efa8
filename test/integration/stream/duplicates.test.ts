/**
 * Issue #12 acceptance: an event id sent again in a batch far from its first
 * copy in the log (thousands of offsets later, after a processor restart) is
 * counted once in usage_events, in every rollup and in the Redis counters —
 * on the real broker, the processor's dedupe window asking the store only
 * about suspects. And what happens beyond the window: a duplicate sent later
 * than the window reaches usage_events (one row after FINAL) and the rollups
 * (twice, until repaired), the counters still skip it (their own window is
 * 24 h), and tally_dedupe_late_duplicates_total counts it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs, type Topics } from '../../../src/eventlog/topics.js';
import type { EventLog } from '../../../src/eventlog/types.js';
import type { Processor } from '../../../src/processor/processor.js';
import { buildPricer } from '../../../src/runtime/adapters.js';
import { buildBudgets, type Budgets } from '../../../src/runtime/budgets.js';
import { buildProcessor } from '../../../src/runtime/processor.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { describeWith, kafkaBrokers, serviceUrl, uniqueName } from '../../support/services.js';
import { waitFor } from './harness.js';
import { counterTokens, fillers, onceEverywhere, usageEvent } from '../../support/duplicates.js';

describeWith(['kafka', 'redis'], 'a duplicate far apart in the log (Kafka → processor → chDB + Redis)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-dup-'));
  let store: AnalyticsStore;
  let log: EventLog;
  let topics: Topics;
  let config: TallyConfig;
  let budgets: Budgets;
  let metrics: Metrics;
  let processor: Processor | undefined;

  const startProcessor = async (dedupWindowSeconds: number): Promise<void> => {
    metrics = createMetrics({ defaultMetrics: false });
    processor = buildProcessor({
      config: { ...config, processor: { ...config.processor, dedupWindowSeconds } },
      logger: silentLogger(), metrics, health: new HealthState(), log, store, pricer: buildPricer(config), topics, counters: budgets.engine,
    });
    await processor.start();
  };
  const send = async (events: readonly Record<string, unknown>[]): Promise<void> => {
    const producer = log.producer();
    await producer.send(topics.raw.name, events.map((e) => ({ key: String(e.tenant), value: JSON.stringify(e) })));
    await producer.close();
  };
  const stored = async (): Promise<number> => {
    const [r] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
    return Number(r?.n ?? 0);
  };
  const consumed = async (): Promise<number> => (await metrics.eventsConsumed.get()).values.reduce((s, v) => s + v.value, 0);

  beforeAll(async () => {
    store = await createChdbStore({ dataDir, database: uniqueName('dup') });
    await migrate(store);
    const prefix = uniqueName('tdup');
    topics = resolveTopics({ prefix: `${prefix}.`, raw: { partitions: 2 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    config = loadConfig({ env: {}, overrides: { redis: { url: serviceUrl('redis') ?? '', keyPrefix: prefix }, processor: { groupId: `${prefix}.processor`, maxWaitTimeMs: 20, minBytes: 1 } } });
    log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: prefix });
    await log.ensureTopics(topicSpecs(topics));
    budgets = await buildBudgets({ config, store, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), pricer: buildPricer(config) });
    await budgets.repository.create({ id: 'dup-tokens', name: 'tokens per tenant', metric: 'tokens', limit: 1_000_000_000_000, period: 'rolling', window: '24h', scope: { tenant: '*' } });
    await budgets.source.refresh();
  });

  afterAll(async () => {
    await processor?.stop();
    await budgets?.counters.clear();
    await budgets?.close();
    await log?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts an id sent again thousands of offsets later, and again after a restart, once in the store, every rollup and the counters', { timeout: 180_000 }, async () => {
    await startProcessor(600);
    const dup = usageEvent('dupt', 'dup-1', 7_777_777);
    await send([...fillers('dupt', 'a', 1_000), dup, ...fillers('dupt', 'b', 1_000)]);
    await waitFor('the first copy stored', async () => (await stored()) >= 2_001);
    // 5,000 records later, in another batch: the same id (another log position).
    await send(fillers('dupt', 'c', 5_000));
    await send([dup, ...fillers('dupt', 'd', 10)]);
    await waitFor('every record consumed', async () => (await consumed()) >= 7_012);
    expect(await stored()).toBe(7_011);
    expect((await metrics.eventsConsumed.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value).toBe(1);
    // New events were written without asking the store: only the duplicate (and nothing else) was looked up.
    const paths = Object.fromEntries((await metrics.dedupeEvents.get()).values.map((v) => [v.labels.path, v.value]));
    expect(paths).toEqual({ direct: 7_011, verified: 1 });

    // A new processor (empty window, refilled from the store): the id again.
    await processor?.stop();
    await startProcessor(600);
    await send([dup, ...fillers('dupt', 'e', 10)]);
    await waitFor('the records after the restart consumed', async () => (await consumed()) >= 11);
    expect(await stored()).toBe(7_021);

    await onceEverywhere(store, 'dupt', 'dup-1', 7_021);
    expect(await counterTokens(budgets, 'dupt')).toBe(await rawTokens(store, 'dupt'));
  });

  it('beyond the window: stored again but one row after FINAL, skipped by the counters, and counted in tally_dedupe_late_duplicates_total', { timeout: 120_000 }, async () => {
    await processor?.stop();
    await startProcessor(1);
    const late = usageEvent('latet', 'late-1', 3_333);
    await send([late, ...fillers('latet', 'a', 10)]);
    await waitFor('the first copy consumed', async () => (await consumed()) >= 11);
    await new Promise((r) => setTimeout(r, 3_500));
    await send([late]);
    await waitFor('the late copy consumed', async () => (await consumed()) >= 12);
    // Both copies were inserted (a merge may already have collapsed them): FINAL reads keep one.
    expect((await metrics.dedupeEvents.get()).values.find((v) => v.labels.path === 'direct')?.value).toBe(12);
    const [rows] = await store.sql.query<{ final: string; rollup: string }>({
      sql: `SELECT toString(count()) AS final, toString((SELECT sum(events) FROM usage_rollup_full WHERE tenant = 'latet' AND grain = 'daily')) AS rollup
            FROM usage_events FINAL WHERE tenant = 'latet' AND sign = 1`,
    });
    // The rollups count it twice until the rollup repair compares them with raw (docs/storage.md, "Dedupe").
    expect(rows).toEqual({ final: '11', rollup: '12' });
    expect((await metrics.dedupeLate.get()).values[0]?.value).toBe(1);
    expect(await counterTokens(budgets, 'latet')).toBe(await rawTokens(store, 'latet'));
  });
});

async function rawTokens(store: AnalyticsStore, tenant: string): Promise<string> {
  const [r] = await store.sql.query<{ t: string }>({ sql: 'SELECT toString(sum(total_tokens)) AS t FROM usage_events FINAL WHERE tenant = {tenant:String} AND sign = 1', params: { tenant } });
  return r?.t ?? '0';
}
