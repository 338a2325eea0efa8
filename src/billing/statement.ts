/**
 * A customer's statement for one calendar month (issue 16, docs/billing.md
 * "Statements"): line items by model and class, the allowances of the
 * customer's price book, credits applied from the wallet, adjustments for
 * earlier closed periods, and totals. Assembled here from the store's usage
 * rows (one read, exactly as analytics reads them); pure, so the same rows
 * always give the same document. Money is femto-USD exact and rendered as
 * decimal USD text (formatUsd); the document is JSON-safe as it is stored
 * when a period is closed.
 */
import { COST_CLASSES, TOKEN_CLASSES, type CostClass } from '../core/classes.js';
import { formatScaled, formatUsd, parseScaled, parseUsd, sumMoney, type Money } from '../core/money.js';
import type { ModelFamilies } from '../pricing/families.js';
import { divHalfEven } from '../pricing/price-book.js';
import type { PriceBook } from '../pricing/price-book-schema.js';
import { AUDIO_SECOND_SCALE } from '../store/operations/statements-sql.js';
import type { StatementUsageRow } from '../store/operations/statements.js';
import type { CreditApplied, CustomerRef } from './credits.js';
import { applyAllowances } from './statement-allowances.js';
import { periodDays, type StatementPeriod } from './statement-period.js';

export const STATEMENT_FORMAT = 'tally.statement.v1';

const IS_TOKEN: ReadonlySet<string> = new Set(TOKEN_CLASSES);

/** What a class is counted in, and what its unit price is per. */
export const CLASS_UNITS: Readonly<Record<CostClass, { readonly unit: string; readonly per: string }>> = {
  ...(Object.fromEntries(TOKEN_CLASSES.map((c) => [c, { unit: 'tokens', per: '1M tokens' }])) as Record<(typeof TOKEN_CLASSES)[number], { unit: string; per: string }>),
  request: { unit: 'requests', per: 'request' },
  tool_call: { unit: 'calls', per: 'call' },
  web_search: { unit: 'searches', per: 'search' },
  audio_second: { unit: 'seconds', per: 'second' },
  image: { unit: 'images', per: 'image' },
};

/** One line item: a model's usage of one class in the period. */
export interface StatementLine {
  readonly model: string;
  readonly class: CostClass;
  readonly unit: string;
  /** Tokens, requests or units (decimal text; audio seconds up to 3 decimals). */
  readonly quantity: string;
  /** amount ÷ quantity in USD per `unit_price_per`, rounded half to even to the femto-dollar; null when the quantity is 0. */
  readonly unit_price: string | null;
  readonly unit_price_per: string;
  /** The exact sum of the events' price of this class (USD). */
  readonly amount: string;
}

export interface StatementAllowance {
  readonly index: number;
  readonly id: string | null;
  readonly period: 'day' | 'month';
  readonly kind: 'tokens' | 'amount';
  readonly class: CostClass;
  /** Free tokens used (0 for a USD allowance). */
  readonly quantity: string;
  /** USD taken off. */
  readonly amount: string;
}

export interface StatementCredit {
  readonly grant_id: string;
  readonly source: string;
  readonly amount: string;
  readonly remaining: string;
  readonly expires_at: string | null;
}

/** A correction to a closed period: recomputed minus frozen, by model and class. */
export interface StatementAdjustment {
  /** The closed period corrected (`YYYY-MM`). */
  readonly period: string;
  readonly model: string;
  readonly class: CostClass;
  /** Quantity difference (may be negative). */
  readonly quantity: string;
  /** Amount difference, USD (may be negative). */
  readonly amount: string;
}

export interface StatementTotals {
  /** Σ line amounts: equals the analytics `price` of the customer and period. */
  readonly usage: string;
  readonly allowances: string;
  readonly adjustments: string;
  /** usage − allowances + adjustments. */
  readonly subtotal: string;
  /** Σ credits applied (burned from the wallet by this period's usage). */
  readonly credits: string;
  /** What is left to pay: max(0, subtotal − credits). */
  readonly due: string;
  /** What the wallet paid beyond the subtotal — allowances it paid for: max(0, credits − subtotal); given back as an `adjustment` grant on close. */
  readonly credit_refund: string;
}

export interface Statement {
  readonly format: typeof STATEMENT_FORMAT;
  readonly customer: CustomerRef;
  readonly period: string;
  /** RFC 3339: the period's first instant and the next month's. */
  readonly from: string;
  readonly to: string;
  readonly currency: 'USD';
  readonly status: 'open' | 'closed';
  /** When it was closed (RFC 3339), null while open. */
  readonly closed_at: string | null;
  /** The close's version (decimal microseconds), null while open: part of export idempotency keys. */
  readonly version: string | null;
  /** SHA-256 (hex) of the frozen document as stored (with this field null), null while open. */
  readonly content_hash: string | null;
  /** The price book whose allowances applied (`tenant:<v>` / `user:<v>`), null without one. */
  readonly price_book_version: string | null;
  readonly events: string;
  readonly lines: readonly StatementLine[];
  readonly allowances: readonly StatementAllowance[];
  readonly credits: readonly StatementCredit[];
  readonly adjustments: readonly StatementAdjustment[];
  readonly totals: StatementTotals;
}

