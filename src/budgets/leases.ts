/**
 * Budget leases: quota checks and reservations answered in memory, still exact.
 *
 * A lease is a reservation (same records, same expiry) that a process takes
 * on a slice of one subject's headroom: lease-3.lua checks every hard budget
 * of the subject like a reservation does and holds the slice on the budgets'
 * current counters until the lease's expiry. While the lease is live, this
 * process answers the subject's checks and reservations from the slice, with
 * no round trip: a reservation moves its estimate from the lease's free part
 * to its outstanding part, a settle moves it back. Because every grant comes
 * out of room that Redis already holds for this process, the sum of what all
 * processes grant never exceeds a limit: leases cannot overshoot.
 *
 * - Renewal: every `renewMs` (and early, when the free part runs low) the
 *   lease is resized to what is outstanding plus the observed rate's worth
 *   of room, in one atomic script call that releases the old hold first. The
 *   outstanding part is the floor: held even when the budget has no more
 *   room, so a grant never loses its hold while its process lives.
 * - Outage: a renewal that fails ends answers from the lease, unless the
 *   store was unreachable and the subject's outage policy is `leases`
 *   (outage.ts): then the lease keeps answering, from its floor only (Redis
 *   holds at least that until the old expiry, whether the failed call
 *   reached it or not), until its validity ends. Under any other policy a
 *   store known unreachable (`isReachable`) stops answers at once.
 * - Expiry: a lease not renewed expires in Redis after `ttlMs` (a crashed
 *   process hides its slice for at most that long); this process stops
 *   answering from it `marginMs` earlier (clock skew, slow renewals).
 * - Near a limit: a lease is taken (and kept) only while every hard budget's
 *   room is at least `headroomFactor` times its size — the script checks that
 *   multiple, atomically; otherwise the lease shrinks to its floor and the
 *   subject's checks take the one-round-trip path.
 * - Staleness: an answer from a lease reads the counters as of the lease's
 *   last renewal (`used_as_of` in each status): usage counted since then is
 *   not in `used`, for at most `renewMs` plus the processor's lag.
 * - Shutdown: `close()` returns every lease (leases with grants outstanding
 *   keep holding those, until the grants' own expiry).
 * - Settles reaching another process (API processes behind a load balancer):
 *   a grant's id names its lease (reservations.ts); the other process records
 *   the settle in the lease's slot (grants-3.lua) and this holder takes it at
 *   the lease's next renewal, before sizing it, freeing the grant's estimate
 *   then (a settle naming its event is held in the store from the start, as
 *   its own reservation, and the lease lets its copy go at that renewal).
 *   Nothing recorded by another process lowers a hold: until the renewal the
 *   estimate is held once more than needed, never once less.
 */
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { Slot } from '../counters/keys.js';
import type { CounterStore, CounterValue, HeldAmounts, ReservePart } from '../counters/types.js';
import { ZERO_HELD, zeroUsage } from '../counters/fields.js';
import type { CompiledBudget } from './catalog.js';
import type { BudgetOutagePolicy } from './model.js';
import { isUnreachable } from '../counters/codes.js';
import type { ReadPlan } from './plan.js';
import { leaseGrantId, newReservationId } from './reservations.js';

export interface LeaseOptions {
  /** How long a lease holds its slice in the counter store without renewal, ms (a crashed process hides it at most this long). Default 10,000. */
  readonly ttlMs?: number;
  /** How often leases are looked at (renewed when running low, nearing expiry, sized wrong or stale), ms. Default 1,000. */
  readonly renewMs?: number;
  /** A lease in use is renewed at least this often, ms: how stale an answer's `used` may be (plus the processor's lag). Default 5,000. */
  readonly refreshMs?: number;
  /** Answers stop this long before the lease's expiry, ms (clock skew between processes, slow renewals). Default 3,000. */
  readonly marginMs?: number;
  /** A lease is held only while every hard budget's room is at least this many times its size. Default 8. */
  readonly headroomFactor?: number;
  /** Smallest lease, in operations of the subject's average estimate. Default 16. */
  readonly minOps?: number;
  /** Largest lease, in operations. Default 100,000. */
  readonly maxOps?: number;
  /** A lease without use for this long, with nothing outstanding, is returned, ms. Default 30,000. */
  readonly idleMs?: number;
  /** At most this many leases per process (subjects beyond take the one-round-trip path). Default 10,000. */
  readonly maxLeases?: number;
}

