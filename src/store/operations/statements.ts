/**
 * The `statements` operations of the analytics-store port (issue 16,
 * docs/billing.md "Statements"): a customer's billed usage per day, model
 * and class, read exactly as analytics reads it. The contract only; the SQL
 * is in statements-sql.ts.
 */
import type { CostClass } from '../../core/classes.js';

export interface StatementUsageFilter {
  readonly tenant: string;
  /** One user's events; every event of the tenant when absent. */
  readonly user?: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
}

/** One UTC day, model and book kind of a customer's usage. */
export interface StatementUsageRow {
  /** `YYYY-MM-DD` (UTC). */
  readonly day: string;
  /** The catalog key, or the model as reported for unpriced events (as analytics' summary). */
  readonly model: string;
  readonly model_key: string;
  readonly reported_model: string;
  readonly provider: string;
  /** Which kind of book priced the events: 'tenant', 'user', or '' (none). */
  readonly book: 'tenant' | 'user' | '';
  readonly events: bigint;
  /** Quantity per class: tokens, requests or units; audio seconds in thousandths. */
  readonly quantity: Readonly<Record<CostClass, bigint>>;
  /** Billed femto-USD per class. */
  readonly amount: Readonly<Record<CostClass, bigint>>;
  /** Sum of the stored price_total (equals the sum of `amount`). */
  readonly price_total: bigint;
}

export interface StatementOperations {
  /** The customer's current events in [from, to) (FINAL, sign = 1), by day, model and book kind. */
  usage(filter: StatementUsageFilter): Promise<StatementUsageRow[]>;
}
