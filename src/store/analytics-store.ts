/** The port over an adapter: typed operations whose SQL lives in src/store/. */
import type { AnalyticsStore, SqlExecutor } from './types.js';

export function createAnalyticsStore(sql: SqlExecutor): AnalyticsStore {
  return {
    kind: sql.kind,
    database: sql.database,
    sql,
    ping: () => sql.ping(),
    close: () => sql.close(),
  };
}
