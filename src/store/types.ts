/**
 * The analytics-store port. Adapters are small SQL executors (chDB in-process,
 * ClickHouse over HTTP); everything tally-specific — migrations, event rows,
 * queries — is written once in src/store/ on top of `SqlExecutor`, so the SQL
 * is the same on both. Domains see `AnalyticsStore`: typed operations, never
 * SQL text.
 */
import type { SqlExecutor } from './executor.js';
import type { UsageQueries } from './usage/operations.js';
import type { BudgetOperations } from './operations/budgets.js';
import type { PriceBookOperations } from './operations/price-books.js';
import type { CounterSourceOperations } from './operations/counter-source.js';
import type { EventOperations } from './operations/events.js';
import type { RepriceOperations } from './operations/reprices.js';
import type { RollupOperations } from './operations/rollups.js';
import type { DeadLetterOperations } from './operations/dead-letters.js';
import type { StatementOperations } from './operations/statements.js';
import type { WalletOperations } from './operations/wallets.js';
import type { EngineOperations } from './operations/engine.js';

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
  /** Writing usage_events, and the lookups of it: dedupe, by id, next log offsets. */
  readonly events: EventOperations;
  /** The budget repository's rows. */
  readonly budgets: BudgetOperations;
  /** Every version of every customer's price book (issue 16). */
  readonly priceBooks: PriceBookOperations;
  /** Customers' billed usage for statements and exports, and closed statements (issue 16). */
  readonly statements: StatementOperations;
  /** What budget counters are rebuilt from (reconcile): sums cut at a fence, offsets, tenants. */
  readonly counters: CounterSourceOperations;
  /** Re-pricing's pages of current events and its audit record. */
  readonly reprices: RepriceOperations;
  /** The rollups against raw events: compare, repair after a crash, checkpoints. */
  readonly rollups: RollupOperations;
  /** The embedded mode's dead-letter queue (Kafka keeps the distributed one). */
  readonly deadLetters: DeadLetterOperations;
  /** Wallet grants and the billed usage that burns them (issue 16). */
  readonly wallets: WalletOperations;
  /** What the engine says of its own memory (for /metrics in `tally start`). */
  readonly engine: EngineOperations;
  /** Throws STORE_UNAVAILABLE when the store does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
