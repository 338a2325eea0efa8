/**
 * Issue 16: a wallet's budget limit is "billed usage stored for the customer
 * (every occurred_at) + the balance now" — the limit of a lifetime counter.
 * It does not move while usage burns the balance (every femto-dollar the
 * balance loses, the stored usage gains), not even at a month's turn or for
 * an event that arrives late; it moves when a grant starts or ends, and an
 * empty wallet's limit is the stored usage (nothing more fits).
 */
import { describe, expect, it } from 'vitest';
import { parseUsd } from '../../../src/core/money.js';
import { Wallets } from '../../../src/billing/wallet.js';
import { walletLimit } from '../../../src/billing/wallet-limit.js';
import { memoryWallets, type StoredPrice } from '../../support/memory-wallets.js';

const ms = (iso: string): number => Date.parse(iso);
const usd = (x: string): bigint => parseUsd(x);
const acme = { tenant: 'acme', user: '' };

async function wallet(): Promise<{ wallets: Wallets; stored: StoredPrice[]; spend: (at: string, price: string) => void }> {
  const stored: StoredPrice[] = [];
  const wallets = new Wallets(memoryWallets(stored), { clock: () => ms('2026-02-20T00:00:00Z') });
  // A purchase from Feb 20 that never expires; a priority promotion for March that expires on the 20th at noon.
  await wallets.grants.add(acme, { id: 'buy', amount: '5', effective_from: '2026-02-20T00:00:00Z', source: 'purchase' });
  await wallets.grants.add(acme, { id: 'promo', amount: '10', priority: 1, effective_from: '2026-03-01T00:00:00Z', expires_at: '2026-03-20T12:00:00Z', source: 'promotion' });
  return { wallets, stored, spend: (at, price) => stored.push({ tenant: 'acme', user: 'bob', at: ms(at), price: usd(price) }) };
}

describe('walletLimit', () => {
  it('is the stored usage plus the balance, and does not move while usage burns the balance', async () => {
    const w = await wallet();
    w.spend('2026-02-25T10:00:00Z', '3'); // February: the purchase pays, 2 left on it
    w.spend('2026-03-02T10:00:00Z', '4'); // the promotion first: 6 left on it
    w.spend('2026-03-14T10:00:00Z', '1'); // 5 left on it
    const mid = await walletLimit(w.wallets, acme, ms('2026-03-15T12:00:00Z'));
    expect(mid).toMatchObject({ balance: usd('7'), usage: usd('8'), limit: usd('15'), nextChange: ms('2026-03-20T12:00:00Z') });
    w.spend('2026-03-15T13:00:00Z', '2.000000000000001');
    const later = await walletLimit(w.wallets, acme, ms('2026-03-15T14:00:00Z'));
    expect(later).toMatchObject({ balance: usd('4.999999999999999'), usage: usd('10.000000000000001'), limit: usd('15') });
  });

  it('does not move for an event of an earlier month stored late: it burns the balance and counts in the same lifetime counter', async () => {
    const w = await wallet();
    w.spend('2026-03-02T10:00:00Z', '4');
    const before = await walletLimit(w.wallets, acme, ms('2026-03-15T00:00:00Z'));
    w.spend('2026-02-27T23:59:59.999Z', '1.25'); // February's, stored in March: the purchase pays
    const after = await walletLimit(w.wallets, acme, ms('2026-03-15T00:00:01Z'));
    expect(after.balance).toBe(before.balance - usd('1.25'));
    expect(after.usage).toBe(before.usage + usd('1.25'));
    expect(after.limit).toBe(before.limit);
  });

  it('moves when a grant ends (its remainder is gone), and not when a month begins', async () => {
    const w = await wallet();
    w.spend('2026-03-02T10:00:00Z', '4');
    // After the promotion expired with 6 on it: only the purchase's 5 is left. No grant start or end ahead.
    const after = await walletLimit(w.wallets, acme, ms('2026-03-21T00:00:00Z'));
    expect(after).toMatchObject({ balance: usd('5'), usage: usd('4'), limit: usd('9'), nextChange: Number.POSITIVE_INFINITY });
    w.spend('2026-04-01T00:00:00Z', '0.5');
    expect(await walletLimit(w.wallets, acme, ms('2026-04-02T00:00:00Z'))).toMatchObject({ balance: usd('4.5'), usage: usd('4.5'), limit: usd('9') });
  });

  it('an overdrawn wallet (usage past the balance, uncovered) has room for nothing: the limit is the stored usage', async () => {
    const w = await wallet();
    w.spend('2026-03-05T00:00:00Z', '16');
    const empty = await walletLimit(w.wallets, acme, ms('2026-03-06T00:00:00Z'));
    expect(empty).toMatchObject({ balance: 0n, usage: usd('16'), limit: usd('16') });
  });

  it('counts usage from before the first grant (the counter holds it too)', async () => {
    const stored: StoredPrice[] = [
      { tenant: 'acme', user: 'amy', at: ms('2025-11-01T08:00:00Z'), price: usd('0.25') },
      { tenant: 'acme', user: 'amy', at: ms('2026-03-01T08:00:00Z'), price: usd('1.5') },
    ];
    const wallets = new Wallets(memoryWallets(stored));
    await wallets.grants.add(acme, { id: 'late', amount: '2', effective_from: '2026-03-10T00:00:00Z', source: 'purchase' });
    expect(await walletLimit(wallets, acme, ms('2026-03-11T00:00:00Z'))).toMatchObject({ balance: usd('2'), usage: usd('1.75'), limit: usd('3.75') });
  });
});
