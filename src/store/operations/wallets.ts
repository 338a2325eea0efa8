/**
 * The `wallets` operations of the analytics-store port: wallet grant rows
 * (migration 0016_wallet_grants.sql) and the billed usage that burns them.
 * The contract only; the SQL is in wallets-sql.ts.
 */
import type { Money } from '../../core/money.js';

/** One row: a grant, or the void of one. */
export interface WalletGrantRow {
  readonly tenant: string;
  /** '' for the tenant's own wallet. */
  readonly user: string;
  /** Decimal microseconds; increasing: creation order. */
  readonly seq: string;
  readonly grant_id: string;
  readonly kind: 'grant' | 'void';
  /** Femto-USD (0 on a void). */
  readonly amount: Money;
  readonly priority: number;
  /** RFC 3339 with milliseconds. */
  readonly effective_from: string;
  readonly expires_at: string | null;
  readonly source: string;
  readonly note: string;
  /** RFC 3339 with milliseconds: when the row was written (a void takes effect then). */
  readonly created_at: string;
}

/** Billed usage of one (UTC day, segment) group. */
export interface WalletUsage {
  /** `YYYY-MM-DD`. */
  readonly day: string;
  /** How many of the bounds are at or before the group's events. */
  readonly segment: number;
  readonly price: Money;
  readonly events: number;
}

export interface WalletOperations {
  /** Every row of one customer, in creation order. */
  rows(tenant: string, user: string): Promise<WalletGrantRow[]>;
  /** Appends rows. */
  write(rows: readonly WalletGrantRow[]): Promise<void>;
  /** Every customer with a row (with `afterSeq`: a row whose seq is above it), by tenant then user. */
  customers(afterSeq?: string): Promise<{ tenant: string; user: string }[]>;
  /** Highest seq of any row; '0' when empty. */
  maxSeq(): Promise<string>;
  /**
   * The highest seq and the number of rows (decimal text): a row that lands
   * after one with a higher seq (writers' clocks differ) still moves it.
   */
  marker(): Promise<{ maxSeq: string; rows: string }>;
  /**
   * Billed usage (`price_total` of current events) of a tenant (user null:
   * all its users) in [from, to) per UTC day and segment of `bounds`.
   */
  usage(input: { tenant: string; user: string | null; from: number; to: number; bounds: readonly number[] }): Promise<WalletUsage[]>;
}
