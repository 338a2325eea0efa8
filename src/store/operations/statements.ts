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

/** A closed (frozen) statement as stored (migration 0017_statements.sql). */
export interface ClosedStatementRow {
  readonly tenant: string;
  /** '' for the tenant itself. */
  readonly user: string;
  /** `YYYY-MM`. */
  readonly period: string;
  /** Decimal microseconds of the close. */
  readonly version: string;
  /** RFC 3339. */
  readonly closed_at: string;
  /** Femto-USD, from the document's totals (for queries over the table). */
  readonly usage: bigint;
  readonly due: bigint;
  /** SHA-256 (hex) of `document`. */
  readonly content_hash: string;
  /** The statement as JSON text. */
  readonly document: string;
}

export interface StatementOperations {
  /** The customer's current events in [from, to) (FINAL, sign = 1), by day, model and book kind. */
  usage(filter: StatementUsageFilter): Promise<StatementUsageRow[]>;
  /** The customer's closed statements (the first close of each month), by period; only `periods` when given. */
  closed(tenant: string, user: string, periods?: readonly string[]): Promise<Omit<ClosedStatementRow, 'closed_at' | 'usage' | 'due'>[]>;
  /** Tenants with events in [from, to) or a closed statement of their own, sorted. */
  tenants(from: number, to: number): Promise<string[]>;
  /** Appends a closed statement. */
  close(row: ClosedStatementRow): Promise<void>;
}
