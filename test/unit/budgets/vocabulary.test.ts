/**
 * One vocabulary: budget scopes and quota subjects name dimensions as events
 * do (`user_id`, `api_key_id`), the legacy `user` / `api_key` are still read
 * with a deprecation notice, and the counter keys and alert marks stored in
 * Redis are exactly what the code before the rename produced.
 */
import { describe, expect, it } from 'vitest';
import { CounterKeys } from '../../../src/counters/keys.js';
import { compileBudget } from '../../../src/budgets/catalog.js';
import { parseBudget, type BudgetInput } from '../../../src/budgets/model.js';
import { BucketCache, watchFor } from '../../../src/budgets/plan.js';
import { alertId } from '../../../src/budgets/alerts.js';
import { parseTier } from '../../../src/budgets/tiers.js';
import { subjectValues } from '../../../src/budgets/subject.js';
import { LEGACY_DIMENSIONS, LEGACY_NAMES_REMOVED_IN, type Deprecation } from '../../../src/budgets/legacy.js';
import { DIMENSION_SPECS, SCOPE_DIMENSIONS } from '../../../src/core/dimensions.js';
import type { DimValues } from '../../../src/budgets/scope.js';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { createLogger } from '../../../src/core/logger.js';
import { Writable } from 'node:stream';
import { priced, state } from './fixtures.js';

/** Counter keys, mark key, mark field and alert id of one budget for one event's values, as the engine computes them. */
function identity(input: BudgetInput, values: DimValues, now: number, keys: CounterKeys, threshold: number) {
  const b = compileBudget(parseBudget(input));
  const w = watchFor({ keys, now, graceMs: 0, cache: new BucketCache() }, b, values, now);
  if (!w) throw new Error('no watch');
  const field = keys.markField(w.dims, threshold);
  return { counters: w.keys.slice(-2), mark: keys.marks(w.slot, b.budget.id, w.markBucket), field, alert: alertId(b.budget.id, w.markBucket, field), subject: b.scope.subjectOf(values) };
}

describe('counter keys and alert marks keep their codes', () => {
  it('codes and canonical order are exactly as before the rename', () => {
    expect(SCOPE_DIMENSIONS.map((d) => DIMENSION_SPECS[d].code).join('')).toBe('tugmpafk');
    expect(LEGACY_DIMENSIONS).toEqual({ user: 'user_id', api_key: 'api_key_id' });
  });

  // The expected strings were printed by the code before the rename (scope `{tenant, user, group, model, api_key}`).
  it('a tenant scope with user_id and api_key_id: the same key, mark and alert id as with user and api_key', () => {
    const now = Date.parse('2026-03-15T12:00:00Z');
    const values = { tenant: 'acme', user_id: 'bob@x.io', group: 'team a', model: 'openai/gpt-4o-mini', api_key_id: 'key:1' };
    const budget = { id: 'per-key', name: 'k', metric: 'cost', limit: '10', period: 'monthly', timezone: 'Europe/Paris' } as const;
    const got = identity({ ...budget, scope: { tenant: 'acme', user_id: '*', group: 'team a', model: 'openai/gpt-4o*', api_key_id: '*' } }, values, now, new CounterKeys(), 80);
    expect(got.counters).toEqual(['tally:{t.acme}:c:monthly@Europe/Paris:2026-03:u=bob@x.io,g=team%20a,m~openai/gpt-4o%2A,k=key%3A1']);
    expect(got.mark).toBe('tally:{t.acme}:mk:per-key:2026-03');
    expect(got.field).toBe('u=bob@x.io,g=team%20a,m~openai/gpt-4o%2A,k=key%3A1|80');
    expect(got.alert).toBe('al_1230308261419d66ed716f5dd3de9ce0');
    expect(got.subject).toEqual({ user_id: 'bob@x.io', api_key_id: 'key:1' });
    const legacy = identity({ ...budget, scope: { tenant: 'acme', user: '*', group: 'team a', model: 'openai/gpt-4o*', api_key: '*' } }, values, now, new CounterKeys(), 80);
    expect(legacy).toEqual(got);
  });

  it('a global rolling scope over every dimension: the same keys, mark and alert id as before', () => {
    const now = Date.parse('2026-03-15T12:34:00Z');
    const values = { tenant: 'beta', user_id: 'amy', group: 'g1', model: 'openai/gpt-4o', provider: 'openai', agent: 'triage', feature: 'chat', api_key_id: 'k_9' };
    const got = identity(
      { id: 'every-dim', name: 'k', metric: 'tokens', limit: '1000', period: 'rolling', window: '24h', scope: { user_id: 'amy', group: '*', model: '*', provider: 'openai', agent: '*', feature: 'chat', api_key_id: '*' } },
      values, now, new CounterKeys('test:'), 100,
    );
    expect(got.counters).toEqual([
      'test:{_global}:c:r15m:2026-03-15T1215Z:u=amy,g=g1,m=openai/gpt-4o,p=openai,a=triage,f=chat,k=k_9',
      'test:{_global}:c:r15m:2026-03-15T1230Z:u=amy,g=g1,m=openai/gpt-4o,p=openai,a=triage,f=chat,k=k_9',
    ]);
    expect(got.mark).toBe('test:{_global}:mk:every-dim:w20527');
    expect(got.field).toBe('u=amy,g=g1,m=openai/gpt-4o,p=openai,a=triage,f=chat,k=k_9|100');
    expect(got.alert).toBe('al_ef50e744d9572c30e2a895d56f5de744');
    expect(got.subject).toEqual({ group: 'g1', model: 'openai/gpt-4o', agent: 'triage', api_key_id: 'k_9' });
  });
});

