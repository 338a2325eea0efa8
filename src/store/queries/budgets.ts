/**
 * Query objects of the budget tables (migration 0010_budgets.sql): the
 * repository's rows of (key, JSON body, version, deleted). Reads use FINAL and
 * `deleted = 0`. The alerts budgets sent (migration 0013_budget_alerts.sql),
 * read with FINAL (one row per alert id); every query starts with a `/* tally:budgets.<name> *\/` tag
 * that names it in the server's query log.
 */
import type { BudgetAlertQuery, BudgetAlertRow, BudgetRow, BudgetRowKind } from '../operations/budgets.js';
import { formatDateTime64 } from '../../core/time.js';
import type { SqlQuery } from '../types.js';

/** Each kind's table, its key expression and its body column. */
export const BUDGET_TABLES: Readonly<Record<BudgetRowKind, { readonly table: string; readonly key: string; readonly body: string }>> = {
  budget: { table: 'budgets', key: 'id', body: 'body' },
  tier: { table: 'budget_tiers', key: 'name', body: 'body' },
  // An assignment's key is JSON [tenant, user_id]; its body is the tier name.
  assignment: { table: 'budget_tier_assignments', key: 'toJSONString([tenant, user_id])', body: 'tier' },
};

/** A row as the queries below return it. */
export interface BudgetTableRow {
  readonly key: string;
  readonly body: string;
  readonly version: string;
  readonly deleted: number | string;
}

/** The live rows of a kind: newest per key, deleted keys left out, by key. */
export function liveRowsQuery(kind: BudgetRowKind): SqlQuery {
  const t = BUDGET_TABLES[kind];
  return {
    sql: `/* tally:budgets.repository_live */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE deleted = 0
ORDER BY key`,
  };
}

/** The newest row of one key (an assignment's key is JSON [tenant, user_id]), deleted or not. */
export function oneRowQuery(kind: BudgetRowKind, key: string): SqlQuery {
  const t = BUDGET_TABLES[kind];
  if (kind === 'assignment') {
    const [tenant = '', user = ''] = JSON.parse(key) as string[];
    return {
      sql: `/* tally:budgets.repository_one */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}`,
      params: { tenant, user },
    };
  }
  return {
    sql: `/* tally:budgets.repository_one */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE ${t.key} = {key:String}`,
    params: { key },
  };
}

/** The highest version over the three tables, deletions included (NULL-free: 0 when empty). */
export function maxVersionQuery(): SqlQuery {
  return {
    sql: `/* tally:budgets.repository_version */
SELECT toString(greatest(
    (SELECT max(version) FROM budgets),
    (SELECT max(version) FROM budget_tiers),
    (SELECT max(version) FROM budget_tier_assignments))) AS version`,
  };
}

/** Rows of one kind as inserted into its table. */
export function budgetTableValues(kind: BudgetRowKind, rows: readonly BudgetRow[], updatedAt: string): Record<string, unknown>[] {
  return rows.map((r) => {
    const common = { version: r.version, deleted: r.deleted ? 1 : 0, updated_at: updatedAt };
    if (kind === 'assignment') {
      const [tenant = '', user = ''] = JSON.parse(r.key) as string[];
      return { tenant, user_id: user, tier: r.body, ...common };
    }
    return { [BUDGET_TABLES[kind].key]: r.key, body: r.body, ...common };
  });
}

export const BUDGET_ALERTS_TABLE = 'budget_alerts';

/** A row of budgetAlertsQuery (`crossed_at_text`: the stored text, `YYYY-MM-DD hh:mm:ss.sss`). */
export interface BudgetAlertTableRow {
  readonly alert_id: string;
  readonly budget_id: string;
  readonly tenant: string;
  readonly crossed_at_text: string;
  readonly body: string;
}

/** A budget's alerts, newest first, after a position, at most `limit`; one row per alert id (FINAL). */
export function budgetAlertsQuery(q: BudgetAlertQuery): SqlQuery {
  const where = ['budget_id = {budget:String}'];
  const params: Record<string, unknown> = { budget: q.budgetId, limit: q.limit };
  if (q.tenant !== undefined) {
    where.push('tenant = {tenant:String}');
    params.tenant = q.tenant;
  }
  if (q.after) {
    where.push("(crossed_at, alert_id) < ({after_at:DateTime64(3, 'UTC')}, {after_id:String})");
    params.after_at = formatDateTime64(new Date(q.after.crossed_at));
    params.after_id = q.after.alert_id;
  }
  return {
    sql: `/* tally:budgets.alerts */
SELECT alert_id, budget_id, tenant, toString(crossed_at) AS crossed_at_text, body
FROM budget_alerts FINAL
WHERE ${where.join(' AND ')}
ORDER BY crossed_at DESC, alert_id DESC
LIMIT {limit:UInt32}`,
    params,
  };
}

/** Alert rows as inserted into budget_alerts. */
export function budgetAlertValues(rows: readonly BudgetAlertRow[], recordedAt: string): Record<string, unknown>[] {
  return rows.map((r) => ({ budget_id: r.budget_id, alert_id: r.alert_id, tenant: r.tenant, crossed_at: formatDateTime64(new Date(r.crossed_at)), body: r.body, recorded_at: recordedAt }));
}
