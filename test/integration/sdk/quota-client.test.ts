/**
 * The SDK's quota client, one contract for both modes: the same scenario
 * (checks, reservations, a refusal, settles with and without the event, the
 * processor counting it, an unknown reservation) in-process against Redis
 * with budget leases, and over HTTP against the API — the same answers.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import { createQuotaClient, type QuotaClient, type QuotaVerdict } from '../../../src/sdk/index.js';
import { priced, state } from '../../unit/budgets/fixtures.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';

const KEY = 'sk_platform_admin_0123456';
const BUDGETS: BudgetInput[] = [
  { id: 'per-user', name: 'per user', metric: 'cost', limit: '1000', period: 'monthly', scope: { tenant: '*', user: '*' } },
  { id: 'tenant-soft', name: 'tenant', metric: 'cost', limit: '500', period: 'monthly', enforcement: 'soft', scope: { tenant: 'acme' } },
];
const SUBJECT = { tenant: 'acme', user_id: 'bob' };

/** What the contract compares: the verdict and each budget's figures (not `shared`, an API presentation field, nor `used_as_of`). */
function shape(v: QuotaVerdict): unknown {
  return {
    allowed: v.allowed,
    exceeded: [...v.exceeded].sort(),
    retry: v.retry_after_seconds === null ? null : 'seconds',
    budgets: v.budgets.map((b) => ({ id: b.budget_id, used: b.used, reserved: b.reserved, limit: b.limit, remaining: b.remaining, would_exceed: b.would_exceed, blocking: b.blocking })),
  };
}

async function scenario(quota: QuotaClient, count: (id: string, cost: string) => Promise<void>): Promise<{ steps: unknown[]; fromLeases: number }> {
  const steps: unknown[] = [];
  let fromLeases = 0;
  const note = (v: QuotaVerdict): void => {
    if (v.budgets.some((b) => b.used_as_of !== undefined)) fromLeases++;
    steps.push(shape(v));
  };
  note(await quota.check(SUBJECT, { cost: '1' }));
  await new Promise((r) => setTimeout(r, 300));
  note(await quota.check(SUBJECT, { cost: '1' }));
  const r1 = await quota.reserve(SUBJECT, { cost: '2' });
  note(r1);
  note(await quota.check(SUBJECT, { cost: '999' })); // 2 reserved + 999 > 1000: refused
  const r2 = await quota.reserve(SUBJECT, { cost: '998' }); // exactly the rest
  note(r2);
  steps.push(await quota.settle(r2.reservation_id ?? '').then((s) => s.status));
  steps.push(await quota.settle(r1.reservation_id ?? '', { event_id: 'e1', cost: '2.5' }).then((s) => s.status));
  await count('e1', '2.5');
  await new Promise((r) => setTimeout(r, 600));
  note(await quota.check(SUBJECT, { cost: '997' })); // 2.5 + 997 ≤ 1000
  note(await quota.check(SUBJECT, { cost: '998' })); // 1000.5 > 1000
  steps.push(await quota.settle('r1.t.YWNtZQ.01900000-0000-7000-8000-000000000000').then((s) => s.status, (e: { code?: string }) => e.code));
  return { steps, fromLeases };
}

describeWith(['redis'], 'SDK quota client: in-process with leases and over HTTP answer alike', () => {
  const stores: RedisCounterStore[] = [];
  let app: FastifyInstance | undefined;
  afterAll(async () => {
    await app?.close();
    for (const s of stores) {
      await s.clear();
      await s.close();
    }
  });
  const open = async (prefix: string): Promise<RedisCounterStore> => {
    const s = await createRedisCounterStore({ url: serviceUrl('redis') ?? '', prefix });
    stores.push(s);
    return s;
  };
  const counter = (engine: BudgetEngine) => async (id: string, cost: string): Promise<void> => {
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id, tenant: 'acme', user: 'bob', cost, at: Date.now(), offset: null })] });
  };

  it('the same scenario gives the same answers', async () => {
    const st = state(BUDGETS);
    // Over HTTP: the API with its own engine (no leases) on one prefix.
    const apiStore = await open(`${uniqueName('qh')}:`);
    const apiEngine = new BudgetEngine({ counters: apiStore, budgets: new StaticBudgetSource(st) });
    app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
      keyring: new ApiKeyring([{ id: 'platform', key: KEY, tenant: '*', role: 'admin' }]), openAccess: false, bodyLimitBytes: 1024 * 1024,
      services: { quota: apiEngine },
    });
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    const http = await scenario(createQuotaClient({ url: address, apiKey: KEY }), counter(apiEngine));

    // In-process: the SDK's own engine with leases, on another prefix.
    const prefix = `${uniqueName('qi')}:`;
    const processor = new BudgetEngine({ counters: await open(prefix), budgets: new StaticBudgetSource(st) });
    const local = createQuotaClient({ redis: { url: serviceUrl('redis') ?? '', prefix }, budgets: BUDGETS, leases: { renewMs: 100 } });
    const inProcess = await scenario(local, counter(processor));
    await local.close();
    console.log(`quota client contract: ${http.steps.length} steps; in-process answers from leases: ${inProcess.fromLeases}`);

    expect(inProcess.steps).toEqual(http.steps);
    expect(inProcess.fromLeases).toBeGreaterThan(0);
    expect(http.steps.map((s) => (typeof s === 'string' ? s : (s as { allowed: boolean }).allowed))).toEqual([true, true, true, false, true, 'released', 'awaiting', true, false, 'RESERVATION_NOT_FOUND']);
    expect(http.steps[7]).toMatchObject({ budgets: [{ id: 'per-user', used: '2.5', reserved: '0' }, { id: 'tenant-soft', used: '2.5' }] });
  }, 60_000);
});
