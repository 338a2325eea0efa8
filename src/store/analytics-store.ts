/** The port over an adapter: typed operations whose SQL lives in src/store/. */
import { createBudgetOperations } from './operations/budgets-sql.js';
import { createCounterSourceOperations } from './operations/counter-source-sql.js';
import { createEventOperations } from './operations/events-sql.js';
import { createRepriceOperations } from './operations/reprices-sql.js';
import type { AnalyticsStore, SqlExecutor } from './types.js';
import { createUsageQueries } from './usage/operations.js';

export function createAnalyticsStore(sql: SqlExecutor): AnalyticsStore {
  return {
    kind: sql.kind,
    database: sql.database,
    sql,
    usage: createUsageQueries(sql),
    events: createEventOperations(sql),
    budgets: createBudgetOperations(sql),
    counters: createCounterSourceOperations(sql),
    reprices: createRepriceOperations(sql),
    ping: () => sql.ping(),
    close: () => sql.close(),
  };
}
