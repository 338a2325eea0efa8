/**
 * The SQL executor contract: what an adapter (chDB in-process, ClickHouse
 * over HTTP) implements. Used only inside src/store/ — by the operation
 * groups of the port (src/store/types.ts) — and by tests that inspect tables.
 * Kept apart from the port so the groups can import it without a cycle.
 */

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
  /**
   * Inserts rows given as values in `columns` order (JSONCompactEachRow), with
   * no row objects to build or take apart: cancel rows, and any table but
   * usage_events' event inserts (those go as `insertRowBinary`).
   */
  insertValues(table: string, columns: readonly string[], values: readonly (readonly unknown[])[], options?: InsertOptions): Promise<void>;
  /**
   * Inserts rows already encoded as RowBinary (src/store/rowbinary/), the
   * values of each row in `columns` order: the events' insert, with no text
   * to build or for the store to parse. Same insert settings, errors and
   * deduplication as `insertValues`; `data` must not change until it settles.
   */
  insertRowBinary(table: string, columns: readonly string[], data: Buffer, options?: InsertOptions): Promise<void>;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
