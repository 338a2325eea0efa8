import { describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { CounterSink } from '../../../src/processor/types.js';
import { parseUsd } from '../../../src/core/money.js';
import { priced, state } from './fixtures.js';

describe('budget engine (memory)', () => {
  it('is the processor\'s counter sink', () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([])) });
    const sink: CounterSink = engine;
    expect(typeof sink.apply).toBe('function');
  });

  it('calls every tenant slot with events and the global slot once a budget exists, none before', async () => {
    const counters = new MemoryCounterStore();
    const calls: (string | null)[] = [];
    const original = counters.apply.bind(counters);
    counters.apply = async (req) => {
      calls.push(req.slot);
      return original(req);
    };
    const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state([{ id: 'a', name: 'a', metric: 'cost', limit: '1', period: 'daily', scope: { tenant: 'acme' } }])) });
    const at = Date.now();
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: '1', at, offset: 1 }), priced({ id: '2', at, offset: 2, tenant: 'other' })] });
    expect(calls.sort()).toEqual(['acme', 'other', null].sort());
    const none = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state([])) });
    calls.length = 0;
    await none.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: '3', at, offset: 3 })] });
    expect(calls).toEqual([]);
    expect(await engine.apply({ topic: 'usage.raw', partition: 0, events: [] })).toEqual({ crossings: [], applied: 0, fenced: 0, duplicates: 0 });
  });

  it('estimates cost from model and max tokens through the injected estimator, and validates estimates', async () => {
    const seen: [string, number][] = [];
    const engine = new BudgetEngine({
      counters: new MemoryCounterStore(),
      budgets: new StaticBudgetSource(state([{ id: 'c', name: 'c', metric: 'cost', limit: '1', period: 'daily', scope: { tenant: 'acme' } }, { id: 't', name: 't', metric: 'tokens', limit: 1000, period: 'daily', scope: { tenant: 'acme' } }])),
      estimateCost: (model, maxTokens) => {
        seen.push([model, maxTokens]);
        return parseUsd('0.000002') * BigInt(maxTokens);
      },
    });
    const r = await engine.check({ tenant: 'acme' }, { model: 'gpt-4o', max_tokens: 600_000 });
    expect(seen).toEqual([['gpt-4o', 600_000]]);
    expect(r.allowed).toBe(false);
    expect(r.exceeded.map((s) => s.budget_id).sort()).toEqual(['c', 't']);
    await expect(engine.check({ tenant: 'acme' }, { cost: 'lots', tokens: -1 })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { errors: [{ path: 'estimate.cost', reason: 'must be a USD amount as decimal text, e.g. "0.25"' }, { path: 'estimate.tokens', reason: 'must be a whole number, 0 or more' }] },
    });
    const bare = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([])) });
    await expect(bare.check({}, { model: 'x', max_tokens: 1 })).rejects.toMatchObject({ details: { errors: [{ path: 'estimate.model' }] } });
  });

  it('status needs the per-value dimensions; unknown budgets are BUDGET_NOT_FOUND', async () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([{ id: 'pu', name: 'pu', metric: 'requests', limit: 5, period: 'daily', scope: { tenant: '*', user: '*' } }])) });
    await expect(engine.status('pu', { tenant: 'acme' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'subject.user_id' }] } });
    await expect(engine.status('nope')).rejects.toMatchObject({ code: 'BUDGET_NOT_FOUND' });
    expect(await engine.status('pu', { tenant: 'acme', user: 'bob' })).toMatchObject({ used: '0', limit: '5', subject: { tenant: 'acme', user_id: 'bob' } });
    expect(await engine.statuses()).toEqual([]);
  });

  it('reservations when no budget applies are granted without touching the store', async () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([])) });
    const r = await engine.reserve({ tenant: 'acme' }, { cost: '1' });
    expect(r).toMatchObject({ granted: true, statuses: [] });
    expect(await engine.settle(r.reservation_id ?? '')).toEqual({ status: 'released' });
  });

  it('rolling budgets alert once per window length; tier budgets alert only for users in the tier', async () => {
    let now = Date.parse('2026-05-05T10:00:30Z');
    const counters = new MemoryCounterStore({ clock: () => now });
    const source = new StaticBudgetSource(state(
      [{ id: 'burst', name: 'burst', metric: 'requests', limit: 4, period: 'rolling', window: '30m', thresholds: [50], scope: { tenant: 'acme' } }],
      [
        { name: 'free', default: true, budgets: [{ key: 'day', metric: 'requests', limit: 2, period: 'daily', thresholds: [100] }] },
        { name: 'pro', budgets: [{ key: 'day', metric: 'requests', limit: 100, period: 'daily', thresholds: [100] }] },
      ],
      [{ tenant: 'acme', user: 'vip', tier: 'pro' }],
    ));
    const engine = new BudgetEngine({ counters, budgets: source, clock: () => now });
    let offset = 0;
    const batch = (user: string, n: number) => ({ topic: 'usage.raw', partition: 0, events: Array.from({ length: n }, () => priced({ id: `e${++offset}`, at: now, offset, user })) });
    const crossed = (await engine.apply(batch('vip', 2))).crossings.map((c) => `${c.body.budget_id}@${c.body.bucket}`);
    expect(crossed).toEqual([`burst@w${Math.floor(now / 1_800_000)}`]);
    const free = (await engine.apply(batch('joe', 2))).crossings.map((c) => c.body.budget_id);
    expect(free).toEqual(['tier:free:day']);
    // Still above 50 % in the same window interval: no new alert. In the next interval, once more.
    expect((await engine.apply(batch('vip', 1))).crossings).toEqual([]);
    now += 30 * 60_000;
    const later = (await engine.apply(batch('vip', 2))).crossings.map((c) => c.body.budget_id);
    expect(later).toEqual(['burst']);
    const status = await engine.check({ tenant: 'acme', user: 'joe' });
    expect(status.allowed).toBe(false);
    expect(status.budgets.map((b) => b.budget_id).sort()).toEqual(['burst', 'tier:free:day']);
  });

  it('statuses without a subject: every budget not counted per value', async () => {
    const engine = new BudgetEngine({
      counters: new MemoryCounterStore(),
      budgets: new StaticBudgetSource(state([
        { id: 'g', name: 'global', metric: 'cost', limit: '100', period: 'monthly' },
        { id: 'a', name: 'acme', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: 'acme' } },
        { id: 'b', name: 'beta', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: 'beta', model: 'openai/*' } },
        { id: 'pu', name: 'per user', metric: 'cost', limit: '1', period: 'daily', scope: { tenant: '*', user: '*' } },
      ])),
    });
    const at = Date.now();
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: '1', at, offset: 1, cost: '2' }), priced({ id: '2', at, offset: 2, tenant: 'beta', cost: '3' })] });
    const all = await engine.statuses();
    expect(all.map((s) => [s.budget_id, s.used]).sort()).toEqual([['a', '2'], ['b', '3'], ['g', '5']]);
  });
});
