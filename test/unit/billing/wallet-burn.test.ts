/**
 * The burn (src/billing/wallet-burn.ts): grants pay for usage by priority,
 * then earliest expiry, then creation order; a grant pays only for usage from
 * its effective_from; an ended grant's remainder is gone. Worked examples,
 * then a property over random wallets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { burn, burnOrder, grantEnd, type BurnGrant, type BurnStep, type UsageChunk } from '../../../src/billing/wallet-burn.js';

const g = (id: string, amount: number, over: Partial<BurnGrant> = {}): BurnGrant => ({
  id, amount: BigInt(amount), priority: 0, effectiveFrom: 0, expiresAt: null, voidedAt: null, order: BigInt(id.charCodeAt(0)), ...over,
});
const use = (from: number, amount: number): UsageChunk => ({ from, to: from + 1, amount: BigInt(amount), events: 1 });
const burns = (steps: readonly BurnStep[]) => steps.filter((s) => s.kind === 'burn').map((s) => (s.kind === 'burn' ? [s.burned.map((b) => `${b.grantId}:${b.amount}`).join(' '), s.uncovered] : []));

describe('burn', () => {
  it('burns higher priority first, then the earlier expiry, then creation order', () => {
    const grants = [g('a', 10), g('b', 10, { expiresAt: 50 }), g('c', 10, { priority: 5 }), g('d', 10, { expiresAt: 50 })];
    const r = burn(grants, [use(1, 25), use(2, 10)], 10);
    // c (priority 5), then b and d (expire at 50; b created first), then a (never expires).
    expect(burns(r.steps)).toEqual([['c:10 b:10 d:5', 0n], ['d:5 a:5', 0n]]);
    expect(Object.fromEntries(r.remaining)).toEqual({ a: 5n, b: 0n, c: 0n, d: 0n });
    expect(r.balance).toBe(5n);
  });

  it('a grant pays only for usage from its effective_from; usage no grant covers is uncovered, never carried forward', () => {
    const r = burn([g('a', 10, { effectiveFrom: 5 })], [use(1, 7), use(5, 3)], 10);
    expect(burns(r.steps)).toEqual([['', 7n], ['a:3', 0n]]);
    expect(r.balance).toBe(7n);
  });

  it('an expired grant\'s remainder is gone at its expiry (usage at the expiry instant is not covered); a void ends it earlier', () => {
    const r = burn([g('a', 10, { expiresAt: 5 }), g('b', 10, { voidedAt: 3, expiresAt: 8 })], [use(1, 4), use(5, 2)], 10);
    // a expires first (5 < 8), so it burns first.
    expect(burns(r.steps)).toEqual([['a:4', 0n], ['', 2n]]);
    const ends = r.steps.filter((s) => s.kind === 'expired' || s.kind === 'voided').map((s) => (s.kind === 'expired' || s.kind === 'voided' ? [s.kind, s.grant.id, s.at, s.amount, s.balance] : []));
    expect(ends).toEqual([['voided', 'b', 3, 10n, 6n], ['expired', 'a', 5, 6n, 0n]]);
    expect(r.balance).toBe(0n);
    expect(Object.fromEntries(r.remaining)).toEqual({ a: 0n, b: 0n });
  });

  it('a grant not yet effective at `until` keeps its amount and is not in the balance', () => {
    const r = burn([g('a', 10, { effectiveFrom: 20 })], [use(1, 4)], 10);
    expect(r.remaining.get('a')).toBe(10n);
    expect(r.balance).toBe(0n);
    expect(r.steps.map((s) => s.kind)).toEqual(['burn']);
  });

  it('grantEnd and burnOrder', () => {
    expect(grantEnd(g('a', 1))).toBeNull();
    expect(grantEnd(g('a', 1, { expiresAt: 9, voidedAt: 4 }))).toEqual({ at: 4, kind: 'voided' });
    expect(grantEnd(g('a', 1, { expiresAt: 4, voidedAt: 9 }))).toEqual({ at: 4, kind: 'expired' });
    expect([g('z', 1), g('y', 1, { expiresAt: 3 }), g('x', 1, { priority: -1 })].sort(burnOrder).map((x) => x.id)).toEqual(['y', 'z', 'x']);
  });
});

const T = 40;
/** The burn order, written out here (not the module's comparator): priority high first, expiry early first (none last), creation order. */
const orderKey = (x: BurnGrant): [number, number, bigint] => [-x.priority, x.expiresAt ?? Number.MAX_SAFE_INTEGER, x.order];
const byOrder = (a: BurnGrant, b: BurnGrant): number => {
  const [ka, kb] = [orderKey(a), orderKey(b)];
  return ka[0] - kb[0] || ka[1] - kb[1] || (ka[2] < kb[2] ? -1 : ka[2] > kb[2] ? 1 : 0);
};
const grantArb = fc.record({
  amount: fc.integer({ min: 1, max: 1000 }),
  priority: fc.integer({ min: -2, max: 2 }),
  effectiveFrom: fc.integer({ min: 0, max: T }),
  life: fc.option(fc.integer({ min: 0, max: T }), { nil: null }),
  voidAfter: fc.option(fc.integer({ min: 0, max: T }), { nil: null }),
});
const usageArb = fc.array(fc.record({ at: fc.integer({ min: 0, max: T - 1 }), amount: fc.integer({ min: 0, max: 800 }) }), { maxLength: 30 });