export interface StatementInput {
  readonly customer: CustomerRef;
  readonly period: StatementPeriod;
  readonly rows: readonly StatementUsageRow[];
  /** The customer's book and its kind and version; null without one (no allowances). */
  readonly book: { readonly kind: 'tenant' | 'user'; readonly version: string; readonly book: PriceBook } | null;
  readonly credits: readonly CreditApplied[];
  readonly adjustments?: readonly StatementAdjustment[];
  readonly families?: ModelFamilies;
}

/** Per model and class: quantity and amount summed over the rows (days and book kinds). */
export function sumByModelClass(rows: readonly StatementUsageRow[]): Map<string, Map<CostClass, { quantity: bigint; amount: Money }>> {
  const out = new Map<string, Map<CostClass, { quantity: bigint; amount: Money }>>();
  for (const r of rows) {
    let m = out.get(r.model);
    if (!m) out.set(r.model, (m = new Map()));
    for (const c of COST_CLASSES) {
      if (r.quantity[c] === 0n && r.amount[c] === 0n) continue;
      const acc = m.get(c) ?? { quantity: 0n, amount: 0n };
      m.set(c, { quantity: acc.quantity + r.quantity[c], amount: acc.amount + r.amount[c] });
    }
  }
  return out;
}

/** Quantity text of a class (audio seconds are held in thousandths). */
export function quantityText(c: CostClass, q: bigint): string {
  return formatScaled(q, c === 'audio_second' ? AUDIO_SECOND_SCALE : 0);
}

/** The quantity `quantityText` wrote. */
export function quantityOf(c: CostClass, text: string): bigint {
  return parseScaled(text, c === 'audio_second' ? AUDIO_SECOND_SCALE : 0, 'quantity');
}

function unitPrice(c: CostClass, quantity: bigint, amount: Money): string | null {
  if (quantity === 0n) return null;
  if (IS_TOKEN.has(c)) return formatUsd(divHalfEven(amount * 1_000_000n, quantity));
  if (c === 'audio_second') return formatUsd(divHalfEven(amount * 10n ** BigInt(AUDIO_SECOND_SCALE), quantity));
  return formatUsd(divHalfEven(amount, quantity));
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The statement of a customer and period from its usage rows (status open; closing freezes it). */
export function buildStatement(input: StatementInput): Statement {
  const lines: StatementLine[] = [];
  const sums = sumByModelClass(input.rows);
  for (const model of [...sums.keys()].sort(byName)) {
    const m = sums.get(model);
    for (const c of COST_CLASSES) {
      const s = m?.get(c);
      if (!s) continue;
      lines.push({ model, class: c, unit: CLASS_UNITS[c].unit, quantity: quantityText(c, s.quantity), unit_price: unitPrice(c, s.quantity, s.amount), unit_price_per: CLASS_UNITS[c].per, amount: formatUsd(s.amount) });
    }
  }
  const usage = sumMoney(input.rows.flatMap((r) => COST_CLASSES.map((c) => r.amount[c])));
  const applied = input.book ? applyAllowances(input.book.book.allowances, input.book.kind, input.rows, input.period, periodDays(input.period), input.families) : [];
  const allowances = sumMoney(applied.map((a) => a.amount));
  const adjustments = input.adjustments ?? [];
  const adjusted = sumMoney(adjustments.map((a) => parseUsd(a.amount)));
  const credits = sumMoney(input.credits.map((c) => c.amount));
  const subtotal = usage - allowances + adjusted;
  return {
    format: STATEMENT_FORMAT,
    customer: { tenant: input.customer.tenant, user: input.customer.user },
    period: input.period.id,
    from: new Date(input.period.from).toISOString(),
    to: new Date(input.period.to).toISOString(),
    currency: 'USD',
    status: 'open',
    closed_at: null,
    version: null,
    content_hash: null,
    price_book_version: input.book ? `${input.book.kind}:${input.book.version}` : null,
    events: String(input.rows.reduce((n, r) => n + r.events, 0n)),
    lines,
    allowances: applied.map((a) => ({ index: a.index, id: a.id, period: a.period, kind: a.kind, class: a.class, quantity: a.quantity.toString(), amount: formatUsd(a.amount) })),
    credits: input.credits.map((c) => ({ grant_id: c.grant_id, source: c.source, amount: formatUsd(c.amount), remaining: formatUsd(c.remaining), expires_at: c.expires_at })),
    adjustments,
    totals: {
      usage: formatUsd(usage),
      allowances: formatUsd(allowances),
      adjustments: formatUsd(adjusted),
      subtotal: formatUsd(subtotal),
      credits: formatUsd(credits),
      due: formatUsd(subtotal > credits ? subtotal - credits : 0n),
      credit_refund: formatUsd(credits > subtotal ? credits - subtotal : 0n),
    },
  };
}
