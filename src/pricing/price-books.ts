/**
 * The price books in force, by customer, compiled: which book prices an
 * event. A customer is a tenant, or one user within a tenant; an event is
 * priced by its user's book if there is one, else by its tenant's, else by
 * none (price 0, `price_book_version` ''). Immutable: a change produces a new
 * set (the processor swaps it when the repository's version marker moves).
 */
import { compilePriceBook, type BillableEvent, type CompileOptions, type CompiledPriceBook, type EventPrice } from './price-book.js';
import type { PriceBook } from './price-book-schema.js';

/** One customer's current book, as the repository holds it. */
export interface CustomerPriceBook {
  readonly tenant: string;
  /** '' for the tenant's own book. */
  readonly user: string;
  /** The book's version (decimal microseconds, increasing). */
  readonly version: string;
  readonly book: PriceBook;
}

/** The `price_book_version` an event priced by this book carries: `tenant:<version>` or `user:<version>`. */
export function priceBookVersionLabel(user: string, version: string): string {
  return `${user === '' ? 'tenant' : 'user'}:${version}`;
}

export class PriceBookSet {
  /** The repository's change marker this set was read at. */
  readonly marker: string;
  readonly size: number;
  readonly #tenants = new Map<string, CompiledPriceBook>();
  readonly #users = new Map<string, Map<string, CompiledPriceBook>>();

  constructor(books: readonly CustomerPriceBook[], marker: string, options: CompileOptions = {}) {
    this.marker = marker;
    this.size = books.length;
    for (const b of books) {
      const compiled = compilePriceBook(b.book, priceBookVersionLabel(b.user, b.version), options);
      if (b.user === '') this.#tenants.set(b.tenant, compiled);
      else {
        let users = this.#users.get(b.tenant);
        if (!users) this.#users.set(b.tenant, (users = new Map()));
        users.set(b.user, compiled);
      }
    }
  }

  static empty(): PriceBookSet {
    return new PriceBookSet([], '0');
  }

  /** The book that prices an event of this tenant and user, or null. */
  bookFor(tenant: string, user: string): CompiledPriceBook | null {
    if (user !== '') {
      const own = this.#users.get(tenant)?.get(user);
      if (own) return own;
    }
    return this.#tenants.get(tenant) ?? null;
  }

  /** The event's price, or null when no book applies (price 0, version ''). */
  price(tenant: string, user: string, event: BillableEvent): EventPrice | null {
    if (this.size === 0) return null;
    return this.bookFor(tenant, user)?.price(event) ?? null;
  }
}

/** Where the processor gets the books in force (src/billing/source.ts keeps one current). */
export interface PriceBookSource {
  current(): PriceBookSet;
}

/** A fixed set (tests, tools). */
export function staticPriceBooks(set: PriceBookSet): PriceBookSource {
  return { current: () => set };
}