describe('burn: property over random wallets (integer instants, one-unit chunks)', () => {
  it('never burns more than a grant holds or from a grant not live; burns min(usage, live balance) per chunk, in burn order', () => {
    fc.assert(
      fc.property(fc.array(grantArb, { maxLength: 8 }), usageArb, (raw, rawUsage) => {
        const grants: BurnGrant[] = raw.map((x, i) => ({
          id: `g${i}`, amount: BigInt(x.amount), priority: x.priority, effectiveFrom: x.effectiveFrom,
          expiresAt: x.life === null ? null : x.effectiveFrom + x.life, voidedAt: x.voidAfter === null ? null : x.effectiveFrom + x.voidAfter, order: BigInt(i),
        }));
        // One chunk per instant (the store sums per segment).
        const perInstant = new Map<number, bigint>();
        for (const u of rawUsage) perInstant.set(u.at, (perInstant.get(u.at) ?? 0n) + BigInt(u.amount));
        const usage = [...perInstant].map(([at, amount]) => ({ from: at, to: at + 1, amount }));
        const r = burn(grants, usage, T);

        const isLive = (x: BurnGrant, t: number): boolean => x.effectiveFrom <= t && t < (grantEnd(x)?.at ?? Infinity);
        const left = new Map(grants.map((x) => [x.id, x.amount]));
        const burnedOf = new Map(grants.map((x) => [x.id, 0n]));
        let totalUsage = 0n;
        let totalBurned = 0n;
        for (const s of r.steps) {
          expect(s.balance >= 0n).toBe(true);
          if (s.kind !== 'burn') {
            if (s.kind !== 'grant') left.set(s.grant.id, 0n);
            continue;
          }
          const live = grants.filter((x) => isLive(x, s.from)).sort(byOrder);
          let sum = 0n;
          for (const b of s.burned) {
            const x = grants.find((y) => y.id === b.grantId) as BurnGrant;
            expect(isLive(x, s.from)).toBe(true);
            expect(b.amount > 0n).toBe(true);
            left.set(x.id, (left.get(x.id) ?? 0n) - b.amount);
            expect((left.get(x.id) ?? 0n) >= 0n).toBe(true);
            burnedOf.set(x.id, (burnedOf.get(x.id) ?? 0n) + b.amount);
            sum += b.amount;
          }
          const liveBefore = live.reduce((a, x) => a + (left.get(x.id) ?? 0n), 0n) + sum;
          expect(sum).toBe(s.usage < liveBefore ? s.usage : liveBefore);
          expect(sum + s.uncovered).toBe(s.usage);
          // Burn order: every live grant ahead of the last one burned is spent.
          const last = s.burned.at(-1);
          if (last) for (const x of live.slice(0, live.findIndex((y) => y.id === last.grantId))) expect(left.get(x.id)).toBe(0n);
          totalUsage += s.usage;
          totalBurned += sum;
        }
        expect(totalBurned <= totalUsage).toBe(true);
        for (const x of grants) {
          expect((burnedOf.get(x.id) ?? 0n) <= x.amount).toBe(true);
          const rem = r.remaining.get(x.id) ?? -1n;
          expect(rem >= 0n).toBe(true);
          if (isLive(x, T - 0.5)) expect(rem).toBe(x.amount - (burnedOf.get(x.id) ?? 0n));
        }
        const liveAtEnd = grants.filter((x) => x.effectiveFrom < T && (grantEnd(x)?.at ?? Infinity) >= T && (grantEnd(x)?.at ?? Infinity) > x.effectiveFrom);
        expect(r.balance).toBe(liveAtEnd.reduce((a, x) => a + (r.remaining.get(x.id) ?? 0n), 0n));
      }),
      { numRuns: 400 },
    );
  });
});
