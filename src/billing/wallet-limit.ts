/**
 * A wallet as a hard budget on the billed price (issue 16 item 2,
 * docs/billing.md "Enforcement"). The counters count a customer's billed
 * price per UTC month; the wallet's budget on that counter has the limit
 *
 *   limit = stored billed usage since the month began + the balance now
 *
 * both read from the store in one burn. Usage the counters have and the
 * store does not yet (in flight) is in the counter and not in the stored
 * usage, so `counter + held + estimate ≤ limit` is exactly "the call fits in
 * what is left". Between two changes of the live grants the limit does not
 * move (every billed femto-dollar the balance loses, the stored usage gains),
 * so it is computed again only when a grant is written, at each grant start
 * or end, and when a month begins.
 */
import type { Money } from '../core/money.js';
import type { CustomerRef } from './credits.js';
import { grantBoundaries } from './wallet-burn.js';
import type { Wallets } from './wallet.js';

export interface WalletLimit {
  readonly customer: CustomerRef;
  /** The limit of this month's `price` counter, femto-USD (≥ 0). */
  readonly limit: Money;
  /** Remaining of the live grants now. */
  readonly balance: Money;
  /** Billed usage stored since the month began (UTC). */
  readonly monthUsage: Money;
  /** Epoch ms: the first instant of the UTC month of `at`. */
  readonly monthStart: number;
  /** Epoch ms: when the limit must be computed again without any write — the next grant start or end, or the next month. */
  readonly nextChange: number;
  readonly at: number;
}

/** The first instant of the UTC month holding `ms`, and of the month after. */
export function utcMonth(ms: number): { start: number; next: number } {
  const d = new Date(ms);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), next: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** The wallet's limit at `at` (default now), from one burn over the store. */
export async function walletLimit(wallets: Wallets, customer: CustomerRef, at: number): Promise<WalletLimit> {
  const month = utcMonth(at);
  const { grants, result } = await wallets.burnUntil(customer, at + 1, month.start);
  let monthUsage = 0n;
  // Usage chunks never straddle a UTC day, so none straddles the month's start.
  for (const s of result.steps) if (s.kind === 'burn' && s.from >= month.start) monthUsage += s.usage;
  const nextChange = Math.min(month.next, ...grantBoundaries(grants).filter((b) => b > at));
  return { customer, limit: monthUsage + result.balance, balance: result.balance, monthUsage, monthStart: month.start, nextChange, at };
}
