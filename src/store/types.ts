/**
 * The analytics-store port. Adapters are small SQL executors (chDB in-process,
 * ClickHouse over HTTP); everything tally-specific — migrations, event rows,
 * queries — is written once in src/store/ on top of `SqlExecutor`, so the SQL
 * is the same on both. Domains see `AnalyticsStore`: typed operations, never
 * SQL text.
 */
import type { SqlExecutor } from './executor.js';
import type { UsageQueries } from './usage/operations.js';

export type { InsertOptions, SqlExecutor, SqlParam, SqlQuery } from './executor.js';

/** The analytics-store port as domains use it. */
export interface AnalyticsStore {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database tally's tables live in. */
  readonly database: string;
  /** The adapter underneath: for src/store/ and for tests and benchmarks that inspect tables. */
  readonly sql: SqlExecutor;
  /** Usage analytics: summaries, breakdowns, timeseries, records, sessions, latency. */
  readonly usage: UsageQueries;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
