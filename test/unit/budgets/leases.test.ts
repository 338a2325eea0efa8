/**
 * Budget leases on the memory store: answers from memory while far from the
 * limit, the one-round-trip path near it, settles, returns — and the
 * property that makes them safe: over N processes with leases, renewals,
 * expiries, crashes and settles in random interleavings (fast-check's
 * scheduler orders every counter-store call), what is granted and not
 * released plus what was counted never exceeds the limit, and once every
 * process is gone and the TTLs passed nothing is held.
 */
import { describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { parseUsd } from '../../../src/core/money.js';
import { leaseGrantId, newReservationId, parseReservationId } from '../../../src/budgets/reservations.js';
import { priced, state } from './fixtures.js';
import { leaseAnswers, leaseModelProperty, tenantCap } from './lease-model.js';

/** Counts the store calls an engine makes. */
function counting(store: MemoryCounterStore): { store: CounterStore; calls: Record<string, number> } {
  const calls: Record<string, number> = { read: 0, reserve: 0, lease: 0, settle: 0 };
  const wrapped = Object.create(store) as CounterStore;
  for (const name of ['read', 'reserve', 'lease', 'settle'] as const) {
    const original = (store[name] as (req: never) => Promise<unknown>).bind(store);
    Object.defineProperty(wrapped, name, { value: (req: never) => { calls[name] = (calls[name] ?? 0) + 1; return original(req); } });
  }
  return { store: wrapped, calls };
}

describe('budget leases (memory store)', () => {
  it('answers checks and reservations from memory once a lease is live, with used_as_of; the store holds the lease', async () => {
    let now = Date.UTC(2026, 5, 10);
    const base = new MemoryCounterStore({ clock: () => now });
    const { store, calls } = counting(base);
    const engine = new BudgetEngine({ counters: store, budgets: new StaticBudgetSource(state([tenantCap('100')])), clock: () => now, leases: { renewMs: 1_000 } });
    const subject = { tenant: 'acme', user: 'bob' };
    const first = await engine.check(subject, { cost: '0.01' });
    expect(first.allowed).toBe(true);
    expect(first.budgets[0]?.used_as_of).toBeUndefined(); // the first answer reads the counters
    await engine.tickLeases();
    expect(calls.lease).toBeGreaterThan(0);
    const before = { ...calls };
    now += 10;
    const checks = await Promise.all(Array.from({ length: 50 }, () => engine.check(subject, { cost: '0.01' })));
    expect(checks.every((c) => c.allowed)).toBe(true);
    expect(checks[0]?.budgets[0]?.used_as_of).toBe(new Date(now - 10).toISOString());
    const r = await engine.reserve(subject, { cost: '0.01' });
    expect(r.granted).toBe(true);
    expect(r.statuses[0]?.reserved).toBe('0.01'); // our grant; the lease's free part is our room, not "reserved"
    expect(calls.read).toBe(before.read);
    expect(calls.reserve).toBe(before.reserve);
    // The store holds the lease: another process sees it as reserved.
    const other = new BudgetEngine({ counters: base, budgets: new StaticBudgetSource(state([tenantCap('100')])), clock: () => now });
    const seen = await other.status('cap', subject);
    expect(parseUsd(seen.reserved)).toBeGreaterThanOrEqual(parseUsd('0.01'));
    expect(await engine.settle(r.reservation_id ?? '')).toEqual({ status: 'released' });
    expect(await engine.settle(r.reservation_id ?? '')).toEqual({ status: 'already' });
    await engine.close();
    expect((await other.status('cap', subject)).reserved).toBe('0');
  });

  it('near the limit takes no lease: the one-round-trip path answers, exactly', async () => {
    const base = new MemoryCounterStore();
    const { store, calls } = counting(base);
    const engine = new BudgetEngine({ counters: store, budgets: new StaticBudgetSource(state([tenantCap('0.5')])), leases: {} });
    const subject = { tenant: 'acme', user: 'bob' };
    const granted: string[] = [];
    for (let round = 0; round < 10; round++) {
      const rs = await Promise.all(Array.from({ length: 10 }, () => engine.reserve(subject, { cost: '0.01' })));
      for (const r of rs) if (r.granted && r.reservation_id) granted.push(r.reservation_id);
      await engine.tickLeases();
    }
    expect(granted).toHaveLength(50);
    expect(calls.lease).toBeGreaterThan(0);
    expect(engine.leaseStats()).toMatchObject({ live: 0, answered: 0 });
    await engine.close();
  });

  it('a settle with the event moves the hold into the store until the processor counts the event', async () => {
    const base = new MemoryCounterStore();
    const engine = new BudgetEngine({ counters: base, budgets: new StaticBudgetSource(state([tenantCap('1000')])), leases: {} });
    const subject = { tenant: 'acme', user: 'bob' };
    await engine.check(subject, { cost: '1' });
    await engine.tickLeases();
    const r = await engine.reserve(subject, { cost: '1' });
    expect(r.statuses[0]?.used_as_of).toBeDefined();
    expect(await engine.settle(r.reservation_id ?? '', { event_id: 'ev-1', cost: '0.75' })).toEqual({ status: 'awaiting' });
    await engine.close(); // the lease is returned: only the awaiting hold is left
    const other = new BudgetEngine({ counters: base, budgets: new StaticBudgetSource(state([tenantCap('1000')])) });
    expect((await other.status('cap', subject)).reserved).toBe('0.75');
    await other.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: 'ev-1', user: 'bob', cost: '0.75', at: Date.now(), offset: 1 })] });
    expect(await other.status('cap', subject)).toMatchObject({ used: '0.75', reserved: '0' });
  });
});

