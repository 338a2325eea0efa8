import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { BudgetStatus, Subject } from '../../../src/budgets/types.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { cancellationOf, toEventRow } from '../../../src/store/event-row.js';
import { FakeStore } from './fake-store.js';
import { priced, state, type EventSpec } from './fixtures.js';

const NOW = Date.now();
const BUDGETS: BudgetInput[] = [
  { id: 'per-user', name: 'per user', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user: '*' } },
  { id: 'acme-day', name: 'acme day', metric: 'cost', limit: '5', period: 'daily', timezone: 'America/New_York', scope: { tenant: 'acme' } },
  { id: 'tokens-hour', name: 'tokens', metric: 'tokens', limit: 100000, period: 'rolling', window: '1h', scope: { tenant: '*' } },
  { id: 'out-day', name: 'output', metric: 'tokens', token_class: 'output', limit: 5000, period: 'daily', scope: { tenant: '*', user: '*' } },
  { id: 'gpt', name: 'gpt models', metric: 'cost', limit: '100', period: 'weekly', scope: { model: 'openai/gpt-4o*' } },
  { id: 'all-requests', name: 'all', metric: 'requests', limit: 1000, period: 'yearly' },
];

let seq = 0;
function ev(s: Partial<EventSpec>): PricedEvent {
  seq += 1;
  return priced({ id: `r${seq}`, at: NOW - 60_000, offset: seq, user: 'bob', cost: '0.25', tokens: { input: 100, output: 50 }, ...s });
}

