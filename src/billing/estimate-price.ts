/**
 * The billed price of a quota estimate (issue 16: a wallet holds the price
 * of a call, not its cost): the customer's price book applied to the call the
 * estimate describes, exactly as the processor will price the real event.
 *
 * - With `model` and token counts: the planned call (prompt tokens as input,
 *   `max_tokens` as output) is costed by the catalog and priced by the book;
 *   `max_tokens` alone is priced both as input and as output and the dearer
 *   wins, as the cost estimate does.
 * - Otherwise the estimate's cost is priced as input cost of an unknown
 *   model: a markup applies to it, request fees and minimums apply, contract
 *   prices per token cannot.
 * - A customer without a book is billed nothing: 0.
 */
import type { Money } from '../core/money.js';
import { plannedUsage, type NormalizedUsage } from '../normalize/types.js';
import type { BillableEvent, CompiledPriceBook } from '../pricing/price-book.js';
import { ZERO_PRICE } from '../pricing/price-book.js';
import type { PriceBookSource } from '../pricing/price-books.js';
import type { Pricer } from '../pricing/pricer.js';

export interface PriceEstimateRequest {
  readonly tenant: string;
  readonly user: string;
  readonly provider?: string;
  /** The cost estimate, femto-USD. */
  readonly cost: Money;
  readonly requests: bigint;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly maxTokens?: number;
}

export type PriceEstimate = (request: PriceEstimateRequest) => Money;

function planned(pricer: Pricer, book: CompiledPriceBook, at: number, model: string, provider: string | undefined, usage: NormalizedUsage): Money {
  const r = pricer.price({ ...(provider ? { provider } : {}), model, occurredAt: new Date(at), usage });
  const event: BillableEvent = {
    occurredAtMs: at, provider: provider ?? null, model, modelKey: r.model_key, usage, cost: r.cost, costTotal: r.total, costSource: r.cost_source, priced: r.priced,
  };
  return book.price(event).total;
}

export function priceEstimator(pricer: Pricer, books: PriceBookSource, clock: () => number = Date.now): PriceEstimate {
  return (q) => {
    const book = books.current().bookFor(q.tenant, q.user);
    if (!book) return 0n;
    const at = clock();
    if (q.model !== undefined && (q.inputTokens !== undefined || q.maxTokens !== undefined)) {
      const out = q.maxTokens ?? 0;
      if (q.inputTokens !== undefined) return planned(pricer, book, at, q.model, q.provider, plannedUsage(q.inputTokens, out));
      const asInput = planned(pricer, book, at, q.model, q.provider, plannedUsage(out, 0));
      const asOutput = planned(pricer, book, at, q.model, q.provider, plannedUsage(0, out));
      return asInput > asOutput ? asInput : asOutput;
    }
    const requests = Number(q.requests);
    const usage = plannedUsage(0, 0, requests);
    const event: BillableEvent = {
      occurredAtMs: at, provider: q.provider ?? null, model: q.model ?? '', modelKey: null, usage,
      cost: { ...ZERO_PRICE, input: q.cost }, costTotal: q.cost, costSource: 'catalog', priced: true,
    };
    return book.price(event).total;
  };
}
