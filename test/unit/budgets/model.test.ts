import { describe, expect, it } from 'vitest';
import { parseBudget, sameBudget } from '../../../src/budgets/model.js';
import { TallyError, type FieldError } from '../../../src/core/errors.js';

function errorsOf(input: unknown): FieldError[] {
  try {
    parseBudget(input);
  } catch (err) {
    expect(err).toBeInstanceOf(TallyError);
    expect((err as TallyError).code).toBe('BUDGET_INVALID');
    return (err as TallyError).details.errors as FieldError[];
  }
  throw new Error('expected BUDGET_INVALID');
}

const base = { id: 'b1', name: 'Team', metric: 'cost', limit: '25.00', period: 'monthly' } as const;

describe('budget model', () => {
  it('fills defaults and normalises', () => {
    const b = parseBudget({ ...base, scope: { user: '*', tenant: 'acme' }, metadata: { z: '1', a: '2' } });
    expect(b).toEqual({
      id: 'b1', name: 'Team', metric: 'cost', token_class: null, limit: '25', period: 'monthly', timezone: 'UTC', window: null,
      scope: { tenant: 'acme', user_id: '*' }, enforcement: 'hard', thresholds: [50, 80, 100], approaching: 80, metadata: { a: '2', z: '1' }, tier: null,
    });
    expect(Object.keys(b.scope)).toEqual(['tenant', 'user_id']);
    expect(Object.keys(b.metadata)).toEqual(['a', 'z']);
    // Parsing the normalised form again changes nothing.
    expect(sameBudget(parseBudget(b), b)).toBe(true);
    expect(parseBudget({ ...base, id: undefined }).id).toMatch(/^b_[0-9a-f-]{36}$/);
  });

  it('parses limits exactly per metric', () => {
    expect(parseBudget({ ...base, limit: '0.000000000000001' }).limit).toBe('0.000000000000001');
    expect(parseBudget({ ...base, limit: 12.5 }).limit).toBe('12.5');
    expect(parseBudget({ ...base, metric: 'tokens', limit: 1_000_000 }).limit).toBe('1000000');
    expect(parseBudget({ ...base, metric: 'requests', limit: '500' }).limit).toBe('500');
    expect(errorsOf({ ...base, limit: '0' })).toEqual([{ path: 'limit', reason: 'must be above 0' }]);
    expect(errorsOf({ ...base, limit: '1.0000000000000001' })[0]?.path).toBe('limit');
    expect(errorsOf({ ...base, limit: 'ten' })[0]?.reason).toMatch(/decimal text/);
    expect(errorsOf({ ...base, limit: '10000000000' })[0]?.reason).toMatch(/at most/);
    expect(errorsOf({ ...base, metric: 'tokens', limit: 1.5 })).toEqual([{ path: 'limit', reason: 'must be a whole number of tokens above 0' }]);
    expect(errorsOf({ ...base, metric: 'requests', limit: '-3' })[0]?.path).toBe('limit');
  });

  it('validates periods: time zones for calendar periods, windows for rolling ones', () => {
    expect(parseBudget({ ...base, period: 'daily', timezone: 'america/new_york' }).timezone).toBe('America/New_York');
    expect(parseBudget({ ...base, period: 'rolling', window: '24h' })).toMatchObject({ period: 'rolling', window: '1d', timezone: 'UTC' });
    expect(parseBudget({ ...base, period: 'rolling', window: 90 })).toMatchObject({ window: '90m' });
    expect(errorsOf({ ...base, period: 'daily', timezone: 'Mars/Base' })).toEqual([{ path: 'timezone', reason: 'unknown IANA time zone "Mars/Base"' }]);
    expect(errorsOf({ ...base, period: 'rolling' })).toEqual([{ path: 'window', reason: 'a rolling period needs a window, e.g. "24h"' }]);
    expect(errorsOf({ ...base, period: 'rolling', window: '125m' })[0]).toEqual({ path: 'window', reason: 'windows over 2 hours must be a multiple of 15 minutes' });
    expect(errorsOf({ ...base, period: 'rolling', window: '24h', timezone: 'Asia/Kolkata' })[0]?.path).toBe('timezone');
    expect(parseBudget({ ...base, period: 'lifetime' })).toMatchObject({ period: 'lifetime', window: null, timezone: 'UTC' });
    expect(errorsOf({ ...base, period: 'lifetime', timezone: 'Asia/Kolkata' })).toEqual([{ path: 'timezone', reason: 'a lifetime period never resets, so it has no time zone; leave it out' }]);
    expect(errorsOf({ ...base, period: 'lifetime', window: '7d' })[0]?.path).toBe('window');
    expect(errorsOf({ ...base, window: '24h' })[0]).toEqual({ path: 'window', reason: 'only rolling periods have a window (period is monthly)' });
    expect(errorsOf({ ...base, period: 'fortnightly' })[0]?.path).toBe('period');
  });

  it('names every wrong field at once', () => {
    const errors = errorsOf({ id: 'bad id!', metric: 'dollars', limit: '1', period: 'daily', scope: { user: '', planet: 'x' }, thresholds: [0, 2000], extra: 1 });
    const paths = errors.map((e) => e.path).sort();
    expect(paths).toEqual(expect.arrayContaining(['id', 'name', 'metric', 'scope.user', 'scope', 'thresholds[0]', 'thresholds[1]', '']));
    expect(errors.find((e) => e.path === 'scope')?.reason).toMatch(/unknown field\(s\): planet/);
    expect(errors.find((e) => e.path === '')?.reason).toMatch(/unknown field\(s\): extra/);
  });

  it('checks the rules between fields', () => {
    expect(parseBudget({ ...base, metric: 'tokens', token_class: 'output', limit: 10 }).token_class).toBe('output');
    expect(errorsOf({ ...base, token_class: 'output' })).toEqual([{ path: 'token_class', reason: 'only budgets with metric "tokens" count a token class' }]);
    expect(parseBudget({ ...base, scope: { model: 'openai/gpt-4o*' } }).scope.model).toBe('openai/gpt-4o*');
    expect(errorsOf({ ...base, scope: { user: 'a*' } })).toEqual([{ path: 'scope.user', reason: 'only model accepts patterns; use "*" alone for one counter per value' }]);
    expect(parseBudget({ ...base, thresholds: [100, 50, 50, 75.5] }).thresholds).toEqual([50, 75.5, 100]);
    expect(parseBudget({ ...base, enforcement: 'soft', approaching: 90 })).toMatchObject({ enforcement: 'soft', approaching: 90 });
    expect(parseBudget(base, { approaching: 70 }).approaching).toBe(70);
  });

  it('prefixes paths when parsing a list', () => {
    try {
      parseBudget({ ...base, limit: '0' }, { path: 'budgets[2]' });
    } catch (err) {
      expect((err as TallyError).details.errors).toEqual([{ path: 'budgets[2].limit', reason: 'must be above 0' }]);
      expect((err as TallyError).message).toBe('budget is invalid: budgets[2].limit: must be above 0');
    }
    expect.assertions(2);
  });
});
