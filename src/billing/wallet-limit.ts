/**
 * A wallet as a hard budget on the billed price (issue 16 item 2,
 * docs/billing.md "Enforcement"). The counters count a customer's billed
 * price in a LIFETIME period (budgets/periods.ts: one bucket that never
 * resets, whatever an event's occurred_at); the wallet's budget on that
 * counter has the limit
 *
 *   limit = every billed usage stored for the customer + the balance now
 *
 * both read from the store in one burn. Usage the counters have and the
 * store does not yet (in flight) is in the counter and not in the stored
 * usage, so `counter + held + estimate ≤ limit` is exactly "the call fits in
 * what is left". While the live grants do not change, the limit does not
 * move: every billed femto-dollar the balance loses, the stored usage gains —
 * an event that arrives late included, since the lifetime counter holds every
 * occurred_at (a monthly counter would not: a late event of last month
 * would burn the balance and leave this month's counter as it was). Usage no
 * grant pays for (before the first grant, beyond an empty wallet) moves the
 * counter and not the balance, so it can only make the wallet refuse sooner,
 * never later, until the limit is computed again: when a grant is written
 * and at each grant start or end.
 */
import type { Money } from '../core/money.js';
import { MIN_TIMESTAMP_MS } from '../events/time.js';
import type { CustomerRef } from './credits.js';
import { grantBoundaries } from './wallet-burn.js';
import type { Wallets } from './wallet.js';

export interface WalletLimit {
  readonly customer: CustomerRef;
  /** The limit of the customer's lifetime `price` counter, femto-USD (≥ 0). */
  readonly limit: Money;
  /** Remaining of the live grants now. */
  readonly balance: Money;
  /** Billed usage stored for the customer, every occurred_at. */
  readonly usage: Money;
  /** Epoch ms: when the limit must be computed again without any write — the next grant start or end (Infinity when none is ahead). */
  readonly nextChange: number;
  readonly at: number;
}

/** The wallet's limit at `at`, from one burn over the store. */
export async function walletLimit(wallets: Wallets, customer: CustomerRef, at: number): Promise<WalletLimit> {
  const { grants, result } = await wallets.burnUntil(customer, at + 1, MIN_TIMESTAMP_MS);
  let usage = 0n;
  for (const s of result.steps) if (s.kind === 'burn') usage += s.usage;
  const nextChange = Math.min(...grantBoundaries(grants).filter((b) => b > at));
  return { customer, limit: usage + result.balance, balance: result.balance, usage, nextChange, at };
}