interface Settings {
  readonly ttlMs: number;
  readonly renewMs: number;
  readonly refreshMs: number;
  readonly marginMs: number;
  readonly headroomFactor: bigint;
  readonly minOps: number;
  readonly maxOps: number;
  readonly idleMs: number;
  readonly maxLeases: number;
}

export function leaseSettings(o: LeaseOptions = {}): Settings {
  const ttlMs = o.ttlMs ?? 10_000;
  return {
    ttlMs,
    renewMs: o.renewMs ?? 1_000,
    refreshMs: Math.max(o.renewMs ?? 1_000, o.refreshMs ?? 5_000),
    marginMs: o.marginMs ?? Math.min(3_000, Math.floor(ttlMs / 3)),
    headroomFactor: BigInt(Math.max(1, Math.ceil(o.headroomFactor ?? 8))),
    minOps: Math.max(1, o.minOps ?? 16),
    maxOps: Math.max(1, o.maxOps ?? 100_000),
    idleMs: o.idleMs ?? 30_000,
    maxLeases: o.maxLeases ?? 10_000,
  };
}

/** What a lease is for: the subject's applicable budgets and what they read, at one budget-set version. */
export interface LeaseSubject {
  readonly key: string;
  readonly tenant: string;
  readonly budgets: readonly CompiledBudget[];
  readonly plan: ReadPlan;
  /** The plan is valid until this instant (its current buckets end). */
  readonly until: number;
  /** The subject's policy while the counter store is unreachable (outage.ts): `leases` keeps a live lease answering after a renewal failed. */
  readonly outage?: BudgetOutagePolicy;
}

/** Counter values in the plan's read order, as this process should report them. */
export interface LeaseView {
  readonly read: readonly CounterValue[];
  /** When the values were read (the lease's last renewal), RFC 3339. */
  readonly asOf: string;
  /** Answers built from these very values, by the caller's key (they hold while the view does). */
  readonly memo: Map<string, unknown>;
  /** The lease's last renewal failed (counter store unreachable) and it answers under the `leases` outage policy until it expires. */
  readonly degraded: boolean;
}

export interface LeaseGrant extends LeaseView {
  readonly id: string;
  readonly expireAt: number;
}

type Metric = keyof HeldAmounts;
const METRICS: readonly Metric[] = ['cost', 'tokens', 'requests', 'price'];

/** The same operation on every metric of a hold. */
function each(f: (m: Metric) => bigint): HeldAmounts {
  return { cost: f('cost'), tokens: f('tokens'), requests: f('requests'), price: f('price') };
}

interface Grant {
  readonly lease: Lease;
  readonly amounts: HeldAmounts;
  readonly expireAt: number;
}

type LeaseState = 'new' | 'live' | 'plain' | 'closed';

interface Lease {
  readonly key: string;
  readonly id: string;
  readonly tenant: string;
  readonly slots: readonly Slot[];
  /** The subject as last seen (renewals use it). */
  subject: LeaseSubject;
  /** The subject the current hold was taken for (answers only for it). */
  heldFor: LeaseSubject | null;
  state: LeaseState;
  /** Held in the counter store (the smallest over parts). */
  size: HeldAmounts;
  /** What grants may reach: `size`, or while a renewal is out, what stays held whatever its outcome. */
  cap: HeldAmounts;
  /** The last view built (values with the outstanding grants in `held`), while neither changed. */
  cached: { values: CounterValue[]; outstanding: HeldAmounts; view: CounterValue[]; memo: Map<string, unknown> } | null;
  /** `readAt` as RFC 3339. */
  asOf: string;
  /** Read positions of the counters the lease holds on. */
  holdAt: readonly number[];
  outstanding: HeldAmounts;
  /** The lease's values in the plan's read order, with our own free part taken out of `held`. */
  values: CounterValue[] | null;
  readAt: number;
  validUntil: number;
  /** When the store drops the hold (the latest expiry asked for). */
  expireAt: number;
  ops: number;
  units: HeldAmounts;
  rateOps: number;
  avg: HeldAmounts;
  lastRenew: number;
  lastUse: number;
  renewing: Promise<void> | null;
  grants: number;
  /** Grants made so far (their ids' sequence numbers). */
  seq: number;
  /** The next renewal gives the free part back (`giveBack`). */
  shrink: boolean;
  renewalsDone: number;
  /** Answering under the `leases` outage policy: the last renewal failed with the store unreachable. */
  degraded: boolean;
}

