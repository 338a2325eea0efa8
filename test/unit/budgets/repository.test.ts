import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MemoryRepositoryStorage, createMemoryBudgetRepository } from '../../../src/budgets/repository-memory.js';
import { BudgetRepository } from '../../../src/budgets/repository.js';
import type { Deprecation } from '../../../src/budgets/legacy.js';
import { createLogger, type Logger } from '../../../src/core/logger.js';
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

  function capture(): { lines: Record<string, unknown>[]; log: Logger } {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done): void {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, log: createLogger({ level: 'info', destination: stream }) };
  }

  it('reads budgets and tiers stored with the legacy scope names, warning once per budget', async () => {
    const storage = new MemoryRepositoryStorage();
    const old = { id: 'old', name: 'old', metric: 'cost', token_class: null, limit: '5', period: 'daily', timezone: 'UTC', window: null, scope: { tenant: 'acme', user: '*', api_key: 'k1' }, enforcement: 'hard', thresholds: [50, 80, 100], approaching: 80, metadata: {}, tier: null };
    const tier = { name: 'free', description: '', default: true, budgets: [{ key: 'daily', metric: 'cost', limit: '1', period: 'daily', scope: { api_key: '*' } }] };
    await storage.write([
      { kind: 'budget', key: 'old', body: JSON.stringify(old), version: '1', deleted: false },
      { kind: 'tier', key: 'free', body: JSON.stringify(tier), version: '1', deleted: false },
    ]);
    const { lines, log } = capture();
    const repo = new BudgetRepository(storage, { logger: log });
    for (let i = 0; i < 3; i++) {
      const state = await repo.state();
      expect(state.budgets[0]?.scope).toEqual({ tenant: 'acme', user_id: '*', api_key_id: 'k1' });
      expect(state.tiers[0]?.budgets[0]?.scope).toEqual({ tenant: '*', user_id: '*', api_key_id: '*' });
    }
    expect((await repo.get('old')).scope).toEqual({ tenant: 'acme', user_id: '*', api_key_id: 'k1' });
    expect(lines.map((l) => [l.level, l.msg, l.deprecated])).toEqual([
      [40, 'budget old: scope.user: user is deprecated, write user_id (user is read until tally 0.3); scope.api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)', ['scope.user', 'scope.api_key']],
      [40, 'tier free: budgets[0].scope.api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)', ['budgets[0].scope.api_key']],
    ]);
    // Saving it again stores the new names.
    await repo.put('old', { ...old, scope: { tenant: 'acme', user_id: '*' } });
    expect(JSON.parse((await storage.one('budget', 'old'))?.body ?? '{}').scope).toEqual({ tenant: 'acme', user_id: '*' });
  });

  it('seeds config budgets and tiers with legacy scope names, warning once per budget; writes tell the caller', async () => {
    const { lines, log } = capture();
    const repo = createMemoryBudgetRepository({ logger: log });
    const seeded = await repo.seed({
      budgets: [
        { id: 'new', name: 'n', metric: 'cost', limit: '5', period: 'daily', scope: { tenant: 'acme', user_id: '*' } },
        { id: 'old', name: 'o', metric: 'cost', limit: '5', period: 'daily', scope: { tenant: 'acme', user: '*' } },
      ],
      tiers: { free: { default: true, budgets: [{ key: 'd', metric: 'cost', limit: '1', period: 'daily', scope: { api_key: '*' } }] } },
    });
    expect(seeded.created).toEqual(['tier:free', 'new', 'old']);
    expect((await repo.get('old')).scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(lines.map((l) => l.msg)).toEqual([
      'budget old: budgets.defaults[1].scope.user: user is deprecated, write user_id (user is read until tally 0.3)',
      'tier free: budgets.tiers.free.budgets[0].scope.api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)',
    ]);
    await repo.state();
    expect(lines).toHaveLength(2);

    const told: Deprecation[] = [];
    await repo.create({ id: 'c', name: 'c', metric: 'cost', limit: '1', period: 'daily', scope: { api_key: 'k' } }, (n) => told.push(n));
    await repo.put('c', { name: 'c', metric: 'cost', limit: '1', period: 'daily', scope: { user: 'bob' } }, (n) => told.push(n));
    await repo.putTier({ name: 'pro', budgets: [{ key: 'd', metric: 'cost', limit: '9', period: 'daily', scope: { api_key: '*' } }] }, (n) => told.push(n));
    expect(told.map((n) => n.path)).toEqual(['scope.api_key', 'scope.user', 'budgets[0].scope.api_key']);
    expect(lines).toHaveLength(2);
  });
});
