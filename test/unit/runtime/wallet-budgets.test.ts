/**
 * The wallet budgets' keeper (runtime/wallet-budgets.ts): a grant written by
 * another process reaches the wallet's budget through the grants' change
 * marker, and only that customer's limit is computed again — not every
 * wallet's, whose burn reads the customer's whole stored history — also
 * when the row lands after one with a higher seq (writers' clocks differ).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryBudgetRepository } from '../../../src/budgets/repository-memory.js';
import { Wallets } from '../../../src/billing/wallet.js';
import type { CustomerRef } from '../../../src/billing/credits.js';
import { silentLogger } from '../../../src/core/logger.js';
import { WalletBudgets, walletBudgetId } from '../../../src/runtime/wallet-budgets.js';
import { memoryWallets } from '../../support/memory-wallets.js';

const acme: CustomerRef = { tenant: 'acme', user: '' };
const globex: CustomerRef = { tenant: 'globex', user: '' };

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('WalletBudgets', () => {
  it('a grant another process wrote: the poll computes that customer\'s limit again, and no other', async () => {
    const storage = memoryWallets([]);
    // Grants written 10 minutes ago (a grant's seq is its writer's clock, µs): well before the marker's slack.
    const wallets = new Wallets(storage, { clock: () => Date.now() - 600_000 });
    const burned: string[] = [];
    const burnUntil = wallets.burnUntil.bind(wallets);
    wallets.burnUntil = (customer, u, from) => {
      burned.push(customer.tenant);
      return burnUntil(customer, u, from);
    };
    const repository = createMemoryBudgetRepository();
    const keeper = new WalletBudgets({ wallets, repository, created: async () => undefined, updated: async () => undefined, enforcement: 'hard', alertBelow: [], pollMs: 20, logger: silentLogger() });
    await new Wallets(storage, { clock: () => Date.now() - 1_200_000 }).grants.add(globex, { id: 'g1', amount: '7' });
    await wallets.grants.add(acme, { id: 'a1', amount: '5' });
    await keeper.start();
    try {
      expect(burned.sort()).toEqual(['acme', 'globex']);
      burned.length = 0;
      // Another process (tally wallet grant, another API) tops acme up: this keeper was not told.
      await new Wallets(storage).grants.add(acme, { id: 'a2', amount: '2.5' });
      await until(async () => (await repository.get(walletBudgetId(acme))).limit === '7.5');
      // Polls after that find nothing new.
      await new Promise((r) => setTimeout(r, 100));
      expect(burned.every((t) => t === 'acme')).toBe(true);
      expect(burned).toHaveLength(1);
      expect((await repository.get(walletBudgetId(globex))).limit).toBe('7');
    } finally {
      keeper.stop();
    }
  });

  it('a grant row that lands after one with a higher seq (another writer\'s clock behind) is still seen', async () => {
    const storage = memoryWallets([]);
    const wallets = new Wallets(storage);
    const repository = createMemoryBudgetRepository();
    const keeper = new WalletBudgets({ wallets, repository, created: async () => undefined, updated: async () => undefined, enforcement: 'hard', alertBelow: [], pollMs: 20, logger: silentLogger() });
    await wallets.grants.add(acme, { id: 'a1', amount: '5' });
    await wallets.grants.add(globex, { id: 'g1', amount: '7' });
    await keeper.start();
    try {
      // A writer whose clock is 2 s behind: its row's seq is below the highest already seen.
      const [row] = await storage.rows('globex', '');
      if (!row) throw new Error('no row');
      await storage.write([{ ...row, seq: (BigInt(await storage.maxSeq()) - 2_000_000n).toString(), grant_id: 'g2', amount: 3_000_000_000_000_000n }]);
      await until(async () => (await repository.get(walletBudgetId(globex))).limit === '10');
    } finally {
      keeper.stop();
    }
  });
});
