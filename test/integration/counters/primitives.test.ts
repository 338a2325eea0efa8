/**
 * The counter port's primitives, one suite for every adapter: what each Lua
 * script promises, checked against the memory adapter, Redis and Redis Cluster.
 */
import { expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { parseUsd } from '../../../src/core/money.js';
import type { Slot } from '../../../src/counters/keys.js';
import type { ApplyEvent, ApplyRequest, CounterStore, CounterTarget, DedupWindow, UsageAmounts } from '../../../src/counters/types.js';
import { forEachAdapter } from './adapters.js';

const HOUR = 3_600_000;
const DEDUP: DedupWindow = { windowMs: 24 * HOUR, buckets: 4 };

function usage(cost: bigint, tokens = 0n, requests = 1n, output = 0n): UsageAmounts {
  return { cost, tokens, requests, classes: output > 0n ? { output } : {}, price: 0n };
}

function target(store: CounterStore, slot: Slot, name: string): CounterTarget {
  return { key: store.keys.counter({ slot, period: 'daily@UTC', bucket: 'b', dims: [{ code: 'u', op: '=', value: name }] }), expireAt: Date.now() + HOUR };
}

function event(offset: string | null, id: string, u: UsageAmounts, counters: number[] = [0]): ApplyEvent {
  return { offset, dedupId: id, usage: u, counters };
}

function req(store: CounterStore, slot: Slot, counters: CounterTarget[], events: ApplyEvent[], extra: Partial<ApplyRequest> = {}): ApplyRequest {
  return {
    slot,
    now: Date.now(),
    version: '1',
    fence: store.keys.fenceField('usage.raw', 0),
    dedup: DEDUP,
    counters,
    events,
    readBack: counters.map((c) => c.key),
    ...extra,
  };
}

forEachAdapter('counter primitives', ({ make }) => {
  it('apply adds once: redelivered offsets are fenced, re-sent ids are dropped', async () => {
    const store = await make();
    const c = target(store, 'acme', 'bob');
    const first = await store.apply(req(store, 'acme', [c], [event('10', 'e1', usage(5n, 7n, 1n, 3n)), event('11', 'e2', usage(6n, 1n))]));
    expect(first).toMatchObject({ applied: 2, fenced: 0, duplicates: 0 });
    expect(first.values[0]?.used).toEqual({ cost: 11n, tokens: 8n, requests: 2n, classes: { output: 3n }, price: 0n });

    // The same batch again (Kafka redelivery): everything at or below the fence is skipped.
    const again = await store.apply(req(store, 'acme', [c], [event('10', 'e1', usage(5n)), event('11', 'e2', usage(6n))]));
    expect(again).toMatchObject({ applied: 0, fenced: 2 });
    // A re-sent event id at a new offset: dropped by the dedup window, fence still moves.
    const resent = await store.apply(req(store, 'acme', [c], [event('12', 'e1', usage(5n)), event('13', 'e3', usage(100n))]));
    expect(resent).toMatchObject({ applied: 1, fenced: 0, duplicates: 1 });
    expect(resent.values[0]?.used.cost).toBe(111n);
    // Offset 12 is now fenced too.
    expect(await store.apply(req(store, 'acme', [c], [event('12', 'e9', usage(1n))]))).toMatchObject({ fenced: 1, applied: 0 });
    // Duplicates inside one batch.
    const dup = await store.apply(req(store, 'acme', [c], [event('20', 'x', usage(1n)), event('21', 'x', usage(1n))]));
    expect(dup).toMatchObject({ applied: 1, duplicates: 1 });
  });

  it('fences are per tenant and partition, and compare offsets as integers', async () => {
    const store = await make();
    const c = target(store, 'acme', 'bob');
    await store.apply(req(store, 'acme', [c], [event('99', 'a', usage(1n))]));
    // 100 > 99 although "100" < "99" as text.
    expect(await store.apply(req(store, 'acme', [c], [event('100', 'b', usage(1n))]))).toMatchObject({ applied: 1 });
    const other = store.keys.fenceField('usage.raw', 1);
    expect(await store.apply(req(store, 'acme', [c], [event('5', 'c', usage(1n))], { fence: other }))).toMatchObject({ applied: 1 });
    const d = target(store, 'other', 'bob');
    expect(await store.apply(req(store, 'other', [d], [event('5', 'a', usage(1n))]))).toMatchObject({ applied: 1 });
    // Events not from the log are not fenced, only deduplicated.
    expect(await store.apply(req(store, 'acme', [c], [event(null, 'n1', usage(1n)), event(null, 'n1', usage(1n))], { fence: null }))).toMatchObject({ applied: 1, duplicates: 1 });
  });

  it('cost sums stay exact far beyond 2^53 and 2^64 femto-USD', async () => {
    const store = await make();
    const c = target(store, 'acme', 'big');
    const odd = 2n ** 53n + 123_456_789n; // $9.007… with femto digits
    const big = parseUsd('5000.000000000000007'); // 5e18 femto + 7
    let expected = 0n;
    let offset = 1;
    for (const amount of [odd, odd, big, big, big, big, big, 999_999_999n, 1n]) {
      await store.apply(req(store, 'acme', [c], [event(String(offset), `e${offset}`, usage(amount))]));
      expected += amount;
      offset++;
    }
    // One batch with many events carrying sub-micro remainders (carries inside one call).
    const many = Array.from({ length: 500 }, (_, i) => event(String(offset + i), `m${i}`, usage(999_999_999n + BigInt(i))));
    const last = await store.apply(req(store, 'acme', [c], many));
    for (let i = 0; i < 500; i++) expected += 999_999_999n + BigInt(i);
    expect(expected > 2n ** 64n).toBe(true);
    expect(last.values[0]?.used.cost).toBe(expected);
    const [read] = await store.read({ now: Date.now(), groups: [{ slot: 'acme', keys: [c.key] }] });
    expect(read?.used.cost).toBe(expected);
  });

  it('refuses applies planned with an older budget set, and while a reconcile holds the lock', async () => {
    const store = await make();
    const c = target(store, 'acme', 'v');
    await store.apply(req(store, 'acme', [c], [event('1', 'a', usage(1n))], { version: '1700000000000002' }));
    await expect(store.apply(req(store, 'acme', [c], [event('2', 'b', usage(1n))], { version: '1700000000000001' }))).rejects.toMatchObject({
      code: 'CONFLICT',
      retriable: true,
      details: { reason: 'budgets_stale', required_version: '1700000000000002' },
    });
    const snap = await store.snapshot({ slot: 'acme', minVersion: '1700000000000005', lockToken: 'L', lockTtlMs: 10_000 });
    expect(snap.version).toBe('1700000000000005');
    expect(snap.fence).toEqual({ [store.keys.fenceField('usage.raw', 0)]: '1' });
    await expect(store.apply(req(store, 'acme', [c], [event('2', 'b', usage(1n))], { version: '1700000000000005' }))).rejects.toMatchObject({ code: 'COUNTERS_UNAVAILABLE' });
    await expect(store.snapshot({ slot: 'acme', minVersion: '1', lockToken: 'other', lockTtlMs: 10_000 })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.swap({ slot: 'acme', expected: snap.fence, establish: {}, lockToken: 'L', counters: [] })).toBe('swapped');
    expect(await store.apply(req(store, 'acme', [c], [event('2', 'b', usage(1n))], { version: '1700000000000005' }))).toMatchObject({ applied: 1 });
  });

  it('swap replaces used values only while the fence is unchanged, keeps holds, and establishes absent fences', async () => {
    const store = await make();
    const c = target(store, 'acme', 'w');
    await store.apply(req(store, 'acme', [c], [event('7', 'a', usage(10n, 10n))]));
    const reserved = await store.reserve({
      now: Date.now(), id: 'r1', expireAt: Date.now() + HOUR, hold: { cost: 3n, tokens: 0n, requests: 1n, price: 0n },
      parts: [{ slot: 'acme', checks: [], holds: [c], read: [] }],
    });
    expect(reserved.granted).toBe(true);
    const snap = await store.snapshot({ slot: 'acme', minVersion: '1', lockToken: null, lockTtlMs: 0 });
    await store.apply(req(store, 'acme', [c], [event('8', 'b', usage(1n))]));
    const used = { cost: 42n, tokens: 5n, requests: 2n, classes: { input: 5n }, price: 0n };
    expect(await store.swap({ slot: 'acme', expected: snap.fence, establish: {}, lockToken: null, counters: [{ key: c.key, expireAt: c.expireAt, used }] })).toBe('fence_moved');
    const again = await store.snapshot({ slot: 'acme', minVersion: '1', lockToken: null, lockTtlMs: 0 });
    const p1 = store.keys.fenceField('usage.raw', 1);
    expect(await store.swap({ slot: 'acme', expected: again.fence, establish: { [p1]: '55' }, lockToken: null, counters: [{ key: c.key, expireAt: c.expireAt, used }] })).toBe('swapped');
    const [v] = await store.read({ now: Date.now(), groups: [{ slot: 'acme', keys: [c.key] }] });
    expect(v).toEqual({ used, held: { cost: 3n, tokens: 0n, requests: 1n, price: 0n } });
    expect((await store.snapshot({ slot: 'acme', minVersion: '1', lockToken: null, lockTtlMs: 0 })).fence[p1]).toBe('55');
    // After everything is gone (FLUSHALL), the expected fence is empty.
    const fresh = target(store, 'fresh', 'x');
    expect(await store.swap({ slot: 'fresh', expected: {}, establish: { [p1]: '3' }, lockToken: null, counters: [{ key: fresh.key, expireAt: fresh.expireAt, used }] })).toBe('swapped');
    expect(await store.apply(req(store, 'fresh', [fresh], [event('3', 'q', usage(1n))], { fence: p1 }))).toMatchObject({ fenced: 1 });
  });

  it('reserve holds only when every check has room; settle releases; expiry releases', async () => {
    const store = await make();
    const now = Date.now();
    const c = target(store, 'acme', 'r');
    const g = target(store, null, 'r');
    await store.apply(req(store, 'acme', [c], [event('1', 'a', usage(parseUsd('0.70')))]));
    const check = (keys: string[], limit: string, amount: string) => ({ field: { metric: 'cost' as const }, keys, limit: parseUsd(limit), amount: parseUsd(amount) });
    const hold = { cost: parseUsd('0.20'), tokens: 100n, requests: 1n, price: 0n };
    const parts = (amount: string) => [
      { slot: 'acme', checks: [check([c.key], '1.00', amount)], holds: [c], read: [c.key] },
      { slot: null, checks: [check([g.key], '5.00', amount)], holds: [g], read: [g.key] },
    ];
    const r1 = await store.reserve({ now, id: 'r1', expireAt: now + HOUR, hold, parts: parts('0.20') });
    expect(r1.granted).toBe(true);
    expect(r1.values[0]?.held).toEqual(hold);
    expect(r1.values[1]?.held).toEqual(hold);
    // 0.70 used + 0.20 held + 0.20 > 1.00: refused, nothing held anywhere.
    const r2 = await store.reserve({ now, id: 'r2', expireAt: now + HOUR, hold, parts: parts('0.20') });
    expect(r2).toMatchObject({ granted: false, refused: { part: 0, check: 0 } });
    const after = await store.read({ now, groups: [{ slot: 'acme', keys: [c.key] }, { slot: null, keys: [g.key] }] });
    expect(after.map((v) => v.held.cost)).toEqual([parseUsd('0.20'), parseUsd('0.20')]);
    // Exactly at the limit is allowed.
    const r3 = await store.reserve({ now, id: 'r3', expireAt: now + 1000, hold, parts: parts('0.10') });
    expect(r3.granted).toBe(true);
    // settle is idempotent.
    const settle = { now, awaitEvent: null, actual: null, awaitExpireAt: now + HOUR, dedup: DEDUP };
    expect(await store.settle({ ...settle, slot: 'acme', id: 'r1' })).toBe('released');
    expect(await store.settle({ ...settle, slot: 'acme', id: 'r1' })).toBe('already');
    expect(await store.settle({ ...settle, slot: null, id: 'r1' })).toBe('released');
    await expect(store.settle({ ...settle, slot: 'acme', id: 'nope' })).rejects.toBeInstanceOf(TallyError);
    // r3 expires: a read after its expiry drops the hold.
    const later = await store.read({ now: now + 2000, groups: [{ slot: 'acme', keys: [c.key] }, { slot: null, keys: [g.key] }] });
    expect(later.map((v) => v.held)).toEqual([{ cost: 0n, tokens: 0n, requests: 0n, price: 0n }, { cost: 0n, tokens: 0n, requests: 0n, price: 0n }]);
    expect(await store.settle({ ...settle, now: now + 3000, slot: 'acme', id: 'r3' })).toBe('already');
  });

  it('the billed price is a second money pair: counted with carries, held, checked to the femto-dollar and resized at settle (issue 16)', async () => {
    const store = await make();
    const now = Date.now();
    const c = target(store, 'acme', 'wallet');
    // 0.999999999999999 + 0.000000000000001 carries into a whole micro-dollar; the cost pair moves on its own.
    const priced = (cost: string, price: string): UsageAmounts => ({ cost: parseUsd(cost), tokens: 0n, requests: 1n, classes: {}, price: parseUsd(price) });
    const first = await store.apply(req(store, 'acme', [c], [event('1', 'p1', priced('0.5', '0.999999999999999')), event('2', 'p2', priced('0.25', '0.000000000000001'))]));
    expect(first.values[0]?.used).toMatchObject({ cost: parseUsd('0.75'), price: parseUsd('1') });
    const check = (limit: string, amount: string) => ({ field: { metric: 'price' as const }, keys: [c.key], limit: parseUsd(limit), amount: parseUsd(amount) });
    const hold = { cost: parseUsd('0.01'), tokens: 0n, requests: 1n, price: parseUsd('0.4') };
    const part = (limit: string, amount: string) => ({ slot: 'acme', checks: [check(limit, amount)], holds: [c], read: [c.key] });
    // 1 used + 0.4 + 0.4 held = 1.8 ≤ 1.8: granted exactly at the limit; one femto-dollar more is refused.
    expect((await store.reserve({ now, id: 'w1', expireAt: now + HOUR, hold, parts: [part('1.8', '0.4')] })).granted).toBe(true);
    const w2 = await store.reserve({ now, id: 'w2', expireAt: now + HOUR, hold, parts: [part('1.8', '0.4')] });
    expect(w2.granted).toBe(true);
    expect(w2.values[0]?.held).toEqual({ cost: parseUsd('0.02'), tokens: 0n, requests: 2n, price: parseUsd('0.8') });
    expect(await store.reserve({ now, id: 'w3', expireAt: now + HOUR, hold, parts: [part('1.800000000000001', '0.000000000000002')] })).toMatchObject({ granted: false, refused: { part: 0, check: 0 } });
    // A cost check on the same counter does not see the price: cost used 0.75 + held 0.02.
    expect((await store.reserve({ now, id: 'w4', expireAt: now + HOUR, hold: { ...hold, price: 0n }, parts: [{ slot: 'acme', checks: [{ field: { metric: 'cost' as const }, keys: [c.key], limit: parseUsd('0.78'), amount: parseUsd('0.01') }], holds: [c], read: [c.key] }] })).granted).toBe(true);
    // Settling w1 naming its event with the actual price: the hold is resized while the event is awaited, then consumed by the apply.
    const settle = { now, awaitExpireAt: now + HOUR, dedup: DEDUP, slot: 'acme' as const };
    expect(await store.settle({ ...settle, id: 'w1', awaitEvent: 'ev-w1', actual: { cost: parseUsd('0.01'), tokens: 0n, requests: 1n, price: parseUsd('0.123456789012345') } })).toBe('awaiting');
    const [mid] = await store.read({ now, groups: [{ slot: 'acme', keys: [c.key] }] });
    expect(mid?.held.price).toBe(parseUsd('0.523456789012345'));
    const applied = await store.apply(req(store, 'acme', [c], [event('3', 'ev-w1', priced('0.01', '0.123456789012345'))]));
    expect(applied).toMatchObject({ applied: 1, released: 1 });
    expect(applied.values[0]?.used.price).toBe(parseUsd('1.123456789012345'));
    expect(applied.values[0]?.held.price).toBe(parseUsd('0.4'));
  });

  it('grant settles: recorded once in the lease\'s slot, never lowering a hold; a move holds the grant on its own; the holder takes each once', async () => {
    const store = await make();
    const now = Date.now();
    const c = target(store, 'acme', 'lg');
    const lease = 'r1.t.YWNtZQ.01900000-0000-7000-8000-0000000000aa';
    const size = { cost: parseUsd('10'), tokens: 0n, requests: 10n, price: 0n };
    const part = { slot: 'acme', checks: [], holds: [c], read: [c.key] };
    await store.lease({ now, id: lease, expireAt: now + 10_000, hold: size, floor: size, parts: [part] });
    const held = async (at = now): Promise<bigint> => (await store.read({ now: at, groups: [{ slot: 'acme', keys: [c.key] }] }))[0]?.held.cost ?? -1n;
    expect(await held()).toBe(parseUsd('10'));
    const one = { cost: parseUsd('1'), tokens: 0n, requests: 1n, price: 0n };
    const grant = (id: string, mode: 'release' | 'move' | 'take') => store.grants({ slot: 'acme', now, lease, mode, grant: id, hold: one, expireAt: now + HOUR });
    expect(await grant('g1', 'release')).toEqual({ outcome: 'recorded', taken: [] });
    expect(await grant('g1', 'release')).toEqual({ outcome: 'already', taken: [] });
    expect(await held()).toBe(parseUsd('10')); // a release lowers nothing: the holder frees it
    expect(await grant('g2', 'move')).toEqual({ outcome: 'recorded', taken: [] });
    expect(await held()).toBe(parseUsd('11')); // held twice until the holder lets its copy go
    // The moved grant is a reservation of its own: settled like any other.
    const settle = { slot: 'acme', now, awaitEvent: null, actual: null, awaitExpireAt: now + HOUR, dedup: DEDUP };
    expect(await store.settle({ ...settle, id: 'g2' })).toBe('released');
    expect(await held()).toBe(parseUsd('10'));
    const taken = await grant('', 'take');
    expect([...taken.taken].sort((x, y) => (x.grant < y.grant ? -1 : 1))).toEqual([{ grant: 'g1', mode: 'release' }, { grant: 'g2', mode: 'move' }]);
    expect((await grant('', 'take')).taken).toEqual([]);
    expect(await grant('g1', 'release')).toMatchObject({ outcome: 'already' }); // still remembered after the take
    // The lease gone (expired): so are its grants' holds.
    expect(await store.grants({ slot: 'acme', now: now + 20_000, lease, mode: 'release', grant: 'g3', hold: one, expireAt: now + HOUR })).toMatchObject({ outcome: 'gone' });
    expect(await held(now + 20_000)).toBe(0n);
  });

  it('a hold awaiting its event is released by the apply that counts it — no gap, no double count', async () => {
    const store = await make();
    const now = Date.now();
    const c = target(store, 'acme', 'aw');
    const hold = { cost: 50n, tokens: 0n, requests: 1n, price: 0n };
    const part = { slot: 'acme', checks: [], holds: [c], read: [] };
    await store.reserve({ now, id: 'ra', expireAt: now + HOUR, hold, parts: [part] });
    const base = { slot: 'acme' as const, now, awaitExpireAt: now + HOUR, dedup: DEDUP };
    expect(await store.settle({ ...base, id: 'ra', awaitEvent: 'ev-1', actual: { cost: 70n, tokens: 0n, requests: 1n, price: 0n } })).toBe('awaiting');
    let [v] = await store.read({ now, groups: [{ slot: 'acme', keys: [c.key] }] });
    expect(v?.held.cost).toBe(70n);
    const applied = await store.apply(req(store, 'acme', [c], [event('1', 'ev-1', usage(70n))]));
    expect(applied).toMatchObject({ applied: 1, released: 1 });
    expect(applied.values[0]).toEqual({ used: usage(70n), held: { cost: 0n, tokens: 0n, requests: 0n, price: 0n } });
    // The event already counted: settling names it and releases at once.
    await store.reserve({ now, id: 'rb', expireAt: now + HOUR, hold, parts: [part] });
    expect(await store.settle({ ...base, id: 'rb', awaitEvent: 'ev-1', actual: null })).toBe('released');
    [v] = await store.read({ now, groups: [{ slot: 'acme', keys: [c.key] }] });
    expect(v?.held.cost).toBe(0n);
  });

  it('marks: one claim per mark; a redelivery reclaims, a later batch of the claimant seals, others never', async () => {
    const store = await make();
    const key = store.keys.marks('acme', 'b1', '2026-03');
    const entry = { key, field: store.keys.markField([], 80), expireAt: Date.now() + HOUR };
    const claim = (token: string, first: string, last: string) => store.marks({ slot: 'acme', mode: 'claim', token, firstOffset: first, lastOffset: last, entries: [entry] });
    expect(await claim('p0', '10', '20')).toEqual([true]);
    expect(await claim('p1', '5', '6')).toEqual([false]); // another partition
    expect(await claim('p0', '10', '20')).toEqual([true]); // redelivery of the claiming batch
    expect(await claim('p0', '21', '30')).toEqual([false]); // next batch: the claim was published
    expect(await claim('p0', '10', '20')).toEqual([false]); // sent stays sent
    const other = { ...entry, field: store.keys.markField([], 100) };
    expect(await store.marks({ slot: 'acme', mode: 'seal', token: '', firstOffset: '', lastOffset: '', entries: [other] })).toEqual([true]);
    expect(await store.marks({ slot: 'acme', mode: 'claim', token: '', firstOffset: '', lastOffset: '', entries: [other, { ...entry, field: 'x|50' }] })).toEqual([false, true]);
    expect(await store.marks({ slot: 'acme', mode: 'claim', token: '', firstOffset: '', lastOffset: '', entries: [{ ...entry, field: 'x|50' }] })).toEqual([false]);
  });
});