describe('lease grant ids', () => {
  it('name their lease and carry the estimate and expiry; read back exactly, tenant and slots included', () => {
    const lease = newReservationId('acme corp', ['acme corp', null]);
    const hold = { cost: 123_456_789_012_345_678_901n, tokens: 4_096n, requests: 1n, price: 0n };
    const id = leaseGrantId(lease.id, 42, hold, Date.UTC(2026, 5, 10));
    expect(id.startsWith('l1.tg.')).toBe(true);
    expect(parseReservationId(id)).toEqual({ id, tenant: 'acme corp', slots: ['acme corp', null], grant: { lease: lease.id, hold, expireAt: Date.UTC(2026, 5, 10) } });
    expect(parseReservationId(lease.id).grant).toBeUndefined();
    expect(() => parseReservationId(`${id}.x`)).toThrow(expect.objectContaining({ code: 'RESERVATION_NOT_FOUND' }) as Error);
    expect(() => parseReservationId(id.replace('.2a.', '.zz.'))).toThrow(expect.objectContaining({ code: 'RESERVATION_NOT_FOUND' }) as Error);
  });
});

describe('budget leases: settles through another process', () => {
  it('a release recorded by another process frees nothing before the holder applies it; then exactly the grant', async () => {
    let now = Date.UTC(2026, 5, 10);
    const clock = (): number => now;
    const store = new MemoryCounterStore({ clock });
    const budgets = new StaticBudgetSource(state([tenantCap('1000')]));
    const a = new BudgetEngine({ counters: store, budgets, clock, leases: { renewMs: 1_000, minOps: 16 } });
    const b = new BudgetEngine({ counters: store, budgets, clock, leases: { renewMs: 1_000 } });
    const plain = new BudgetEngine({ counters: store, budgets, clock });
    const subject = { tenant: 'acme', user: 'bob' };
    await a.check(subject, { cost: '1' });
    await a.tickLeases();
    const g = await a.reserve(subject, { cost: '1' });
    expect(g.reservation_id).toMatch(/^l1\./);
    const held = parseUsd((await plain.status('cap', subject)).reserved); // A's lease: its grant and its free part
    expect(await b.settle(g.reservation_id ?? '')).toEqual({ status: 'released' });
    expect(await b.settle(g.reservation_id ?? '')).toEqual({ status: 'already' });
    // Until A applies it, the whole lease stays held: the rest of the room, and not a femto-dollar more.
    const room = 1000n * 10n ** 15n - held;
    expect((await plain.reserve(subject, { cost: String(Number(room / 10n ** 9n) / 1e6) })).granted).toBe(true);
    expect((await plain.reserve(subject, { cost: '0.000001' })).granted).toBe(false);
    now += 1_000;
    await a.tickLeases();
    expect(a.leaseStats()?.foreignSettles).toBe(1);
    expect(await a.settle(g.reservation_id ?? '')).toEqual({ status: 'already' });
    await a.close();
    // A returned its lease with nothing outstanding: exactly its hold comes back.
    expect(parseUsd((await plain.status('cap', subject)).reserved)).toBe(room);
    await b.close();
  });
});

describe('budget leases: the property', () => {
  it('N processes with leases, renewals, expiries, crashes and settles in random interleavings: never more than the limit, nothing held after expiry', async () => {
    await leaseModelProperty(async (clock) => ({ store: new MemoryCounterStore({ clock, purgeLimit: 10_000 }), done: async () => undefined }), 100);
    console.log(`lease property (memory): 100 runs, ${leaseAnswers.count} answers from leases, ${leaseAnswers.foreignSettles} grants settled through another process`);
    expect(leaseAnswers.count).toBeGreaterThan(100);
    expect(leaseAnswers.foreignSettles).toBeGreaterThan(0);
  }, 120_000);
});
