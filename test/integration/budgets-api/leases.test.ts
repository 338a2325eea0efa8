/**
 * Budget leases in the HTTP API, two API processes behind a load balancer
 * (two apps, each with its own engine, leases and Redis connection, on the
 * same counters), on Redis and Redis Cluster:
 *
 * - a reservation granted from a lease of process A is settled through
 *   process B — released, or settled with its event — and through A; once A
 *   renewed (or returned) its lease the counters are exact: `used` is what
 *   was counted, nothing stays reserved, the rest of the room is there to the
 *   unit;
 * - concurrent reservations through both processes never exceed the room,
 *   with every grant settled through the other process;
 * - a grant whose lease expired (its holder died) answers 404 `expired`.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { LeaseOptions } from '../../../src/budgets/leases.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import { priced, state } from '../../unit/budgets/fixtures.js';
import { describeWith, redisClusterNodes, serviceUrl, uniqueName } from '../../support/services.js';

const KEY = 'sk_platform_admin_0123456';
const SUBJECT = { tenant: 'acme', user_id: 'bob' };
const budgetsOf = (limit: string): BudgetInput[] => [
  { id: 'cap', name: 'cap', metric: 'cost', limit, period: 'monthly', scope: { tenant: 'acme' } },
  // A budget without a tenant: holds in the global slot too (another node on a Cluster).
  { id: 'all', name: 'all', metric: 'cost', limit: '1000000', period: 'monthly', scope: {} },
];
const LEASES: LeaseOptions = { renewMs: 100, refreshMs: 200, ttlMs: 2_000, marginMs: 500, minOps: 4 };

interface Api {
  readonly engine: BudgetEngine;
  readonly app: FastifyInstance;
  readonly url: string;
  post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
}

function suite(name: 'redis' | 'redisCluster'): void {
  describeWith([name], `budget leases through two API processes [${name}]`, () => {
    const stores: RedisCounterStore[] = [];
    const apps: FastifyInstance[] = [];
    afterAll(async () => {
      for (const a of apps) await a.close();
      for (const s of stores) {
        await s.clear();
        await s.close();
      }
    });
    const open = async (prefix: string): Promise<RedisCounterStore> => {
      const s = name === 'redis'
        ? await createRedisCounterStore({ url: serviceUrl('redis') ?? '', prefix })
        : await createRedisCounterStore({ clusterNodes: redisClusterNodes(), prefix });
      stores.push(s);
      return s;
    };
    const api = async (prefix: string, budgets: BudgetInput[], leases: LeaseOptions | null): Promise<Api> => {
      const engine = new BudgetEngine({ counters: await open(prefix), budgets: new StaticBudgetSource(state(budgets)), ...(leases ? { leases } : {}) });
      const app = await createApp({
        logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
        keyring: new ApiKeyring([{ id: 'platform', key: KEY, tenant: '*', role: 'admin' }]), openAccess: false, bodyLimitBytes: 1024 * 1024,
        services: { quota: engine },
      });
      apps.push(app);
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const post = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
        const r = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, json: (await r.json()) as Record<string, unknown> };
      };
      return { engine, app, url, post };
    };
    const reserve = (a: Api, cost: string): Promise<{ status: number; json: Record<string, unknown> }> => a.post('/v1/quota/reserve', { subject: SUBJECT, estimate: { cost } });
    const settle = (a: Api, id: string, eventId?: string): Promise<{ status: number; json: Record<string, unknown> }> =>
      a.post('/v1/quota/settle', { reservation_id: id, ...(eventId ? { event_id: eventId, actual: { cost: '1' } } : {}) });
    /** Reserves through `a` until its lease answers (the lease is taken on first demand, in the background). */
    const leaseGrants = async (a: Api, n: number): Promise<string[]> => {
      const ids: string[] = [];
      const plain: string[] = [];
      for (let i = 0; i < 200 && ids.length < n; i++) {
        const r = await reserve(a, '1');
        expect(r.status).toBe(200);
        const id = String(r.json.reservation_id);
        (id.startsWith('l1.') ? ids : plain).push(id);
        if (!id.startsWith('l1.')) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (const id of plain) expect((await settle(a, id)).json.status).toBe('released');
      expect(ids.length).toBe(n);
      return ids;
    };

    it('a grant from a lease of process A settles through process B; the counters are exact after A renews', async () => {
      const prefix = `${uniqueName('la')}:`;
      const budgets = budgetsOf('1000');
      const a = await api(prefix, budgets, LEASES);
      const b = await api(prefix, budgets, LEASES);
      const processor = new BudgetEngine({ counters: await open(prefix), budgets: new StaticBudgetSource(state(budgets)) });
      const grants = await leaseGrants(a, 20);

      const released = await Promise.all(grants.slice(0, 10).map((id) => settle(b, id)));
      expect(released.map((r) => [r.status, r.json.status])).toEqual(grants.slice(0, 10).map(() => [200, 'released']));
      expect((await settle(b, grants[0] ?? '')).json.status).toBe('already');
      const withEvent = await Promise.all(grants.slice(10, 15).map((id, i) => settle(b, id, `ev-${i}`)));
      expect(withEvent.map((r) => [r.status, r.json.status])).toEqual(grants.slice(10, 15).map(() => [200, 'awaiting']));
      const onA = await Promise.all(grants.slice(15).map((id) => settle(a, id)));
      expect(onA.map((r) => r.json.status)).toEqual(grants.slice(15).map(() => 'released'));
      // The processor counts the 5 events (their holds go in the same step).
      await processor.apply({ topic: 'usage.raw', partition: 0, events: [0, 1, 2, 3, 4].map((i) => priced({ id: `ev-${i}`, tenant: 'acme', user: 'bob', cost: '1', at: Date.now(), offset: null })) });

      // A applies B's settles at its next renewal.
      const deadline = Date.now() + 5_000;
      while ((a.engine.leaseStats()?.foreignSettles ?? 0) < 15 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(a.engine.leaseStats()?.foreignSettles).toBe(15);
      // Both return their leases: nothing may stay reserved, and the room is exactly limit − counted.
      await a.engine.close();
      await b.engine.close();
      const cap = await processor.status('cap', { tenant: 'acme' });
      console.log(`leases through two API processes [${name}]: 20 grants from A's lease, 15 settled through B (${a.engine.leaseStats()?.foreignSettles} applied by A at renewal), 5 through A; after return: used ${cap.used}, reserved ${cap.reserved}`);
      expect({ used: cap.used, reserved: cap.reserved }).toEqual({ used: '5', reserved: '0' });
      const all = await processor.status('all', {});
      expect({ used: all.used, reserved: all.reserved }).toEqual({ used: '5', reserved: '0' });
      const rest = await processor.reserve({ tenant: 'acme', user_id: 'bob' }, { cost: '995' });
      expect(rest.granted).toBe(true);
      expect((await processor.reserve({ tenant: 'acme', user_id: 'bob' }, { cost: '0.000001' })).granted).toBe(false);
    }, 60_000);

    it('concurrent reservations through two processes, each grant settled through the other: never more than the room', async () => {
      const prefix = `${uniqueName('lb')}:`;
      const budgets = budgetsOf('300');
      const a = await api(prefix, budgets, LEASES);
      const b = await api(prefix, budgets, LEASES);
      await leaseGrants(a, 1).then(([id]) => settle(b, id ?? ''));
      await leaseGrants(b, 1).then(([id]) => settle(a, id ?? ''));
      const results = await Promise.all(Array.from({ length: 600 }, (_, i) => reserve(i % 2 === 0 ? a : b, '1')));
      const granted = results.filter((r) => r.status === 200).map((r) => String(r.json.reservation_id));
      const fromLeases = granted.filter((id) => id.startsWith('l1.')).length;
      expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
      expect(granted.length).toBeLessThanOrEqual(300);
      // Every grant settled through the process that did NOT grant it (round-robin gone wrong on purpose).
      const settled = await Promise.all(granted.map((id) => settle(results.findIndex((r) => r.json.reservation_id === id) % 2 === 0 ? b : a, id)));
      expect(settled.every((r) => r.json.status === 'released')).toBe(true);
      await a.engine.close();
      await b.engine.close();
      const reader = new BudgetEngine({ counters: await open(prefix), budgets: new StaticBudgetSource(state(budgets)) });
      const cap = await reader.status('cap', { tenant: 'acme' });
      console.log(`two API processes, 600 concurrent reservations against room 300 [${name}]: ${granted.length} granted (${fromLeases} from leases), all settled through the other process; reserved after: ${cap.reserved}`);
      expect(fromLeases).toBeGreaterThan(0);
      expect(cap.reserved).toBe('0');
      expect((await reader.reserve(SUBJECT, { cost: '300' })).granted).toBe(true);
    }, 60_000);

    it('a grant whose lease expired with its holder answers 404 expired through another process', async () => {
      const prefix = `${uniqueName('lc')}:`;
      const budgets = budgetsOf('1000');
      const a = await api(prefix, budgets, LEASES);
      const b = await api(prefix, budgets, null);
      const [id] = await leaseGrants(a, 1);
      a.engine.abandonLeases(); // A dies: nothing returned, nothing renewed
      await new Promise((resolve) => setTimeout(resolve, (LEASES.ttlMs ?? 0) + 200));
      const r = await settle(b, id ?? '');
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ error: { code: 'RESERVATION_NOT_FOUND', details: { state: 'expired' } } });
      const cap = await b.engine.status('cap', { tenant: 'acme' });
      expect(cap.reserved).toBe('0');
    }, 30_000);
  });
}

suite('redis');
suite('redisCluster');
