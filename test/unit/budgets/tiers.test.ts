import { describe, expect, it } from 'vitest';
import { BudgetSet } from '../../../src/budgets/catalog.js';
import { parseTier, tierToInput, type TierInput } from '../../../src/budgets/tiers.js';
import type { TallyError } from '../../../src/core/errors.js';
import { state } from './fixtures.js';

const free: TierInput = {
  name: 'free',
  default: true,
  budgets: [
    { key: 'daily', metric: 'cost', limit: '1', period: 'daily' },
    { key: 'monthly', metric: 'cost', limit: '10', period: 'monthly' },
  ],
};
const premium: TierInput = {
  name: 'premium',
  budgets: [
    { key: 'daily', metric: 'cost', limit: '20', period: 'daily' },
    { key: 'monthly', metric: 'cost', limit: '200', period: 'monthly', scope: { model: 'openai/*' } },
  ],
};

describe('tiers', () => {
  it('expand into per-user budgets with stable ids', () => {
    const t = parseTier(premium);
    expect(t.budgets.map((b) => [b.id, b.tier, b.scope])).toEqual([
      ['tier:premium:daily', 'premium', { tenant: '*', user_id: '*' }],
      ['tier:premium:monthly', 'premium', { tenant: '*', user_id: '*', model: 'openai/*' }],
    ]);
    expect(parseTier(tierToInput(t))).toEqual(t);
  });

  it('report mistakes with paths', () => {
    try {
      parseTier({ name: 'x', budgets: [{ key: 'a', metric: 'cost', limit: '0', period: 'daily' }, { key: 'a', metric: 'cost', limit: '1', period: 'daily', scope: { user: 'bob' } }] });
      expect.unreachable();
    } catch (err) {
      expect((err as TallyError).code).toBe('BUDGET_INVALID');
      expect((err as TallyError).details.errors).toEqual([
        { path: 'budgets[0].limit', reason: 'must be above 0' },
        { path: 'budgets[1].key', reason: 'duplicate key "a"' },
        { path: 'budgets[1].scope', reason: 'a tier budget is always per tenant and user; leave tenant and user_id out' },
      ]);
    }
    expect(() => parseTier({ name: 'bad name', budgets: [] })).toThrow(/tier is invalid/);
  });

  it('apply by assignment, else the default tier', () => {
    const set = new BudgetSet(state([{ id: 'g', name: 'all', metric: 'cost', limit: '1000', period: 'monthly' }], [free, premium], [{ tenant: 'acme', user: 'amy', tier: 'premium' }]));
    const ids = (user: string, model = 'openai/gpt-4o'): string[] => set.applicable({ tenant: 'acme', user_id: user, model }).map((b) => b.budget.id).sort();
    expect(ids('bob')).toEqual(['g', 'tier:free:daily', 'tier:free:monthly']);
    expect(ids('amy')).toEqual(['g', 'tier:premium:daily', 'tier:premium:monthly']);
    expect(ids('amy', 'anthropic/claude')).toEqual(['g', 'tier:premium:daily']);
    // Same user id in another tenant: not assigned there.
    expect(set.applicable({ tenant: 'other', user_id: 'amy', model: 'x' }).map((b) => b.budget.id)).toContain('tier:free:daily');
    // Tier budgets of one period share the per-user counter spec, whatever the tier.
    expect(set.get('tier:free:daily')?.specId).toBe(set.get('tier:premium:daily')?.specId);
    // Without a user, no tier budget applies.
    expect(set.applicable({ tenant: 'acme' }).map((b) => b.budget.id)).toEqual(['g']);
  });
});
