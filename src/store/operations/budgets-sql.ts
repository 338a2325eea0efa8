/** The `budgets` operations (budgets.ts) in SQL, over one executor. */
import { formatDateTime64 } from '../../core/time.js';
import { BUDGET_TABLES, budgetTableValues, liveRowsQuery, maxVersionQuery, oneRowQuery, type BudgetTableRow } from '../queries/budgets.js';
import type { SqlExecutor } from '../types.js';
import type { BudgetOperations, BudgetRow, BudgetRowKind } from './budgets.js';

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
  };
}
