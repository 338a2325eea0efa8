/**
 * One master of a Redis Cluster loses its data (FLUSHALL on it), on a
 * cluster of this test's own (`scripts/services.sh start cluster`). Epoch
 * regions are hash slots: exactly that master's slots are found lost, only
 * the tenants (and the global slot) that live there are rebuilt from the
 * analytics store (chDB), the others keep their counters untouched, and every
 * status equals what it was.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { CounterRecovery } from '../../../src/budgets/recovery.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { BudgetStatus } from '../../../src/budgets/types.js';
import { hashSlot } from '../../../src/counters/epoch.js';
import type { Slot } from '../../../src/counters/keys.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { ownServices, type OwnServices } from '../../support/own-services.js';
import { describeWith, uniqueName } from '../../support/services.js';
import { priced, state } from '../../unit/budgets/fixtures.js';

const NOW = Date.now();
const TENANTS = Array.from({ length: 24 }, (_, i) => `tenant-${i}`);
const BUDGETS: BudgetInput[] = [
  { id: 'tenant-month', name: 'per tenant', metric: 'cost', limit: '2', period: 'monthly', scope: { tenant: '*' } },
  { id: 'per-user', name: 'per user', metric: 'tokens', limit: 100000, period: 'daily', scope: { tenant: '*', user_id: '*' } },
  { id: 'all-requests', name: 'all', metric: 'requests', limit: 1000000, period: 'yearly', enforcement: 'soft' },
];

describeWith([], 'one Redis Cluster master loses its data (own cluster)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-clusterloss-'));
  let services: OwnServices;
  let counters: RedisCounterStore;
  let store: AnalyticsStore;

  beforeAll(async () => {
    services = await ownServices('clusterloss');
    await services.run('start', 'cluster');
    counters = await createRedisCounterStore({ clusterNodes: services.clusterPorts.map((port) => ({ host: '127.0.0.1', port })), prefix: 'tally' });
    store = await createChdbStore({ dataDir, database: uniqueName('clusterloss') });
    await migrate(store);
  });

  afterAll(async () => {
    await counters?.close();
    await store?.close();
    await services?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds exactly the flushed master\'s hash slots lost and rebuilds only what lived there', { timeout: 180_000 }, async () => {
    const rebuilt: Slot[] = [];
    const recovery: CounterRecovery = new CounterRecovery(() => engine, { source: store, probeIntervalMs: 0, events: { onRebuilt: (slot, r) => (r.live ? undefined : rebuilt.push(slot)) } });
    const engine: BudgetEngine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS)), recovery });

    let started = Date.now();
    const fresh = await recovery.probe();
    await recovery.idle();
    console.log(`[cluster loss] fresh cluster: ${fresh.length} regions initialised in ${Date.now() - started} ms`);
    expect(fresh).toHaveLength(16_384);
    expect(rebuilt).toEqual([]);

    let seq = 0;
    const consume = async (events: PricedEvent[]): Promise<void> => {
      await insertPricedEvents(store, events);
      await engine.apply({ topic: 'usage.raw', partition: 0, events });
    };
    for (let round = 0; round < 3; round++) {
      await consume(TENANTS.map((tenant, i) => priced({ id: `e${++seq}`, tenant, user: `u${i % 3}`, at: NOW - 60_000, offset: seq, cost: `0.${i + 1}`, tokens: { input: 100 + i, output: 10 } })));
    }
    const used = (list: readonly BudgetStatus[]): string[] => list.map((st) => `${st.budget_id}=${st.used}`);
    const statuses = async (): Promise<string[][]> => (await Promise.all(TENANTS.map((tenant) => engine.statuses({ tenant, user_id: 'u0' })))).map(used);
    const before = await statuses();

    // The master holding tenant-0's hash slot loses everything.
    const owner = counters.client instanceof Redis ? undefined : counters.client.slots[hashSlot(counters.keys.tag('tenant-0'))]?.[0];
    expect(owner).toBeDefined();
    const port = Number(String(owner).split(':')[1]);
    const master = new Redis(port);
    await master.flushall();
    master.disconnect();
    const slotsOfMaster = counters.client instanceof Redis ? [] : counters.client.slots.flatMap((nodes, slot) => (nodes[0] === owner ? [slot] : []));
    const onMaster = new Set<Slot>([...TENANTS.filter((t) => slotsOfMaster.includes(hashSlot(counters.keys.tag(t)))), ...(slotsOfMaster.includes(hashSlot(counters.keys.tag(null))) ? [null] : [])]);

    started = Date.now();
    const lost = await recovery.probe();
    await recovery.idle();
    console.log(`[cluster loss] FLUSHALL on :${port}: ${lost.length} hash slots lost; ${rebuilt.length} slots rebuilt (${[...onMaster].length} tenants/global lived there) in ${Date.now() - started} ms`);
    expect(lost.map(Number).sort((a, b) => a - b)).toEqual(slotsOfMaster);
    expect(new Set(rebuilt)).toEqual(onMaster);
    expect(rebuilt.length).toBe(onMaster.size);
    expect(onMaster.size).toBeLessThan(TENANTS.length); // the other masters' tenants were not touched
    expect(await statuses()).toEqual(before);
    expect(await counters.lostRegions()).toEqual([]);
  });
});
