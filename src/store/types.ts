/**
 * The analytics-store port. Adapters are small SQL executors (chDB in-process,
 * ClickHouse over HTTP); everything tally-specific — migrations, event rows,
 * queries — is written once in src/store/ on top of `SqlExecutor`, so the SQL
 * is the same on both. Domains see `AnalyticsStore`: typed operations, never
 * SQL text.
 */
import type { BudgetOperations } from './operations/budgets.js';
import type { CounterSourceOperations } from './operations/counter-source.js';
import type { EventOperations } from './operations/events.js';
import type { RepriceOperations } from './operations/reprices.js';

/** A value that may be bound to a `{name:Type}` placeholder. */
export type SqlParam =
  | string
  | number
  | bigint
  | boolean
  | null
  | readonly SqlParam[];

/** SQL text plus its bound parameters; values never enter the text. */
export interface SqlQuery {
  /** ClickHouse SQL using `{name:Type}` placeholders. */
  readonly sql: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Options of one insert. */
export interface InsertOptions {
  /**
   * `insert_deduplication_token`: a retried insert with the same token (and the
   * same rows) is dropped by the store instead of being written twice — in the
   * table and in every rollup fed from it. Tables opt in through the
   * `non_replicated_deduplication_window` setting (Replicated tables always
   * deduplicate). Derive it from the rows' identity, never reuse it for
   * different rows: a block with a known token is silently skipped.
   */
  readonly deduplicationToken?: string;
}

/** What an adapter implements: SQL in, rows out. Used only inside src/store/ (and by tests that inspect tables). */
export interface SqlExecutor {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database tally's tables live in; unqualified table names resolve to it. */
  readonly database: string;
  /**
   * Runs a SELECT and returns its rows as JSON objects. Both adapters use the
   * same output settings (src/store/settings.ts): 64-bit integers and decimals
   * come back as strings, DateTime64 as `YYYY-MM-DD hh:mm:ss.sss`.
   */
  query<Row extends object>(q: SqlQuery): Promise<Row[]>;
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT, ALTER). */
  command(q: SqlQuery): Promise<void>;
  /**
   * Inserts rows (objects; decimals and 64-bit integers as strings). Adapters
   * send JSONCompactEachRow when every row has the same keys in the same
   * order, JSONEachRow otherwise; missing columns take their defaults.
   */
  insert(table: string, rows: readonly Record<string, unknown>[], options?: InsertOptions): Promise<void>;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The analytics-store port as domains use it. */
export interface AnalyticsStore {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database tally's tables live in. */
  readonly database: string;
  /** The adapter underneath: for src/store/ and for tests and benchmarks that inspect tables. */
  readonly sql: SqlExecutor;
  /** Writing usage_events, and the lookups of it: dedupe, by id, next log offsets. */
  readonly events: EventOperations;
  /** The budget repository's rows. */
  readonly budgets: BudgetOperations;
  /** What budget counters are rebuilt from (reconcile): sums cut at a fence, offsets, tenants. */
  readonly counters: CounterSourceOperations;
  /** Re-pricing's pages of current events and its audit record. */
  readonly reprices: RepriceOperations;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
