/**
 * Wallet grants (issue 16 item 2, docs/billing.md "Wallets"): prepaid credit
 * given to a customer — a tenant, or one user of a tenant. Append-only: `add`
 * writes a grant, `void` writes a row that ends one from now on; nothing is
 * rewritten, so the ledger of any past day reads the same later. `add` is
 * also how a closed statement gives an allowance's value back (source
 * `adjustment`).
 */
import { z } from 'zod';
import { TallyError, type FieldError } from '../core/errors.js';
import { formatUsd, parseScaled, USD_SCALE, type Money } from '../core/money.js';
import { formatIso, parseRfc3339 } from '../core/time.js';
import type { WalletGrantRow, WalletOperations } from '../store/operations/wallets.js';
import { GRANT_SOURCES, type CustomerRef, type GrantSource } from './credits.js';
import { customerName } from './repository.js';

/** Largest single grant, USD: far inside Decimal(38, 15) however many are summed. */
export const MAX_GRANT_USD = 1_000_000_000n;
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What a caller writes (POST /v1/customers/{tenant}/wallet/grants, `tally wallet grant`). */
export const grantInputSchema = z
  .object({
    /** Your id for the grant (letters, digits, `._:-`, ≤ 128); a second grant with the same id is refused. Absent: one is made. */
    id: z.string().optional(),
    /** USD, exact decimal text (≤ 15 decimals), > 0. */
    amount: z.string(),
    /** Higher burns first. Default 0. */
    priority: z.number().int().min(-1000).max(1000).optional(),
    /** RFC 3339: the grant pays for usage that occurred at or after this instant. Default: now. */
    effective_from: z.string().optional(),
    /** RFC 3339, after effective_from: the unburned remainder is gone from this instant. Absent or null: never expires. */
    expires_at: z.string().nullable().optional(),
    /** Default `purchase`. */
    source: z.enum(GRANT_SOURCES).optional(),
    note: z.string().max(1000).optional(),
  })
  .strict();
export type GrantInput = z.input<typeof grantInputSchema>;

/** One grant as stored, with its void (if any). */
export interface Grant {
  readonly id: string;
  readonly tenant: string;
  readonly user: string;
  readonly amount: Money;
  readonly priority: number;
  /** Epoch ms. */
  readonly effectiveFrom: number;
  readonly expiresAt: number | null;
  readonly voidedAt: number | null;
  readonly source: GrantSource;
  readonly note: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Creation order. */
  readonly seq: bigint;
}

/** Checks a customer's ids (as price books: 1–256 characters, user ≤ 256); WALLET_GRANT_INVALID naming the field. */
export function checkWalletCustomer(c: CustomerRef): void {
  const errors: FieldError[] = [];
  if (c.tenant === '' || c.tenant.length > 256) errors.push({ path: 'tenant', reason: 'must be 1–256 characters' });
  if (c.user.length > 256) errors.push({ path: 'user', reason: 'must be at most 256 characters' });
  if (errors.length > 0) throw grantInvalid(errors);
}

export function grantInvalid(errors: readonly FieldError[]): TallyError {
  const first = errors[0];
  return new TallyError('WALLET_GRANT_INVALID', `wallet grant is invalid${first ? `: ${first.path || '(root)'}: ${first.reason}` : ''}`, { details: { errors } });
}

function readTime(raw: string, path: string, errors: FieldError[]): number {
  const ms = parseRfc3339(raw);
  if (ms === null) errors.push({ path, reason: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z' });
  return ms ?? 0;
}

function readAmount(raw: string, errors: FieldError[]): Money {
  try {
    const v = parseScaled(raw, USD_SCALE);
    if (v > 0n && v <= MAX_GRANT_USD * 10n ** BigInt(USD_SCALE)) return v;
  } catch {
    errors.push({ path: 'amount', reason: `must be a decimal number of USD with at most ${USD_SCALE} decimal places` });
    return 0n;
  }
  errors.push({ path: 'amount', reason: `must be more than 0 and at most ${MAX_GRANT_USD} USD` });
  return 0n;
}

/** Folds a customer's rows into grants (voids applied), in creation order. */
export function grantsOf(rows: readonly WalletGrantRow[]): Grant[] {
  const voids = new Map<string, number>();
  for (const r of rows) if (r.kind === 'void' && !voids.has(r.grant_id)) voids.set(r.grant_id, Date.parse(r.created_at));
  // One grant per id: the first row (two writers racing with one id, or a retried add, store one grant).
  const seen = new Set<string>();
  return [...rows]
    .sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0))
    .filter((r) => r.kind === 'grant' && !seen.has(r.grant_id) && seen.add(r.grant_id))
    .map((r) => ({
      id: r.grant_id, tenant: r.tenant, user: r.user, amount: r.amount, priority: r.priority,
      effectiveFrom: Date.parse(r.effective_from), expiresAt: r.expires_at === null ? null : Date.parse(r.expires_at),
      voidedAt: voids.get(r.grant_id) ?? null, source: (GRANT_SOURCES as readonly string[]).includes(r.source) ? (r.source as GrantSource) : 'adjustment',
      note: r.note, createdAt: Date.parse(r.created_at), seq: BigInt(r.seq),
    }));
}

export interface GrantRepositoryOptions {
  /** Epoch ms (tests). */
  readonly clock?: () => number;
}

