/**
 * Redis loses its data under traffic (issue 18, item 2): FLUSHALL, then an
 * empty restart (SIGKILL and start again, no persistence), on a Redis of this
 * test's own (`scripts/services.sh`; the other suites share the main Redis).
 * The API (`startApi`) and the processor (`startProcessor`) run in this
 * process on the shared Kafka broker (topics of their own) and one chDB store;
 * clients post events over HTTP and ask for quota checks all the time.
 *
 * Shown, with the default outage policy (`store`): the loss is detected (log
 * line, tally_counters_lost_total, the `counters-epoch` readiness check went
 * down and up again), no check of a tenant whose hard budget was exceeded
 * before the loss is allowed afterwards (before: 9 of 48 were), and every
 * budget status equals the store once the stream caught up — nobody ran
 * `tally reconcile`.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import { createLogger } from '../../../src/core/logger.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import { parseUsd } from '../../../src/core/money.js';
import { createProcessContext, type ProcessContext } from '../../../src/runtime/context.js';
import { startApi, type ApiProcess } from '../../../src/runtime/processes/api.js';
import { startProcessor, type ProcessorProcess } from '../../../src/runtime/processes/processor.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { testContext } from '../../support/context.js';
import { ownServices, type OwnServices } from '../../support/own-services.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';

const KEY = 'sk_redisloss_admin_0123456';
const TENANTS = ['acme', 'globex', 'initech', 'umbrella'];
const USERS = ['ann', 'bob', 'cy'];
/** A tenant's hard monthly cap: about 100 events of gpt-4o-mini below. */
const TENANT_CAP = '0.002';

interface CheckAnswer {
  readonly at: number;
  readonly tenant: string;
  readonly status: number;
}

