import { describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory.js';
import type { CounterSink } from '../../../src/processor/types.js';
import { parseUsd } from '../../../src/money.js';
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
    await expect(engine.status('pu', { tenant: 'acme' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'subject.user' }] } });
    await expect(engine.status('nope')).rejects.toMatchObject({ code: 'BUDGET_NOT_FOUND' });
    expect(await engine.status('pu', { tenant: 'acme', user: 'bob' })).toMatchObject({ used: '0', limit: '5', subject: { tenant: 'acme', user: 'bob' } });
    expect(await engine.statuses()).toEqual([]);
  });

  it('reservations when no budget applies are granted without touching the store', async () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([])) });
    const r = await engine.reserve({ tenant: 'acme' }, { cost: '1' });
    expect(r).toMatchObject({ granted: true, statuses: [] });
    expect(await engine.settle(r.reservation_id ?? '')).toEqual({ status: 'released' });
  });
});