describe('legacy scope names', () => {
  const base = { id: 'b', name: 'B', metric: 'cost', limit: '5', period: 'daily' } as const;

  it('are read as the event names, in canonical order, with one notice per use', () => {
    const notices: Deprecation[] = [];
    const b = parseBudget({ ...base, scope: { api_key: 'k1', user: '*', tenant: 'acme' } }, { onDeprecated: (n) => notices.push(n) });
    expect(b.scope).toEqual({ tenant: 'acme', user_id: '*', api_key_id: 'k1' });
    expect(Object.keys(b.scope)).toEqual(['tenant', 'user_id', 'api_key_id']);
    expect(notices.map((n) => [n.path, n.legacy, n.name])).toEqual([['scope.user', 'user', 'user_id'], ['scope.api_key', 'api_key', 'api_key_id']]);
    expect(notices[0]?.message).toBe(`scope.user: user is deprecated, write user_id (user is read until tally ${LEGACY_NAMES_REMOVED_IN})`);
    // Parsing is idempotent: the normalised budget has no legacy name left.
    const again: Deprecation[] = [];
    expect(parseBudget(b, { onDeprecated: (n) => again.push(n) })).toEqual(b);
    expect(again).toEqual([]);
  });

  it('the new names alone give no notice', () => {
    const notices: Deprecation[] = [];
    expect(parseBudget({ ...base, scope: { tenant: 'acme', user_id: '*' } }, { onDeprecated: (n) => notices.push(n) }).scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(notices).toEqual([]);
  });

  it('both names of one dimension in one scope are a field error on the legacy one', () => {
    expect(() => parseBudget({ ...base, scope: { user: 'bob', user_id: 'bob' } })).toThrow(expect.objectContaining({
      code: 'BUDGET_INVALID',
      details: { errors: [{ path: 'scope.user', reason: 'give user_id only (user is its deprecated name)' }] },
    }));
    expect(() => parseBudget({ ...base, scope: { api_key_id: 'a', api_key: 'b' } }, { path: 'budgets.defaults[3]' })).toThrow(expect.objectContaining({
      details: { errors: [{ path: 'budgets.defaults[3].scope.api_key', reason: 'give api_key_id only (api_key is its deprecated name)' }] },
    }));
  });

  it('errors name the field as it was written', () => {
    expect(() => parseBudget({ ...base, scope: { user: 'a*' } })).toThrow(expect.objectContaining({ details: { errors: [{ path: 'scope.user', reason: expect.stringMatching(/only model accepts patterns/) }] } }));
    expect(() => parseBudget({ ...base, scope: { user_id: 'a*' } })).toThrow(expect.objectContaining({ details: { errors: [{ path: 'scope.user_id', reason: expect.stringMatching(/only model accepts patterns/) }] } }));
  });

  it('tier templates: per user_id, legacy names read with a notice, user (either name) refused', () => {
    const notices: Deprecation[] = [];
    const tier = parseTier({ name: 'free', budgets: [{ key: 'k', metric: 'cost', limit: '1', period: 'daily', scope: { api_key: '*' } }] }, { onDeprecated: (n) => notices.push(n) });
    expect(tier.budgets[0]?.scope).toEqual({ tenant: '*', user_id: '*', api_key_id: '*' });
    expect(notices.map((n) => n.path)).toEqual(['budgets[0].scope.api_key']);
    for (const scope of [{ user: 'bob' }, { user_id: 'bob' }]) {
      expect(() => parseTier({ name: 'x', budgets: [{ key: 'k', metric: 'cost', limit: '1', period: 'daily', scope }] })).toThrow(expect.objectContaining({
        details: { errors: [{ path: 'budgets[0].scope', reason: 'a tier budget is always per tenant and user; leave tenant and user_id out' }] },
      }));
    }
  });
});

describe('legacy subject names', () => {
  it('are read as the event names, with a notice; both names are an error', () => {
    const notices: Deprecation[] = [];
    expect(subjectValues({ tenant: 'acme', user: 'bob', api_key: 'k1' }, undefined, (n) => notices.push(n))).toEqual({ tenant: 'acme', user_id: 'bob', api_key_id: 'k1' });
    expect(notices.map((n) => n.path)).toEqual(['subject.user', 'subject.api_key']);
    expect(() => subjectValues({ user: 'bob', user_id: 'amy' })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'subject.user', reason: 'give user_id only (user is its deprecated name)' }] } }));
  });
});

