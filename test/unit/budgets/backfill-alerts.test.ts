/**
 * Issue #11 item 11: a budget created over a threshold its scope has already
 * crossed must alert once. Its backfill (reconcile of that budget) used to
 * seal every reached threshold silently, so nobody was ever told. With
 * `alertCrossed` (what the budget API's backfill uses) the reached
 * thresholds are claimed and returned as crossings, exactly once; a reconcile
 * after a counter loss still seals (no alert storm).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { FakeStore } from './fake-store.js';
import { priced, state } from './fixtures.js';

const NOW = Date.now();
const EXISTING: BudgetInput = { id: 'requests', name: 'requests', metric: 'requests', limit: 1_000_000, period: 'monthly' };
const NEW: BudgetInput = { id: 'team-a', name: 'Team A', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: 'acme', group: 'team-a' }, thresholds: [50, 80, 100] };

let seq = 0;
const ev = (cost: string): PricedEvent => {
  seq += 1;
  return priced({ id: `b${seq}`, at: NOW - 60_000, offset: seq, group: 'team-a', cost });
};

describe('a budget created over a crossed threshold', () => {
  let store: FakeStore;
  let engine: BudgetEngine;
  let source: StaticBudgetSource;
  let counters: MemoryCounterStore;

  async function process(events: PricedEvent[]): Promise<string[]> {
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    const r = await engine.apply({ topic: 'usage.raw', partition: 0, events });
    return r.crossings.map((c) => `${c.body.budget_id}@${c.body.threshold}`);
  }

  beforeEach(async () => {
    store = new FakeStore();
    counters = new MemoryCounterStore();
    source = new StaticBudgetSource(state([EXISTING]));
    engine = new BudgetEngine({ counters, budgets: source });
    // Team A spent $8.50 this month before anyone set a budget for it.
    await process([ev('5'), ev('3.5')]);
    source.replace(state([EXISTING, NEW]));
  });

  it('alerts once for the thresholds already crossed (50 % and 80 % of $10), then 100 % when it comes', async () => {
    const backfill = await engine.reconcile(store, { budgetId: 'team-a', alertCrossed: true });
    expect(backfill.crossings.map((c) => `${c.body.budget_id}@${c.body.threshold}`).sort()).toEqual(['team-a@50', 'team-a@80']);
    expect(backfill.crossings[0]?.body).toMatchObject({ used: '8.5', limit: '10', tenant: 'acme' });
    expect(backfill).toMatchObject({ alerted: 2, sealed: 0 });
    // Once: a second backfill, and the next events, do not alert them again.
    expect((await engine.reconcile(store, { budgetId: 'team-a', alertCrossed: true })).crossings).toEqual([]);
    expect(await process([ev('0.5')])).toEqual([]);
    expect(await process([ev('1')])).toEqual(['team-a@100']);
  });

  it('without it (a rebuild after losing the counters), reached thresholds are sealed silently, as before', async () => {
    const r = await engine.reconcile(store, { budgetId: 'team-a' });
    expect(r).toMatchObject({ sealed: 2, alerted: 0, crossings: [] });
    expect(await process([ev('0.5')])).toEqual([]);
  });
});
