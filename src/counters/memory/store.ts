/**
 * The in-memory counter store (embedded mode, tests): the same primitives with
 * the same semantics as the Lua scripts, step for step, over Maps. JavaScript
 * runs one call at a time, so every method is atomic like a script. Amounts
 * are bigints, so no split is needed here. Keys are the same strings the
 * Redis store uses and expire at their `expireAt` by the injected clock.
 */
import { STATUS, countersLost, failure } from '../codes.js';
import { ZERO_HELD, addUsage, heldOf, usedOf, zeroUsage } from '../fields.js';
import { CounterKeys, type Slot } from '../keys.js';
import {
  dedupExpireAt, dedupIndexes,
  type ApplyRequest, type ApplyResult, type CounterStore, type CounterValue, type FenceSnapshot, type GrantSettleRequest, type GrantSettleResult, type HeldAmounts,
  type LeaseRequest, type LeaseResult, type MarksRequest, type ReadRequest, type RegionClaim, type ReserveRequest, type ReserveResult, type SettleOutcome, type SettleRequest,
  type SnapshotRequest, type SwapOutcome, type SwapRequest, type UsageAmounts,
} from '../types.js';
import { TOKEN_CLASSES, type TokenClass } from '../../core/classes.js';

const TOMBSTONE_MS = 3_600_000;

interface Counter {
  used: UsageAmounts;
  held: HeldAmounts;
}

type ReservationState = 'held' | 'await' | 'settled' | 'expired' | 'consumed';

interface Reservation {
  state: ReservationState;
  keys: string[];
  amounts: HeldAmounts;
  awaiting: string | null;
}

interface SlotState {
  fence: Map<string, string>;
  version: string | null;
  lock: { token: string; until: number } | null;
  reservations: Map<string, Reservation>;
  /** id → next look (ms) */
  index: Map<string, number>;
  /** event member → reservation id */
  awaiting: Map<string, string>;
  /** lease id → grant id → mode (grants-3.lua): lower case until the holder takes it */
  grantSettles: Map<string, Map<string, string>>;
}

export interface MemoryCounterStoreOptions {
  readonly prefix?: string;
  /** Wall clock for key expiry. Default Date.now. */
  readonly clock?: () => number;
  /** Expired reservations dropped per call, at most. Default 20. */
  readonly purgeLimit?: number;
}

/** Compares non-negative decimal integers given as text. */
function dcmp(a: string, b: string): number {
  if (a.length !== b.length) return a.length > b.length ? 1 : -1;
  return a === b ? 0 : a > b ? 1 : -1;
}

const isLive = (r: Reservation): boolean => r.state === 'held' || r.state === 'await';

function addHeld(a: HeldAmounts, b: HeldAmounts, sign: 1n | -1n): HeldAmounts {
  return { cost: a.cost + sign * b.cost, tokens: a.tokens + sign * b.tokens, requests: a.requests + sign * b.requests, price: a.price + sign * b.price };
}