export interface LeaseStats {
  readonly leases: number;
  readonly live: number;
  /** Live leases answering under the `leases` outage policy (their last renewal found the store unreachable). */
  readonly degraded: number;
  /** Answers (checks and reservations) from leases, and those that took the one-round-trip path while a lease existed. */
  readonly answered: number;
  readonly fallbacks: number;
  readonly renewals: number;
  readonly refusedRenewals: number;
  readonly failedRenewals: number;
  /** Grants settled through another process, applied here at a renewal. */
  readonly foreignSettles: number;
}

const add = (a: HeldAmounts, b: HeldAmounts): HeldAmounts => each((m) => a[m] + b[m]);
const sub = (a: HeldAmounts, b: HeldAmounts): HeldAmounts => each((m) => a[m] - b[m]);
const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const half = (x: bigint): bigint => (x > 0n ? x / 2n : 0n);

function metricOf(b: CompiledBudget): Metric {
  return b.field.metric === 'class' ? 'tokens' : b.field.metric;
}

const TOMBSTONE_MS = 3_600_000;

/** Read through a function: a lease closes while a renewal awaits. */
function isClosed(lease: Lease): boolean {
  return lease.state === 'closed';
}
const MAX_TOMBSTONES = 100_000;

/**
 * The leases of one process (one per subject and budget-set version). The
 * engine asks it first; `null` answers mean: take the one-round-trip path.
 */
