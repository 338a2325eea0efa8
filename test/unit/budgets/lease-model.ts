/**
 * The model of budget leases for the property test (test/unit/budgets/leases.test.ts
 * on the memory store, test/integration/counters/leases.test.ts on Redis and
 * Redis Cluster).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { LeaseOptions } from '../../../src/budgets/leases.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { priced, state } from './fixtures.js';

export const tenantCap = (limit: string): Parameters<typeof state>[0][number] => ({ id: 'cap', name: 'cap', metric: 'cost', limit, period: 'monthly', scope: { tenant: 'acme' } });


type Command =
  | { readonly t: 'reserve'; readonly p: number; readonly user: number; readonly steps: number; readonly burst: number }
  | { readonly t: 'check'; readonly p: number; readonly user: number; readonly steps: number }
  | { readonly t: 'release'; readonly p: number; readonly i: number; readonly via: number; readonly steps: number }
  | { readonly t: 'consume'; readonly p: number; readonly i: number; readonly via: number; readonly steps: number }
  | { readonly t: 'tick'; readonly p: number; readonly steps: number }
  | { readonly t: 'crash'; readonly p: number; readonly steps: number }
  | { readonly t: 'advance'; readonly ms: number };

/** Answers from leases over every run (the property must exercise them). */
export const leaseAnswers = { count: 0, foreignSettles: 0 };

const STORE_CALLS = ['lease', 'reserve', 'settle', 'grants', 'read', 'apply'] as const;

/** The store with every call ordered by fast-check's scheduler (random interleavings of all processes' calls). */
function scheduled(base: CounterStore, s: fc.Scheduler): CounterStore {
  const wrapped = Object.create(base) as CounterStore;
  for (const name of STORE_CALLS) {
    const original = (base[name] as (req: never) => Promise<unknown>).bind(base);
    Object.defineProperty(wrapped, name, { value: s.scheduleFunction(original) });
  }
  return wrapped;
}

/**
 * The lease property over stores `makeStore` opens (one per run): N processes
 * (engines with leases, sharing the store), commands in random order (a grant
 * settled through its own process or another one), every
 * store call ordered by fast-check's scheduler. After every step: what was
 * counted plus what is granted and not released ≤ the limit. At the end
 * (everyone gone, every TTL past): nothing held, `used` = what happened.
 */
