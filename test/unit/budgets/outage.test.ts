/**
 * Issue 14, item 4: the per-budget outage policy — the budget field and its
 * validation, the strictest of a subject's budgets, and what the engine
 * answers while the counter store is unreachable (a memory store that stops
 * answering on demand): fail_open allows and holds nothing, fail_closed is
 * COUNTERS_UNAVAILABLE at once, leases answers from a live lease until its
 * validity ends and then as fail_closed. Counters lost (not unreachable) keep
 * the recovery's path (test/unit/budgets/recovery.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { parseBudget, type BudgetInput } from '../../../src/budgets/model.js';
import { lostPolicy, policyCounts, unreachablePolicy } from '../../../src/budgets/outage.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { parseTier, tierToInput } from '../../../src/budgets/tiers.js';
import { BudgetSet } from '../../../src/budgets/catalog.js';
import { budgetInput } from '../../../src/cli/commands/budgets.js';
import { isTallyError } from '../../../src/core/errors.js';
import { unavailable } from '../../../src/counters/codes.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { state } from './fixtures.js';

const cap = (id: string, tenant: string, limit: string, outage_policy?: string): BudgetInput =>
  ({ id, name: id, metric: 'cost', limit, period: 'monthly', scope: { tenant }, ...(outage_policy ? { outage_policy } : {}) }) as BudgetInput;

/** A memory store that stops answering (COUNTERS_UNAVAILABLE, reason unreachable) while `down`. */
function switchable(base: MemoryCounterStore): { store: CounterStore; set(down: boolean): void } {
  let down = false;
  const store = Object.create(base) as CounterStore;
  for (const name of ['read', 'reserve', 'lease', 'settle', 'grants', 'apply'] as const) {
    const original = (base[name] as (req: never) => Promise<unknown>).bind(base);
    Object.defineProperty(store, name, { value: (req: never) => (down ? Promise.reject(unavailable(new Error('connect ECONNREFUSED'), name)) : original(req)) });
  }
  Object.defineProperty(store, 'isReachable', { value: () => !down });
  return { store, set: (d) => { down = d; } };
}

async function refusal(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    if (isTallyError(err)) return { code: err.code, ...err.details };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the budget field outage_policy', () => {
  it('is optional, kept when given, and refused with its field path when unknown', () => {
    expect(parseBudget(cap('a', 'acme', '1')).outage_policy).toBeUndefined();
    expect('outage_policy' in parseBudget(cap('a', 'acme', '1'))).toBe(false);
    const b = parseBudget(cap('a', 'acme', '1', 'leases'));
    expect(b.outage_policy).toBe('leases');
    expect(parseBudget(b)).toEqual(b); // idempotent
    let errors: unknown;
    try {
      parseBudget(cap('a', 'acme', '1', 'sometimes'));
    } catch (err) {
      errors = isTallyError(err) ? err.details.errors : err;
    }
    expect(errors).toEqual([expect.objectContaining({ path: 'outage_policy' })]);
  });

  it('survives a tier round trip and comes from `tally budgets add --outage-policy`', () => {
    const tier = parseTier({ name: 'pro', budgets: [{ key: 'day', metric: 'cost', limit: '5', period: 'daily', outage_policy: 'fail_open' }] });
    expect(tier.budgets[0]?.outage_policy).toBe('fail_open');
    expect(parseTier(tierToInput(tier))).toEqual(tier);
    expect(budgetInput({ meta: [], backfill: true, name: 'x', outagePolicy: 'fail_closed' })).toMatchObject({ outage_policy: 'fail_closed' });
  });
});

