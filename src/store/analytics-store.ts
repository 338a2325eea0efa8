/** The port over an adapter: typed operations whose SQL lives in src/store/. */
import { createBudgetOperations } from './operations/budgets-sql.js';
import { createPriceBookOperations } from './operations/price-books-sql.js';
import { createCounterSourceOperations } from './operations/counter-source-sql.js';
import { createEventOperations } from './operations/events-sql.js';
import { createRepriceOperations } from './operations/reprices-sql.js';
import { createRollupOperations, markUnchecked } from './operations/rollups-sql.js';
import { createDeadLetterOperations } from './operations/dead-letters-sql.js';
import { createEngineOperations } from './operations/engine-sql.js';
import { createStatementOperations } from './operations/statements-sql.js';
import { createWalletOperations } from './operations/wallets-sql.js';
import { WriteTracker } from './write-tracker.js';
import type { AnalyticsStore, SqlExecutor } from './types.js';
import { createUsageQueries } from './usage/operations.js';

export function createAnalyticsStore(sql: SqlExecutor): AnalyticsStore {
  // Shared by the event writes and the rollup checkpoint: which inserts are unfinished. On chDB,
  // where a crash of this process is a crash of the store, the first write also marks the rollups unchecked.
  const tracker = new WriteTracker(sql.kind === 'chdb' ? () => markUnchecked(sql) : undefined);
  return {
    kind: sql.kind,
    database: sql.database,
    sql,
    usage: createUsageQueries(sql),
    events: createEventOperations(sql, tracker),
    rollups: createRollupOperations(sql, tracker),
    deadLetters: createDeadLetterOperations(sql),
    engine: createEngineOperations(sql),
    budgets: createBudgetOperations(sql),
    priceBooks: createPriceBookOperations(sql),
    statements: createStatementOperations(sql),
    counters: createCounterSourceOperations(sql),
    reprices: createRepriceOperations(sql),
    wallets: createWalletOperations(sql),
    ping: () => sql.ping(),
    close: () => sql.close(),
  };
}
