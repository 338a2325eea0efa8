/**
 * Epoch markers, one suite for every adapter (memory, Redis, Redis Cluster):
 * calls that ask for the epoch check refuse in a slot whose counters are not
 * known complete — a fresh or flushed region without its marker and without
 * the slot's own marker — and say which slots; a region's marker (written
 * under its rebuild lock) or a slot's marker (written by a swap) makes them
 * live; losing the data (here `clear()`, a scoped FLUSHALL) loses the markers.
 */
import { expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import type { Slot } from '../../../src/counters/keys.js';
import type { ApplyRequest, CounterStore, CounterTarget, ReserveRequest } from '../../../src/counters/types.js';
import { forEachAdapter } from './adapters.js';

const HOUR = 3_600_000;

function target(store: CounterStore, slot: Slot): CounterTarget {
  return { key: store.keys.counter({ slot, period: 'daily@UTC', bucket: 'b', dims: [] }), expireAt: Date.now() + HOUR };
}

function apply(store: CounterStore, slot: Slot, offset: string, epoch = true): ApplyRequest {
  const c = target(store, slot);
  return {
    slot, now: Date.now(), version: '1', fence: store.keys.fenceField('usage.raw', 0), dedup: { windowMs: HOUR, buckets: 4 },
    counters: [c], events: [{ offset, dedupId: `e${offset}`, usage: { cost: 5n, tokens: 1n, requests: 1n, classes: {}, price: 0n }, counters: [0] }],
    readBack: [c.key], epoch,
  };
}

function reserve(store: CounterStore, slot: Slot): ReserveRequest {
  const c = target(store, slot);
  return {
    now: Date.now(), id: `r-${String(slot)}-${Math.random()}`, expireAt: Date.now() + 60_000, hold: { cost: 1n, tokens: 0n, requests: 0n, price: 0n }, epoch: true,
    parts: [{ slot, checks: [{ field: { metric: 'cost' }, keys: [c.key], limit: 1_000n, amount: 1n }], holds: [c], read: [c.key] }],
  };
}

async function failure(p: Promise<unknown>): Promise<TallyError> {
  const e = await p.then(() => null, (err: unknown) => err);
  if (!(e instanceof TallyError)) throw new Error(`expected a TallyError, got ${String(e)}`);
  return e;
}

async function markAll(store: CounterStore, slots: readonly Slot[]): Promise<void> {
  for (const region of new Set(slots.map((s) => store.keys.region(s)))) {
    expect(await store.claimRegion(region, 'init', 10_000)).toBe('claimed');
    expect(await store.markRegion(region, 'init', 'epoch-1')).toBe(true);
  }
}

forEachAdapter('counter epoch markers', ({ make }) => {
  it('a fresh store is not live: applies, reads and reservations asking for the check are refused, naming the slots', async () => {
    const store = await make();
    const lost = await failure(store.apply(apply(store, 'acme', '1')));
    expect(lost).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', retriable: true, details: { reason: 'counters_lost', slots: ['acme'] } });
    const read = await failure(store.read({ now: Date.now(), epoch: true, groups: [{ slot: 'acme', keys: [target(store, 'acme').key] }, { slot: null, keys: [target(store, null).key] }] }));
    expect(read.details).toMatchObject({ reason: 'counters_lost' });
    expect([...(read.details.slots as Slot[])].sort()).toEqual(['acme', null].sort());
    expect((await failure(store.reserve(reserve(store, 'acme')))).details).toMatchObject({ reason: 'counters_lost', slots: ['acme'] });
    // Without the check (the default), nothing changes: the calls work as before.
    expect(await store.apply(apply(store, 'acme', '1', false))).toMatchObject({ applied: 1 });
    expect(await store.lostRegions()).toContain(store.keys.region('acme'));
  });

  it('a region marker, written under the region lock, makes every slot of the region live', async () => {
    const store = await make();
    const region = store.keys.region('acme');
    expect(await store.claimRegion(region, 'A', 10_000)).toBe('claimed');
    expect(await store.claimRegion(region, 'B', 10_000)).toBe('busy');
    expect(await store.markRegion(region, 'B', 'epoch-b')).toBe(false);
    expect(await store.claimRegion(region, 'A', 10_000)).toBe('claimed'); // the holder extends its lock
    expect(await store.markRegion(region, 'A', 'epoch-a')).toBe(true);
    expect(await store.claimRegion(region, 'B', 10_000)).toBe('live');
    expect(await store.lostRegions()).not.toContain(region);
    expect(await store.apply(apply(store, 'acme', '1'))).toMatchObject({ applied: 1 });
    expect(await store.read({ now: Date.now(), epoch: true, groups: [{ slot: 'acme', keys: [target(store, 'acme').key] }] })).toHaveLength(1);
    expect((await store.reserve(reserve(store, 'acme'))).granted).toBe(true);
    // A lock that is released can be taken again; a live region cannot be claimed.
    await store.releaseRegion(region, 'A');
    expect(await store.claimRegion(region, 'C', 10_000)).toBe('live');
  });

  it('a swap that completes a slot marks it live; onlyIfLost leaves a live slot alone', async () => {
    const store = await make();
    const c = target(store, 'globex');
    const used = { cost: 42n, tokens: 0n, requests: 2n, classes: {}, price: 0n };
    const snap = await store.snapshot({ slot: 'globex', minVersion: '1', lockToken: null, lockTtlMs: 0 });
    expect(await store.swap({ slot: 'globex', expected: snap.fence, establish: {}, lockToken: null, counters: [{ key: c.key, expireAt: c.expireAt, used }], markLive: 'rebuilt-1', onlyIfLost: true })).toBe('swapped');
    expect(await store.apply(apply(store, 'globex', '7'))).toMatchObject({ applied: 1 });
    const again = await store.snapshot({ slot: 'globex', minVersion: '1', lockToken: null, lockTtlMs: 0 });
    expect(await store.swap({ slot: 'globex', expected: again.fence, establish: {}, lockToken: null, counters: [{ key: c.key, expireAt: c.expireAt, used }], markLive: 'rebuilt-2', onlyIfLost: true })).toBe('live');
    const [value] = await store.read({ now: Date.now(), epoch: true, groups: [{ slot: 'globex', keys: [c.key] }] });
    expect(value?.used.cost).toBe(47n); // 42 from the swap + 5 applied; the second swap wrote nothing
    // Another slot (of another region on a Cluster) is still not live.
    expect((await failure(store.apply(apply(store, 'initech', '1')))).details.slots).toEqual(['initech']);
  });

  it('losing the data loses the markers', async () => {
    const store = await make();
    await markAll(store, ['acme', null]);
    expect(await store.apply(apply(store, 'acme', '1'))).toMatchObject({ applied: 1 });
    await store.clear();
    expect((await failure(store.apply(apply(store, 'acme', '2')))).details).toMatchObject({ reason: 'counters_lost' });
    expect(await store.lostRegions()).toContain(store.keys.region('acme'));
  });
});