describe('the policy of a subject: the strictest of its budgets', () => {
  const set = (budgets: BudgetInput[]): BudgetSet => new BudgetSet(state(budgets));
  it('while the store is unreachable: fail_closed > leases > fail_open; a budget without one follows the global policy', () => {
    const mixed = set([cap('o', 't', '1', 'fail_open'), cap('l', 't', '1', 'leases')]).budgets;
    expect(unreachablePolicy(mixed, 'store')).toBe('leases');
    expect(unreachablePolicy([...mixed, ...set([cap('c', 't', '1', 'fail_closed')]).budgets], 'open')).toBe('fail_closed');
    const plain = set([cap('p', 't', '1')]).budgets;
    expect(unreachablePolicy(plain, 'store')).toBe('fail_closed');
    expect(unreachablePolicy(plain, 'closed')).toBe('fail_closed');
    expect(unreachablePolicy(plain, 'open')).toBe('fail_open');
    expect(unreachablePolicy([...plain, ...set([cap('o', 't', '1', 'fail_open')]).budgets], 'store')).toBe('fail_closed');
    expect(policyCounts([...mixed, ...plain], 'open')).toEqual({ fail_open: 2, leases: 1, fail_closed: 0 });
  });
  it('while counters are lost: closed > store > open; fail_open reads as open, fail_closed and leases as store', () => {
    const s = (p: string): BudgetSet['budgets'] => set([cap(p, 't', '1', p)]).budgets;
    expect(lostPolicy(s('fail_open'), 'closed')).toBe('open');
    expect(lostPolicy(s('fail_closed'), 'open')).toBe('store');
    expect(lostPolicy(s('leases'), 'open')).toBe('store');
    expect(lostPolicy([...s('fail_open'), ...set([cap('p', 't', '1')]).budgets], 'closed')).toBe('closed');
    expect(lostPolicy([], 'closed')).toBe('closed');
  });
});

