/**
 * Price books for one process (issue 16): the store-backed repository, and
 * the source the processor prices with (polling the repository's change
 * marker, default every 500 ms; family selectors resolved with the pricer's
 * catalog). The API's `priceBooks` service reloads this process's source
 * after a write, so `tally start` prices with a new book at once.
 *
 *   const books = await buildPriceBooks({ store, pricer, logger });
 *   buildProcessor({ ..., priceBooks: books.source });
 *   createApp({ ..., services: { priceBooks: books.api } });
 */
import { PriceBookRepository } from '../billing/repository.js';
import { WatchedPriceBooks } from '../billing/source.js';
import type { PriceBooksApiService, WalletsApiService } from '../api/services.js';
import { Wallets } from '../billing/wallet.js';
import type { Budgets } from './budgets.js';
import { component, type Logger } from '../core/logger.js';
import { createModelFamilies } from '../pricing/families.js';
import type { Pricer } from '../pricing/pricer.js';
import { staticPriceBooks, type PriceBookSource } from '../pricing/price-books.js';
import type { AnalyticsStore } from '../store/types.js';

export interface PriceBooksParts {
  readonly store: Pick<AnalyticsStore, 'priceBooks'>;
  readonly pricer: Pricer;
  readonly logger: Logger;
  /** Change-marker poll interval, ms. Default 500. */
  readonly pollMs?: number;
}

export interface PriceBooks {
  readonly repository: PriceBookRepository;
  readonly source: WatchedPriceBooks;
  readonly api: PriceBooksApiService;
  close(): void;
}

export async function buildPriceBooks(parts: PriceBooksParts): Promise<PriceBooks> {
  const repository = new PriceBookRepository(parts.store.priceBooks);
  const source = new WatchedPriceBooks(repository, {
    families: createModelFamilies(parts.pricer.catalog, parts.pricer.resolver),
    logger: component(parts.logger, 'price-books'),
    ...(parts.pollMs === undefined ? {} : { pollMs: parts.pollMs }),
  });
  await source.start();
  return {
    repository,
    source,
    api: { repository, changed: async () => void (await source.refresh()) },
    close: () => source.stop(),
  };
}

/** The books in force now, loaded once (no polling): what one-shot commands (`tally replay`) bill with. */
export async function loadPriceBooks(store: Pick<AnalyticsStore, 'priceBooks'>, pricer: Pricer): Promise<PriceBookSource> {
  const set = await new PriceBookRepository(store.priceBooks).set({ families: createModelFamilies(pricer.catalog, pricer.resolver) });
  return staticPriceBooks(set);
}

/** The wallet routes' service: balances and grants from the store, and the wallet budgets this process keeps (if any). */
export function walletsService(store: Pick<AnalyticsStore, 'wallets'>, budgets: Pick<Budgets, 'wallets'>): WalletsApiService {
  const keeper = budgets.wallets;
  return { wallets: new Wallets(store.wallets), ...(keeper ? { budgets: keeper } : {}) };
}
