/**
 * Statements of customers (issue 16, docs/billing.md "Statements"): reads a
 * customer's usage of a month from the store (the same collapse of
 * duplicates and reprices as analytics), the customer's price book (its
 * allowances) and the wallet's credits applied (`CreditsReader`), and
 * assembles the statement (statement.ts). A closed month is read back as it
 * was frozen (its content hash checked); the next open month carries the
 * corrections to closed ones as adjustment lines (statement-adjustments.ts).
 */
import { createHash } from 'node:crypto';
import { TallyError, validationError } from '../core/errors.js';
import { formatUsd, parseUsd, type Money } from '../core/money.js';
import { createModelFamilies, type ModelFamilies } from '../pricing/families.js';
import type { Pricer } from '../pricing/pricer.js';
import type { AnalyticsStore } from '../store/types.js';
import type { CreditsReader, CustomerRef, GrantSource } from './credits.js';
import { checkCustomer, customerName, PriceBookRepository } from './repository.js';
import { buildStatement, type Statement, type StatementInput } from './statement.js';
import { adjustmentsFor } from './statement-adjustments.js';
import { parsePeriod, previousPeriod, type StatementPeriod } from './statement-period.js';
import { Wallets } from './wallet.js';

/** A wallet-less reader: no credits applied (until the wallets' reader is wired in). */
export const NO_CREDITS: CreditsReader = { applied: async () => [] };

/** What closing a month gives back to the customer's wallet: the allowances its credits paid for (`totals.credit_refund`). */
export interface StatementGrant {
  readonly customer: CustomerRef;
  /** The same for every attempt to close this customer's month: a wallet adds a grant id once. */
  readonly grant_id: string;
  readonly source: GrantSource;
  /** Femto-USD (> 0). */
  readonly amount: Money;
  /** `YYYY-MM`. */
  readonly period: string;
  /** RFC 3339: the end of the month (the grant pays for usage from then on); the same on every attempt. */
  readonly effective_at: string;
}

export interface StatementServiceParts {
  readonly store: Pick<AnalyticsStore, 'statements' | 'priceBooks'>;
  readonly credits?: CreditsReader;
  /** The catalog's model families: allowances with a `family` match need them. */
  readonly families?: ModelFamilies;
  /** Posts a closed month's `credit_refund` to the wallet (the wallets' `grants.add`); called before the statement is stored. */
  readonly grant?: (grant: StatementGrant) => Promise<void>;
  /** Epoch ms (tests). */
  readonly clock?: () => number;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class StatementService {
  readonly #books: PriceBookRepository;
  readonly #credits: CreditsReader;
  #lastVersion = 0n;

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

  /** Every closed statement of the customer, by period, each checked against its content hash. */
  async #closed(customer: CustomerRef): Promise<Statement[]> {
    const rows = await this.parts.store.statements.closed(customer.tenant, customer.user);
    return rows.map((r) => {
      if (sha256(r.document) !== r.content_hash) throw new TallyError('INTERNAL', `the closed statement of ${customerName(customer.tenant, customer.user)} for ${r.period} does not match its content hash`);
      return { ...(JSON.parse(r.document) as Statement), content_hash: r.content_hash };
    });
  }

