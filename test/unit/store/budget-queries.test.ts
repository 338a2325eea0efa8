/** The budget tables' query objects pin their SQL text; values are always parameters. */
import { describe, expect, it } from 'vitest';
import { budgetAlertValues, budgetAlertsQuery, budgetTableValues, liveRowsQuery, maxVersionQuery, oneRowQuery } from '../../../src/store/queries/budgets.js';

describe('budget table query objects', () => {
  it('pins the live rows SQL of each kind', () => {
    expect(liveRowsQuery('budget')).toEqual({
      sql: `/* tally:budgets.repository_live */
SELECT id AS key, body AS body, toString(version) AS version, deleted
FROM budgets FINAL
WHERE deleted = 0
ORDER BY key`,
    });
    expect(liveRowsQuery('tier').sql).toBe(`/* tally:budgets.repository_live */
SELECT name AS key, body AS body, toString(version) AS version, deleted
FROM budget_tiers FINAL
WHERE deleted = 0
ORDER BY key`);
    expect(liveRowsQuery('assignment').sql).toBe(`/* tally:budgets.repository_live */
SELECT toJSONString([tenant, user_id]) AS key, tier AS body, toString(version) AS version, deleted
FROM budget_tier_assignments FINAL
WHERE deleted = 0
ORDER BY key`);
  });

  it('pins the one-row SQL: by key, or by (tenant, user_id) for an assignment', () => {
    expect(oneRowQuery('budget', "b'; DROP TABLE budgets --")).toEqual({
      sql: `/* tally:budgets.repository_one */
SELECT id AS key, body AS body, toString(version) AS version, deleted
FROM budgets FINAL
WHERE id = {key:String}`,
      params: { key: "b'; DROP TABLE budgets --" },
    });
    expect(oneRowQuery('assignment', JSON.stringify(['acme', 'bob']))).toEqual({
      sql: `/* tally:budgets.repository_one */
SELECT toJSONString([tenant, user_id]) AS key, tier AS body, toString(version) AS version, deleted
FROM budget_tier_assignments FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}`,
      params: { tenant: 'acme', user: 'bob' },
    });
  });

  it('pins the max version SQL over the three tables', () => {
    expect(maxVersionQuery()).toEqual({
      sql: `/* tally:budgets.repository_version */
SELECT toString(greatest(
    (SELECT max(version) FROM budgets),
    (SELECT max(version) FROM budget_tiers),
    (SELECT max(version) FROM budget_tier_assignments))) AS version`,
    });
  });

  it('builds each table\'s insert values from repository rows', () => {
    const at = '2026-03-01 00:00:00.000';
    expect(budgetTableValues('budget', [{ kind: 'budget', key: 'b1', body: '{"id":"b1"}', version: '7', deleted: false }], at)).toEqual([
      { id: 'b1', body: '{"id":"b1"}', version: '7', deleted: 0, updated_at: at },
    ]);
    expect(budgetTableValues('tier', [{ kind: 'tier', key: 'gold', body: '{}', version: '8', deleted: true }], at)).toEqual([
      { name: 'gold', body: '{}', version: '8', deleted: 1, updated_at: at },
    ]);
    expect(budgetTableValues('assignment', [{ kind: 'assignment', key: '["acme","bob"]', body: 'gold', version: '9', deleted: false }], at)).toEqual([
      { tenant: 'acme', user_id: 'bob', tier: 'gold', version: '9', deleted: 0, updated_at: at },
    ]);
  });

  it('pins the alerts SQL: one row per alert id (FINAL), newest first, a tenant and a keyset position as parameters', () => {
    expect(budgetAlertsQuery({ budgetId: 'b1', limit: 21 })).toEqual({
      sql: `/* tally:budgets.alerts */
SELECT alert_id, budget_id, tenant, toString(crossed_at) AS crossed_at_text, body
FROM budget_alerts FINAL
WHERE budget_id = {budget:String}
ORDER BY crossed_at DESC, alert_id DESC
LIMIT {limit:UInt32}`,
      params: { budget: 'b1', limit: 21 },
    });
    expect(budgetAlertsQuery({ budgetId: 'b1', tenant: "acme' OR 1=1", limit: 3, after: { crossed_at: '2026-11-30T12:30:00.250Z', alert_id: 'al_4' } })).toEqual({
      sql: `/* tally:budgets.alerts */
SELECT alert_id, budget_id, tenant, toString(crossed_at) AS crossed_at_text, body
FROM budget_alerts FINAL
WHERE budget_id = {budget:String} AND tenant = {tenant:String} AND (crossed_at, alert_id) < ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
ORDER BY crossed_at DESC, alert_id DESC
LIMIT {limit:UInt32}`,
      params: { budget: 'b1', limit: 3, tenant: "acme' OR 1=1", after_at: '2026-11-30 12:30:00.250', after_id: 'al_4' },
    });
  });

  it('builds the alerts insert values', () => {
    expect(budgetAlertValues([{ alert_id: 'al_1', budget_id: 'b1', tenant: '', crossed_at: '2026-11-30T10:00:00.001Z', body: '{}' }], '2026-12-01 00:00:00.000')).toEqual([
      { budget_id: 'b1', alert_id: 'al_1', tenant: '', crossed_at: '2026-11-30 10:00:00.001', body: '{}', recorded_at: '2026-12-01 00:00:00.000' },
    ]);
  });
});
