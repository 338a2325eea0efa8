/**
 * The store's typed operations on the real chDB engine: the SQL of the
 * `events`, `counters`, `reprices` and `budgets` groups runs, and its rows come
 * back typed. (The event write path, the budget repository and reconcile have
 * their own suites; this one covers each operation once.) The tests build on
 * each other's data, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUsd } from '../../../src/core/money.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { cancellationOf } from '../../../src/store/event-row.js';
import { eventKey } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { daysAgo, pricedEvent } from '../../support/store-fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-ops-'));
let store: AnalyticsStore;

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: 'ops_test' });
  await migrate(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const raw = (partition: number, offset: number) => ({ topic: 'usage.raw', partition, offset: String(offset) });
const at = daysAgo(1, 12);
const usd = (text: string) => ({ input: parseUsd(text) });

describe('store operations (chDB)', () => {
  it('an empty store: no events, no offsets, no tenants, version 0', async () => {
    expect(await store.events.any()).toBe(false);
    expect(await store.events.nextOffsets('usage.raw')).toEqual({});
    expect(await store.counters.maxOffsets(null)).toEqual([]);
    expect(await store.counters.tenants(0, Date.now())).toEqual([]);
    expect(await store.budgets.maxVersion()).toBe('0');
  });

  it('events: write, exists, byId, insertRows (a cancellation), nextOffsets, any', async () => {
    const batch = [
      pricedEvent({ eventId: 'e1', userId: 'bob', occurredAt: at, source: raw(0, 4), costs: usd('1') }),
      pricedEvent({ eventId: 'e2', userId: 'amy', occurredAt: at, source: raw(0, 5), costs: usd('2') }),
      pricedEvent({ eventId: 'e3', userId: 'bob', occurredAt: at, source: raw(1, 9), costs: usd('4'), modelKey: null, model: 'local-llm' }),
      pricedEvent({ eventId: 'e4', tenant: 'beta', userId: 'cy', occurredAt: at, source: null, costs: usd('8') }),
    ];
    expect((await store.events.write(batch)).inserted).toHaveLength(4);
    // Again: the log events are redeliveries (same positions); the one not from the log is a duplicate.
    const again = await store.events.write(batch);
    expect([again.inserted.length, again.redelivered.length, again.duplicates]).toEqual([0, 3, 1]);
    expect(await store.events.any()).toBe(true);
    expect(await store.events.exists([{ tenant: 'acme', event_id: 'e1', occurred_at: at }, { tenant: 'acme', event_id: 'nope', occurred_at: at }])).toEqual(new Set([eventKey('acme', 'e1')]));
    expect(await store.events.nextOffsets('usage.raw')).toEqual({ 0: '6', 1: '10' });
    expect(await store.events.nextOffsets('other')).toEqual({});

    const e2 = await store.events.byId({ tenant: 'acme', eventId: 'e2' });
    expect(e2).toMatchObject({ event_id: 'e2', user_id: 'amy', sign: 1 });
    await store.events.insertRows([cancellationOf(e2 as NonNullable<typeof e2>)]);
    expect(await store.events.byId({ tenant: 'acme', eventId: 'e2' })).toBeNull();
    expect(await store.events.byId({ tenant: 'acme', eventId: 'e2', includeCancelled: true })).toMatchObject({ sign: -1 });
  });

  it('counters: sums per each-dimension and bucket, cut at the fence, the cancelled group kept at zero; offsets; tenants', async () => {
    const from = Date.parse(at) - 3_600_000;
    const to = Date.parse(at) + 3_600_000;
    const sums = await store.counters.sums({
      tenant: 'acme', from, to, step: to - from,
      dims: [{ dim: 'user_id', kind: 'each', value: '*' }],
      fence: [raw(0, 5), raw(1, 8)],
    });
    const byUser = Object.fromEntries(sums.map((s) => [s.dims.user_id, s]));
    // e1 counts; e2 is cancelled (zeros); e3 is above the fence of partition 1.
    expect(Object.keys(byUser).sort()).toEqual(['amy', 'bob']);
    expect(byUser.bob).toMatchObject({ bucket: 0, cost: parseUsd('1'), requests: 1n });
    expect(byUser.amy).toMatchObject({ bucket: 0, cost: 0n, requests: 0n, tokens: 0n });

    const models = await store.counters.sums({
      tenant: null, from, to, step: to - from,
      dims: [{ dim: 'model', kind: 'each', value: '*' }, { dim: 'user_id', kind: 'pattern', value: '*o*' }],
      fence: [raw(0, 5), raw(1, 9)],
    });
    // The counted model: the model key, else the model as reported; events not from the log always count.
    expect(models.map((s) => [s.dims.model, s.cost]).sort()).toEqual([['local-llm', parseUsd('4')], ['openai/gpt-4o', parseUsd('1')]]);

    expect(await store.counters.maxOffsets('acme')).toEqual([raw(0, 5), raw(1, 9)]);
    expect(await store.counters.maxOffsets('beta')).toEqual([]);
    expect(await store.counters.tenants(from, to)).toEqual(['acme', 'beta']);
    expect(await store.counters.tenants(to, to + 1)).toEqual([]);
  });

  it('reprices: pages of current events in order, resumable; the run recorded', async () => {
    const range = { from: new Date(Date.parse(at) - 1000), to: new Date(Date.parse(at) + 1000) };
    const first = await store.reprices.page({ ...range, tenant: 'acme', limit: 1 });
    expect(first.map((r) => r.event_id)).toEqual(['e1']);
    const rest = await store.reprices.page({ ...range, tenant: 'acme', limit: 10, after: { occurredAt: first[0]?.occurred_at ?? '', eventId: 'e1' } });
    expect(rest.map((r) => r.event_id)).toEqual(['e3']);
    expect((await store.reprices.page({ ...range, model: 'local-llm', limit: 10 })).map((r) => r.event_id)).toEqual(['e3']);

    await store.reprices.record({ repriceId: 'r-1', startedAt: range.from, finishedAt: range.to, ...range, tenant: 'acme', model: '', examined: 2, changed: 1, costBefore: '1', costAfter: '1.5', priceFiles: ['p.yaml'] });
    const [audit] = await store.sql.query<{ reprice_id: string; changed: string; cost_after: string; price_files: string[] }>({ sql: 'SELECT reprice_id, changed, toString(cost_after) AS cost_after, price_files FROM usage_reprices' });
    expect(audit).toMatchObject({ reprice_id: 'r-1', cost_after: '1.5', price_files: ['p.yaml'] });
    expect(Number(audit?.changed)).toBe(1);
  });

  it('budgets: rows written, the newest per key read back, deletions hidden from live', async () => {
    await store.budgets.write([
      { kind: 'budget', key: 'b1', body: '{"v":1}', version: '10', deleted: false },
      { kind: 'tier', key: 'gold', body: '{}', version: '11', deleted: false },
      { kind: 'assignment', key: '["acme","bob"]', body: 'gold', version: '12', deleted: false },
    ]);
    await store.budgets.write([{ kind: 'budget', key: 'b1', body: '{"v":2}', version: '13', deleted: true }]);
    expect(await store.budgets.live('budget')).toEqual([]);
    expect(await store.budgets.one('budget', 'b1')).toEqual({ kind: 'budget', key: 'b1', body: '{"v":2}', version: '13', deleted: true });
    expect(await store.budgets.live('assignment')).toEqual([{ kind: 'assignment', key: '["acme","bob"]', body: 'gold', version: '12', deleted: false }]);
    expect(await store.budgets.maxVersion()).toBe('13');
  });
});
