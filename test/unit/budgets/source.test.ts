/**
 * A change announced while the source is still loading must not be lost: the
 * load in flight may have read the state before the change was committed
 * (seen as "another process never sees the new budget" until the next poll).
 */
import { expect, it } from 'vitest';
import { WatchedBudgetSource, type BudgetStateReader } from '../../../src/budgets/source.js';
import type { BudgetState } from '../../../src/budgets/catalog.js';

function stateOf(version: string, ids: readonly string[]): BudgetState {
  return {
    version,
    budgets: ids.map((id) => ({ id, name: id, metric: 'requests', limit: '10', period: 'daily', scope: {} }) as unknown as BudgetState['budgets'][number]),
    tiers: [],
    assignments: [],
  };
}

it('a change announced during a load is loaded after it, once, however many announcements arrive', async () => {
  let current = stateOf('1', []);
  const gates: (() => void)[] = [];
  let reads = 0;
  const reader: BudgetStateReader = {
    version: () => Promise.resolve(current.version),
    async state() {
      reads++;
      const seen = current; // what this read sees: the state when it started
      await new Promise<void>((resolve) => gates.push(resolve));
      return seen;
    },
  };
  const source = new WatchedBudgetSource(reader, { pollMs: 3_600_000 });
  const starting = source.start();
  gates.shift()?.();
  await starting;

  const first = source.refresh(); // a load starts and reads version 1
  current = stateOf('2', ['crud']); // the change is committed after that read began
  const second = source.refresh(); // its announcement arrives while the first load is in flight
  const third = source.refresh();
  expect(third).toBe(second);
  gates.shift()?.();
  await first;
  expect(source.current().get('crud')).toBeUndefined();
  await new Promise((r) => setTimeout(r, 0));
  gates.shift()?.();
  await second;
  expect(source.current().get('crud')).toBeDefined();
  expect(reads).toBe(3); // start, the first load, one follow-up
  await source.stop();
});

it('an announced change whose load fails is loaded again soon, not at the next (hourly) poll', async () => {
  let current = stateOf('1', []);
  let failNext = false;
  const reader: BudgetStateReader = {
    version: () => Promise.resolve(current.version),
    state() {
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('store busy'));
      }
      return Promise.resolve(current);
    },
  };
  let announce: () => void = () => undefined;
  const feed = { subscribe: (listener: () => void) => ((announce = listener), Promise.resolve(async () => undefined)) };
  const source = new WatchedBudgetSource(reader, { pollMs: 3_600_000, feed, retryMs: 20 });
  await source.start();
  current = stateOf('2', ['crud']);
  failNext = true;
  announce();
  for (let i = 0; i < 100 && source.current().get('crud') === undefined; i++) await new Promise((r) => setTimeout(r, 5));
  expect(source.current().get('crud')).toBeDefined();
  await source.stop();
});
