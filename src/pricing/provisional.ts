/**
 * Provisional prices for events tally cannot price yet (issue #11 item 10):
 * a model the catalog does not know must not count $0 toward cost budgets.
 * Until the event is repriced, each of its token classes counts at the
 * DEAREST price the catalog lists for that class among its provider's
 * models (the latest price of each entry), and for a provider the catalog
 * does not know at the dearest price of any provider — an upper bound, so a
 * budget never under-counts. Rates are whole femto-dollars per token (finer
 * prices are rounded up), so a sum of events costs exactly the sum of their
 * provisional costs; reconcile recomputes the same from per-provider token
 * sums.
 */
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';
import type { Money } from '../core/money.js';
import type { Catalog } from './catalog.js';
import { FINE_PER_FEMTO } from './fine.js';
import { canonicalProvider } from './providers.js';

export interface ProvisionalCost {
  /** Provisional cost of these token counts for a provider (canonical or alias; undefined or unknown: the dearest of all). */
  costOf(provider: string | undefined, classes: Readonly<Partial<Record<TokenClass, bigint>>>): Money;
}

/** Whole femto-USD per token, rounded up. */
function ceilFemto(fine: bigint): bigint {
  return (fine + FINE_PER_FEMTO - 1n) / FINE_PER_FEMTO;
}

/** Provisional prices of a catalog (see the module comment). */
export function provisionalPrices(catalog: Pick<Catalog, 'entries'>): ProvisionalCost {
  const byProvider = new Map<string, bigint[]>();
  const all = new Array<bigint>(TOKEN_CLASSES.length).fill(0n);
  for (const entry of catalog.entries.values()) {
    const price = entry.prices[entry.prices.length - 1];
    if (!price) continue;
    const rates = byProvider.get(entry.provider) ?? new Array<bigint>(TOKEN_CLASSES.length).fill(0n);
    const vectors = [price.standard.base, ...price.standard.tiers.map((t) => t.rates), ...[...price.service.values()].flatMap((s) => [s.base, ...s.tiers.map((t) => t.rates)])];
    for (const v of vectors) {
      v.exact.forEach((r, i) => {
        if (r === null) return;
        const femto = ceilFemto(r);
        if (femto > (rates[i] ?? 0n)) rates[i] = femto;
        if (femto > (all[i] ?? 0n)) all[i] = femto;
      });
    }
    byProvider.set(entry.provider, rates);
  }
  const cache = new Map<string, bigint[]>();
  const ratesOf = (provider: string | undefined): bigint[] => {
    if (provider === undefined || provider === '') return all;
    let r = cache.get(provider);
    if (!r) {
      r = byProvider.get(canonicalProvider(provider)) ?? all;
      if (cache.size < 10_000) cache.set(provider, r);
    }
    return r;
  };
  return {
    costOf(provider, classes) {
      const rates = ratesOf(provider);
      let cost = 0n;
      TOKEN_CLASSES.forEach((c, i) => {
        const n = classes[c];
        if (n) cost += n * (rates[i] ?? 0n);
      });
      return cost;
    },
  };
}
