/**
 * The contract between wallets (prepaid credits) and statements (issue 16,
 * items 2 and 3): what a statement shows under "credits applied" for one
 * customer and one period, and what a closed statement gives back to the
 * wallet. Wallets implement `CreditsReader`; statements call it.
 */

/** Where a grant came from. */
export const GRANT_SOURCES = ['purchase', 'promotion', 'adjustment'] as const;
export type GrantSource = (typeof GRANT_SOURCES)[number];

/** A customer: a tenant, or one user of it (`user` '' = the tenant itself; docs/billing.md). */
export interface CustomerRef {
  readonly tenant: string;
  readonly user: string;
}

/** How much of one grant was burned by billed usage in a range. */
export interface CreditApplied {
  readonly grant_id: string;
  readonly source: GrantSource;
  /** Femto-USD burned in the range (> 0). */
  readonly amount: bigint;
  /** Femto-USD left on the grant at the end of the range. */
  readonly remaining: bigint;
  /** RFC 3339, or null for a grant that never expires. */
  readonly expires_at: string | null;
}

/** Read side of wallets, for statements. */
export interface CreditsReader {
  /** Grants burned by usage that occurred in [from, to) (epoch ms), highest priority first; [] without a wallet. */
  applied(customer: CustomerRef, from: number, to: number): Promise<readonly CreditApplied[]>;
}
