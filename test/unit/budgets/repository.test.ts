import { describe, expect, it } from 'vitest';
import { createMemoryBudgetRepository } from '../../../src/budgets/repository-memory.js';
import { WatchedBudgetSource } from '../../../src/budgets/source.js';
import { repositoryContract } from './repository-contract.js';

describe('budget repository (memory storage)', () => {
  repositoryContract(async () => createMemoryBudgetRepository());

  it('versions only go up, even when the clock goes back', async () => {
    let now = 2_000_000;
    const repo = createMemoryBudgetRepository({ clock: () => now });
    await repo.create({ id: 'a', name: 'a', metric: 'requests', limit: 1, period: 'daily' });
    const v1 = BigInt(await repo.version());
    now -= 1000;
    await repo.create({ id: 'b', name: 'b', metric: 'requests', limit: 1, period: 'daily' });
    expect(BigInt(await repo.version())).toBe(v1 + 1n);
  });

  it('a change feed triggers a reload at once', async () => {
    const repo = createMemoryBudgetRepository();
    const listeners: (() => void)[] = [];
    const source = new WatchedBudgetSource(repo, { pollMs: 60_000, feed: { subscribe: async (l) => { listeners.push(l); return async () => undefined; } } });
    await source.start();
    await repo.create({ id: 'fed', name: 'f', metric: 'requests', limit: 1, period: 'daily' });
    for (const l of listeners) l();
    await new Promise((r) => setTimeout(r, 20));
    expect(source.current().get('fed')).toBeDefined();
    await source.stop();
  });
});