describe('the engine (library callers)', () => {
  it('counts a user under a {tenant, user_id} budget; a subject still naming user works and is logged once per name', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write(chunk: Buffer, _e, done): void { lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }); done(); } }) });
    const now = Date.parse('2026-03-10T12:00:00Z');
    const engine = new BudgetEngine({
      counters: new MemoryCounterStore({ clock: () => now }), clock: () => now, logger,
      budgets: new StaticBudgetSource(state([{ id: 'pu', name: 'pu', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: 'acme', user_id: '*' } }])),
    });
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: 'e1', user: 'bob', cost: '3', at: now - 1000, offset: 1 }), priced({ id: 'e2', user: 'amy', cost: '1', at: now - 1000, offset: 2 })] });
    expect(await engine.status('pu', { tenant: 'acme', user_id: 'bob' })).toMatchObject({ used: '3', subject: { user_id: 'bob' } });
    expect((await engine.check({ tenant: 'acme', user_id: 'amy' })).budgets).toMatchObject([{ used: '1', subject: { user_id: 'amy' } }]);
    expect(lines).toEqual([]);
    expect(await engine.status('pu', { tenant: 'acme', user: 'bob' })).toMatchObject({ used: '3', subject: { user_id: 'bob' } });
    expect((await engine.check({ tenant: 'acme', user: 'amy' })).budgets).toMatchObject([{ used: '1', subject: { user_id: 'amy' } }]);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([[40, 'quota subject: subject.user: user is deprecated, write user_id (user is read until tally 0.3)']]);
  });
});
