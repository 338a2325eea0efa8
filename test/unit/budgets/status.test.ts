import { describe, expect, it } from 'vitest';
import { compileBudget } from '../../../src/budgets/catalog.js';
import { parseBudget, type BudgetInput } from '../../../src/budgets/model.js';
import { windowAt } from '../../../src/budgets/periods.js';
import { buildStatus, percentageOf, reaches, verdict } from '../../../src/budgets/status.js';
import type { CounterValue } from '../../../src/counters/types.js';
import { parseUsd } from '../../../src/core/money.js';

const T0 = Date.parse('2026-03-08T12:34:56Z');

function value(cost: string, held = '0', tokens = 0n, heldTokens = 0n): CounterValue {
  return { used: { cost: parseUsd(cost), tokens, requests: 0n, classes: {}, price: 0n }, held: { cost: parseUsd(held), tokens: heldTokens, requests: 0n, price: 0n } };
}

function status(input: BudgetInput, buckets: CounterValue[], estimate: { cost: string } | null = null, now = T0) {
  const b = compileBudget(parseBudget(input));
  return buildStatus({ budget: b, values: { tenant: 'acme', user_id: 'bob' }, window: windowAt(b.period, now), buckets, now, estimate: estimate && { cost: parseUsd(estimate.cost), tokens: 0n, requests: 1n, price: 0n } });
}

const monthly = { id: 'm', name: 'M', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user: '*' } } as const;

describe('status arithmetic', () => {
  it('is exact to the femto-dollar', () => {
    const s = status(monthly, [value('3.000000000000001', '0.1')]);
    expect(s).toMatchObject({
      used: '3.000000000000001', reserved: '0.1', limit: '10', remaining: '6.899999999999999',
      percentage: 30, exceeded: false, approaching: false, would_exceed: false, blocking: false, retry_after_seconds: null,
      period_start: '2026-03-01T00:00:00.000Z', resets_at: '2026-04-01T00:00:00.000Z', subject: { tenant: 'acme', user_id: 'bob' },
    });
    expect(percentageOf(parseUsd('0.1') + parseUsd('0.2'), parseUsd('0.3'))).toBe(100);
    expect(percentageOf(2n, 3n)).toBe(66.66);
    expect(reaches(parseUsd('7.999999999999999'), parseUsd('10'), 80)).toBe(false);
    expect(reaches(parseUsd('8'), parseUsd('10'), 80)).toBe(true);
    expect(reaches(125n, 1000n, 12.5)).toBe(true);
  });

  it('approaching, exceeded, remaining never negative', () => {
    expect(status(monthly, [value('8')])).toMatchObject({ approaching: true, exceeded: false, percentage: 80 });
    expect(status(monthly, [value('10')])).toMatchObject({ approaching: false, exceeded: true, remaining: '0', would_exceed: true, blocking: true });
    expect(status(monthly, [value('12.5')])).toMatchObject({ percentage: 125, remaining: '0' });
  });

  it('an estimate must fit used + reserved + estimate ≤ limit', () => {
    expect(status(monthly, [value('9', '0.5')], { cost: '0.5' })).toMatchObject({ would_exceed: false, blocking: false });
    const s = status(monthly, [value('9', '0.5')], { cost: '0.500000000000001' });
    expect(s).toMatchObject({ would_exceed: true, blocking: true });
    // Blocked until the month resets.
    expect(s.retry_after_seconds).toBe(Math.ceil((Date.parse('2026-04-01T00:00:00Z') - T0) / 1000));
    expect(status({ ...monthly, enforcement: 'soft' }, [value('10')], { cost: '1' })).toMatchObject({ would_exceed: true, blocking: false, retry_after_seconds: null });
  });

  it('a blocked rolling window has room again when enough old buckets leave it', () => {
    const rolling = { ...monthly, period: 'rolling', window: '5m', limit: '10' } as const;
    // Buckets 12:30 … 12:34 hold 4, 0, 3, 2, 1 = 10.
    const buckets = ['4', '0', '3', '2', '1'].map((c) => value(c));
    const s = status(rolling, buckets, { cost: '2' });
    expect(s.blocking).toBe(true);
    // Dropping 12:30 (4) leaves 6 + 2 ≤ 10: at 12:30 + 5 min = 12:35:00.
    expect(s.retry_after_seconds).toBe(4);
    const big = status(rolling, buckets, { cost: '7' });
    // 12:30 and 12:31 go (6 left) → 6+7 > 10; 12:32 goes (3 left) → fits at 12:37.
    expect(big.retry_after_seconds).toBe(Math.ceil((Date.parse('2026-03-08T12:37:00Z') - T0) / 1000));
    expect(big.period_start).toBe('2026-03-08T12:30:00.000Z');
    expect(big.resets_at).toBe('2026-03-08T12:35:00.000Z');
  });

  it('the verdict waits for the latest blocking budget', () => {
    const day = status({ ...monthly, id: 'd', period: 'daily', limit: '1' }, [value('1')]);
    const month = status(monthly, [value('10')]);
    const soft = status({ ...monthly, id: 's', enforcement: 'soft', limit: '1' }, [value('2')]);
    const v = verdict([day, month, soft]);
    expect(v.allowed).toBe(false);
    expect(v.exceeded.map((s) => s.budget_id)).toEqual(['d', 'm', 's']);
    expect(v.retry_after_seconds).toBe(month.retry_after_seconds);
    expect(verdict([soft])).toMatchObject({ allowed: true, retry_after_seconds: null });
  });

  it('a blocked lifetime budget (a wallet\'s) has no retry: no wait helps, and the verdict waits for nothing', () => {
    const lifetime = status({ ...monthly, id: 'w', period: 'lifetime', limit: '5' }, [value('4.5')], { cost: '0.500000000000001' });
    expect(lifetime).toMatchObject({ blocking: true, retry_after_seconds: null, period_start: '1970-01-01T00:00:00.000Z', resets_at: '2106-01-01T00:00:00.000Z' });
    expect(status({ ...monthly, id: 'w', period: 'lifetime', limit: '5' }, [value('4.5')], { cost: '0.5' })).toMatchObject({ blocking: false, remaining: '0.5' });
    // A monthly budget blocking too would say "wait for April": the wallet would still refuse then.
    const month = status(monthly, [value('10')]);
    expect(verdict([month, lifetime])).toMatchObject({ allowed: false, retry_after_seconds: null });
    expect(verdict([month])).toMatchObject({ allowed: false, retry_after_seconds: month.retry_after_seconds });
  });

  it('token budgets count token holds; class budgets count their class', () => {
    const tokens = { id: 't', name: 'T', metric: 'tokens', limit: 1000, period: 'daily' } as const;
    expect(status(tokens, [value('0', '0', 600n, 300n)])).toMatchObject({ used: '600', reserved: '300', remaining: '100' });
    const out = compileBudget(parseBudget({ ...tokens, token_class: 'output' }));
    const v: CounterValue = { used: { cost: 0n, tokens: 900n, requests: 0n, classes: { output: 200n }, price: 0n }, held: { cost: 0n, tokens: 50n, requests: 0n, price: 0n } };
    expect(buildStatus({ budget: out, values: {}, window: windowAt(out.period, T0), buckets: [v], now: T0, estimate: null })).toMatchObject({ used: '200', reserved: '50', remaining: '750' });
  });
});
