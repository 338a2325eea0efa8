import { describe, expect, it } from 'vitest';
import { CounterKeys } from '../../../src/counters/keys.js';
import { ScopeMatcher, eventDims, globToRegExp } from '../../../src/budgets/scope.js';
import { subjectValues } from '../../../src/budgets/subject.js';
import { priced } from './fixtures.js';

const keys = new CounterKeys();
const key = (m: ScopeMatcher, values: Record<string, string>): string =>
  keys.counter({ slot: m.slotOf(values), period: 'monthly@UTC', bucket: '2026-03', dims: m.counterDims(values) });

describe('scopes', () => {
  it('literal, each, pattern and any', () => {
    const bob = { tenant: 'acme', user_id: 'bob', model: 'openai/gpt-4o-mini' };
    expect(new ScopeMatcher({ tenant: 'acme', user_id: 'bob' }).matches(bob)).toBe(true);
    expect(new ScopeMatcher({ tenant: 'acme', user_id: 'amy' }).matches(bob)).toBe(false);
    expect(new ScopeMatcher({ user_id: '*' }).matches(bob)).toBe(true);
    expect(new ScopeMatcher({ user_id: '*' }).matches({ tenant: 'acme' })).toBe(false);
    expect(new ScopeMatcher({ model: 'openai/gpt-4o*' }).matches(bob)).toBe(true);
    expect(new ScopeMatcher({ model: 'anthropic/*' }).matches(bob)).toBe(false);
    expect(new ScopeMatcher({ group: 'eng' }).matches(bob)).toBe(false);
    expect(new ScopeMatcher({}).matches(bob)).toBe(true);
    expect(globToRegExp('a.b*').test('a.bcd')).toBe(true);
    expect(globToRegExp('a.b*').test('axbcd')).toBe(false);
    expect(globToRegExp('*(x)*').test('y(x)z')).toBe(true);
  });

  it('budgets of the same shape share counters, however they name the value', () => {
    const bob = { tenant: 'acme', user_id: 'bob' };
    const perUser = new ScopeMatcher({ tenant: '*', user_id: '*' });
    const justBob = new ScopeMatcher({ tenant: 'acme', user_id: 'bob' });
    expect(key(perUser, bob)).toBe(key(justBob, bob));
    expect(key(perUser, bob)).toBe('tally:{t.acme}:c:monthly@UTC:2026-03:u=bob');
    // Tenant only vs tenant and user_id: different counters.
    expect(key(new ScopeMatcher({ tenant: 'acme' }), bob)).toBe('tally:{t.acme}:c:monthly@UTC:2026-03:');
    // A pattern is part of the counter's identity.
    expect(key(new ScopeMatcher({ tenant: '*', model: 'openai/*' }), { ...bob, model: 'openai/o1' })).toBe('tally:{t.acme}:c:monthly@UTC:2026-03:m~openai/%2A');
    // No tenant: the global slot, and the tenant is not part of the key.
    expect(key(new ScopeMatcher({ user_id: '*' }), bob)).toBe('tally:{_global}:c:monthly@UTC:2026-03:u=bob');
    expect(key(new ScopeMatcher({}), bob)).toBe('tally:{_global}:c:monthly@UTC:2026-03:');
  });

  it('hostile values cannot reach another subject\'s counter', () => {
    const m = new ScopeMatcher({ tenant: '*', user_id: '*' });
    const a = key(m, { tenant: 'acme', user_id: 'bob,u=amy' });
    const b = key(m, { tenant: 'acme', user_id: 'bob' });
    const c = key(m, { tenant: 'acme}:c:x', user_id: 'bob' });
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toBe('tally:{t.acme}:c:monthly@UTC:2026-03:u=bob%2Cu%3Damy');
    expect(c.startsWith('tally:{t.acme%7D%3Ac%3Ax}:')).toBe(true);
  });

  it('reads dimensions from events and subjects', () => {
    const e = priced({ id: 'e', at: 0, user: 'bob', group: 'eng', provider: 'openai', agent: 'triage', feature: 'chat', apiKey: 'k1', model: 'gpt-4o' });
    expect(eventDims(e)).toEqual({ tenant: 'acme', user_id: 'bob', group: 'eng', model: 'openai/gpt-4o', provider: 'openai', agent: 'triage', feature: 'chat', api_key_id: 'k1' });
    expect(eventDims(priced({ id: 'e', at: 0, modelKey: null, model: 'mystery' })).model).toBe('mystery');
    expect(subjectValues({ user_id: 'bob', model: 'gpt-4o' }, (m) => (m === 'gpt-4o' ? 'openai/gpt-4o' : null))).toEqual({ tenant: 'default', user_id: 'bob', model: 'openai/gpt-4o' });
    expect(subjectValues({ tenant: 'acme', user_id: '' })).toEqual({ tenant: 'acme' });
    expect(subjectValues({ tenant: 'acme', api_key_id: 'k1' })).toEqual({ tenant: 'acme', api_key_id: 'k1' });
    expect(new ScopeMatcher({ tenant: '*', user_id: '*' }).subjectOf({ tenant: 'acme', user_id: 'bob' })).toEqual({ tenant: 'acme', user_id: 'bob' });
  });
});
