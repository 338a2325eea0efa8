/** The CLI side of budgets: flags → budget body, estimates, reconcile periods, tables. */
import { describe, expect, it } from 'vitest';
import { parseBudget } from '../../../src/budgets/index.js';
import { budgetInput, budgetsTable, statusTable } from '../../../src/cli/commands/budgets.js';
import { estimateOf } from '../../../src/cli/commands/quota.js';
import { periodInstant } from '../../../src/cli/commands/reconcile.js';

const noFlags = { meta: [] as string[], backfill: true };

describe('tally budgets add flags', () => {
  it('make the POST body, "*" scopes included', () => {
    const body = budgetInput({
      ...noFlags, id: 'team-a', name: 'Team A', metric: 'cost', limit: '250.00', period: 'monthly', timezone: 'America/New_York',
      tenant: 'acme', group: 'team-a', user: '*', soft: true, thresholds: '50,80,100', approaching: '75', meta: ['owner=finance', 'cc=a=b'],
    });
    expect(body).toEqual({
      id: 'team-a', name: 'Team A', metric: 'cost', limit: '250.00', period: 'monthly', timezone: 'America/New_York', enforcement: 'soft',
      thresholds: [50, 80, 100], approaching: 75, scope: { tenant: 'acme', user_id: '*', group: 'team-a' }, metadata: { owner: 'finance', cc: 'a=b' },
    });
    expect(parseBudget(body).limit).toBe('250');
  });

  it('reject bad numbers and contradictions with the field named', () => {
    expect(() => budgetInput({ ...noFlags, thresholds: '50,x' })).toThrow(/thresholds/);
    expect(() => budgetInput({ ...noFlags, soft: true, hard: true })).toThrow(/--soft or --hard/);
    expect(() => budgetInput({ ...noFlags, meta: ['novalue'] })).toThrow(/key=value/);
  });
});

describe('tally quota estimates', () => {
  it('take cost, tokens, or model + max tokens', () => {
    expect(estimateOf({})).toBeUndefined();
    expect(estimateOf({ cost: '0.25', tokens: '1200' })).toEqual({ cost: '0.25', tokens: 1200 });
    expect(estimateOf({ model: 'gpt-4o', maxTokens: '2000' })).toEqual({ model: 'gpt-4o', max_tokens: 2000 });
    expect(() => estimateOf({ maxTokens: '2000' })).toThrow(/--model/);
    expect(() => estimateOf({ tokens: '1.5' })).toThrow(/whole number/);
  });
});

describe('tally reconcile --period', () => {
  const now = Date.parse('2026-11-22T06:00:00Z');
  it('takes the middle of a label, so that label is the open period in every zone', () => {
    expect(new Date(periodInstant('2026-11', now)).toISOString()).toBe('2026-11-16T00:00:00.000Z');
    expect(new Date(periodInstant('2026-11-05', now)).toISOString()).toBe('2026-11-05T12:00:00.000Z');
    expect(new Date(periodInstant('2026-W45', now)).toISOString()).toBe('2026-11-05T12:00:00.000Z'); // Mon 2 Nov – Sun 8 Nov
    expect(new Date(periodInstant('2026-W01', now)).toISOString()).toBe('2026-01-01T12:00:00.000Z'); // Mon 29 Dec 2025 – Sun 4 Jan
    expect(new Date(periodInstant('2025', now)).toISOString()).toBe('2025-07-02T12:00:00.000Z');
    expect(periodInstant('2026-11-05T12:34:56Z', now)).toBe(Date.parse('2026-11-05T12:34:56Z'));
  });
  it('refuses the future and nonsense', () => {
    expect(() => periodInstant('2026-12', now)).toThrow(/future/);
    expect(() => periodInstant('2026-13', now)).toThrow(/01–12/);
    expect(() => periodInstant('2026-02-30', now)).toThrow(/calendar date/);
    expect(() => periodInstant('last week', now)).toThrow(/instant/);
  });
});

describe('tables', () => {
  it('align budgets and statuses', () => {
    const b = parseBudget({ id: 'a', name: 'A', metric: 'cost', limit: '1234.5', period: 'rolling', window: '24h', scope: { tenant: '*', user: '*' } });
    expect(budgetsTable([b])).toBe(
      'id  name  metric     limit  period      scope               enforcement  thresholds\n' +
      '--  ----  ------  --------  ----------  ------------------  -----------  ----------\n' +
      'a   A     cost    $1,234.5  rolling 1d  tenant=*,user_id=*  hard         50/80/100\n',
    );
    const table = statusTable([{
      budget_id: 'a', name: 'A', metric: 'cost', token_class: null, enforcement: 'hard', period: 'daily', timezone: 'UTC', window: null, subject: { user_id: 'bob' },
      used: null, reserved: null, limit: '5', remaining: null, percentage: null, exceeded: true, approaching: false, period_start: 'x', resets_at: 'y',
    }]);
    expect(table.split('\n')[2]).toMatch(/^a\s+user_id=bob\s+—\s+—\s+\$5\s+—\s+—\s+exceeded\s+daily\s+y$/);
  });
});
