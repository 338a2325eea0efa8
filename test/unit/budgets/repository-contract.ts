/** The repository contract, run on memory storage (unit) and on the analytics store (integration). */
import { expect, it } from 'vitest';
import type { BudgetRepository } from '../../../src/budgets/repository.js';
import { WatchedBudgetSource } from '../../../src/budgets/source.js';
import { TallyError } from '../../../src/core/errors.js';

const budget = { id: 'team-a', name: 'Team A', metric: 'cost', limit: '25', period: 'monthly', scope: { tenant: 'acme', group: 'a' } };
const free = { name: 'free', default: true, budgets: [{ key: 'daily', metric: 'cost', limit: '1', period: 'daily' }] };
const pro = { name: 'pro', budgets: [{ key: 'daily', metric: 'cost', limit: '50', period: 'daily' }] };

export function repositoryContract(make: () => Promise<BudgetRepository>): void {
  it('creates, reads, replaces and deletes budgets; versions move', async () => {
    const repo = await make();
    const v0 = await repo.version();
    const created = await repo.create(budget);
    expect(created).toMatchObject({ id: 'team-a', limit: '25', scope: { tenant: 'acme', group: 'a' } });
    const v1 = await repo.version();
    expect(BigInt(v1) > BigInt(v0)).toBe(true);
    expect(await repo.get('team-a')).toEqual(created);
    await expect(repo.create(budget)).rejects.toMatchObject({ code: 'CONFLICT' });
    const replaced = await repo.put('team-a', { ...budget, limit: '30', id: 'ignored' });
    expect(replaced.limit).toBe('30');
    expect((await repo.list()).map((b) => [b.id, b.limit])).toEqual([['team-a', '30']]);
    await repo.remove('team-a');
    await expect(repo.get('team-a')).rejects.toMatchObject({ code: 'BUDGET_NOT_FOUND' });
    await expect(repo.remove('team-a')).rejects.toMatchObject({ code: 'BUDGET_NOT_FOUND' });
    expect(await repo.list()).toEqual([]);
    expect(BigInt(await repo.version()) > BigInt(v1)).toBe(true);
    // A deleted id can be created again.
    expect((await repo.create({ ...budget, limit: '5' })).limit).toBe('5');
  });

  it('rejects invalid budgets with every field named', async () => {
    const repo = await make();
    const err = await repo.create({ ...budget, limit: '-1', period: 'hourly' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TallyError);
    expect((err as TallyError).code).toBe('BUDGET_INVALID');
    expect(((err as TallyError).details.errors as { path: string }[]).map((e) => e.path)).toEqual(['period']);
    await expect(repo.create({ ...budget, tier: 'x' })).rejects.toMatchObject({ code: 'BUDGET_INVALID' });
  });

  it('tiers and assignments; one default tier', async () => {
    const repo = await make();
    await repo.putTier(free);
    await repo.putTier(pro);
    await expect(repo.putTier({ ...pro, default: true })).rejects.toMatchObject({ code: 'BUDGET_INVALID', details: { errors: [{ path: 'default', reason: 'tier "free" is already the default' }] } });
    await repo.assign({ tenant: 'acme', user: 'amy', tier: 'pro' });
    await expect(repo.assign({ tenant: 'acme', user: 'bob', tier: 'gold' })).rejects.toMatchObject({ code: 'BUDGET_INVALID' });
    const state = await repo.state();
    expect(state.tiers.map((t) => [t.name, t.default, t.budgets.map((b) => b.id)])).toEqual([
      ['free', true, ['tier:free:daily']],
      ['pro', false, ['tier:pro:daily']],
    ]);
    expect(state.assignments).toEqual([{ tenant: 'acme', user: 'amy', tier: 'pro' }]);
    await repo.unassign('acme', 'amy');
    expect(await repo.assignments()).toEqual([]);
    await repo.removeTier('pro');
    await expect(repo.getTier('pro')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('seeds config defaults once; present ones are left alone; mistakes are reported with paths', async () => {
    const repo = await make();
    const input = { budgets: [budget, { ...budget, id: 'b2', name: 'two' }], tiers: { free: { default: true, budgets: free.budgets } } };
    expect(await repo.seed(input)).toEqual({ created: ['tier:free', 'team-a', 'b2'], existing: [] });
    const v = await repo.version();
    await repo.put('b2', { ...budget, id: 'b2', name: 'two', limit: '99' });
    const again = await repo.seed(input);
    expect(again).toEqual({ created: [], existing: ['tier:free', 'team-a', 'b2'] });
    expect((await repo.get('b2')).limit).toBe('99');
    expect(BigInt(await repo.version()) > BigInt(v)).toBe(true);
    const err = await repo.seed({ budgets: [{ ...budget, id: undefined }, { ...budget, id: 'x', limit: '0' }], tiers: { 'bad name': { budgets: [] } } }).catch((e: unknown) => e);
    expect((err as TallyError).details.errors).toEqual(
      expect.arrayContaining([
        { path: 'budgets.defaults[0].id', reason: 'a default budget needs an id, so that seeding it again changes nothing' },
        { path: 'budgets.defaults[1].limit', reason: 'must be above 0' },
        expect.objectContaining({ path: 'budgets.tiers.bad name.name' }),
      ]),
    );
  });

  it('a change reaches a watching process within a second', async () => {
    const repo = await make();
    const source = new WatchedBudgetSource(repo, { pollMs: 100 });
    await source.start();
    try {
      const before = source.current();
      const t0 = Date.now();
      await repo.create({ ...budget, id: 'watched' });
      while (!source.current().get('watched') && Date.now() - t0 < 1000) await new Promise((r) => setTimeout(r, 20));
      expect(source.current().get('watched')).toBeDefined();
      expect(source.current().version).not.toBe(before.version);
    } finally {
      await source.stop();
    }
  });
}
