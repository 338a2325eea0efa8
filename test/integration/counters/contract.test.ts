/**
 * The budget engine over every counter store — memory, Redis, Redis Cluster:
 * the acceptance properties of budgets and quotas.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import type { ThresholdCrossing } from '../../../src/budgets/types.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { RedisCounterStore } from '../../../src/counters/redis/store.js';
import type { Redis } from 'ioredis';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { priced, state, type EventSpec } from '../../unit/budgets/fixtures.js';
import { forEachAdapter } from './adapters.js';

const perUserMonthly: BudgetInput = { id: 'user-monthly', name: 'per user', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user: '*' } };

function engineOf(store: CounterStore, budgets: BudgetInput[]): { engine: BudgetEngine; source: StaticBudgetSource } {
  const source = new StaticBudgetSource(state(budgets));
  return { engine: new BudgetEngine({ counters: store, budgets: source }), source };
}

let seq = 0;
function ev(spec: Partial<EventSpec> & { offset?: number | null }): ReturnType<typeof priced> {
  seq += 1;
  return priced({ id: `e${seq}`, at: Date.now(), user: 'bob', offset: spec.offset ?? seq, ...spec });
}

forEachAdapter('budget engine', ({ name, make }) => {
  it('a redelivered batch and duplicate event ids never double count', async () => {
    const store = await make();
    const { engine } = engineOf(store, [perUserMonthly]);
    const batch = { topic: 'usage.raw', partition: 0, events: [ev({ id: 'a', cost: '1.25', offset: 1 }), ev({ id: 'b', cost: '0.75', offset: 2 })] };
    expect(await engine.apply(batch)).toMatchObject({ applied: 2, fenced: 0 });
    expect(await engine.apply(batch)).toMatchObject({ applied: 0, fenced: 2 });
    // The producer re-sent event "a": new offset, same id.
    const resent = { topic: 'usage.raw', partition: 0, events: [ev({ id: 'a', cost: '1.25', offset: 3 }), ev({ id: 'c', cost: '0.5', offset: 4 })] };
    expect(await engine.apply(resent)).toMatchObject({ applied: 1, duplicates: 1 });
    expect(await engine.apply(resent)).toMatchObject({ applied: 0, fenced: 2 });
    const s = await engine.status('user-monthly', { tenant: 'acme', user: 'bob' });
    expect(s.used).toBe('2.5');
  });

  it('a budget created mid-period immediately sees what its scope already spent', async () => {
    const store = await make();
    const { engine, source } = engineOf(store, [perUserMonthly]);
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [ev({ user: 'amy', cost: '3' }), ev({ user: 'amy', cost: '4' })] });
    source.replace(state([perUserMonthly, { id: 'amy-cap', name: 'amy', metric: 'cost', limit: '8', period: 'monthly', scope: { tenant: 'acme', user: 'amy' } }]));
    const s = await engine.status('amy-cap');
    expect(s).toMatchObject({ used: '7', remaining: '1', percentage: 87.5, approaching: true });
    const check = await engine.check({ tenant: 'acme', user: 'amy' }, { cost: '1.5' });
    expect(check.allowed).toBe(false);
    expect(check.exceeded.map((x) => x.budget_id)).toEqual(['amy-cap']);
  });

  it('exact cost sums beyond 2^53 femto-USD', async () => {
    const store = await make();
    const { engine } = engineOf(store, [{ ...perUserMonthly, limit: '100000' }]);
    const amounts = ['9.007199254740993', '5000.000000000000007', '0.000000000000001', '4000.123456789012345', '8000.5'];
    await engine.apply({ topic: 'usage.raw', partition: 0, events: amounts.map((cost) => ev({ user: 'big', cost })) });
    const total = amounts.reduce((a, c) => a + parseUsd(c), 0n);
    expect(total > 2n ** 63n).toBe(true);
    expect((await engine.status('user-monthly', { tenant: 'acme', user: 'big' })).used).toBe(formatUsd(total));
  });

  it('1,000 concurrent reservations against room for exactly 50: 50 granted; after settling, used is the actual usage', async () => {
    // Several clients, as several API instances would be.
    const first = await make();
    const shared = name === 'memory' ? [first] : [first, ...(await Promise.all([1, 2, 3].map(() => make({ prefix: first.keys.prefix }))))];
    const budget: BudgetInput = { id: 'cap', name: 'cap', metric: 'cost', limit: '5', period: 'daily', scope: { tenant: 'acme' } };
    const source = new StaticBudgetSource(state([budget]));
    const engines = shared.map((s) => new BudgetEngine({ counters: s, budgets: source }));
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => (engines[i % engines.length] as BudgetEngine).reserve({ tenant: 'acme', user: `u${i}` }, { cost: '0.10' })),
    );
    const granted = results.filter((r) => r.granted);
    expect(granted).toHaveLength(50);
    expect(results.filter((r) => !r.granted && r.reservation_id === null)).toHaveLength(950);
    const engine = engines[0] as BudgetEngine;
    expect(await engine.status('cap')).toMatchObject({ used: '0', reserved: '5', remaining: '0' });
    // Each granted request ran and reported its real usage; half of them settle before their event is counted.
    let actual = 0n;
    const events = granted.map((g, i) => {
      const cost = `0.0${(i % 9) + 1}`;
      actual += parseUsd(cost);
      return { g, e: ev({ id: `real-${i}`, cost, offset: 10_000 + i }) };
    });
    const half = events.slice(0, 25);
    expect((await Promise.all(half.map(({ g, e }) => engine.settle(g.reservation_id ?? '', { event_id: e.event.event_id })))).every((r) => r.status === 'awaiting')).toBe(true);
    await engine.apply({ topic: 'usage.raw', partition: 0, events: events.map(({ e }) => e) });
    const rest = await Promise.all(events.slice(25).map(({ g, e }) => engine.settle(g.reservation_id ?? '', { event_id: e.event.event_id })));
    expect(rest.every((r) => r.status === 'released')).toBe(true);
    expect(await engine.status('cap')).toMatchObject({ used: formatUsd(actual), reserved: '0' });
    // Settling again is harmless.
    expect(await engine.settle(granted[0]?.reservation_id ?? '')).toEqual({ status: 'already' });
  });

  it('reservations expire; a refused reservation holds nothing', async () => {
    const store = await make();
    let now = Date.now();
    const source = new StaticBudgetSource(state([{ id: 'cap', name: 'cap', metric: 'requests', limit: '2', period: 'daily', scope: { tenant: 'acme' } }]));
    const engine = new BudgetEngine({ counters: store, budgets: source, clock: () => now });
    const a = await engine.reserve({ tenant: 'acme' }, { requests: 1 }, { ttlMs: 1000 });
    const b = await engine.reserve({ tenant: 'acme' }, { requests: 1 }, { ttlMs: 60_000 });
    const c = await engine.reserve({ tenant: 'acme' }, { requests: 1 });
    expect([a.granted, b.granted, c.granted]).toEqual([true, true, false]);
    expect(c.retry_after_seconds).toBeGreaterThan(0);
    expect((await engine.status('cap')).reserved).toBe('2');
    now += 1500; // a's hold expired
    expect((await engine.status('cap')).reserved).toBe('1');
    expect((await engine.reserve({ tenant: 'acme' }, { requests: 1 })).granted).toBe(true);
    expect(await engine.settle(a.reservation_id ?? '')).toEqual({ status: 'already' });
    await expect(engine.settle('r1.t.YWNtZQ.00000000-0000-7000-8000-000000000000')).rejects.toMatchObject({ code: 'RESERVATION_NOT_FOUND' });
    await expect(engine.settle('garbage')).rejects.toMatchObject({ code: 'RESERVATION_NOT_FOUND' });
  });

  it('a quota check is one round trip', async () => {
    const store = await make();
    const { engine } = engineOf(store, [perUserMonthly, { id: 'team', name: 'team', metric: 'tokens', limit: 1_000_000, period: 'rolling', window: '1h', scope: { tenant: 'acme' } }]);
    await engine.check({ tenant: 'acme', user: 'bob' }, { cost: '0.01' }); // warm: scripts loaded on the connection
    if (!(store instanceof RedisCounterStore)) {
      let reads = 0;
      const spy = store as unknown as { read: (...a: unknown[]) => Promise<unknown> };
      const original = spy.read.bind(store);
      spy.read = (...a: unknown[]) => {
        reads += 1;
        return original(...a);
      };
      await engine.check({ tenant: 'acme', user: 'bob' }, { cost: '0.01' });
      expect(reads).toBe(1);
      return;
    }
    let monitored = 0;
    let monitor: Redis | null = null;
    if (!store.isCluster) {
      const client = store.client as Redis;
      const local = `${client.stream.localAddress}:${client.stream.localPort}`;
      monitor = await client.duplicate().monitor();
      monitor.on('monitor', (_t: string, _args: string[], source: string) => {
        if (source === local) monitored += 1;
      });
      await new Promise((r) => setTimeout(r, 50));
    }
    const sent: string[] = [];
    const traced = tracingChannel<unknown, { command?: string }>('ioredis:command');
    const onStart = (ctx: { command?: string }): void => {
      sent.push(ctx.command ?? '?');
    };
    traced.start.subscribe(onStart as (m: unknown) => void);
    const result = await engine.check({ tenant: 'acme', user: 'bob' }, { cost: '0.01' });
    traced.start.unsubscribe(onStart as (m: unknown) => void);
    expect(result.budgets).toHaveLength(2);
    expect(sent).toEqual(['evalsha']);
    if (monitor) {
      await new Promise((r) => setTimeout(r, 100));
      await monitor.disconnect();
      expect(monitored).toBe(1);
    }
  });

  it('with global budgets on Redis Cluster: one command per slot, sent together', async () => {
    const store = await make();
    const { engine } = engineOf(store, [perUserMonthly, { id: 'all', name: 'all', metric: 'cost', limit: '1000', period: 'daily' }]);
    await engine.check({ tenant: 'acme', user: 'bob' });
    const events: string[] = [];
    const traced = tracingChannel<unknown, { command?: string }>('ioredis:command');
    const handlers = {
      start: (ctx: { command?: string }) => void events.push(`start:${ctx.command}`),
      end: () => undefined,
      asyncStart: () => undefined,
      asyncEnd: () => void events.push('end'),
      error: () => undefined,
    };
    traced.subscribe(handlers);
    const result = await engine.check({ tenant: 'acme', user: 'bob' });
    traced.unsubscribe(handlers);
    expect(result.budgets.map((b) => b.budget_id).sort()).toEqual(['all', 'user-monthly']);
    if (store instanceof RedisCounterStore && store.isCluster) {
      expect(events).toEqual(['start:evalsha', 'start:evalsha', 'end', 'end']);
    } else if (store instanceof RedisCounterStore) {
      expect(events).toEqual(['start:evalsha', 'end']);
    }
  });

  it('alert marks: exactly one alert per threshold, even when the crossing batch is redelivered', async () => {
    const store = await make();
    const { engine } = engineOf(store, [{ ...perUserMonthly, thresholds: [50, 80, 100] }]);
    const b1 = { topic: 'usage.raw', partition: 3, events: [ev({ user: 'al', cost: '6', offset: 100 })] };
    const b2 = { topic: 'usage.raw', partition: 3, events: [ev({ user: 'al', cost: '2.5', offset: 101 }), ev({ user: 'al', cost: '0.1', offset: 102 })] };
    const b3 = { topic: 'usage.raw', partition: 3, events: [ev({ user: 'al', cost: '0.1', offset: 103 })] };
    const thresholds = (cs: readonly ThresholdCrossing[]): number[] => cs.map((c) => c.body.threshold ?? -1).sort((x, y) => x - y);
    const first = await engine.apply(b1);
    expect(thresholds(first.crossings)).toEqual([50]);
    // b2 crosses 80 %; the processor "crashes" before committing: b2 comes again.
    const crossed = await engine.apply(b2);
    expect(thresholds(crossed.crossings)).toEqual([80]);
    const again = await engine.apply(b2);
    expect(again.crossings.map((c) => c.id)).toEqual(crossed.crossings.map((c) => c.id));
    expect(again).toMatchObject({ applied: 0, fenced: 2 });
    // The next batch proves b2's alert was published: nothing more, ever.
    expect((await engine.apply(b3)).crossings).toEqual([]);
    expect((await engine.apply(b2)).crossings).toEqual([]);
    expect((await engine.apply(b1)).crossings).toEqual([]);
    const body = crossed.crossings[0]?.body;
    expect(body).toMatchObject({ budget_id: 'user-monthly', tenant: 'acme', subject: { tenant: 'acme', user_id: 'al' }, threshold: 80, used: '8.6', limit: '10', percentage: 86, exceeded: false });
    expect(crossed.crossings[0]?.tenant).toBe('acme');
  });

  it('confirmed alerts are never re-emitted; two partitions racing on a global budget emit once', async () => {
    const store = await make();
    const { engine } = engineOf(store, [{ id: 'all', name: 'all', metric: 'requests', limit: '10', period: 'daily', thresholds: [50] }]);
    const p1 = { topic: 'usage.raw', partition: 1, events: Array.from({ length: 5 }, (_, i) => ev({ tenant: 't1', offset: 500 + i })) };
    const p2 = { topic: 'usage.raw', partition: 2, events: Array.from({ length: 5 }, (_, i) => ev({ tenant: 't2', offset: 900 + i })) };
    const [r1, r2] = await Promise.all([engine.apply(p1), engine.apply(p2)]);
    const all = [...r1.crossings, ...r2.crossings];
    expect(all).toHaveLength(1);
    expect(all[0]?.tenant).toBe('');
    await engine.confirm(all);
    const winner = r1.crossings.length === 1 ? p1 : p2;
    expect((await engine.apply(winner)).crossings).toEqual([]);
  });

  it('checks: allowed, exceeded list, 429 data; soft budgets never block', async () => {
    const store = await make();
    const { engine } = engineOf(store, [
      { id: 'hard-day', name: 'day', metric: 'cost', limit: '1', period: 'daily', timezone: 'America/New_York', scope: { tenant: 'acme', user: '*' } },
      { id: 'soft-model', name: 'gpt', metric: 'tokens', limit: 100, period: 'monthly', enforcement: 'soft', scope: { model: 'openai/gpt-4o*' } },
    ]);
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [ev({ user: 'cy', cost: '0.9', tokens: { input: 80, output: 40 } })] });
    const ok = await engine.check({ tenant: 'acme', user: 'cy', model: 'openai/gpt-4o-mini' }, { cost: '0.1', tokens: 10 });
    expect(ok.allowed).toBe(true);
    expect(ok.exceeded.map((s) => s.budget_id)).toEqual(['soft-model']);
    const no = await engine.check({ tenant: 'acme', user: 'cy', model: 'openai/gpt-4o-mini' }, { cost: '0.100000000000001' });
    expect(no.allowed).toBe(false);
    expect(no.retry_after_seconds).toBeGreaterThan(0);
    expect(no.retry_after_seconds).toBeLessThanOrEqual(25 * 3600);
    expect(no.budgets.find((b) => b.budget_id === 'hard-day')).toMatchObject({ used: '0.9', remaining: '0.1', blocking: true });
    // Another user is not affected; an unrelated subject has no budgets at all.
    expect((await engine.check({ tenant: 'acme', user: 'dee' }, { cost: '0.5' })).allowed).toBe(true);
    expect(await engine.check({ tenant: 'zeta' })).toEqual({ allowed: true, budgets: [], exceeded: [], retry_after_seconds: null });
  });
});
