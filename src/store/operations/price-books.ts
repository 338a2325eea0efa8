/**
 * The `priceBooks` operations of the analytics-store port: every version of
 * every customer's price book (migration 0015_price_books.sql) as the billing
 * repository stores them. The contract only; the SQL is in price-books-sql.ts.
 */

export interface PriceBookRow {
  readonly tenant: string;
  /** '' for the tenant's own book. */
  readonly user: string;
  /** Decimal microseconds; increasing. */
  readonly version: string;
  /** JSON of the validated book; '' for a deletion. */
  readonly body: string;
  readonly deleted: boolean;
  /** RFC 3339 with milliseconds. */
  readonly updated_at: string;
}

export interface PriceBookOperations {
  /** The newest version of every customer's book, deleted customers left out, by tenant then user. */
  current(): Promise<PriceBookRow[]>;
  /** Every version of one customer's book (deletions included), newest first. */
  history(tenant: string, user: string): Promise<PriceBookRow[]>;
  /** One version of a customer's book, or its newest when `version` is absent (deleted or not). */
  one(tenant: string, user: string, version?: string): Promise<PriceBookRow | null>;
  /** Appends a version. */
  write(row: PriceBookRow): Promise<void>;
  /** Highest version of any row, deletions included; '0' when empty. */
  maxVersion(): Promise<string>;
}
