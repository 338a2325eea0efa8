/**
 * Counter loss and recovery (issue 18, item 2), in process: the memory
 * counter store with its epoch markers, a fake analytics store, and the
 * engine with a CounterRecovery — as a process with Redis runs it. A loss is
 * `counters.clear()` (what FLUSHALL does to Redis). Without the recovery an
 * exceeded hard budget answered "allowed" after a loss until someone ran
 * `tally reconcile`; with it the loss is detected on the next call, hard
 * budgets follow the outage policy while the slot is rebuilt, and every
 * status equals the store afterwards.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { CounterRecovery, type OutageAnswer, type OutagePolicy, type RecoveryState } from '../../../src/budgets/recovery.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { BudgetStatus, Subject } from '../../../src/budgets/types.js';
import { TallyError } from '../../../src/core/errors.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { FakeStore } from './fake-store.js';
import { priced, state, type EventSpec } from './fixtures.js';

const NOW = Date.now();
const BUDGETS: BudgetInput[] = [
  { id: 'tenant-month', name: 'per tenant', metric: 'cost', limit: '1', period: 'monthly', scope: { tenant: '*' } },
  { id: 'per-user', name: 'per user', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user_id: '*' } },
  { id: 'all-requests', name: 'all', metric: 'requests', limit: 1000, period: 'yearly', enforcement: 'soft' },
];

let seq = 0;
function ev(s: Partial<EventSpec>): PricedEvent {
  seq += 1;
  return priced({ id: `r${seq}`, at: NOW - 60_000, offset: seq, user: 'bob', cost: '0.25', ...s });
}

interface Process {
  readonly engine: BudgetEngine;
  readonly recovery: CounterRecovery;
  readonly answers: OutageAnswer[];
  readonly states: RecoveryState[];
  readonly lost: string[][];
}

describe('counter recovery', () => {
  let store: FakeStore;
  let counters: MemoryCounterStore;
  let source: StaticBudgetSource;

  /** A process on the shared counters and store (an API, a processor), with its own engine and recovery. */
  function process(policy: OutagePolicy = 'store', waitMs = 5_000): Process {
    const answers: OutageAnswer[] = [];
    const states: RecoveryState[] = [];
    const lost: string[][] = [];
    const recovery: CounterRecovery = new CounterRecovery(() => engine, {
      source: store, policy, waitMs, probeIntervalMs: 0,
      events: { onAnswer: (a) => answers.push(a), onState: (s) => states.push(s), onLost: (r) => lost.push([...r]) },
    });
    const engine: BudgetEngine = new BudgetEngine({ counters, budgets: source, recovery });
    return { engine, recovery, answers, states, lost };
  }

  /** What the processor does: store first, then counters. */
  async function consume(p: Process, events: PricedEvent[], partition = 0): Promise<void> {
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    await p.engine.apply({ topic: 'usage.raw', partition, events });
  }

  const acme: Subject = { tenant: 'acme', user_id: 'bob' };
  const beta: Subject = { tenant: 'beta', user_id: 'amy' };
  const usedOf = (statuses: readonly BudgetStatus[], id: string): string | undefined => statuses.find((s) => s.budget_id === id)?.used;

  beforeEach(async () => {
    store = new FakeStore();
    counters = new MemoryCounterStore();
    source = new StaticBudgetSource(state(BUDGETS));
    const processor = process();
    await processor.recovery.probe(); // a fresh counter store: nothing to rebuild, the region is marked
    // acme spends $1.25 of its $1 month: its hard budget is exceeded; beta spends $0.50.
    await consume(processor, [ev({}), ev({}), ev({}), ev({}), ev({ tenant: 'beta', user: 'amy' }), ev({ tenant: 'beta', user: 'amy' }), ev({})]);
  });

  it('a fresh counter store is initialised by the probe: nothing rebuilt, calls work at once', async () => {
    const api = process();
    expect(await api.recovery.probe()).toEqual([]);
    expect((await api.engine.check(acme)).allowed).toBe(false);
    expect(api.answers).toEqual([]);
  });

  it('after a loss, the next check is answered from the store\'s totals (policy store): the exceeded hard budget stays refused', async () => {
    const api = process('store');
    const before = await api.engine.statuses(acme);
    expect(usedOf(before, 'tenant-month')).toBe('1.25');
    await counters.clear();
    const check = await api.engine.check(acme);
    expect(check.allowed).toBe(false);
    expect(check.exceeded.map((s) => s.budget_id)).toContain('tenant-month');
    expect(api.answers).toEqual(['rebuilt']);
    expect(await api.engine.statuses(acme)).toEqual(before);
    await api.recovery.idle(); // the sweep of the rest (beta, the global slot)
    expect(api.recovery.state()).toEqual({ lostRegions: [], rebuilding: 0, error: null });
    expect(usedOf(await api.engine.statuses(beta), 'tenant-month')).toBe('0.5');
  });

  it('the processor\'s next batch rebuilds the slot first: the batch is counted once, nothing is lost', async () => {
    const processor = process();
    await counters.clear();
    await consume(processor, [ev({ cost: '0.5' })]);
    expect(usedOf(await processor.engine.statuses(acme), 'tenant-month')).toBe('1.75');
    expect(usedOf(await processor.engine.statuses(beta), 'tenant-month')).toBe('0.5'); // rebuilt when read
    // A redelivery of the batch is fenced.
    expect((await processor.engine.apply({ topic: 'usage.raw', partition: 0, events: [ev({ offset: seq })] })).fenced).toBe(1);
  });

  it('policy closed: 503 at once while the slot is rebuilt, the right answer after', async () => {
    const api = process('closed');
    await counters.clear();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.beforeRead = () => gate; // the rebuild waits on the store
    const refused = await api.engine.check(acme).then(() => null, (e: unknown) => e);
    expect(refused).toBeInstanceOf(TallyError);
    expect(refused).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', status: 503, retriable: true, details: { reason: 'counters_lost', retry_after_seconds: 1 } });
    expect((refused as TallyError).details.slots).toEqual(['acme', null]); // the tenant's slot and the global one (all-requests)
    expect(api.recovery.state().lostRegions).toEqual(['all']);
    store.beforeRead = null;
    release?.();
    await api.recovery.idle();
    expect((await api.engine.check(acme)).allowed).toBe(false);
    expect(api.answers).toEqual(['unavailable']);
  });

  it('policy store: a rebuild slower than the wait is 503, not a guess', async () => {
    const api = process('store', 50);
    await counters.clear();
    store.beforeRead = () => new Promise((resolve) => setTimeout(resolve, 200));
    await expect(api.engine.check(acme)).rejects.toMatchObject({ code: 'COUNTERS_UNAVAILABLE', details: { reason: 'counters_lost' } });
    expect(api.answers).toEqual(['unavailable']);
    store.beforeRead = null;
    await api.recovery.ensureLive(['acme']);
    expect((await api.engine.check(acme)).allowed).toBe(false);
  });

  it('policy open: answers from the counters as they are (the spend since the loss), and rebuilds meanwhile', async () => {
    const api = process('open');
    await counters.clear();
    const check = await api.engine.check(acme);
    expect(check.allowed).toBe(true); // what "open" means: the budget's earlier spend is not seen
    expect(api.answers).toEqual(['open']);
    await api.recovery.ensureLive(['acme']);
    expect((await api.engine.check(acme)).allowed).toBe(false);
  });

  it('a loss with no traffic is found by the probe, which rebuilds every tenant and marks the region', async () => {
    const api = process();
    await counters.clear();
    store.reads.length = 0;
    expect(await api.recovery.probe()).toEqual(['all']);
    await api.recovery.idle();
    expect(api.lost).toEqual([['all']]);
    expect(api.states.some((s) => s.lostRegions.length === 1)).toBe(true);
    expect(api.recovery.state()).toEqual({ lostRegions: [], rebuilding: 0, error: null });
    store.reads.length = 0;
    expect(usedOf(await api.engine.statuses(acme), 'tenant-month')).toBe('1.25');
    expect(usedOf(await api.engine.statuses(beta), 'tenant-month')).toBe('0.5');
    expect(store.reads).toEqual([]); // answered from the rebuilt counters, not the store
    expect(await counters.lostRegions()).toEqual([]);
  });

  it('two processes rebuilding the same slot at once end with exact counters', async () => {
    const a = process();
    const b = process();
    const before = await a.engine.statuses(acme);
    await counters.clear();
    const [x, y] = await Promise.all([a.engine.statuses(acme), b.engine.statuses(acme), a.recovery.probe(), b.recovery.probe()]);
    expect(x).toEqual(before);
    expect(y).toEqual(before);
    await Promise.all([a.recovery.idle(), b.recovery.idle()]);
    expect(await a.engine.statuses(acme)).toEqual(before);
    expect(usedOf(await a.engine.statuses(beta), 'tenant-month')).toBe('0.5');
  });

  it('a process that finds another one rebuilding a region watches until it is done (readiness follows)', async () => {
    const a = process();
    const b = process();
    await counters.clear();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.beforeRead = () => gate;
    const sweeping = a.recovery.probe(); // a claims the region and waits on the store
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.recovery.probe()).toEqual(['all']); // busy: b does not sweep
    expect(b.recovery.state().lostRegions).toEqual(['all']);
    store.beforeRead = null;
    release?.();
    await sweeping;
    await a.recovery.idle();
    const deadline = Date.now() + 5_000;
    while (b.recovery.state().lostRegions.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(b.recovery.state().lostRegions).toEqual([]);
    expect(b.lost).toEqual([]); // b never took the rebuild on
    await Promise.all([a.recovery.stop(), b.recovery.stop()]);
  });
});