describeWith(['kafka'], 'Redis loses its data under traffic (own Redis: FLUSHALL, empty restart)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-redisloss-'));
  let services: OwnServices;
  let store: AnalyticsStore;
  let config: TallyConfig;
  let processor: ProcessorProcess;
  let processorCtx: ProcessContext;
  let api: ApiProcess;
  let apiCtx: ProcessContext;
  const apiLog: string[] = [];

  beforeAll(async () => {
    services = await ownServices('redisloss');
    await services.run('start', 'redis');
    store = await createChdbStore({ dataDir, database: uniqueName('redisloss') });
    await migrate(store);
    const prefix = uniqueName('rl');
    config = loadConfig({
      env: {},
      overrides: {
        kafka: { brokers: kafkaBrokers(), clientId: prefix },
        topics: { raw: `${prefix}.usage.raw`, dlq: `${prefix}.usage.dlq`, alerts: `${prefix}.usage.alerts`, rawPartitions: 4, sidePartitions: 1 },
        redis: { url: services.redisUrl, keyPrefix: 'tally' },
        api: { host: '127.0.0.1', port: 0, keys: [{ id: 'admin', key: KEY, tenant: '*', role: 'admin' }] },
        processor: { groupId: `${prefix}.processor`, maxWaitTimeMs: 50, minBytes: 1, healthPort: 0 },
        budgets: {
          defaults: [
            { id: 'tenant-cap', name: 'tenant cap', metric: 'cost', limit: TENANT_CAP, period: 'monthly', scope: { tenant: '*' } },
            { id: 'user-tokens', name: 'tokens per user', metric: 'tokens', limit: 10_000_000, period: 'monthly', scope: { tenant: '*', user_id: '*' } },
            { id: 'all-requests', name: 'every request', metric: 'requests', limit: 1_000_000_000, period: 'yearly', enforcement: 'soft' },
          ],
        },
      },
    });
    processorCtx = testContext(config);
    processor = await startProcessor(processorCtx, { store, processor: { retryInitialDelayMs: 50, retryMaxDelayMs: 500 } });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        apiLog.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    apiCtx = createProcessContext(config, { logger: createLogger({ level: 'info', destination: sink }), metrics: createMetrics({ defaultMetrics: false }) });
    api = await startApi(apiCtx, { store });
  });

  afterAll(async () => {
    await api?.close();
    await processor?.close();
    await store?.close();
    await services?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('detects the loss, keeps exceeded hard budgets closed, and rebuilds every status from the store by itself', { timeout: 240_000 }, async () => {
    const t0 = Date.now();
    const phase = (what: string): void => console.log(`[redis loss] +${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
    const call = (path: string, body: unknown): Promise<Response> =>
      fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    let running = true;
    let seq = 0;
    const acknowledged = new Set<string>();
    const producer = async (): Promise<void> => {
      while (running) {
        const batch = Array.from({ length: 8 }, () => {
          const n = seq++;
          return { event_id: `rl-${n}`, tenant: TENANTS[n % TENANTS.length], user_id: USERS[n % USERS.length], provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 100, completion_tokens: 10 } };
        });
        for (;;) {
          const res = await call('/v1/events', batch).catch(() => null);
          if (res?.status === 202) {
            for (const id of ((await res.json()) as { event_ids: string[] }).event_ids) acknowledged.add(id);
            break;
          }
          await res?.body?.cancel();
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 40));
      }
    };
    const checks: CheckAnswer[] = [];
    const checker = async (): Promise<void> => {
      for (let i = 0; running; i++) {
        const tenant = TENANTS[i % TENANTS.length] as string;
        const at = Date.now();
        const res = await call('/v1/quota/check', { subject: { tenant, user_id: 'ann' } }).catch(() => null);
        checks.push({ at, tenant, status: res?.status ?? -1 });
        await res?.body?.cancel();
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const lostCount = async (m: Metrics): Promise<number> => {
      const metric = m.registry.getSingleMetric('tally_counters_lost_total');
      return metric ? (await metric.get()).values.reduce((s, v) => s + v.value, 0) : 0;
    };
    const refusedAll = (since: number): boolean => TENANTS.every((t) => checks.some((c) => c.tenant === t && c.at >= since && c.status === 429));

    const traffic = [producer(), checker(), checker()];
    const waitFor = async (what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!(await ok())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor('every tenant over its hard cap', () => refusedAll(t0));
    phase(`every tenant's hard cap exceeded (${acknowledged.size} events acknowledged)`);

    const losses: { kind: string; at: number }[] = [];
    for (const kind of ['FLUSHALL', 'empty restart'] as const) {
      const lostBefore = (await lostCount(apiCtx.metrics)) + (await lostCount(processorCtx.metrics));
      const at = Date.now();
      if (kind === 'FLUSHALL') {
        const redis = new Redis(services.redisUrl);
        await redis.flushall();
        redis.disconnect();
      } else {
        await services.run('kill', 'redis');
        await new Promise((r) => setTimeout(r, 1_500));
        await services.run('start', 'redis');
      }
      losses.push({ kind, at });
      phase(`${kind}`);
      // Traffic and checks go on. Every tenant was over its hard cap: none of these checks may be allowed.
      await new Promise((r) => setTimeout(r, 3_000));
      const soon = checks.filter((c) => c.at >= at);
      phase(`${kind}: ${soon.length} checks in the 3 s after: ${soon.filter((c) => c.status === 429).length} × 429, ${soon.filter((c) => c.status === 503).length} × 503, ${soon.filter((c) => c.status === 200).length} × 200 (allowed)`);
      expect(soon.filter((c) => c.status === 200), `checks allowed after the ${kind}`).toEqual([]);
      await waitFor('the loss detected', async () => (await lostCount(apiCtx.metrics)) + (await lostCount(processorCtx.metrics)) > lostBefore);
      await waitFor('the counters rebuilt (readiness back)', () => apiCtx.health.ready() && processorCtx.health.ready());
      await waitFor('every tenant refused again', () => refusedAll(Date.now() - 2_000));
      await new Promise((r) => setTimeout(r, 3_000)); // traffic goes on over the rebuilt counters
      const epochCheck = apiCtx.health.report().checks['counters-epoch'];
      expect(epochCheck?.ok).toBe(true);
      expect(Date.parse(epochCheck?.since ?? '')).toBeGreaterThan(at); // it failed after the loss and recovered
      const after = checks.filter((c) => c.at >= at);
      phase(`${kind}: detected and rebuilt; ${after.length} checks since: ${after.filter((c) => c.status === 429).length} × 429, ${after.filter((c) => c.status === 503).length} × 503, ${after.filter((c) => c.status === 200).length} × 200`);
    }

    running = false;
    await Promise.all(traffic);
    phase(`traffic stopped: ${acknowledged.size} events acknowledged, ${checks.length} checks`);

    // Every tenant was over its hard cap before the first loss: no check afterwards may be allowed.
    const allowedAfterLoss = checks.filter((c) => c.at >= (losses[0]?.at ?? 0) && c.status === 200);
    expect(allowedAfterLoss).toEqual([]);
    expect(checks.filter((c) => c.at >= (losses[0]?.at ?? 0) && ![429, 503].includes(c.status))).toEqual([]);
    expect(apiLog.some((l) => l.includes('counter store lost its data') || l.includes('were lost: rebuilt from the analytics store'))).toBe(true);

    // The stream catches up; every status equals the store (nobody ran tally reconcile).
    const storedCount = async (): Promise<number> => Number((await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events FINAL WHERE sign = 1' }))[0]?.n);
    await waitFor('every acknowledged event stored', async () => (await storedCount()) >= acknowledged.size, 120_000);
    await waitFor('the counters caught up', async () => (await api.budgets.engine.status('all-requests')).used === String(acknowledged.size), 60_000);
    const engine = api.budgets.engine;
    const tenants = await store.sql.query<{ tenant: string; cost: string }>({ sql: 'SELECT tenant, toString(sum(cost_total)) AS cost FROM usage_events FINAL WHERE sign = 1 GROUP BY tenant' });
    expect(tenants).toHaveLength(TENANTS.length);
    for (const { tenant, cost } of tenants) expect(parseUsd((await engine.status('tenant-cap', { tenant })).used), tenant).toBe(parseUsd(cost));
    const users = await store.sql.query<{ tenant: string; user_id: string; tokens: string }>({ sql: 'SELECT tenant, user_id, toString(sum(total_tokens)) AS tokens FROM usage_events FINAL WHERE sign = 1 GROUP BY tenant, user_id' });
    expect(users).toHaveLength(TENANTS.length * USERS.length);
    for (const { tenant, user_id, tokens } of users) expect((await engine.status('user-tokens', { tenant, user_id })).used, `${tenant}/${user_id}`).toBe(tokens);
    expect((await engine.status('all-requests')).used).toBe(String(await storedCount()));
    phase(`every status equals the store: ${tenants.length} tenant caps, ${users.length} user budgets, ${acknowledged.size} requests`);
  });
});