export function leaseModelProperty(makeStore: (clock: () => number) => Promise<{ store: CounterStore; done: () => Promise<void> }>, runs: number, start: number = Date.UTC(2026, 5, 10, 12)): Promise<void> {
  const command: fc.Arbitrary<Command> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ t: fc.constant('reserve' as const), p: fc.nat(3), user: fc.nat(1), steps: fc.nat(6), burst: fc.integer({ min: 1, max: 12 }) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('check' as const), p: fc.nat(3), user: fc.nat(1), steps: fc.nat(6) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('release' as const), p: fc.nat(3), i: fc.nat(20), via: fc.nat(3), steps: fc.nat(6) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant('consume' as const), p: fc.nat(3), i: fc.nat(20), via: fc.nat(3), steps: fc.nat(6) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('tick' as const), p: fc.nat(3), steps: fc.nat(6) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('crash' as const), p: fc.nat(3), steps: fc.nat(6) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 900 }) }) },
  );
  const settings = fc.record({
    processes: fc.integer({ min: 2, max: 4 }),
    limit: fc.integer({ min: 1, max: 150 }),
    minOps: fc.integer({ min: 1, max: 8 }),
    headroomFactor: fc.integer({ min: 1, max: 2 }),
    closeAtEnd: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  });
  return fc.assert(
    fc.asyncProperty(fc.scheduler(), settings, fc.array(command, { minLength: 20, maxLength: 80 }), async (s, cfg, commands) => {
      let now = start;
      const clock = (): number => now;
      const { store: base, done } = await makeStore(clock);
      const store = scheduled(base, s);
      const budgets = new StaticBudgetSource(state([tenantCap(String(cfg.limit))]));
      const lease: LeaseOptions = { minOps: cfg.minOps, headroomFactor: cfg.headroomFactor, renewMs: 1_000, ttlMs: 10_000, marginMs: 3_000 };
      const make = (): BudgetEngine => new BudgetEngine({ counters: store, budgets, clock, leases: lease, reservationTtlMs: 30_000, awaitTtlMs: 20_000 });
      const engines = Array.from({ length: cfg.processes }, make);
      const processor = new BudgetEngine({ counters: store, budgets, clock });
      // Ground truth: grants outstanding per process (callers alive), and usage that happened (1 USD each).
      const outstanding: string[][] = engines.map(() => []);
      let consumed = 0;
      let events = 0;
      const inflight: Promise<unknown>[] = [];
      const invariant = (): void => {
        const live = outstanding.reduce((a, list) => a + list.length, 0);
        if (consumed + live > cfg.limit) throw new Error(`overshoot: ${consumed} counted + ${live} granted > limit ${cfg.limit}`);
      };
      const steps = async (n: number): Promise<void> => {
        for (let i = 0; i < n && s.count() > 0; i++) {
          await s.waitOne();
          invariant();
        }
      };
      /** Runs scheduled calls until every command in flight finished (their continuations may schedule more). */
      const drain = async (): Promise<void> => {
        let finished = false;
        void Promise.allSettled(inflight.splice(0)).then(() => {
          finished = true;
        });
        while (!finished || s.count() > 0) {
          if (s.count() > 0) {
            await s.waitOne();
            invariant();
          } else await new Promise((resolve) => setImmediate(resolve));
        }
        invariant();
      };
      for (const c of commands) {
        if (c.t === 'advance') {
          await drain();
          now += c.ms;
          // Live processes renew in time (the theorem's assumption: a live process reaches the store within the lease TTL).
          inflight.push(...engines.map((e) => e.tickLeases()));
          await drain();
          continue;
        }
        const p = c.p % engines.length;
        const engine = engines[p];
        const mine = outstanding[p];
        if (!engine || !mine) continue;
        const subject = { tenant: 'acme', user: 'user' in c ? `u${c.user}` : 'u0' };
        if (c.t === 'reserve') {
          for (let k = 0; k < c.burst; k++) {
            inflight.push(engine.reserve(subject, { cost: '1' }).then((r) => {
              if (r.granted && r.reservation_id && engines[p] === engine) mine.push(r.reservation_id);
            }, () => undefined));
          }
        } else if (c.t === 'check') {
          inflight.push(engine.check(subject, { cost: '1' }).catch(() => undefined));
        } else if ((c.t === 'release' || c.t === 'consume') && mine.length > 0) {
          const [id] = mine.splice(c.i % mine.length, 1);
          // Settled through this process or another (a load balancer): `via` picks it.
          const through = engines[(p + c.via) % engines.length] ?? engine;
          if (id === undefined) continue;
          if (c.t === 'release') {
            inflight.push(through.settle(id).catch(() => undefined));
          } else {
            consumed += 1; // the call happened: its usage counts from now on
            events += 1;
            const eventId = `ev${events}`;
            inflight.push(through.settle(id, { event_id: eventId, cost: '1' }).catch(() => undefined));
            inflight.push(processor.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: eventId, user: 'u0', cost: '1', at: now, offset: null })] }));
          }
        } else if (c.t === 'tick') {
          inflight.push(engine.tickLeases());
        } else if (c.t === 'crash') {
          engine.abandonLeases(); // no return: the store expires what it held
          mine.length = 0;
          engines[p] = make();
        }
        await steps(c.steps);
      }
      await drain();
      for (const e of engines) {
        leaseAnswers.count += e.leaseStats()?.answered ?? 0;
        leaseAnswers.foreignSettles += e.leaseStats()?.foreignSettles ?? 0;
      }
      // Everyone leaves (some return their leases, some crash); after every TTL nothing may be held, and `used` is what happened.
      engines.forEach((e, i) => {
        if (cfg.closeAtEnd[i]) inflight.push(e.close());
        else e.abandonLeases();
      });
      outstanding.forEach((list) => (list.length = 0));
      await drain();
      now += 120_000;
      let final: Awaited<ReturnType<BudgetEngine['status']>> | undefined;
      inflight.push(processor.status('cap', { tenant: 'acme' }).then((x) => {
        final = x;
      }));
      await drain();
      await done();
      expect(final?.reserved).toBe('0');
      expect(final?.used).toBe(String(consumed));
    }),
    { numRuns: runs },
  );
}
