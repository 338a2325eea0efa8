/**
 * The statement queries pin their SQL text (a change is a reviewed change to
 * the snapshot files); values are parameters, never part of the text.
 */
import { describe, expect, it } from 'vitest';
import { closedStatementsQuery, statementTenantsQuery, statementUsageQuery } from '../../../src/store/queries/statements.js';

const NOV = Date.UTC(2026, 10, 1);
const DEC = Date.UTC(2026, 11, 1);

describe('statement queries', () => {
  it('usage: the customer\'s current events (FINAL, sign = 1) per day, model and book kind, sums widened; a user narrows it', async () => {
    const tenant = statementUsageQuery({ tenant: "ac'me", from: NOV, to: DEC });
    await expect(tenant.sql).toMatchFileSnapshot('__snapshots__/statements/usage.sql');
    expect(tenant.params).toEqual({ tenant: "ac'me", from: '2026-11-01 00:00:00.000', to: '2026-12-01 00:00:00.000' });
    expect(tenant.sql).toContain('FROM usage_events FINAL');
    expect(tenant.sql).not.toContain("ac'me");
    const user = statementUsageQuery({ tenant: 'acme', user: 'u1', from: NOV, to: DEC });
    expect(user.sql).toBe(tenant.sql.replace('WHERE tenant = {tenant:String}', 'WHERE tenant = {tenant:String}\n  AND user_id = {user:String}'));
    expect(user.params).toMatchObject({ user: 'u1' });
  });

  it('closed statements: the first close of each month; tenants of a month', async () => {
    await expect(closedStatementsQuery('acme', '', ['2026-11']).sql).toMatchFileSnapshot('__snapshots__/statements/closed.sql');
    expect(closedStatementsQuery('acme', '').sql).not.toContain('period IN');
    await expect(statementTenantsQuery(NOV, DEC).sql).toMatchFileSnapshot('__snapshots__/statements/tenants.sql');
  });
});
