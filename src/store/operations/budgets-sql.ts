/** The `budgets` operations (budgets.ts) in SQL, over one executor. */
import { formatDateTime64, parseDateTime64 } from '../../core/time.js';
import { BUDGET_ALERTS_TABLE, BUDGET_TABLES, budgetAlertValues, budgetAlertsQuery, budgetTableValues, liveRowsQuery, maxVersionQuery, oneRowQuery, type BudgetAlertTableRow, type BudgetTableRow } from '../queries/budgets.js';
import type { SqlExecutor } from '../types.js';
import type { BudgetAlertRow, BudgetOperations, BudgetRow, BudgetRowKind } from './budgets.js';

const KINDS: readonly BudgetRowKind[] = ['budget', 'tier', 'assignment'];

function toRow(kind: BudgetRowKind, r: BudgetTableRow): BudgetRow {
  return { kind, key: r.key, body: r.body, version: r.version, deleted: Number(r.deleted) === 1 };
}

export function createBudgetOperations(sql: SqlExecutor): BudgetOperations {
  return {
    async live(kind) {
      return (await sql.query<BudgetTableRow>(liveRowsQuery(kind))).map((r) => toRow(kind, r));
    },
    async one(kind, key) {
      const [row] = await sql.query<BudgetTableRow>(oneRowQuery(kind, key));
      return row ? toRow(kind, row) : null;
    },
    async write(rows) {
      const updatedAt = formatDateTime64(new Date());
      for (const kind of KINDS) {
        const mine = rows.filter((r) => r.kind === kind);
        if (mine.length > 0) await sql.insert(BUDGET_TABLES[kind].table, budgetTableValues(kind, mine, updatedAt));
      }
    },
    async maxVersion() {
      const [row] = await sql.query<{ version: string }>(maxVersionQuery());
      return row?.version ?? '0';
    },
    async recordAlerts(rows) {
      if (rows.length > 0) await sql.insert(BUDGET_ALERTS_TABLE, budgetAlertValues(rows, formatDateTime64(new Date())));
    },
    async alerts(query) {
      const rows = await sql.query<BudgetAlertTableRow>(budgetAlertsQuery(query));
      return rows.map((r): BudgetAlertRow => ({ alert_id: r.alert_id, budget_id: r.budget_id, tenant: r.tenant, crossed_at: new Date(parseDateTime64(r.crossed_at_text) ?? Number.NaN).toISOString(), body: r.body }));
    },
  };
}
