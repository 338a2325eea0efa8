/**
 * Issue #11 item 12: events later than the counter grace reach the store but
 * never the counters. A monthly budget's counter for October lives until
 * the month's end plus the grace (2 days); an October event processed on
 * November 5th (a replay, a consumer that was down) counted nowhere, and no
 * one could tell. Now the apply keeps what such events add in a late ledger
 * of their period, the quota check of the next period says that period has
 * late data it has not counted, and `reconcile` of that period brings them
 * in (and clears the ledger).
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

const OCT_30 = Date.parse('2026-10-30T12:00:00Z');
const NOV_5 = Date.parse('2026-11-05T09:00:00Z');
const BUDGETS: BudgetInput[] = [{ id: 'acme-month', name: 'acme', metric: 'cost', limit: '100', period: 'monthly', scope: { tenant: 'acme' } }];

let seq = 0;
const ev = (at: number, cost: string): PricedEvent => {
  seq += 1;
  return priced({ id: `l${seq}`, at, offset: seq, cost });
};

describe('events later than the counter grace', () => {
  let now = OCT_30;
  let store: FakeStore;
  let engine: BudgetEngine;

  async function process(events: PricedEvent[]): Promise<void> {
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    await engine.apply({ topic: 'usage.raw', partition: 0, events });
  }

  beforeEach(async () => {
    now = OCT_30;
    store = new FakeStore();
    engine = new BudgetEngine({ counters: new MemoryCounterStore({ clock: () => now }), budgets: new StaticBudgetSource(state(BUDGETS)), clock: () => now });
    await process([ev(OCT_30, '60')]);
    now = NOV_5; // October's counter expired on November 3rd
    await process([ev(Date.parse('2026-10-31T23:00:00Z'), '30'), ev(NOV_5 - 3_600_000, '5')]);
  });

  it('the quota check of November says October has $30 of late data not counted', async () => {
    const s = (await engine.check({ tenant: 'acme' })).budgets[0];
    expect(s?.used).toBe('5');
    expect(s?.late).toEqual({ period_start: '2026-10-01T00:00:00.000Z', period_end: '2026-11-01T00:00:00.000Z', used: '30' });
  });

  it('reconcile of October brings them in ($90) and the check no longer reports late data', async () => {
    const r = await engine.reconcile(store, { at: Date.parse('2026-10-15T00:00:00Z') });
    expect(r.counters).toBeGreaterThan(0);
    now = Date.parse('2026-10-31T23:59:59Z'); // read October as it was: the rebuilt counter holds every October event
    expect((await engine.status('acme-month', { tenant: 'acme' })).used).toBe('90');
    now = NOV_5;
    expect((await engine.check({ tenant: 'acme' })).budgets[0]?.late).toBeUndefined();
  });

  it('a period without late data reports none', async () => {
    now = Date.parse('2026-12-02T00:00:00Z');
    expect((await engine.check({ tenant: 'acme' })).budgets[0]?.late).toBeUndefined();
  });
});
