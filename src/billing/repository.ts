/**
 * Customers' price books, versioned (issue 16, docs/billing.md). A customer
 * is a tenant, or one user within a tenant (`user` '' = the tenant itself).
 * Every `put` validates the book and appends a new version (microseconds
 * since the epoch, above every version stored and this writer's last one);
 * nothing is ever rewritten, so the version a stored event names
 * (`price_book_version`) stays readable. `version()` is the cheap change
 * marker processors poll; `set()` compiles the books in force.
 */
import { TallyError, type FieldError } from '../core/errors.js';
import { PriceBookSet } from '../pricing/price-books.js';
import { parsePriceBook, priceBookInvalid, type PriceBook } from '../pricing/price-book-schema.js';
import type { CompileOptions } from '../pricing/price-book.js';
import type { PriceBookOperations, PriceBookRow } from '../store/operations/price-books.js';

/** Longest tenant or user id (as events: EVENT_LIMITS.maxIdLength). */
const MAX_ID = 256;

/** One version of one customer's book. */
export interface PriceBookVersion {
  readonly tenant: string;
  /** '' for the tenant's own book. */
  readonly user: string;
  readonly version: string;
  /** RFC 3339. */
  readonly updated_at: string;
  readonly deleted: boolean;
  /** null for a deletion. */
  readonly book: PriceBook | null;
}

export interface PriceBookRepositoryOptions {
  /** Epoch ms (tests). */
  readonly clock?: () => number;
}

function toVersion(row: PriceBookRow): PriceBookVersion {
  return { tenant: row.tenant, user: row.user, version: row.version, updated_at: row.updated_at, deleted: row.deleted, book: row.deleted ? null : parsePriceBook(JSON.parse(row.body)) };
}

/** Checks a customer's ids; PRICE_BOOK_INVALID naming the field. */
export function checkCustomer(tenant: string, user: string): void {
  const errors: FieldError[] = [];
  if (tenant === '' || tenant.length > MAX_ID) errors.push({ path: 'tenant', reason: `must be 1–${MAX_ID} characters` });
  if (user.length > MAX_ID) errors.push({ path: 'user', reason: `must be at most ${MAX_ID} characters` });
  if (errors.length > 0) throw priceBookInvalid(errors);
}

export function customerName(tenant: string, user: string): string {
  return user === '' ? `tenant ${JSON.stringify(tenant)}` : `user ${JSON.stringify(user)} of tenant ${JSON.stringify(tenant)}`;
}

export class PriceBookRepository {
  #last = 0n;

  constructor(
    private readonly storage: PriceBookOperations,
    private readonly options: PriceBookRepositoryOptions = {},
  ) {}

  async #nextVersion(): Promise<string> {
    const now = BigInt((this.options.clock ?? Date.now)()) * 1000n;
    const stored = BigInt(await this.storage.maxVersion());
    let v = now > stored ? now : stored + 1n;
    if (v <= this.#last) v = this.#last + 1n;
    this.#last = v;
    return v.toString();
  }

  async #append(tenant: string, user: string, book: PriceBook | null): Promise<PriceBookVersion> {
    const version = await this.#nextVersion();
    const row: PriceBookRow = { tenant, user, version, body: book ? JSON.stringify(book) : '', deleted: book === null, updated_at: new Date((this.options.clock ?? Date.now)()).toISOString() };
    await this.storage.write(row);
    return toVersion(row);
  }

  /** Validates and stores a new version of a customer's book. */
  async put(tenant: string, user: string, input: unknown): Promise<PriceBookVersion> {
    checkCustomer(tenant, user);
    return this.#append(tenant, user, parsePriceBook(input));
  }

  /** Removes a customer's book (a new version that says so): its events are priced by the next book down, or none. */
  async delete(tenant: string, user: string): Promise<PriceBookVersion> {
    await this.get(tenant, user);
    return this.#append(tenant, user, null);
  }

  /** The customer's current book, or one version of it (also a deleted one's earlier versions); PRICE_BOOK_NOT_FOUND otherwise. */
  async get(tenant: string, user: string, version?: string): Promise<PriceBookVersion> {
    checkCustomer(tenant, user);
    if (version !== undefined && !/^\d{1,20}$/.test(version)) throw priceBookInvalid([{ path: 'version', reason: 'must be a version number' }]);
    const row = await this.storage.one(tenant, user, version);
    if (!row || (version === undefined && row.deleted)) {
      throw new TallyError('PRICE_BOOK_NOT_FOUND', `${customerName(tenant, user)} has no price book${version === undefined ? '' : ` version ${version}`}`);
    }
    return toVersion(row);
  }

  /** Every version of a customer's book, newest first (empty when it never had one). */
  async history(tenant: string, user: string): Promise<PriceBookVersion[]> {
    checkCustomer(tenant, user);
    return (await this.storage.history(tenant, user)).map(toVersion);
  }

  /** Every customer with a book in force, by tenant then user. */
  async customers(): Promise<PriceBookVersion[]> {
    return (await this.storage.current()).map(toVersion);
  }

  /** The change marker: moves whenever any book is written. */
  version(): Promise<string> {
    return this.storage.maxVersion();
  }

  /** The books in force, compiled, at (at least) the returned marker. */
  async set(options: CompileOptions = {}): Promise<PriceBookSet> {
    const marker = await this.storage.maxVersion();
    const books = await this.customers();
    return new PriceBookSet(
      books.flatMap((b) => (b.book ? [{ tenant: b.tenant, user: b.user, version: b.version, book: b.book }] : [])),
      marker,
      options,
    );
  }
}
