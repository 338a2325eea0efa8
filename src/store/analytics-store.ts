/** The port over an adapter: typed operations whose SQL lives in src/store/. */
import type { AnalyticsStore, SqlExecutor } from './types.js';
import { createUsageQueries } from './usage/operations.js';

export function createAnalyticsStore(sql: SqlExecutor): AnalyticsStore {
  return {
    kind: sql.kind,
    database: sql.database,
    sql,
    usage: createUsageQueries(sql),
    ping: () => sql.ping(),
    close: () => sql.close(),
  };
}