export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory' as const;
  readonly keys: CounterKeys;
  private readonly clock: () => number;
  private readonly purgeLimit: number;
  private readonly counters = new Map<string, Counter>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly marksByKey = new Map<string, Map<string, string>>();
  private readonly expiry = new Map<string, number>();
  private readonly slots = new Map<string, SlotState>();
  /** Epoch markers (region and slot markers) by key, and region rebuild locks (see ../epoch.ts). */
  private readonly markers = new Map<string, string>();
  private readonly regionLocks = new Map<string, { token: string; until: number }>();

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.keys = new CounterKeys(options.prefix);
    this.clock = options.clock ?? Date.now;
    this.purgeLimit = options.purgeLimit ?? 20;
  }

  // ─── storage helpers ────────────────────────────────────────────────────

  private expired(key: string): boolean {
    const at = this.expiry.get(key);
    if (at === undefined || at > this.clock()) return false;
    this.counters.delete(key);
    this.sets.delete(key);
    this.marksByKey.delete(key);
    this.expiry.delete(key);
    return true;
  }

  private counter(key: string): Counter | undefined {
    return this.expired(key) ? undefined : this.counters.get(key);
  }

  private counterOrNew(key: string): Counter {
    let c = this.counter(key);
    if (!c) {
      c = { used: zeroUsage(), held: ZERO_HELD };
      this.counters.set(key, c);
    }
    return c;
  }

  private set(key: string): Set<string> | undefined {
    return this.expired(key) ? undefined : this.sets.get(key);
  }

  private slot(slot: Slot): SlotState {
    const tag = this.keys.tag(slot);
    let s = this.slots.get(tag);
    if (!s) {
      s = { fence: new Map(), version: null, lock: null, reservations: new Map(), index: new Map(), awaiting: new Map(), grantSettles: new Map() };
      this.slots.set(tag, s);
    }
    if (s.lock && s.lock.until <= this.clock()) s.lock = null;
    return s;
  }

  private value(key: string): CounterValue {
    const c = this.counter(key);
    return c ? { used: c.used, held: c.held } : { used: zeroUsage(), held: ZERO_HELD };
  }

  // ─── reservations (reservations.lua) ────────────────────────────────────

  private moveHolds(r: Reservation, sign: 1n | -1n): void {
    for (const key of r.keys) {
      const c = sign > 0n ? this.counterOrNew(key) : this.counter(key);
      if (c) c.held = addHeld(c.held, r.amounts, sign);
    }
  }

  private finish(s: SlotState, id: string, r: Reservation, now: number, state: ReservationState): void {
    this.moveHolds(r, -1n);
    if (r.awaiting !== null) s.awaiting.delete(r.awaiting);
    s.reservations.set(id, { state, keys: [], amounts: ZERO_HELD, awaiting: null });
    s.index.set(id, now + TOMBSTONE_MS);
  }

  private purge(s: SlotState, now: number): void {
    const due = [...s.index.entries()].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.purgeLimit);
    for (const [id] of due) {
      const r = s.reservations.get(id);
      if (r && isLive(r)) this.finish(s, id, r, now, 'expired');
      else {
        s.reservations.delete(id);
        s.index.delete(id);
        s.grantSettles.delete(id);
      }
    }
  }

  // ─── epoch (epoch-2.lua and the checks of apply, read, reserve, swap) ───

  private live(slot: Slot): boolean {
    return this.markers.has(this.keys.regionMarker(this.keys.region(slot))) || this.markers.has(this.keys.slotMarker(slot));
  }

  private regionLock(region: string): { token: string; until: number } | undefined {
    const lock = this.regionLocks.get(region);
    if (lock && lock.until <= this.clock()) {
      this.regionLocks.delete(region);
      return undefined;
    }
    return lock;
  }

  async lostRegions(): Promise<string[]> {
    const region = this.keys.region(null);
    return this.markers.has(this.keys.regionMarker(region)) ? [] : [region];
  }

  async claimRegion(region: string, token: string, ttlMs: number): Promise<RegionClaim> {
    if (this.markers.has(this.keys.regionMarker(region))) return 'live';
    const lock = this.regionLock(region);
    if (lock && lock.token !== token) return 'busy';
    this.regionLocks.set(region, { token, until: this.clock() + ttlMs });
    return 'claimed';
  }

  async markRegion(region: string, token: string, epoch: string): Promise<boolean> {
    const lock = this.regionLock(region);
    if (lock && lock.token !== token) return false;
    this.markers.set(this.keys.regionMarker(region), epoch);
    this.regionLocks.delete(region);
    return true;
  }

  async releaseRegion(region: string, token: string): Promise<void> {
    if (this.regionLock(region)?.token === token) this.regionLocks.delete(region);
  }

  // ─── the port ───────────────────────────────────────────────────────────

  async apply(req: ApplyRequest): Promise<ApplyResult> {
    if (req.epoch === true && !this.live(req.slot)) throw failure(STATUS.LOST, { script: 'apply', slot: req.slot, slots: [req.slot] });
    const s = this.slot(req.slot);
    if (s.lock) throw failure(STATUS.LOCKED, { script: 'apply', slot: req.slot });
    if (s.version !== null && dcmp(s.version, req.version) > 0) {
      throw failure(STATUS.STALE_BUDGETS, { script: 'apply', slot: req.slot, requiredVersion: s.version });
    }
    if (s.version === null || dcmp(req.version, s.version) > 0) s.version = req.version;

    const dedupKeys = dedupIndexes(req.now, req.dedup).map((i) => this.keys.dedup(req.slot, i));
    const fence = req.fence === null ? undefined : s.fence.get(req.fence);
    let highest = fence;
    const sums = new Map<number, UsageAmounts>();
    let applied = 0;
    let fenced = 0;
    let duplicates = 0;
    let released = 0;
    for (const e of req.events) {
      if (req.fence !== null && e.offset !== null) {
        if (fence !== undefined && dcmp(e.offset, fence) <= 0) {
          fenced++;
          continue;
        }
        if (highest === undefined || dcmp(e.offset, highest) > 0) highest = e.offset;
      }
      if (dedupKeys.some((k) => this.set(k)?.has(e.dedupId))) {
        duplicates++;
        continue;
      }
      applied++;
      const current = dedupKeys[0];
      if (current !== undefined) {
        let set = this.set(current);
        if (!set) {
          set = new Set();
          this.sets.set(current, set);
        }
        set.add(e.dedupId);
      }
      for (const i of e.counters) sums.set(i, addUsage(sums.get(i) ?? zeroUsage(), e.usage));
      const rid = s.awaiting.get(e.dedupId);
      if (rid !== undefined) {
        const r = s.reservations.get(rid);
        if (r && isLive(r)) {
          this.finish(s, rid, r, req.now, 'consumed');
          released++;
        } else s.awaiting.delete(e.dedupId);
      }
    }
    if (applied > 0 && dedupKeys[0] !== undefined) this.expiry.set(dedupKeys[0], dedupExpireAt(req.now, req.dedup));
    if (req.fence !== null && highest !== undefined && highest !== fence) s.fence.set(req.fence, highest);
    for (const [i, u] of sums) {
      const target = req.counters[i];
      if (!target) continue;
      const c = this.counterOrNew(target.key);
      c.used = addUsage(c.used, u);
      this.expiry.set(target.key, target.expireAt);
    }
    return { applied, fenced, duplicates, released, values: req.readBack.map((k) => this.value(k)) };
  }

  async read(req: ReadRequest): Promise<CounterValue[]> {
    const lost = req.epoch === true ? req.groups.filter((g) => g.keys.length > 0 && !this.live(g.slot)) : [];
    if (lost.length > 0) throw countersLost(lost.map((g) => g.slot));
    for (const g of req.groups) this.purge(this.slot(g.slot), req.now);
    return req.groups.flatMap((g) => g.keys.map((k) => this.value(k)));
  }

  async reserve(req: ReserveRequest): Promise<ReserveResult> {
    const lost = req.epoch === true ? req.parts.filter((p) => !this.live(p.slot)) : [];
    if (lost.length > 0) throw countersLost(lost.map((p) => p.slot));
    const states = req.parts.map((p) => this.slot(p.slot));
    for (const s of states) this.purge(s, req.now);
    const readAll = (): CounterValue[] => req.parts.flatMap((p) => p.read.map((k) => this.value(k)));
    for (let i = 0; i < req.parts.length; i++) {
      const checks = req.parts[i]?.checks ?? [];
      for (let j = 0; j < checks.length; j++) {
        const check = checks[j];
        if (!check) continue;
        let total = check.amount;
        for (const k of check.keys) {
          const v = this.value(k);
          total += usedOf(v, check.field) + heldOf(v, check.field);
        }
        if (total > check.limit) return { granted: false, refused: { part: i, check: j }, values: readAll() };
      }
    }
    req.parts.forEach((part, i) => {
      const s = states[i];
      if (!s) return;
      const r: Reservation = { state: 'held', keys: part.holds.map((h) => h.key), amounts: req.hold, awaiting: null };
      this.moveHolds(r, 1n);
      for (const h of part.holds) this.expiry.set(h.key, h.expireAt);
      s.reservations.set(req.id, r);
      s.index.set(req.id, req.expireAt);
    });
    return { granted: true, refused: null, values: readAll() };
  }

  async lease(req: LeaseRequest): Promise<LeaseResult> {
    const lost = req.epoch === true ? req.parts.filter((p) => !this.live(p.slot)) : [];
    if (lost.length > 0) throw countersLost(lost.map((p) => p.slot));
    const states = req.parts.map((p) => this.slot(p.slot));
    for (const s of states) this.purge(s, req.now);
    // The previous hold is the lease's own room: release it before checking.
    for (const s of states) {
      const old = s.reservations.get(req.id);
      if (old && isLive(old)) this.moveHolds(old, -1n);
    }
    let refused = false;
    for (const part of req.parts) {
      for (const check of part.checks) {
        let total = check.amount;
        for (const k of check.keys) {
          const v = this.value(k);
          total += usedOf(v, check.field) + heldOf(v, check.field);
        }
        if (total > check.limit) refused = true;
      }
    }
    const amounts = refused ? req.floor : req.hold;
    req.parts.forEach((part, i) => {
      const s = states[i];
      if (!s) return;
      const r: Reservation = { state: 'held', keys: part.holds.map((h) => h.key), amounts, awaiting: null };
      this.moveHolds(r, 1n);
      for (const h of part.holds) this.expiry.set(h.key, h.expireAt);
      s.reservations.set(req.id, r);
      s.index.set(req.id, req.expireAt);
    });
    return { granted: req.parts.map(() => !refused), values: req.parts.flatMap((p) => p.read.map((k) => this.value(k))) };
  }

  async grants(req: GrantSettleRequest): Promise<GrantSettleResult> {
    const s = this.slot(req.slot);
    let settles = s.grantSettles.get(req.lease);
    if (req.mode === 'take') {
      const taken: { grant: string; mode: 'release' | 'move' }[] = [];
      for (const [grant, mode] of settles ?? []) {
        if (mode !== 'r' && mode !== 'm') continue;
        taken.push({ grant, mode: mode === 'm' ? 'move' : 'release' });
        settles?.set(grant, mode.toUpperCase());
      }
      return { outcome: 'recorded', taken };
    }
    const lease = s.reservations.get(req.lease);
    if (!lease || !isLive(lease) || (s.index.get(req.lease) ?? 0) <= req.now) return { outcome: 'gone', taken: [] };
    if (settles?.has(req.grant)) return { outcome: 'already', taken: [] };
    if (!settles) {
      settles = new Map();
      s.grantSettles.set(req.lease, settles);
    }
    settles.set(req.grant, req.mode === 'move' ? 'm' : 'r');
    if (req.mode === 'move') {
      const r: Reservation = { state: 'held', keys: [...lease.keys], amounts: req.hold, awaiting: null };
      this.moveHolds(r, 1n);
      s.reservations.set(req.grant, r);
      s.index.set(req.grant, req.expireAt);
    }
    return { outcome: 'recorded', taken: [] };
  }

  async settle(req: SettleRequest): Promise<SettleOutcome> {
    const s = this.slot(req.slot);
    const r = s.reservations.get(req.id);
    if (!r) throw failure(STATUS.NOT_FOUND, { script: 'settle', slot: req.slot, id: req.id });
    if (!isLive(r)) return r.state === 'expired' && req.reportExpired === true ? 'expired' : 'already';
    if ((s.index.get(req.id) ?? 0) <= req.now) {
      this.finish(s, req.id, r, req.now, 'expired');
      return req.reportExpired === true ? 'expired' : 'already';
    }
    if (req.awaitEvent === null) {
      this.finish(s, req.id, r, req.now, 'settled');
      return 'released';
    }
    const member = req.awaitEvent;
    if (dedupIndexes(req.now, req.dedup).some((i) => this.set(this.keys.dedup(req.slot, i))?.has(member))) {
      this.finish(s, req.id, r, req.now, 'settled');
      return 'released';
    }
    if (req.actual) {
      this.moveHolds(r, -1n);
      r.amounts = req.actual;
      this.moveHolds(r, 1n);
    }
    if (r.awaiting !== null && r.awaiting !== member) s.awaiting.delete(r.awaiting);
    r.state = 'await';
    r.awaiting = member;
    s.awaiting.set(member, req.id);
    s.index.set(req.id, req.awaitExpireAt);
    return 'awaiting';
  }

  async marks(req: MarksRequest): Promise<boolean[]> {
    return req.entries.map((e) => {
      if (this.expired(e.key)) this.marksByKey.delete(e.key);
      let hash = this.marksByKey.get(e.key);
      if (!hash) {
        hash = new Map();
        this.marksByKey.set(e.key, hash);
      }
      const v = hash.get(e.field);
      let changed = false;
      if (req.mode === 'claim') {
        if (v === undefined) {
          hash.set(e.field, req.token === '' ? 's' : `c|${req.token}|${req.lastOffset}`);
          changed = true;
        } else if (v !== 's') {
          const sep = v.lastIndexOf('|');
          const owner = v.slice(2, sep);
          const claimedAt = v.slice(sep + 1);
          if (owner === req.token) {
            if (req.firstOffset !== '' && claimedAt !== '' && dcmp(req.firstOffset, claimedAt) > 0) hash.set(e.field, 's');
            else changed = true;
          }
        }
      } else if (v !== 's') {
        hash.set(e.field, 's');
        changed = true;
      }
      if (changed || v === undefined) this.expiry.set(e.key, e.expireAt);
      return changed;
    });
  }

  async snapshot(req: SnapshotRequest): Promise<FenceSnapshot> {
    const s = this.slot(req.slot);
    if (req.lockToken !== null) {
      if (s.lock && s.lock.token !== req.lockToken) throw failure(STATUS.BUSY, { script: 'snapshot', slot: req.slot });
      s.lock = { token: req.lockToken, until: this.clock() + req.lockTtlMs };
    }
    if (s.version === null || dcmp(req.minVersion, s.version) > 0) s.version = req.minVersion;
    return { version: s.version, fence: Object.fromEntries(s.fence) };
  }

  async swap(req: SwapRequest): Promise<SwapOutcome> {
    const s = this.slot(req.slot);
    if (req.onlyIfLost === true && this.live(req.slot)) {
      if (req.lockToken !== null && s.lock?.token === req.lockToken) s.lock = null;
      return 'live';
    }
    const expected = Object.entries(req.expected);
    if (expected.length !== s.fence.size || expected.some(([f, o]) => s.fence.get(f) !== o)) return 'fence_moved';
    for (const [f, o] of Object.entries(req.establish)) s.fence.set(f, o);
    for (const c of req.counters) {
      const classes: Partial<Record<TokenClass, bigint>> = {};
      for (const k of TOKEN_CLASSES) {
        const v = c.used.classes[k] ?? 0n;
        if (v !== 0n) classes[k] = v;
      }
      const used: UsageAmounts = { cost: c.used.cost, tokens: c.used.tokens, requests: c.used.requests, classes, price: c.used.price };
      const existing = this.counter(c.key);
      const empty = used.cost === 0n && used.tokens === 0n && used.requests === 0n && used.price === 0n && Object.keys(classes).length === 0;
      if (existing) existing.used = used;
      else if (!empty) this.counters.set(c.key, { used, held: ZERO_HELD });
      const now = this.counter(c.key);
      if (now && empty && now.held.cost === 0n && now.held.tokens === 0n && now.held.requests === 0n && now.held.price === 0n) this.counters.delete(c.key);
      else if (now) this.expiry.set(c.key, c.expireAt);
    }
    if (req.markLive !== undefined) this.markers.set(this.keys.slotMarker(req.slot), req.markLive);
    if (req.lockToken !== null && s.lock?.token === req.lockToken) s.lock = null;
    return 'swapped';
  }

  async clear(): Promise<number> {
    const n = this.counters.size + this.sets.size + this.marksByKey.size + this.slots.size;
    this.counters.clear();
    this.sets.clear();
    this.marksByKey.clear();
    this.expiry.clear();
    this.slots.clear();
    this.markers.clear();
    this.regionLocks.clear();
    return n;
  }

  async close(): Promise<void> {}
}