export class LeaseHolder {
  readonly settings: Settings;
  private readonly leases = new Map<string, Lease>();
  private readonly grants = new Map<string, Grant>();
  /** Grants settled or expired here: their final state, for idempotent settles. */
  private readonly tombstones = new Map<string, { state: 'settled' | 'expired'; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private counts = { answered: 0, fallbacks: 0, renewals: 0, refusedRenewals: 0, failedRenewals: 0, foreignSettles: 0 };

  constructor(
    private readonly counters: CounterStore,
    private readonly clock: () => number,
    options: LeaseOptions = {},
    private readonly log?: Logger,
    /** Ask the counter store for the epoch check (never take a lease on counters that were lost; recovery.ts). */
    private readonly epoch = false,
  ) {
    this.settings = leaseSettings(options);
  }

  private startTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.tick(), this.settings.renewMs);
    this.timer.unref();
  }

  stats(): LeaseStats {
    let live = 0;
    let degraded = 0;
    const now = this.clock();
    for (const l of this.leases.values()) {
      if (l.state !== 'live' || now >= l.validUntil) continue;
      live++;
      if (this.degraded(l)) degraded++;
    }
    return { leases: this.leases.size, live, degraded, ...this.counts };
  }

  // ─── answers ────────────────────────────────────────────────────────────

  /** The lease of a subject if it may answer now; records the demand either way (and takes a lease on first demand). */
  private usable(s: LeaseSubject, need: HeldAmounts | null, now: number): Lease | null {
    let lease = this.leases.get(s.key);
    if (!lease) {
      if (this.closed || this.leases.size >= this.settings.maxLeases) return null;
      lease = this.create(s, now);
    }
    lease.subject = s;
    lease.lastUse = now;
    lease.ops += 1;
    if (need) lease.units = add(lease.units, need);
    // Taken once this first demand is recorded (its estimate sizes the lease).
    if (lease.state === 'new' && lease.renewing === null && lease.renewalsDone === 0) void this.renew(lease);
    if (lease.state === 'new' || lease.state === 'closed') return null;
    // The store is known unreachable: only the `leases` outage policy answers from a lease now (fail_closed: 503 at once).
    if (s.outage !== 'leases' && this.counters.isReachable?.() === false) {
      this.counts.fallbacks++;
      return null;
    }
    if (lease.state !== 'live' || lease.heldFor !== s || now >= lease.validUntil || lease.values === null) {
      if (lease.state === 'live') void this.renew(lease);
      this.counts.fallbacks++;
      return null;
    }
    return lease;
  }

  /** Whether the free part of a lease covers `need` in every metric a hard budget checks (at least 1 without an estimate). */
  private fits(lease: Lease, need: HeldAmounts | null): boolean {
    for (const b of lease.subject.budgets) {
      if (!b.hard) continue;
      const m = metricOf(b);
      const free = lease.cap[m] - lease.outstanding[m];
      if (free < (need === null ? 1n : need[m])) return false;
    }
    return true;
  }

  /** A check from the lease: the counter values to build statuses from, or null (one-round-trip path). */
  check(s: LeaseSubject, need: HeldAmounts | null, now: number): LeaseView | null {
    const lease = this.usable(s, need, now);
    if (!lease || !this.fits(lease, need)) {
      if (lease) {
        this.counts.fallbacks++;
        if (lease.renewing === null) void this.renew(lease);
      }
      return null;
    }
    this.counts.answered++;
    const v = this.view(lease);
    return { read: v.view, asOf: lease.asOf, memo: v.memo, degraded: this.degraded(lease) };
  }

  /** Answering under the `leases` outage policy: the last renewal or the connection says the store is unreachable. */
  private degraded(lease: Lease): boolean {
    return lease.degraded || (lease.subject.outage === 'leases' && this.counters.isReachable?.() === false);
  }

  /** A reservation from the lease, or null (one-round-trip path). */
  reserve(s: LeaseSubject, hold: HeldAmounts, ttlMs: number, now: number): LeaseGrant | null {
    const lease = this.usable(s, hold, now);
    if (!lease || !this.fits(lease, hold)) {
      if (lease) {
        this.counts.fallbacks++;
        if (lease.renewing === null) void this.renew(lease);
      }
      return null;
    }
    const expireAt = now + ttlMs;
    lease.seq += 1;
    const id = leaseGrantId(lease.id, lease.seq, hold, expireAt);
    lease.outstanding = add(lease.outstanding, hold);
    lease.grants += 1;
    this.grants.set(id, { lease, amounts: hold, expireAt });
    this.counts.answered++;
    // Running low: renew now rather than at the next tick.
    if (lease.renewing === null && METRICS.some((m) => lease.size[m] > 0n && (lease.size[m] - lease.outstanding[m]) * 4n < lease.size[m])) void this.renew(lease);
    const v = this.view(lease);
    return { id, expireAt, read: v.view, asOf: lease.asOf, memo: v.memo, degraded: this.degraded(lease) };
  }

  /**
   * When the one-round-trip path refused a subject whose live lease holds
   * free room: the lease gives it back (one call; true when it did), so this
   * process's own room does not count against its request on a second try.
   */
  async giveBack(s: LeaseSubject): Promise<boolean> {
    const lease = this.leases.get(s.key);
    if (!lease || (lease.state !== 'live' && lease.state !== 'plain')) return false;
    await lease.renewing;
    if (!METRICS.some((m) => lease.size[m] > lease.outstanding[m])) return false;
    lease.shrink = true;
    await this.renew(lease);
    return true;
  }

  /**
   * Counter values the one-round-trip path read for a subject, as this
   * process reports them: its live lease's free part is its own room, not
   * "reserved" (unchanged while a renewal is out: the size is not known then).
   */
  own(s: LeaseSubject, read: readonly CounterValue[], renewalsBefore: number): readonly CounterValue[] {
    const lease = this.leases.get(s.key);
    if (!lease || (lease.state !== 'live' && lease.state !== 'plain') || lease.heldFor !== s || lease.renewing !== null || lease.renewalsDone !== renewalsBefore) return read;
    const free = sub(lease.size, lease.outstanding);
    if (!METRICS.some((m) => free[m] > 0n)) return read;
    const out = read.slice();
    for (const i of lease.holdAt) {
      const v = out[i];
      if (v) out[i] = { used: v.used, held: sub(v.held, free) };
    }
    return out;
  }

  /** Waits for a renewal of the subject's lease that is out; then how many renewals completed (for `own`). */
  async quiet(s: LeaseSubject): Promise<number> {
    const lease = this.leases.get(s.key);
    if (!lease) return -1;
    await lease.renewing;
    return lease.renewalsDone;
  }

  /** Whether a reservation id was granted here and is still outstanding. */
  owns(id: string): boolean {
    return this.grants.has(id);
  }

  /**
   * Settles a grant of this process: its estimate returns to the lease.
   * `null` when the id is not ours (the caller settles it in the store).
   */
  release(id: string, now: number): 'released' | 'already' | 'expired' | null {
    const g = this.grants.get(id);
    if (!g) {
      const t = this.tombstones.get(id);
      return t ? (t.state === 'expired' ? 'expired' : 'already') : null;
    }
    this.drop(id, g, g.expireAt <= now ? 'expired' : 'settled', now);
    return g.expireAt <= now ? 'expired' : 'released';
  }

  /** A grant that moved into the store (settled with its event): the store answers for it from now on. */
  handOver(id: string): void {
    const g = this.grants.get(id);
    if (!g) return;
    this.grants.delete(id);
    g.lease.outstanding = sub(g.lease.outstanding, g.amounts);
    g.lease.grants -= 1;
  }

  /** The slots and amounts of an outstanding grant (to move it into the store before settling with an event). */
  grantOf(id: string): { slots: readonly Slot[]; amounts: HeldAmounts; parts: readonly ReservePart[]; expireAt: number } | null {
    const g = this.grants.get(id);
    if (!g) return null;
    return { slots: g.lease.slots, amounts: g.amounts, parts: this.parts(g.lease, g.lease.heldFor ?? g.lease.subject, ZERO_HELD, false), expireAt: g.expireAt };
  }

  private drop(id: string, g: Grant, state: 'settled' | 'expired', now: number): void {
    this.grants.delete(id);
    g.lease.outstanding = sub(g.lease.outstanding, g.amounts);
    g.lease.grants -= 1;
    if (this.tombstones.size >= MAX_TOMBSTONES) {
      const first = this.tombstones.keys().next();
      if (!first.done) this.tombstones.delete(first.value);
    }
    this.tombstones.set(id, { state, until: now + TOMBSTONE_MS });
  }

  /** Values as this process reports them: our lease's free part is our room, not "reserved"; our outstanding grants are. */
  private view(lease: Lease): { view: CounterValue[]; memo: Map<string, unknown> } {
    const values = lease.values ?? [];
    const c = lease.cached;
    if (c && c.values === values && c.outstanding === lease.outstanding) {
      if (c.memo.size > 16) c.memo.clear();
      return c;
    }
    const view = values.slice();
    for (const i of lease.holdAt) {
      const v = view[i];
      if (v) view[i] = { used: v.used, held: add(v.held, lease.outstanding) };
    }
    const fresh = { values, outstanding: lease.outstanding, view, memo: new Map<string, unknown>() };
    lease.cached = fresh;
    return fresh;
  }

  // ─── the lease's life ──────────────────────────────────────────────────

  private create(s: LeaseSubject, now: number): Lease {
    const slots: Slot[] = [];
    for (const e of s.plan.entries) if (!slots.includes(e.slot)) slots.push(e.slot);
    const ref = newReservationId(s.tenant, slots);
    const lease: Lease = {
      key: s.key, id: ref.id, tenant: s.tenant, slots: ref.slots, subject: s, heldFor: null, state: 'new',
      size: ZERO_HELD, cap: ZERO_HELD, cached: null, asOf: '', holdAt: [], outstanding: ZERO_HELD, values: null, readAt: 0, validUntil: 0, expireAt: 0,
      ops: 0, units: ZERO_HELD, rateOps: 0, avg: ZERO_HELD, lastRenew: now, lastUse: now, renewing: null, grants: 0, seq: 0, shrink: false, renewalsDone: 0,
      degraded: false,
    };
    this.leases.set(s.key, lease);
    this.startTimer();
    return lease;
  }

  /** One reserve part per slot (tenant first, as the lease id says): hard checks of `factor × size`, holds on the current counters. */
  private parts(lease: Lease, s: LeaseSubject, size: HeldAmounts, check: boolean): ReservePart[] {
    const bySlot = new Map<Slot, { checks: ReservePart['checks'][number][]; holds: Map<string, ReservePart['holds'][number]>; read: string[] }>();
    for (const e of s.plan.entries) {
      let p = bySlot.get(e.slot);
      if (!p) {
        p = { checks: [], holds: new Map(), read: [] };
        bySlot.set(e.slot, p);
      }
      if (check && e.budget.hard) p.checks.push({ field: e.budget.field, keys: e.keys, limit: e.budget.limit, amount: size[metricOf(e.budget)] * this.settings.headroomFactor });
      for (const t of e.targets) p.holds.set(t.key, t);
      for (const k of e.late ? [...e.keys, e.late.key] : e.keys) if (!p.read.includes(k)) p.read.push(k);
    }
    return lease.slots.flatMap((slot) => {
      const p = bySlot.get(slot);
      return p ? [{ slot, checks: p.checks, holds: [...p.holds.values()], read: p.read }] : [];
    });
  }

  /** The size the observed rate asks for: `2 × renewMs` worth of operations of the average estimate. */
  private desired(lease: Lease, now: number): HeldAmounts {
    // Over at least one renewal interval: a burst right after the last renewal is not a rate.
    const elapsed = Math.max(this.settings.renewMs, now - lease.lastRenew) / 1000;
    const rate = lease.ops / elapsed;
    lease.rateOps = lease.rateOps === 0 ? rate : 0.5 * lease.rateOps + 0.5 * rate;
    if (lease.ops > 0) {
      const ops = BigInt(lease.ops);
      const avg = each((m) => lease.units[m] / ops);
      const prev = lease.avg;
      lease.avg = prev === ZERO_HELD ? avg : each((m) => (prev[m] + avg[m]) / 2n);
    }
    lease.ops = 0;
    lease.units = ZERO_HELD;
    const ops = BigInt(Math.min(this.settings.maxOps, Math.max(this.settings.minOps, Math.ceil(lease.rateOps * (this.settings.renewMs / 1000) * 2))));
    const avg = lease.avg;
    return each((m) => maxOf(1n, avg[m] * ops));
  }

  /** Renews (or takes) a lease now; one renewal per lease at a time. */
  renew(lease: Lease): Promise<void> {
    if (lease.renewing) return lease.renewing;
    lease.renewing = this.renewNow(lease).finally(() => {
      lease.renewing = null;
    });
    return lease.renewing;
  }

  /**
   * Applies the settles of this lease's grants that reached other processes
   * (recorded in each slot of the lease): a release frees the grant's
   * estimate, a move lets it go (the store holds it now). Failures are left
   * for the next renewal: until then the estimates stay held.
   */
  private async takeSettles(lease: Lease, now: number): Promise<void> {
    if (lease.grants === 0) return;
    let results;
    try {
      results = await Promise.all(lease.slots.map((slot) => this.counters.grants({ slot, now, lease: lease.id, mode: 'take', grant: '', hold: ZERO_HELD, expireAt: now })));
    } catch (err) {
      this.log?.debug({ err: errorMessage(err) }, 'reading settles made through other processes failed: their estimates stay held until the next renewal');
      return;
    }
    for (const r of results) {
      for (const t of r.taken) {
        const g = this.grants.get(t.grant);
        if (!g || g.lease !== lease) continue;
        this.counts.foreignSettles++;
        if (t.mode === 'move') this.handOver(t.grant);
        else this.drop(t.grant, g, 'settled', now);
      }
    }
  }

  private async renewNow(lease: Lease): Promise<void> {
    if (isClosed(lease)) return;
    await this.takeSettles(lease, this.clock());
    if (isClosed(lease)) return;
    const now = this.clock();
    const s = lease.subject;
    // While the call is out, grants may use half the free part: the floor holds it whatever the answer. A lease past
    // its validity may have lost its hold already: nothing beyond the outstanding grants is held without a check then.
    const shrink = lease.shrink;
    lease.shrink = false;
    const valid = !shrink && lease.state === 'live' && now < lease.validUntil;
    const allowance = valid ? each((m) => half(lease.size[m] - lease.outstanding[m])) : ZERO_HELD;
    const floor = add(lease.outstanding, allowance);
    lease.cap = floor;
    const want = shrink ? lease.outstanding : add(lease.outstanding, this.desired(lease, now));
    const size = each((m) => maxOf(want[m], floor[m]));
    const parts = this.parts(lease, s, size, true);
    const expireAt = now + this.settings.ttlMs;
    this.counts.renewals++;
    try {
      const r = await this.counters.lease({ now, id: lease.id, expireAt, hold: size, floor, parts, fields: s.plan.fields, ...(this.epoch ? { epoch: true } : {}) });
      if (isClosed(lease)) return;
      const granted = r.granted.every(Boolean);
      lease.size = granted ? size : floor;
      lease.cap = lease.size;
      lease.heldFor = s;
      lease.expireAt = expireAt;
      lease.validUntil = Math.min(expireAt - this.settings.marginMs, s.until);
      lease.readAt = now;
      lease.asOf = new Date(now).toISOString();
      const { values, holdAt } = this.ordered(s, parts, r.values, lease.size);
      lease.values = values;
      lease.holdAt = holdAt;
      lease.cached = null;
      lease.lastRenew = now;
      lease.renewalsDone += 1;
      lease.state = granted && !shrink ? 'live' : 'plain';
      lease.degraded = false;
      if (!granted) this.counts.refusedRenewals++;
    } catch (err) {
      if (valid && isUnreachable(err) && (lease.heldFor ?? s).outage === 'leases' && !isClosed(lease)) {
        // Outage policy `leases`: the store did not answer, so whatever happened there it holds at least `floor` until
        // the old expiry (a renewal never holds less). Keep answering from `floor` until the lease's old validity ends.
        this.counts.failedRenewals++;
        lease.size = floor;
        lease.cap = floor;
        lease.lastRenew = now;
        lease.renewalsDone += 1;
        if (!lease.degraded) this.log?.warn({ lease: lease.id, until: new Date(lease.validUntil).toISOString() }, 'counter store unreachable: this lease keeps answering until it expires (outage policy leases)');
        lease.degraded = true;
        lease.cached = null;
        return;
      }
      // Unknown outcome (Redis away, counters lost): answer from this lease no more; what it held expires with it.
      this.counts.failedRenewals++;
      lease.validUntil = 0;
      lease.lastRenew = now;
      lease.renewalsDone += 1;
      if (lease.state === 'live' || lease.state === 'new') lease.state = 'plain';
      this.log?.debug({ err: errorMessage(err) }, 'lease renewal failed: the subject takes the one-round-trip path');
    }
  }

  /** The lease call's values in the plan's read order with the lease's size taken out of `held`, and where its hold counters are. */
  private ordered(s: LeaseSubject, parts: readonly ReservePart[], values: readonly CounterValue[], size: HeldAmounts): { values: CounterValue[]; holdAt: number[] } {
    const byKey = new Map<string, CounterValue>();
    parts.flatMap((p) => p.read).forEach((k, i) => {
      const v = values[i];
      if (v) byKey.set(k, v);
    });
    const holdKeys = new Set(parts.flatMap((p) => p.holds.map((h) => h.key)));
    const out: CounterValue[] = [];
    const holdAt: number[] = [];
    for (const g of s.plan.groups) {
      for (const k of g.keys) {
        const v = byKey.get(k) ?? { used: zeroUsage(), held: ZERO_HELD };
        if (holdKeys.has(k)) {
          holdAt.push(out.length);
          out.push({ used: v.used, held: sub(v.held, size) });
        } else out.push(v);
      }
    }
    return { values: out, holdAt };
  }

  /** Runs every `renewMs`: expires grants, returns idle leases, renews the rest. */
  async tick(): Promise<void> {
    const now = this.clock();
    for (const [id, g] of this.grants) if (g.expireAt <= now) this.drop(id, g, 'expired', now);
    for (const [id, t] of this.tombstones) {
      if (t.until > now) break;
      this.tombstones.delete(id);
    }
    const work: Promise<void>[] = [];
    for (const lease of this.leases.values()) {
      if (lease.grants === 0 && now - lease.lastUse >= this.settings.idleMs) {
        this.leases.delete(lease.key);
        work.push(this.returnLease(lease));
        continue;
      }
      if (lease.renewing === null && this.due(lease, now)) work.push(this.renew(lease));
      // Not due, with grants out: settles made through other processes are applied now (one call per slot).
      else if (lease.renewing === null && lease.grants > 0) work.push(this.takeSettles(lease, now));
    }
    await Promise.all(work);
  }

  /**
   * Whether a lease needs its renewal now: taken by nobody yet, near the limit
   * with demand (room may be back), about to lapse, stale while in use, or
   * running low at the observed rate.
   */
  private due(lease: Lease, now: number): boolean {
    const age = now - lease.lastRenew;
    if (age < this.settings.renewMs * 0.9) return false;
    if (lease.state !== 'live') return lease.ops > 0 || lease.grants > 0 || lease.state === 'new';
    if (now >= lease.validUntil - 2 * this.settings.renewMs) return true;
    if (lease.ops > 0 && age >= this.settings.refreshMs * 0.9) return true;
    // Running low at the observed rate (twice the demand since the last renewal still fits?), or far too big for it.
    for (const m of METRICS) {
      const free = lease.size[m] - lease.outstanding[m];
      const demand = lease.units[m] * 2n;
      if (free < demand || free * 4n < lease.size[m]) return true;
    }
    return false;
  }

  /** Returns a lease: released in every slot, or (grants outstanding) shrunk to them until their expiry. */
  private async returnLease(lease: Lease): Promise<void> {
    await lease.renewing;
    lease.state = 'closed';
    await this.takeSettles(lease, this.clock());
    const now = this.clock();
    try {
      if (lease.grants > 0) {
        let last = now;
        for (const g of this.grants.values()) if (g.lease === lease && g.expireAt > last) last = g.expireAt;
        const s = lease.heldFor ?? lease.subject;
        await this.counters.lease({ now, id: lease.id, expireAt: last, hold: lease.outstanding, floor: lease.outstanding, parts: this.parts(lease, s, ZERO_HELD, false), fields: s.plan.fields });
        return;
      }
      await Promise.all(lease.slots.map((slot) => this.counters.settle({ slot, now, id: lease.id, awaitEvent: null, actual: null, awaitExpireAt: now, dedup: { windowMs: 0, buckets: 1 } }).catch(() => 'already')));
    } catch (err) {
      this.log?.debug({ err: errorMessage(err) }, 'returning a lease failed: it expires on its own');
    }
  }

  /** Stops renewing and returns every lease (shutdown). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const all = [...this.leases.values()];
    this.leases.clear();
    await Promise.all(all.map((l) => this.returnLease(l)));
  }

  /** Drops leases that may not answer any more (a crash in tests: nothing returned, the store expires them). */
  abandon(): void {
    this.closed = true;
    clearInterval(this.timer);
    for (const l of this.leases.values()) l.state = 'closed';
    this.leases.clear();
    this.grants.clear();
  }
}

export { TOMBSTONE_MS as LEASE_TOMBSTONE_MS };