  #usage(customer: CustomerRef, from: number, to: number) {
    return this.parts.store.statements.usage({ tenant: customer.tenant, ...(customer.user === '' ? {} : { user: customer.user }), from, to });
  }

  async #open(customer: CustomerRef, p: StatementPeriod, closed: readonly Statement[]): Promise<Statement> {
    // Corrections to closed months go on the month right after the latest closed one (the next open statement).
    const earlier = closed.filter((s) => s.period < p.id);
    const carries = earlier.length > 0 && earlier[earlier.length - 1]?.period === previousPeriod(p).id;
    const [rows, book, credits, past] = await Promise.all([
      this.#usage(customer, p.from, p.to),
      this.#book(customer),
      this.#credits.applied(customer, p.from, p.to),
      carries ? this.#usage(customer, parsePeriod(earlier[0]?.period ?? p.id).from, p.from) : Promise.resolve([]),
    ]);
    const adjustments = carries ? adjustmentsFor(earlier, past) : [];
    return buildStatement({ customer, period: p, rows, book, credits, adjustments, ...(this.parts.families ? { families: this.parts.families } : {}) });
  }

  /** The statement of a customer for a month (`YYYY-MM`, UTC): as frozen when closed, else as it stands now. */
  async statement(customer: CustomerRef, period: string): Promise<Statement> {
    checkCustomer(customer.tenant, customer.user);
    const p = parsePeriod(period);
    const closed = await this.#closed(customer);
    return closed.find((s) => s.period === p.id) ?? this.#open(customer, p, closed);
  }

  /**
   * Freezes a customer's month: the statement as it stands is stored with its
   * content hash; the allowances the wallet's credits paid for go back to the
   * wallet as an `adjustment` grant. A month is closed once (CONFLICT after)
   * and only after it ended.
   */
  async close(customer: CustomerRef, period: string): Promise<Statement> {
    checkCustomer(customer.tenant, customer.user);
    const p = parsePeriod(period);
    const now = (this.parts.clock ?? Date.now)();
    if (p.to > now) throw validationError([{ path: 'period', reason: `${p.id} has not ended yet (a month is closed after its last day, UTC)` }]);
    const closed = await this.#closed(customer);
    if (closed.some((s) => s.period === p.id)) throw new TallyError('CONFLICT', `the statement of ${customerName(customer.tenant, customer.user)} for ${p.id} is closed already`);
    const open = await this.#open(customer, p, closed);
    let version = BigInt(now) * 1000n;
    if (version <= this.#lastVersion) version = this.#lastVersion + 1n;
    this.#lastVersion = version;
    const closedAt = new Date(now).toISOString();
    const frozen: Statement = { ...open, status: 'closed', closed_at: closedAt, version: version.toString(), content_hash: null };
    const document = JSON.stringify(frozen);
    const hash = sha256(document);
    const refund = parseUsd(frozen.totals.credit_refund);
    if (refund > 0n && this.parts.grant) {
      const grantId = `statement-${sha256(JSON.stringify([customer.tenant, customer.user, p.id])).slice(0, 32)}`;
      await this.parts.grant({ customer, grant_id: grantId, source: 'adjustment', amount: refund, period: p.id, effective_at: new Date(p.to).toISOString() });
    }
    await this.parts.store.statements.close({
      tenant: customer.tenant, user: customer.user, period: p.id, version: version.toString(), closed_at: closedAt,
      usage: parseUsd(frozen.totals.usage), due: parseUsd(frozen.totals.due), content_hash: hash, document,
    });
    return { ...frozen, content_hash: hash };
  }
}

/** A closed month's refund as a wallet grant (source `adjustment`; idempotent by id: a retried close adds it once). */
export function walletGrant(wallets: Pick<Wallets, 'grants'>): (g: StatementGrant) => Promise<void> {
  return async (g) => {
    await wallets.grants.add(g.customer, { id: g.grant_id, amount: formatUsd(g.amount), source: g.source, effective_from: g.effective_at, note: `statement ${g.period}: allowances the credits paid for` });
  };
}

/** The statement service of a process: family matches resolved with the pricer's catalog; credits from the customers' wallets, refunds posted to them. */
export function createStatementService(store: StatementServiceParts['store'] & Pick<AnalyticsStore, 'wallets'>, pricer: Pick<Pricer, 'catalog' | 'resolver'>): StatementService {
  const wallets = new Wallets(store.wallets);
  return new StatementService({ store, families: createModelFamilies(pricer.catalog, pricer.resolver), credits: wallets, grant: walletGrant(wallets) });
}
