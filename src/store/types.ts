/**
 * The analytics-store port. Adapters are small SQL executors (chDB in-process,
 * ClickHouse over HTTP); everything tally-specific — migrations, event rows,
 * queries — is written once on top of this interface, so the SQL is the same
 * on both.
 */

/** SQL text plus its bound parameters; values never enter the text. */
export interface SqlQuery {
  /** ClickHouse SQL using `{name:Type}` placeholders. */
  readonly sql: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface AnalyticsStore {
  readonly kind: 'chdb' | 'clickhouse';
  /** The database tally's tables live in. */
  readonly database: string;
  /**
   * Runs a SELECT and returns its rows as JSON objects. Both adapters use the
   * same output settings: 64-bit integers and decimals come back as strings.
   */
  query<Row extends object>(q: SqlQuery): Promise<Row[]>;
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT, ALTER). */
  command(q: SqlQuery): Promise<void>;
  /** Inserts rows as JSONEachRow; decimals and 64-bit integers as strings. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
