/**
 * Statements of customers (issue 16, docs/billing.md "Statements"): reads a
 * customer's usage of a period from the store (the same collapse of
 * duplicates and reprices as analytics), the customer's price book (its
 * allowances) and the wallet's credits applied (`CreditsReader`), and
 * assembles the statement (statement.ts).
 */
import { TallyError } from '../core/errors.js';
import type { ModelFamilies } from '../pricing/families.js';
import type { AnalyticsStore } from '../store/types.js';
import type { CreditsReader, CustomerRef } from './credits.js';
import { checkCustomer, PriceBookRepository } from './repository.js';
import { buildStatement, type Statement, type StatementInput } from './statement.js';
import { parsePeriod } from './statement-period.js';

/** A wallet-less reader: no credits applied (until the wallets' reader is wired in). */
export const NO_CREDITS: CreditsReader = { applied: async () => [] };

export interface StatementServiceParts {
  readonly store: Pick<AnalyticsStore, 'statements' | 'priceBooks'>;
  readonly credits?: CreditsReader;
  /** The catalog's model families: allowances with a `family` match need them. */
  readonly families?: ModelFamilies;
}

export class StatementService {
  readonly #books: PriceBookRepository;
  readonly #credits: CreditsReader;

  constructor(private readonly parts: StatementServiceParts) {
    this.#books = new PriceBookRepository(parts.store.priceBooks);
    this.#credits = parts.credits ?? NO_CREDITS;
  }

  /** The customer's book whose allowances apply: the user's own, else the tenant's; null without one. */
  async #book(customer: CustomerRef): Promise<StatementInput['book']> {
    for (const user of customer.user === '' ? [''] : [customer.user, '']) {
      try {
        const v = await this.#books.get(customer.tenant, user);
        if (v.book) return { kind: user === '' ? 'tenant' : 'user', version: v.version, book: v.book };
      } catch (err) {
        if (!(err instanceof TallyError && err.code === 'PRICE_BOOK_NOT_FOUND')) throw err;
      }
    }
    return null;
  }

  /** The statement of a customer for a month (`YYYY-MM`, UTC) as it stands now. */
  async statement(customer: CustomerRef, period: string): Promise<Statement> {
    checkCustomer(customer.tenant, customer.user);
    const p = parsePeriod(period);
    const [rows, book, credits] = await Promise.all([
      this.parts.store.statements.usage({ tenant: customer.tenant, ...(customer.user === '' ? {} : { user: customer.user }), from: p.from, to: p.to }),
      this.#book(customer),
      this.#credits.applied(customer, p.from, p.to),
    ]);
    return buildStatement({ customer, period: p, rows, book, credits, ...(this.parts.families ? { families: this.parts.families } : {}) });
  }
}
