/**
 * The burn: how a wallet's grants pay for billed usage (issue 16 item 2,
 * docs/billing.md "Wallets"). One pure function, the only definition: the
 * balance, the ledger and the credits a statement shows are all read from
 * its result.
 *
 * - A grant is **live** on [effective_from, end), where end is the earlier of
 *   its expiry and its void (null: never ends).
 * - Usage comes in chunks of time; a chunk never straddles an instant where a
 *   grant starts or ends (the store's query splits them there), so the set of
 *   live grants is the same for the whole chunk.
 * - A chunk burns the live grants in **burn order**: higher priority first,
 *   then the earlier expiry (none = last), then creation order. What the live
 *   grants cannot cover is `uncovered` (billed outside the wallet); it is
 *   never carried to a later grant: a grant pays only for usage from its
 *   effective_from on.
 * - When a grant ends, its unburned remainder is gone: an `expired` (or
 *   `voided`) step.
 *
 * At one instant: grants end, then start, then usage burns.
 */

export interface BurnGrant {
  readonly id: string;
  /** Femto-USD, > 0. */
  readonly amount: bigint;
  readonly priority: number;
  /** Epoch ms. */
  readonly effectiveFrom: number;
  /** Epoch ms, or null: never expires. */
  readonly expiresAt: number | null;
  /** Epoch ms of the void, or null. */
  readonly voidedAt: number | null;
  /** Creation order (smaller = earlier). */
  readonly order: bigint;
}

/** Billed usage of [from, to) (epoch ms), femto-USD ≥ 0. */
export interface UsageChunk {
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  /** Events in the chunk (for the ledger; not used by the burn). */
  readonly events?: number;
}

export type BurnStep<G extends BurnGrant = BurnGrant> =
  | { readonly kind: 'grant'; readonly at: number; readonly grant: G; readonly balance: bigint }
  | {
      readonly kind: 'burn';
      readonly from: number;
      readonly to: number;
      readonly usage: bigint;
      readonly events: number;
      /** Per grant, in burn order; only grants burned (> 0). */
      readonly burned: readonly { readonly grantId: string; readonly amount: bigint }[];
      readonly uncovered: bigint;
      readonly balance: bigint;
    }
  | { readonly kind: 'expired' | 'voided'; readonly at: number; readonly grant: G; readonly amount: bigint; readonly balance: bigint };

export interface BurnResult<G extends BurnGrant = BurnGrant> {
  /** In time order; `balance` after each step. */
  readonly steps: readonly BurnStep<G>[];
  /** What is left on each grant at `until` (0 for a grant that ended or is spent; the full amount for one not yet effective). */
  readonly remaining: ReadonlyMap<string, bigint>;
  /** Sum of the remaining of the grants live at `until`. */
  readonly balance: bigint;
}

/** The end of a grant's life, and why; null: it never ends. */
export function grantEnd(g: BurnGrant): { at: number; kind: 'expired' | 'voided' } | null {
  if (g.voidedAt !== null && (g.expiresAt === null || g.voidedAt < g.expiresAt)) return { at: g.voidedAt, kind: 'voided' };
  return g.expiresAt === null ? null : { at: g.expiresAt, kind: 'expired' };
}

/** Burn order: higher priority, earlier expiry (none last), earlier creation. */
export function burnOrder(a: BurnGrant, b: BurnGrant): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  const ea = a.expiresAt ?? Number.POSITIVE_INFINITY;
  const eb = b.expiresAt ?? Number.POSITIVE_INFINITY;
  if (ea !== eb) return ea < eb ? -1 : 1;
  return a.order < b.order ? -1 : a.order > b.order ? 1 : 0;
}

/** The instants where the set of live grants changes: every start and end, sorted, distinct. */
export function grantBoundaries(grants: readonly BurnGrant[]): number[] {
  const set = new Set<number>();
  for (const g of grants) {
    set.add(g.effectiveFrom);
    const end = grantEnd(g);
    if (end) set.add(end.at);
  }
  return [...set].sort((a, b) => a - b);
}

type Point<G> = { at: number; rank: 0 | 1 | 2; grant?: G; chunk?: UsageChunk };

/** Burns `usage` (chunks in any order) against `grants`, up to `until` (epoch ms, exclusive). */
export function burn<G extends BurnGrant>(grants: readonly G[], usage: readonly UsageChunk[], until: number): BurnResult<G> {
  const points: Point<G>[] = [];
  for (const g of grants) {
    if (g.effectiveFrom >= until) continue;
    points.push({ at: g.effectiveFrom, rank: 1, grant: g });
    const end = grantEnd(g);
    if (end && end.at < until) points.push({ at: end.at, rank: 0, grant: g });
  }
  for (const c of usage) if (c.from < until && c.amount > 0n) points.push({ at: c.from, rank: 2, chunk: c });
  points.sort((a, b) => a.at - b.at || a.rank - b.rank || ((a.grant?.order ?? 0n) < (b.grant?.order ?? 0n) ? -1 : (a.grant?.order ?? 0n) > (b.grant?.order ?? 0n) ? 1 : 0));

  const remaining = new Map<string, bigint>(grants.map((g) => [g.id, g.amount]));
  const live: G[] = [];
  let balance = 0n;
  const steps: BurnStep<G>[] = [];
  for (const p of points) {
    if (p.rank === 0 && p.grant) {
      const g = p.grant;
      const i = live.indexOf(g);
      if (i < 0) continue; // ended before it started (end ≤ effective_from)
      live.splice(i, 1);
      const left = remaining.get(g.id) ?? 0n;
      balance -= left;
      remaining.set(g.id, 0n);
      steps.push({ kind: grantEnd(g)?.kind ?? 'expired', at: p.at, grant: g, amount: left, balance });
    } else if (p.rank === 1 && p.grant) {
      const g = p.grant;
      const end = grantEnd(g);
      if (end && end.at <= g.effectiveFrom) {
        remaining.set(g.id, 0n);
        continue;
      }
      live.push(g);
      live.sort(burnOrder);
      balance += g.amount;
      steps.push({ kind: 'grant', at: p.at, grant: g, balance });
    } else if (p.chunk) {
      let left = p.chunk.amount;
      const burned: { grantId: string; amount: bigint }[] = [];
      for (const g of live) {
        if (left === 0n) break;
        const has = remaining.get(g.id) ?? 0n;
        if (has === 0n) continue;
        const take = has < left ? has : left;
        remaining.set(g.id, has - take);
        left -= take;
        burned.push({ grantId: g.id, amount: take });
      }
      balance -= p.chunk.amount - left;
      steps.push({ kind: 'burn', from: p.chunk.from, to: p.chunk.to, usage: p.chunk.amount, events: p.chunk.events ?? 0, burned, uncovered: left, balance });
    }
  }
  for (const g of grants) {
    const end = grantEnd(g);
    if (end && end.at <= g.effectiveFrom) remaining.set(g.id, 0n);
  }
  return { steps, remaining, balance };
}
