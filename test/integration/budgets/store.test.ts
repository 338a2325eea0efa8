/**
 * Budgets against the real analytics-store engine (chDB, same SQL as a
 * ClickHouse server): the repository on migration 0010's tables, and
 * reconcile's queries over usage_events FINAL — with counters in memory,
 * Redis and Redis Cluster. "FLUSHALL" here deletes the suite's own keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { createStoreBudgetRepository } from '../../../src/budgets/repository-store.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { Subject } from '../../../src/budgets/types.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { cancellationOf, toEventRow } from '../../../src/store/event-row.js';
import { insertEventRows, insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { uniqueName } from '../../support/services.js';
import { forEachAdapter } from '../counters/adapters.js';
import { priced, state, type EventSpec } from '../../unit/budgets/fixtures.js';
import { repositoryContract } from '../../unit/budgets/repository-contract.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-budgets-store-'));
const opened: AnalyticsStore[] = [];

async function freshStore(): Promise<AnalyticsStore> {
  const store = await createChdbStore({ dataDir, database: uniqueName('tally_budgets') });
  await migrate(store);
  opened.push(store);
  return store;
}

afterAll(async () => {
  for (const s of opened) await s.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('budget repository on the analytics store (chDB)', () => {
  repositoryContract(async () => createStoreBudgetRepository(await freshStore()));
});

const NOW = Date.now();
const BUDGETS: BudgetInput[] = [
  { id: 'per-user', name: 'per user', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user: '*' } },
  { id: 'acme-day', name: 'acme day', metric: 'cost', limit: '5', period: 'daily', timezone: 'Asia/Kolkata', scope: { tenant: 'acme' } },
  { id: 'tokens-hour', name: 'tokens', metric: 'tokens', limit: 100000, period: 'rolling', window: '90m', scope: { tenant: '*' } },
  { id: 'out-week', name: 'output', metric: 'tokens', token_class: 'output', limit: 5000, period: 'weekly', timezone: 'America/New_York', scope: { tenant: '*', user: '*' } },
  { id: 'gpt', name: 'gpt models', metric: 'cost', limit: '100', period: 'monthly', scope: { model: 'openai/gpt-4o*' } },
  { id: 'all-requests', name: 'all', metric: 'requests', limit: 1000, period: 'yearly' },
];
const SUBJECTS: Subject[] = [
  { tenant: 'acme', user: 'bob', model: 'openai/gpt-4o' },
  { tenant: 'acme', user: 'amy', model: 'openai/gpt-4o-mini' },
  { tenant: 'be ta:{x}', user: 'zoë', model: 'anthropic/claude' },
];

forEachAdapter('reconcile from the analytics store', ({ make }) => {
  let store: AnalyticsStore;
  beforeAll(async () => {
    store = await freshStore();
  });

  let seq = 0;
  const ev = (s: Partial<EventSpec>): PricedEvent => {
    seq += 1;
    return priced({ id: `x${seq}`, at: NOW - 30_000 - seq, offset: seq, user: 'bob', cost: '0.25', tokens: { input: 100, output: 50 }, ...s });
  };

  it('after FLUSHALL and reconcile every status is what it was; spend corrections are applied', async () => {
    const counters = await make();
    const source = new StaticBudgetSource(state(BUDGETS));
    // A fixed clock: the rolling window's period_start would otherwise move when a minute passes between the two reads.
    const engine = new BudgetEngine({ counters, budgets: source, clock: () => NOW });
    const process = async (events: PricedEvent[], partition = 0): Promise<void> => {
      await insertPricedEvents(store, events);
      await engine.apply({ topic: 'usage.raw', partition, events });
    };
    await process([ev({}), ev({ user: 'amy', model: 'gpt-4o-mini', cost: '1.000000000000001', tokens: { output: 4000 } }), ev({ tenant: 'be ta:{x}', user: 'zoë', model: 'claude', modelKey: 'anthropic/claude', cost: '3' })]);
    await process([ev({ cost: '2.5' }), ev({ offset: null, id: 'direct-1', cost: '0.5' })], 1);
    const before = await Promise.all(SUBJECTS.map((s) => engine.statuses(s)));
    expect(before[0]?.find((s) => s.budget_id === 'per-user')?.used).toBe('3.25');

    await counters.clear(); // FLUSHALL (of this suite's keys)
    expect((await engine.status('per-user', SUBJECTS[0])).used).toBe('0');
    const result = await engine.reconcile(store);
    expect(result.slots).toBe(3);
    expect(await Promise.all(SUBJECTS.map((s) => engine.statuses(s)))).toEqual(before);

    // A correction in the store: amy's event cancelled.
    const amy = ev({ user: 'amy', cost: '0.75', model: 'gpt-4o-mini' });
    await process([amy], 2);
    const row = toEventRow(amy);
    await insertEventRows(store, [cancellationOf(row)]);
    await engine.reconcile(store, { budgetId: 'per-user' });
    expect((await engine.status('per-user', { tenant: 'acme', user: 'amy' })).used).toBe('1.000000000000001');
  });

  it('a price budget (a wallet) is rebuilt exactly from the stored billed prices: after FLUSHALL and after a cancellation', async () => {
    const counters = await make();
    const wallet: BudgetInput = { id: 'wallet-w', name: 'wallet', metric: 'price', limit: '3', period: 'monthly', scope: { tenant: 'wal' } };
    const source = new StaticBudgetSource(state([...BUDGETS, wallet]));
    const engine = new BudgetEngine({ counters, budgets: source, clock: () => NOW });
    const events = [
      ev({ tenant: 'wal', cost: '0.5', price: '0.625000000000001' }),
      ev({ tenant: 'wal', user: 'amy', cost: '1', price: '1.333333333333333' }),
      ev({ tenant: 'wal', cost: '2' }), // no book: billed nothing
    ];
    await insertPricedEvents(store, events);
    await engine.apply({ topic: 'usage.raw', partition: 7, events });
    const live = await engine.status('wallet-w', { tenant: 'wal' });
    expect(live).toMatchObject({ metric: 'price', used: '1.958333333333334', limit: '3', remaining: '1.041666666666666' });
    await counters.clear();
    await engine.reconcile(store, { budgetId: 'wallet-w' });
    expect(await engine.status('wallet-w', { tenant: 'wal' })).toEqual(live);
    await insertEventRows(store, [cancellationOf(toEventRow(events[1] as PricedEvent))]);
    await engine.reconcile(store, { budgetId: 'wallet-w' });
    expect((await engine.status('wallet-w', { tenant: 'wal' })).used).toBe('0.625000000000001');
  });

  it('a lifetime price budget (a wallet\'s) counts events of any month, as applied and as rebuilt from the store', async () => {
    const counters = await make();
    const wallet: BudgetInput = { id: 'wallet-l', name: 'wallet', metric: 'price', limit: '3', period: 'lifetime', scope: { tenant: 'life' } };
    const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state([...BUDGETS, wallet])), clock: () => NOW });
    const events = [
      ev({ tenant: 'life', cost: '0.5', price: '0.625000000000001' }),
      // Three months and a year ago, arriving now: late events land in the same counter.
      ev({ tenant: 'life', cost: '1', price: '1.25', at: NOW - 92 * 86_400_000 }),
      ev({ tenant: 'life', user: 'amy', cost: '1', price: '0.125', at: NOW - 366 * 86_400_000 }),
    ];
    await insertPricedEvents(store, events);
    await engine.apply({ topic: 'usage.raw', partition: 9, events });
    const live = await engine.status('wallet-l', { tenant: 'life' });
    expect(live).toMatchObject({ period: 'lifetime', used: '2.000000000000001', remaining: '0.999999999999999', period_start: '1970-01-01T00:00:00.000Z', resets_at: '2106-01-01T00:00:00.000Z' });
    await counters.clear();
    await engine.reconcile(store, { budgetId: 'wallet-l' });
    expect(await engine.status('wallet-l', { tenant: 'life' })).toEqual(live);
  });

  it('a budget added mid-period with a new scope shape sees earlier spend after its reconcile', async () => {
    const counters = await make();
    const source = new StaticBudgetSource(state(BUDGETS));
    const engine = new BudgetEngine({ counters, budgets: source });
    const events = [ev({ tenant: 'mid', feature: 'search', cost: '1.5' }), ev({ tenant: 'mid', feature: 'search', cost: '2' }), ev({ tenant: 'mid', feature: 'chat', cost: '7' })];
    await insertPricedEvents(store, events);
    await engine.apply({ topic: 'usage.raw', partition: 5, events });
    source.replace(state([...BUDGETS, { id: 'per-feature', name: 'features', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: 'mid', feature: '*' } }]));
    expect((await engine.status('per-feature', { feature: 'search' })).used).toBe('0');
    await engine.reconcile(store, { budgetId: 'per-feature' });
    expect((await engine.status('per-feature', { feature: 'search' })).used).toBe('3.5');
    expect((await engine.status('per-feature', { feature: 'chat' }))).toMatchObject({ used: '7', approaching: false, percentage: 70 });
  });
});