export class GrantRepository {
  #last = 0n;

  constructor(
    private readonly storage: WalletOperations,
    private readonly options: GrantRepositoryOptions = {},
  ) {}

  #now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async #nextSeq(): Promise<bigint> {
    const now = BigInt(this.#now()) * 1000n;
    const stored = BigInt(await this.storage.maxSeq());
    let v = now > stored ? now : stored + 1n;
    if (v <= this.#last) v = this.#last + 1n;
    this.#last = v;
    return v;
  }

  /** Every grant of a customer (voids applied), in creation order; [] without a wallet. */
  async list(customer: CustomerRef): Promise<Grant[]> {
    checkWalletCustomer(customer);
    return grantsOf(await this.storage.rows(customer.tenant, customer.user));
  }

  /**
   * Validates and stores a grant. WALLET_GRANT_INVALID naming every bad
   * field. Idempotent by id: the same grant again (same id and values) is
   * answered with the stored one (`created: false`); another grant with a
   * used id is CONFLICT. Two writers racing with one id store one grant: the
   * first row (by seq) is the grant.
   */
  async add(customer: CustomerRef, input: unknown): Promise<{ readonly grant: Grant; readonly created: boolean }> {
    checkWalletCustomer(customer);
    const parsed = grantInputSchema.safeParse(input);
    if (!parsed.success) throw grantInvalid(parsed.error.issues.map((i) => ({ path: i.path.join('.'), reason: i.message })));
    const g = parsed.data;
    const errors: FieldError[] = [];
    const amount = readAmount(g.amount, errors);
    const now = this.#now();
    const effectiveFrom = g.effective_from === undefined ? now : readTime(g.effective_from, 'effective_from', errors);
    const expiresAt = g.expires_at === undefined || g.expires_at === null ? null : readTime(g.expires_at, 'expires_at', errors);
    if (expiresAt !== null && errors.length === 0 && expiresAt <= effectiveFrom) errors.push({ path: 'expires_at', reason: 'must be after effective_from' });
    if (g.id !== undefined && !ID.test(g.id)) errors.push({ path: 'id', reason: 'must be 1–128 letters, digits or ._:-' });
    if (errors.length > 0) throw grantInvalid(errors);
    const seq = await this.#nextSeq();
    const id = g.id ?? `g-${seq.toString(36)}`;
    const row: WalletGrantRow = {
      tenant: customer.tenant, user: customer.user, seq: seq.toString(), grant_id: id, kind: 'grant', amount, priority: g.priority ?? 0,
      effective_from: formatIso(effectiveFrom), expires_at: expiresAt === null ? null : formatIso(expiresAt),
      source: g.source ?? 'purchase', note: g.note ?? '', created_at: formatIso(now),
    };
    const same = grantsOf(await this.storage.rows(customer.tenant, customer.user)).find((x) => x.id === id);
    if (same) {
      // A retry of the same grant (a statement closing a period again) is answered with the stored one; anything else with that id is a conflict.
      const mine = grantsOf([row])[0] as Grant;
      const keys = ['amount', 'priority', 'effectiveFrom', 'expiresAt', 'source', 'note'] as const;
      if (g.id !== undefined && keys.every((k) => same[k] === mine[k])) return { grant: same, created: false };
      throw new TallyError('CONFLICT', `${customerName(customer.tenant, customer.user)} already has a grant ${JSON.stringify(id)} (with other values)`);
    }
    await this.storage.write([row]);
    return { grant: grantsOf([row])[0] as Grant, created: true };
  }

  /** Ends a grant from now on (its unburned remainder is gone); WALLET_GRANT_NOT_FOUND, or CONFLICT when already voided. */
  async void(customer: CustomerRef, id: string, note = ''): Promise<Grant> {
    const grants = await this.list(customer);
    const g = grants.find((x) => x.id === id);
    if (!g) throw new TallyError('WALLET_GRANT_NOT_FOUND', `${customerName(customer.tenant, customer.user)} has no grant ${JSON.stringify(id)}`);
    if (g.voidedAt !== null) throw new TallyError('CONFLICT', `grant ${JSON.stringify(id)} was voided at ${formatIso(g.voidedAt)}`);
    const now = this.#now();
    const seq = await this.#nextSeq();
    await this.storage.write([
      { tenant: customer.tenant, user: customer.user, seq: seq.toString(), grant_id: id, kind: 'void', amount: 0n, priority: g.priority, effective_from: formatIso(g.effectiveFrom), expires_at: null, source: g.source, note, created_at: formatIso(now) },
    ]);
    return { ...g, voidedAt: now };
  }

  /** Every customer with a wallet (a grant row), by tenant then user; with `since` (a `version()`), those with a row written after it. */
  customers(since?: string): Promise<CustomerRef[]> {
    return this.storage.customers(since);
  }

  /** The change marker, `<rows>:<highest seq>`: moves whenever a grant or void is written. */
  async version(): Promise<string> {
    const m = await this.storage.marker();
    return `${m.rows}:${m.maxSeq}`;
  }

  /** The highest seq a `version()` names. */
  static seqOf(version: string): bigint {
    const seq = version.slice(version.indexOf(':') + 1);
    return /^\d+$/.test(seq) ? BigInt(seq) : 0n;
  }
}

/** USD text of a grant amount (for faces). */
export const grantUsd = (g: Grant): string => formatUsd(g.amount);