describe('reconcile', () => {
  let store: FakeStore;
  let counters: MemoryCounterStore;
  let source: StaticBudgetSource;
  let engine: BudgetEngine;

  /** What the processor does: store first, then counters. */
  async function process(events: PricedEvent[], partition = 0): Promise<void> {
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    await engine.apply({ topic: 'usage.raw', partition, events });
  }

  const subjects: Subject[] = [
    { tenant: 'acme', user: 'bob', model: 'openai/gpt-4o' },
    { tenant: 'acme', user: 'amy', model: 'openai/gpt-4o' },
    { tenant: 'beta', user: 'bob', model: 'openai/gpt-4o-mini' },
  ];

  async function snapshotAll(e: BudgetEngine = engine): Promise<BudgetStatus[][]> {
    return Promise.all(subjects.map((s) => e.statuses(s)));
  }

  beforeEach(() => {
    store = new FakeStore();
    counters = new MemoryCounterStore();
    source = new StaticBudgetSource(state(BUDGETS));
    engine = new BudgetEngine({ counters, budgets: source });
  });

  it('after the counters are lost, every status is rebuilt exactly', async () => {
    await process([ev({}), ev({ user: 'amy', cost: '1.000000000000001' }), ev({ tenant: 'beta', model: 'gpt-4o-mini', tokens: { output: 4000 } })]);
    await process([ev({ tenant: 'beta', cost: '3' }), ev({ offset: null, id: 'no-log', cost: '0.5' })], 1);
    const before = await snapshotAll();
    expect(before[0]?.find((s) => s.budget_id === 'per-user')?.used).toBe('0.75');
    await counters.clear();
    expect((await snapshotAll())[0]?.find((s) => s.budget_id === 'per-user')?.used).toBe('0');
    const r = await engine.reconcile(store);
    expect(r).toMatchObject({ slots: 3, retries: 0 }); // acme, beta, global
    expect(await snapshotAll()).toEqual(before);
    // The fences are back: a redelivery of what was stored counts nothing.
    const again = await engine.apply({ topic: 'usage.raw', partition: 0, events: [ev({ offset: 1 })] });
    expect(again.fenced).toBe(1);
  });

  it('a budget with a new scope shape is backfilled from the store', async () => {
    await process([ev({ agent: 'triage', cost: '2' }), ev({ agent: 'triage', cost: '1' }), ev({ agent: 'coder', cost: '4' })]);
    source.replace(state([...BUDGETS, { id: 'per-agent', name: 'agents', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: 'acme', agent: '*' } }]));
    await process([ev({ agent: 'triage', cost: '0.5' })]);
    expect((await engine.status('per-agent', { agent: 'triage' })).used).toBe('0.5');
    await engine.reconcile(store, { budgetId: 'per-agent' });
    expect((await engine.status('per-agent', { agent: 'triage' })).used).toBe('3.5');
    expect((await engine.status('per-agent', { agent: 'coder' })).used).toBe('4');
    await process([ev({ agent: 'coder', cost: '1' })]);
    expect((await engine.status('per-agent', { agent: 'coder' })).used).toBe('5');
  });

  it('retries when the processor moves the fence meanwhile, and ends exact', async () => {
    await process([ev({ cost: '1' })]);
    await counters.clear();
    let injected = 0;
    store.beforeRead = async (op) => {
      if (op === 'sums' && injected < 2) {
        injected += 1;
        await process([ev({ cost: '1' })]);
      }
    };
    const r = await engine.reconcile(store, { budgetId: 'per-user' });
    store.beforeRead = null;
    expect(r.retries).toBeGreaterThan(0);
    expect((await engine.status('per-user', { tenant: 'acme', user: 'bob' })).used).toBe('3');
  });

  it('establishes lost fences at the stored offsets, so a pending apply is not counted twice', async () => {
    await process([ev({ cost: '1' })]);
    await counters.clear();
    // The processor stored a batch but crashed before applying it to the counters.
    const pending = [ev({ cost: '2' }), ev({ cost: '4' })];
    await store.events.insertRows(pending.map((e) => toEventRow(e)));
    await engine.reconcile(store);
    expect((await engine.status('per-user', { tenant: 'acme', user: 'bob' })).used).toBe('7');
    const redelivered = await engine.apply({ topic: 'usage.raw', partition: 0, events: pending });
    expect(redelivered).toMatchObject({ applied: 0, fenced: 2 });
    expect((await engine.status('per-user', { tenant: 'acme', user: 'bob' })).used).toBe('7');
  });

  it('a processor still on the old budget set is refused after the reconcile and reloads', async () => {
    await process([ev({ cost: '1', feature: 'chat' })]);
    const old = state(BUDGETS);
    const newer = state([...BUDGETS, { id: 'per-feature', name: 'features', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', feature: '*' } }]);
    const apiSource = new StaticBudgetSource(newer);
    const api = new BudgetEngine({ counters, budgets: apiSource });
    await api.reconcile(store, { budgetId: 'per-feature' });
    // The processor has not seen the new budget yet; its refresh returns it.
    let refreshed = 0;
    const processorSource = new StaticBudgetSource(old);
    processorSource.refresh = async () => {
      refreshed += 1;
      processorSource.replace(newer);
      return processorSource.current();
    };
    const processor = new BudgetEngine({ counters, budgets: processorSource });
    const e = ev({ cost: '2', feature: 'chat' });
    await store.events.insertRows([toEventRow(e)]);
    await processor.apply({ topic: 'usage.raw', partition: 0, events: [e] });
    expect(refreshed).toBe(1);
    expect((await api.status('per-feature', { tenant: 'acme', feature: 'chat' })).used).toBe('3');
  });

  it('applies spend corrections: cancelled and repriced events', async () => {
    const a = ev({ user: 'amy', cost: '2' });
    const b = ev({ user: 'bob', cost: '3' });
    await process([a, b]);
    const rowA = toEventRow(a);
    const rowB = toEventRow(b);
    // amy's event is cancelled; bob's repriced to 1.5.
    await store.events.insertRows([cancellationOf(rowA), cancellationOf(rowB), { ...rowB, cost_total: '1.5', row_version: '3', sign: 1 }]);
    await engine.reconcile(store);
    expect((await engine.status('per-user', { tenant: 'acme', user: 'amy' })).used).toBe('0');
    expect((await engine.status('per-user', { tenant: 'acme', user: 'bob' })).used).toBe('1.5');
    expect((await engine.status('acme-day')).used).toBe('1.5');
  });

  it('takes the lock when asked (applies wait) and swaps big slots in chunks', async () => {
    await process(Array.from({ length: 12 }, (_, i) => ev({ user: `u${i}`, cost: '0.1' })));
    await counters.clear();
    let refusal: unknown = null;
    store.beforeRead = async (op) => {
      if (op === 'sums' && refusal === null) refusal = await engine.apply({ topic: 'usage.raw', partition: 0, events: [ev({})] }).catch((err: unknown) => err);
    };
    const r = await engine.reconcile(store, { lockAfter: 0, chunkSize: 3, budgetId: 'per-user', tenants: ['acme'] });
    store.beforeRead = null;
    expect(refusal).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', details: { reason: 'reconciling' } });
    expect(r).toMatchObject({ slots: 1, locked: 1, counters: 12 });
    expect((await engine.status('per-user', { tenant: 'acme', user: 'u7' })).used).toBe('0.1');
    // The lock is gone.
    await process([ev({ user: 'u7', cost: '0.2' })]);
    expect((await engine.status('per-user', { tenant: 'acme', user: 'u7' })).used).toBe('0.3');
  });

  it('seals thresholds already reached, so a lost Redis does not re-alert; later crossings still alert', async () => {
    const first = await engine.apply({ topic: 'usage.raw', partition: 0, events: [] });
    expect(first.crossings).toEqual([]);
    const big = ev({ user: 'cy', cost: '6' });
    await store.events.insertRows([toEventRow(big)]);
    expect((await engine.apply({ topic: 'usage.raw', partition: 0, events: [big] })).crossings.map((c) => `${c.body.budget_id}@${c.body.threshold}`)).toContain('per-user@50');
    await counters.clear();
    const r = await engine.reconcile(store);
    expect(r.sealed).toBeGreaterThan(0);
    const more = ev({ user: 'cy', cost: '0.5' });
    await store.events.insertRows([toEventRow(more)]);
    expect((await engine.apply({ topic: 'usage.raw', partition: 0, events: [more] })).crossings.map((c) => c.body.threshold)).not.toContain(50);
    const over = ev({ user: 'cy', cost: '2' });
    await store.events.insertRows([toEventRow(over)]);
    const crossed = await engine.apply({ topic: 'usage.raw', partition: 0, events: [over] });
    expect(crossed.crossings.filter((c) => c.body.budget_id === 'per-user').map((c) => c.body.threshold)).toEqual([80]);
  });

  it('rejects an unknown budget', async () => {
    await expect(engine.reconcile(store, { budgetId: 'nope' })).rejects.toMatchObject({ code: 'BUDGET_NOT_FOUND' });
  });
});
