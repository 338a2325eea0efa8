/**
 * Wallets as budgets (issue 16 item 2, docs/billing.md "Enforcement"): every
 * customer with a grant has a hard `price` budget — over a lifetime period
 * (it never resets and counts every occurred_at), scoped to the customer (its
 * tenant, or one user of it) — whose limit is kept at "billed usage stored
 * for the customer + the wallet's balance" (billing/wallet-limit.ts). Checks and reservations then refuse a call that does not
 * fit in the balance with the budgets' own atomic reserve/settle, the
 * processor counts billed prices into the same counters, and reconcile
 * rebuilds them from the store.
 *
 * The keeper writes a wallet's budget when its limit moves: after a grant is
 * written (in this process at once; another process's write within `pollMs`,
 * through the grants' change marker) and at each grant start or end. It writes nothing while nothing changed, and nothing for a
 * wallet that is empty and already refuses everything.
 *
 * Low-balance alerts are the budget's `alert_below` amounts
 * (`budget.remaining_below` alerts, through the alerts topic and webhooks).
 */
import { createHash } from 'node:crypto';
import type { BudgetRepository } from '../budgets/index.js';
import type { Budget } from '../budgets/model.js';
import { errorMessage, isTallyError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { formatUsd, parseUsd } from '../core/money.js';
import type { CustomerRef } from '../billing/credits.js';
import { walletLimit, type WalletLimit } from '../billing/wallet-limit.js';
import type { Wallets } from '../billing/wallet.js';
import { GrantRepository } from '../billing/grants.js';

/** The id of a customer's wallet budget: stable, and safe for any tenant or user text. */
export function walletBudgetId(c: CustomerRef): string {
  return `wallet-${createHash('sha256').update(`${c.tenant}\u0000${c.user}`).digest('hex').slice(0, 24)}`;
}

/** How far below the highest seq seen a grant row may still land (µs: writers' clock skew plus insert time). */
const SEQ_SLACK_US = 60_000_000n;

/** Marks a budget as a wallet's (the keeper owns it; the budgets API refuses to change it). */
export const WALLET_METADATA = 'tally.wallet';

/** Deletes every wallet budget (budgets.wallets.enforcement `off`); their ids. */
export async function removeWalletBudgets(repository: Pick<BudgetRepository, 'list' | 'remove'>): Promise<string[]> {
  const ids = (await repository.list()).filter((b) => b.metadata[WALLET_METADATA] === 'true').map((b) => b.id);
  for (const id of ids) await repository.remove(id);
  return ids;
}

export interface WalletBudgetsOptions {
  readonly wallets: Wallets;
  readonly repository: Pick<BudgetRepository, 'get' | 'put'>;
  /** After a wallet budget was created: load it and backfill its counters (the budgets admin's `changed`). */
  readonly created: (ids: readonly string[]) => Promise<unknown>;
  /** After a wallet budget's limit moved: load it in this process now. */
  readonly updated: () => Promise<unknown>;
  readonly enforcement: 'hard' | 'soft';
  /** Default low-balance amounts (USD text) of wallets without their own. */
  readonly alertBelow: readonly string[];
  readonly pollMs: number;
  readonly logger: Logger;
  readonly clock?: () => number;
}

export type WalletSync = 'created' | 'updated' | 'unchanged';

export class WalletBudgets {
  readonly #o: WalletBudgetsOptions;
  readonly #clock: () => number;
  #marker: string | null = null;
  #poll: NodeJS.Timeout | null = null;
  #wake: NodeJS.Timeout | null = null;
  #stopped = false;
  /** When each customer's limit must be computed again without a write. */
  readonly #due = new Map<string, { customer: CustomerRef; at: number }>();
  /** One pass at a time. */
  #running: Promise<void> = Promise.resolve();

  constructor(options: WalletBudgetsOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  /** Keeps every wallet's budget up to date; resolves after the first pass (which a failure leaves to the marker poll). */
  async start(): Promise<void> {
    this.#poll = setInterval(() => void this.#checkMarker(), this.#o.pollMs);
    this.#poll.unref();
    await this.syncAll();
  }

  stop(): void {
    this.#stopped = true;
    this.#due.clear();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#wake) clearTimeout(this.#wake);
    this.#poll = null;
    this.#wake = null;
  }

  /** Every customer with a grant. */
  syncAll(): Promise<void> {
    return this.#serial(async () => {
      this.#marker = await this.#o.wallets.grants.version();
      for (const c of await this.#o.wallets.grants.customers()) await this.#syncOne(c);
    });
  }

  /**
   * The customers with a grant row written since the marker last seen (by
   * another process, or by this one — whose own writes were synced already,
   * and come out unchanged): not every wallet again for each grant written.
   * Seqs come from the writers' clocks, so a row may land after one with a
   * higher seq: rows up to SEQ_SLACK_US below the highest seen are looked at
   * again.
   */
  #syncChanged(): Promise<void> {
    return this.#serial(async () => {
      const seen = this.#marker;
      const marker = await this.#o.wallets.grants.version();
      const after = seen === null ? null : GrantRepository.seqOf(seen) - SEQ_SLACK_US;
      const changed = after === null || after < 0n ? await this.#o.wallets.grants.customers() : await this.#o.wallets.grants.customers(after.toString());
      for (const c of changed) await this.#syncOne(c);
      this.#marker = marker;
    });
  }

  /** One customer's wallet budget (after a grant written in this process). */
  async sync(customer: CustomerRef): Promise<WalletSync> {
    let out: WalletSync = 'unchanged';
    await this.#serial(async () => {
      out = await this.#syncOne(customer);
    });
    return out;
  }

  /** Sets a wallet's low-balance amounts (USD text; [] for none) and writes its budget. */
  async setAlerts(customer: CustomerRef, below: readonly string[]): Promise<Budget> {
    let written: Budget | null = null;
    await this.#serial(async () => {
      const limit = await walletLimit(this.#o.wallets, customer, this.#clock());
      written = await this.#write(customer, limit, below, await this.#existing(customer));
    });
    if (written === null) throw new Error('unreachable: the wallet budget was not written');
    return written;
  }

  /** The wallet budget of a customer, or null. */
  existing(customer: CustomerRef): Promise<Budget | null> {
    return this.#existing(customer);
  }

  async #existing(customer: CustomerRef): Promise<Budget | null> {
    try {
      return await this.#o.repository.get(walletBudgetId(customer));
    } catch (err) {
      if (isTallyError(err) && err.code === 'BUDGET_NOT_FOUND') return null;
      throw err;
    }
  }

  #serial(run: () => Promise<void>): Promise<void> {
    const next = this.#running.then(run, run);
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #checkMarker(): Promise<void> {
    try {
      const marker = await this.#o.wallets.grants.version();
      if (marker !== this.#marker) await this.#syncChanged();
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, 'wallet budgets: the grants could not be read; limits are kept as they are');
    }
  }

  async #syncOne(customer: CustomerRef): Promise<WalletSync> {
    const limit = await walletLimit(this.#o.wallets, customer, this.#clock());
    this.#schedule(limit);
    const existing = await this.#existing(customer);
    const below = existing?.alert_below ?? this.#o.alertBelow;
    if (existing && !this.#moved(existing, limit, below)) return 'unchanged';
    await this.#write(customer, limit, below, existing);
    return existing ? 'updated' : 'created';
  }

  /** Whether the budget must be written: its limit, alerts or enforcement differ — unless an empty wallet already refuses everything. */
  #moved(existing: Budget, limit: WalletLimit, below: readonly string[]): boolean {
    if (existing.period !== 'lifetime' || existing.enforcement !== this.#o.enforcement || JSON.stringify(existing.alert_below ?? []) !== JSON.stringify(below)) return true;
    const current = parseUsd(existing.limit);
    if (current === limit.limit) return false;
    // Empty, and the stored usage already at or past the written limit: the budget refuses either way
    // (no new budget version every time an overdrawn customer's usage grows).
    return !(limit.balance === 0n && limit.usage >= current);
  }

  async #write(customer: CustomerRef, limit: WalletLimit, below: readonly string[], existing: Budget | null): Promise<Budget> {
    const id = walletBudgetId(customer);
    const who = customer.user === '' ? customer.tenant : `${customer.tenant} / ${customer.user}`;
    const budget = await this.#o.repository.put(id, {
      id,
      name: `Wallet of ${who}`,
      metric: 'price',
      limit: formatUsd(limit.limit),
      period: 'lifetime',
      scope: customer.user === '' ? { tenant: customer.tenant } : { tenant: customer.tenant, user_id: customer.user },
      enforcement: this.#o.enforcement,
      thresholds: [],
      ...(below.length === 0 ? {} : { alert_below: [...below] }),
      metadata: { [WALLET_METADATA]: 'true', 'tally.wallet.tenant': customer.tenant, 'tally.wallet.user': customer.user, 'tally.wallet.balance_at_write': formatUsd(limit.balance) },
    });
    this.#o.logger.info({ budgetId: id, tenant: customer.tenant, user: customer.user, limit: budget.limit, balance: formatUsd(limit.balance) }, existing ? 'wallet budget limit moved' : 'wallet budget created');
    // A new budget, or one written by an earlier tally over a monthly period: its counters are built from the store.
    if (existing && existing.period === 'lifetime') await this.#o.updated();
    else await this.#o.created([id]);
    return budget;
  }

  /** Wakes at the earliest grant start or end of any wallet, to compute those limits again. */
  #schedule(limit: WalletLimit): void {
    const key = `${limit.customer.tenant}\u0000${limit.customer.user}`;
    if (Number.isFinite(limit.nextChange)) this.#due.set(key, { customer: limit.customer, at: limit.nextChange });
    else this.#due.delete(key);
    this.#arm();
  }

  #arm(): void {
    if (this.#stopped || this.#due.size === 0) return;
    const next = Math.min(...[...this.#due.values()].map((d) => d.at));
    if (this.#wake) clearTimeout(this.#wake);
    // setTimeout holds at most 2^31 − 1 ms; a later change is looked at again then.
    const wait = Math.min(Math.max(0, next - this.#clock()), 2_147_000_000);
    this.#wake = setTimeout(() => void this.#wakeUp(), wait);
    this.#wake.unref();
  }

  async #wakeUp(): Promise<void> {
    const now = this.#clock();
    const due = [...this.#due.values()].filter((d) => d.at <= now);
    try {
      await this.#serial(async () => {
        for (const d of due) await this.#syncOne(d.customer);
      });
      this.#arm();
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, 'wallet budgets: a limit could not be computed at a grant start or end; trying again in a second');
      this.#wake = setTimeout(() => void this.#wakeUp(), 1_000);
      this.#wake.unref();
    }
  }
}