describe('the engine while the counter store is unreachable', () => {
  const budgets = [cap('open', 'open', '1', 'fail_open'), cap('closed', 'closed', '1', 'fail_closed'), cap('mixed-o', 'mixed', '1', 'fail_open'), cap('mixed-c', 'mixed', '1', 'fail_closed'), cap('plain', 'plain', '1')];

  it('fail_open: allowed, nothing held, the settle a no-op; fail_closed and the strictest: COUNTERS_UNAVAILABLE; the global policy for the rest', async () => {
    const { store, set } = switchable(new MemoryCounterStore());
    const seen: string[] = [];
    const engine = new BudgetEngine({ counters: store, budgets: new StaticBudgetSource(state(budgets)), outagePolicy: 'store', onOutage: (p, o) => seen.push(`${p}:${o}`) });
    expect((await engine.check({ tenant: 'open' })).outage).toBeUndefined();
    set(true);
    expect(await engine.check({ tenant: 'open' })).toEqual({ allowed: true, budgets: [], exceeded: [], retry_after_seconds: null, outage: { policy: 'fail_open', reason: 'unreachable' } });
    const r = await engine.reserve({ tenant: 'open' }, { cost: '5' }); // over the limit, and still granted: fail open
    expect(r).toMatchObject({ granted: true, statuses: [], outage: { policy: 'fail_open' } });
    expect(r.reservation_id).toMatch(/^r1\.n\./);
    expect(await engine.settle(r.reservation_id ?? '')).toEqual({ status: 'released' });
    for (const tenant of ['closed', 'mixed', 'plain']) {
      expect(await refusal(engine.check({ tenant }))).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', reason: 'unreachable', retry_after_seconds: 1 });
      expect(await refusal(engine.reserve({ tenant }, { cost: '0.1' }))).toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
    }
    expect(seen).toEqual(['fail_open:open', 'fail_open:open', ...Array(6).fill('fail_closed:unavailable')]);
    set(false);
    expect((await engine.status('open', { tenant: 'open' })).reserved).toBe('0');
    expect((await engine.check({ tenant: 'closed' })).allowed).toBe(true);
  });

  it('global open: budgets without their own policy fail open too', async () => {
    const { store, set } = switchable(new MemoryCounterStore());
    const engine = new BudgetEngine({ counters: store, budgets: new StaticBudgetSource(state(budgets)), outagePolicy: 'open' });
    set(true);
    expect((await engine.check({ tenant: 'plain' })).outage).toEqual({ policy: 'fail_open', reason: 'unreachable' });
    expect(await refusal(engine.check({ tenant: 'mixed' }))).toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
  });

  it('failsOpenOnly (readiness of tally api): true only while every budget in force fails open, its own policy or the global one', () => {
    const engine = (list: BudgetInput[], outagePolicy: 'store' | 'open' | 'closed'): BudgetEngine => new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state(list)), outagePolicy });
    expect(engine([], 'store').failsOpenOnly()).toBe(true); // no budget: nothing to refuse, no check reads Redis
    expect(engine([cap('open', 'open', '1', 'fail_open')], 'store').failsOpenOnly()).toBe(true);
    expect(engine([cap('open', 'open', '1', 'fail_open'), cap('plain', 'plain', '1')], 'store').failsOpenOnly()).toBe(false);
    expect(engine([cap('open', 'open', '1', 'fail_open'), cap('plain', 'plain', '1')], 'open').failsOpenOnly()).toBe(true);
    expect(engine([cap('plain', 'plain', '1'), cap('leased', 'leased', '1', 'leases')], 'open').failsOpenOnly()).toBe(false);
    expect(engine([cap('plain', 'plain', '1'), cap('closed', 'closed', '1', 'fail_closed')], 'open').failsOpenOnly()).toBe(false);
  });

  it('leases: a live lease answers through the outage until its validity ends, then COUNTERS_UNAVAILABLE; fail_closed stops using its lease at once', async () => {
    let now = Date.UTC(2026, 5, 10);
    const { store, set } = switchable(new MemoryCounterStore({ clock: () => now }));
    const seen: string[] = [];
    const engine = new BudgetEngine({
      counters: store, budgets: new StaticBudgetSource(state([cap('leased', 'leased', '100', 'leases'), cap('closed', 'closed', '100', 'fail_closed')])), clock: () => now,
      leases: { renewMs: 1_000, ttlMs: 10_000, marginMs: 3_000 }, onOutage: (p, o) => seen.push(`${p}:${o}`),
    });
    for (const tenant of ['leased', 'closed']) {
      await engine.check({ tenant }, { cost: '0.01' });
      await engine.tickLeases();
      expect((await engine.reserve({ tenant }, { cost: '0.01' })).reservation_id).toMatch(/^l1\./);
    }
    const renewedAt = now;
    set(true);
    expect(await refusal(engine.check({ tenant: 'closed' }, { cost: '0.01' }))).toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
    now += 1_000;
    await engine.tickLeases(); // the renewal fails: the lease keeps its floor and answers on
    expect(engine.leaseStats()).toMatchObject({ degraded: 1 });
    const c = await engine.check({ tenant: 'leased' }, { cost: '0.01' });
    expect(c).toMatchObject({ allowed: true, outage: { policy: 'leases', reason: 'unreachable' } });
    expect(c.budgets[0]?.used_as_of).toBe(new Date(renewedAt).toISOString());
    const g = await engine.reserve({ tenant: 'leased' }, { cost: '0.01' });
    expect(g).toMatchObject({ granted: true, outage: { policy: 'leases' } });
    expect(await engine.settle(g.reservation_id ?? '')).toEqual({ status: 'released' });
    now = renewedAt + 10_000 - 3_000 - 1; // the last instant of its validity (ttl − margin)
    expect((await engine.check({ tenant: 'leased' }, { cost: '0.01' })).allowed).toBe(true);
    now += 1;
    expect(await refusal(engine.check({ tenant: 'leased' }, { cost: '0.01' }))).toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
    expect(seen).toEqual(['fail_closed:unavailable', 'leases:lease', 'leases:lease', 'leases:lease', 'leases:unavailable']);
    set(false);
    await engine.tickLeases();
    expect((await engine.check({ tenant: 'leased' }, { cost: '0.01' })).outage).toBeUndefined();
    await engine.close();
  });
});
