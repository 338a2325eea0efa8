/**
 * Issue 16, item 2: a wallet refuses what its balance cannot pay for, on
 * every counter store (memory, Redis, Redis Cluster).
 *
 * The wallet's budget is kept by runtime/wallet-budgets.ts from the grants
 * and the stored usage; reservations go through the budget engine exactly as
 * /v1/quota/reserve does, and the processor's counter sink (engine.apply)
 * counts billed prices. "Stored" usage here is what the processor wrote to
 * the analytics store: an in-memory WalletOperations over the same events.
 */
import { expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { createMemoryBudgetRepository } from '../../../src/budgets/repository-memory.js';
import { WatchedBudgetSource } from '../../../src/budgets/source.js';
import type { ThresholdCrossing } from '../../../src/budgets/types.js';
import { Wallets } from '../../../src/billing/wallet.js';
import { silentLogger } from '../../../src/core/logger.js';
import { parseUsd } from '../../../src/core/money.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { WalletBudgets, walletBudgetId } from '../../../src/runtime/wallet-budgets.js';
import { forEachAdapter } from '../counters/adapters.js';
import { priced } from '../../unit/budgets/fixtures.js';
import { memoryWallets, type StoredPrice } from '../../support/memory-wallets.js';

const CALL = '0.1';

async function setUp(make: () => Promise<CounterStore>, alertBelow: readonly string[]) {
  const counters = await make();
  const stored: StoredPrice[] = [];
  const wallets = new Wallets(memoryWallets(stored));
  const repository = createMemoryBudgetRepository();
  const source = new WatchedBudgetSource(repository, { pollMs: 60_000 });
  await source.start();
  const engine = new BudgetEngine({ counters, budgets: source });
  /** The budgets whose counters the keeper asked to rebuild from the store (the budgets admin's backfill). */
  const created: string[] = [];
  const keeper = new WalletBudgets({
    wallets, repository, created: (ids) => (created.push(...ids), source.refresh()), updated: () => source.refresh(), enforcement: 'hard', alertBelow, pollMs: 60_000, logger: silentLogger(),
  });
  let offset = 0;
  /** The processor: counts the events (billed at `CALL` each) and stores them; returns the crossings. */
  const process = async (ids: readonly string[]): Promise<ThresholdCrossing[]> => {
    const at = Date.now();
    const events = ids.map((id) => priced({ id, tenant: 'acme', user: 'bob', cost: '0.01', price: CALL, at, offset: ++offset }));
    const out = await engine.apply({ topic: 'usage.raw', partition: 0, events });
    for (const _ of ids) stored.push({ tenant: 'acme', user: 'bob', at, price: parseUsd(CALL) });
    return [...out.crossings];
  };
  const stop = (): void => {
    keeper.stop();
    source.stop();
  };
  return { engine, wallets, keeper, repository, created, process, stop };
}

const acme = { tenant: 'acme', user: '' };
const hourAgo = (): string => new Date(Date.now() - 3_600_000).toISOString();

forEachAdapter('wallet enforcement', ({ make, name }) => {
  it('1,000 concurrent reservations against a wallet with room for exactly 50 calls: exactly 50 granted, the balance never below zero; a top-up makes room for exactly its amount', async () => {
    const t = await setUp(make, []);
    try {
      await t.wallets.grants.add(acme, { id: 'g1', amount: '5', effective_from: hourAgo(), source: 'purchase' });
      await t.keeper.start();
      const estimate = { cost: '0.01', price: CALL };
      const first = await Promise.all(Array.from({ length: 1000 }, (_, i) => t.engine.reserve({ tenant: 'acme', user_id: `u${i % 7}` }, estimate)));
      const granted = first.filter((r) => r.granted);
      console.log(`[${name}] wallet $5, 1,000 concurrent reservations of $0.10: ${granted.length} granted`);
      expect(granted).toHaveLength(50);
      // Every refusal names the wallet's budget, with nothing left.
      const refused = first.find((r) => !r.granted);
      expect(refused?.exceeded.map((s) => s.budget_id)).toEqual([walletBudgetId(acme)]);
      expect(refused?.exceeded[0]).toMatchObject({ metric: 'price', limit: '5', remaining: '0', reserved: '5' });

      // The calls happen: each reservation is settled naming its event, and the processor counts the 50 events.
      const ids = granted.map((_, i) => `call-${i}`);
      await Promise.all(granted.map((r, i) => t.engine.settle(r.reservation_id ?? '', { event_id: ids[i] ?? '', price: CALL })));
      await t.process(ids);
      expect((await t.wallets.state(acme)).balance).toBe(0n);
      const after = await t.engine.check({ tenant: 'acme', user_id: 'u1' });
      expect(after).toMatchObject({ allowed: false });
      expect(after.budgets[0]).toMatchObject({ used: '5', reserved: '0', limit: '5', remaining: '0' });
      expect((await t.engine.reserve({ tenant: 'acme' }, { cost: '0', price: '0.000000000000001' })).granted).toBe(false);

      // A top-up of $1.00: room for exactly 10 more calls, whoever asks and however many ask at once.
      await t.wallets.grants.add(acme, { id: 'g2', amount: '1', effective_from: new Date().toISOString(), source: 'purchase' });
      await t.keeper.sync(acme);
      const second = await Promise.all(Array.from({ length: 100 }, () => t.engine.reserve({ tenant: 'acme', user_id: 'bob' }, estimate)));
      expect(second.filter((r) => r.granted)).toHaveLength(10);
      expect((await t.engine.check({ tenant: 'acme' })).budgets[0]).toMatchObject({ used: '5', reserved: '1', limit: '6', remaining: '0' });
    } finally {
      t.stop();
    }
  });

  it('a low-balance amount alerts once when the balance falls to it, and again after a top-up runs low again', async () => {
    const t = await setUp(make, ['1']);
    try {
      await t.wallets.grants.add(acme, { id: 'g1', amount: '2', effective_from: hourAgo(), source: 'purchase' });
      await t.keeper.start();
      // $2 − 9 × $0.10 = $1.10 left: above $1, no alert.
      expect(await t.process(Array.from({ length: 9 }, (_, i) => `a${i}`))).toEqual([]);
      // The 10th call leaves exactly $1.00: one alert, with the amount left and the wallet's customer.
      const low = await t.process(['a9']);
      expect(low.map((c) => c.body)).toMatchObject([{ type: 'budget.remaining_below', budget_id: walletBudgetId(acme), threshold: null, below: '1', remaining: '1', used: '1', limit: '2', metric: 'price', metadata: { 'tally.wallet': 'true', 'tally.wallet.tenant': 'acme', 'tally.wallet.user': '' } }]);
      // Further calls, still below: no second alert.
      expect(await t.process(['a10', 'a11'])).toEqual([]);
      // A top-up of $5 (balance $5.80): the amount is armed again; it alerts again when $1 is left once more.
      await t.wallets.grants.add(acme, { id: 'g2', amount: '5', effective_from: new Date().toISOString(), source: 'purchase' });
      await t.keeper.sync(acme);
      expect(await t.process(Array.from({ length: 47 }, (_, i) => `b${i}`))).toEqual([]);
      const again = await t.process(['b47', 'b48']);
      expect(again.map((c) => c.body)).toMatchObject([{ type: 'budget.remaining_below', below: '1', limit: '7', used: '6.1', remaining: '0.9' }]);
      expect(again[0]?.id).not.toBe(low[0]?.id);
    } finally {
      t.stop();
    }
  });

  it('a wallet budget an earlier tally kept monthly is rewritten over a lifetime period at start, with the limit of now', async () => {
    const t = await setUp(make, []);
    try {
      const id = walletBudgetId(acme);
      await t.repository.put(id, { id, name: 'Wallet of acme', metric: 'price', limit: '100', period: 'monthly', scope: { tenant: 'acme' }, thresholds: [], metadata: { 'tally.wallet': 'true' } });
      await t.wallets.grants.add(acme, { id: 'g1', amount: '3', effective_from: hourAgo(), source: 'purchase' });
      await t.process(['m1', 'm2']);
      await t.keeper.start();
      expect(await t.repository.get(id)).toMatchObject({ period: 'lifetime', limit: '3', metric: 'price', enforcement: 'hard' });
      // limit = the 0.20 stored + the 2.80 left; the lifetime counter is rebuilt from the store (the backfill a new budget gets).
      expect(t.created).toEqual([id]);
      // Unchanged since: nothing written, nothing rebuilt again.
      await t.keeper.syncAll();
      expect(t.created).toEqual([id]);
    } finally {
      t.stop();
    }
  });
});
