/**
 * Wallet storage in memory (grant rows, and billed usage grouped as the store
 * groups it: UTC day × segment of the bounds) over a list of stored events.
 */
import type { WalletGrantRow, WalletOperations, WalletUsage } from '../../src/store/operations/wallets.js';

/** One stored event's billed price. */
export interface StoredPrice {
  readonly tenant: string;
  readonly user: string;
  /** occurred_at, epoch ms. */
  readonly at: number;
  /** femto-USD */
  readonly price: bigint;
}

/** `usage` replaces the grouping of `stored` (a test that hands the groups in). */
export function memoryWallets(stored: readonly StoredPrice[], usage?: WalletOperations['usage']): WalletOperations {
  const rows: WalletGrantRow[] = [];
  return {
    rows: async (t, u) => rows.filter((r) => r.tenant === t && r.user === u),
    write: async (r) => void rows.push(...r),
    customers: async (afterSeq) => [...new Set(rows.filter((r) => afterSeq === undefined || BigInt(r.seq) > BigInt(afterSeq)).map((r) => JSON.stringify([r.tenant, r.user])))].map((k) => JSON.parse(k) as [string, string]).map(([tenant, user]) => ({ tenant, user })),
    maxSeq: async () => rows.reduce((m, r) => (BigInt(r.seq) > BigInt(m) ? r.seq : m), '0'),
    marker: async () => ({ maxSeq: rows.reduce((m, r) => (BigInt(r.seq) > BigInt(m) ? r.seq : m), '0'), rows: String(rows.length) }),
    usage: usage ?? (async (input) => {
      const groups = new Map<string, WalletUsage>();
      for (const e of stored) {
        if (e.tenant !== input.tenant || (input.user !== null && e.user !== input.user) || e.at < input.from || e.at >= input.to) continue;
        const day = new Date(e.at).toISOString().slice(0, 10);
        const segment = input.bounds.filter((b) => b <= e.at).length;
        const k = `${day}|${segment}`;
        const g = groups.get(k) ?? { day, segment, price: 0n, events: 0 };
        groups.set(k, { ...g, price: g.price + e.price, events: g.events + 1 });
      }
      return [...groups.values()];
    }),
  };
}
