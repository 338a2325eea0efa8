/**
 * Wallets (issue 16 item 2, docs/billing.md "Wallets"): a customer's grants
 * burned by its billed usage, read from the store. The balance, the ledger
 * and the credits a statement shows (`CreditsReader`) all come from one
 * burn (wallet-burn.ts) over the grants and the usage of the customer.
 *
 * Whose usage: a tenant's wallet (user '') is burned by every event of the
 * tenant, whatever its user; a user's wallet by that user's events only (as
 * a budget scoped to a tenant or to one user).
 */
import { validationError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import type { WalletOperations, WalletUsage } from '../store/operations/wallets.js';
import type { CreditApplied, CreditsReader, CustomerRef } from './credits.js';
import { GrantRepository, type Grant } from './grants.js';
import { burn, burnOrder, grantBoundaries, grantEnd, type BurnResult, type BurnStep, type UsageChunk } from './wallet-burn.js';

const DAY = 86_400_000;

/** A grant as the burn takes it: its creation order is its seq. */
export type WalletGrant = Grant & { readonly order: bigint };

export type GrantStatus = 'pending' | 'live' | 'spent' | 'expired' | 'voided';

export interface GrantState {
  readonly grant: Grant;
  readonly remaining: Money;
  readonly burned: Money;
  /** What expired or was voided unburned. */
  readonly lost: Money;
  readonly status: GrantStatus;
}

export interface WalletState {
  readonly customer: CustomerRef;
  /** Epoch ms the state is at. */
  readonly at: number;
  /** Sum of the remaining of live grants. */
  readonly balance: Money;
  /** Sum of the amounts of live grants: the wallet's limit as a hard budget (docs/billing.md). */
  readonly granted: Money;
  readonly grants: readonly GrantState[];
}

export interface WalletLedger {
  readonly customer: CustomerRef;
  readonly from: number;
  readonly to: number;
  /** Balance just before `from`. */
  readonly opening: Money;
  /** In time order; each with the balance after it. */
  readonly steps: readonly BurnStep<WalletGrant>[];
  /** Balance at the end (`to`, or now if earlier). */
  readonly closing: Money;
}

/** Usage groups (per UTC day and segment of `bounds`) as burn chunks: no chunk straddles a bound. */
export function usageChunks(rows: readonly WalletUsage[], bounds: readonly number[]): UsageChunk[] {
  return rows.map((r) => {
    const day = Date.parse(`${r.day}T00:00:00Z`);
    const lo = r.segment > 0 ? (bounds[r.segment - 1] as number) : Number.NEGATIVE_INFINITY;
    const hi = r.segment < bounds.length ? (bounds[r.segment] as number) : Number.POSITIVE_INFINITY;
    return { from: Math.max(day, lo), to: Math.min(day + DAY, hi), amount: r.price > 0n ? r.price : 0n, events: r.events };
  });
}

export class Wallets implements CreditsReader {
  readonly grants: GrantRepository;

  constructor(
    private readonly storage: WalletOperations,
    options: { readonly clock?: () => number } = {},
  ) {
    this.grants = new GrantRepository(storage, options);
    this.#clock = options.clock ?? Date.now;
  }

  readonly #clock: () => number;

  /**
   * The burn of a customer's wallet up to `until` (exclusive), with its
   * grants. Usage is read from the first grant's effective_from on, or from
   * `usageFrom` when that is earlier (usage before any grant is uncovered).
   */
  async burnUntil(customer: CustomerRef, until: number, usageFrom?: number): Promise<{ grants: WalletGrant[]; result: BurnResult<WalletGrant> }> {
    const grants = (await this.grants.list(customer)).map((g) => ({ ...g, order: g.seq }));
    if (grants.length === 0) return { grants, result: burn(grants, [], until) };
    const bounds = grantBoundaries(grants);
    const from = Math.min(usageFrom ?? Number.POSITIVE_INFINITY, ...grants.map((g) => g.effectiveFrom));
    const rows = from < until ? await this.storage.usage({ tenant: customer.tenant, user: customer.user === '' ? null : customer.user, from, to: until, bounds }) : [];
    return { grants, result: burn(grants, usageChunks(rows, bounds), until) };
  }

  /** Balance and grants at `at` (default now). */
  async state(customer: CustomerRef, at?: number): Promise<WalletState> {
    const now = at ?? this.#clock();
    const { grants, result } = await this.burnUntil(customer, now + 1);
    const burned = new Map<string, bigint>();
    const lost = new Map<string, bigint>();
    for (const s of result.steps) {
      if (s.kind === 'burn') for (const b of s.burned) burned.set(b.grantId, (burned.get(b.grantId) ?? 0n) + b.amount);
      else if (s.kind !== 'grant') lost.set(s.grant.id, s.amount);
    }
    let granted = 0n;
    const states = grants.map((g): GrantState => {
      const end = grantEnd(g);
      const remaining = result.remaining.get(g.id) ?? 0n;
      let status: GrantStatus;
      if (g.effectiveFrom > now) status = 'pending';
      else if (end && end.at <= now) status = end.kind;
      else status = remaining > 0n ? 'live' : 'spent';
      if (status === 'live' || status === 'spent') granted += g.amount;
      return { grant: g, remaining: status === 'pending' || status === 'live' || status === 'spent' ? remaining : 0n, burned: burned.get(g.id) ?? 0n, lost: lost.get(g.id) ?? 0n, status };
    });
    return { customer, at: now, balance: result.balance, granted, grants: states };
  }

  /**
   * Every grant, burn, expiry and void in [from, to), with the running
   * balance. `to` defaults to (and is at most) now; `from` to the first
   * grant's effective_from. VALIDATION_FAILED when from is after to.
   */
  async ledger(customer: CustomerRef, range: { readonly from?: number; readonly to?: number } = {}): Promise<WalletLedger> {
    const now = this.#clock();
    const to = Math.min(range.to ?? now, now);
    const { grants, result } = await this.burnUntil(customer, to);
    const from = range.from ?? Math.min(to, ...grants.map((g) => g.effectiveFrom));
    if (from > to) throw validationError([{ path: 'from', reason: 'must not be after to' }]);
    const at = (s: BurnStep<WalletGrant>): number => (s.kind === 'burn' ? s.from : s.at);
    let opening = 0n;
    const steps: BurnStep<WalletGrant>[] = [];
    for (const s of result.steps) {
      if (at(s) < from) opening = s.balance;
      else steps.push(s);
    }
    return { customer, from, to, opening, steps, closing: result.balance };
  }

  /** CreditsReader: grants burned by usage that occurred in [from, to), in burn order; [] without a wallet. */
  async applied(customer: CustomerRef, from: number, to: number): Promise<readonly CreditApplied[]> {
    const { grants, result } = await this.burnUntil(customer, to);
    const burned = new Map<string, bigint>();
    for (const s of result.steps) {
      if (s.kind !== 'burn' || s.from < from) continue;
      for (const b of s.burned) burned.set(b.grantId, (burned.get(b.grantId) ?? 0n) + b.amount);
    }
    return grants
      .filter((g) => (burned.get(g.id) ?? 0n) > 0n)
      .sort(burnOrder)
      .map((g) => ({ grant_id: g.id, source: g.source, amount: burned.get(g.id) ?? 0n, remaining: result.remaining.get(g.id) ?? 0n, expires_at: g.expiresAt === null ? null : new Date(g.expiresAt).toISOString() }));
  }
}
