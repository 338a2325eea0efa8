/**
 * Planning: which counters a batch of events touches (one apply request per
 * slot) and which budgets to evaluate afterwards for threshold crossings;
 * which counters a subject's budgets read. Pure apart from the caches.
 */
import type { CounterDim, CounterKeys, Slot } from '../counters/keys.js';
import { fieldsFor } from '../counters/fields.js';
import type { ApplyEvent, ApplyRequest, CounterTarget, DedupWindow, HeldAmounts, ReadGroup, ReservePart } from '../counters/types.js';
import type { BudgetSet, CompiledBudget, CounterSpec } from './catalog.js';
import { bucketAt, bucketExpiry, windowAt, type Bucket, type Period, type PeriodWindow } from './periods.js';
import { eventDims, type DimValues } from './scope.js';
import type { ApplyBatch } from './types.js';
import { estimateFor, eventUsage } from './usage.js';
import { lateExpiry, lateKey, previousBucket } from './late.js';
import type { ProvisionalCost } from '../pricing/provisional.js';

/** Remembers the last bucket and window per period: events of one batch nearly always share them. */
export class BucketCache {
  private readonly buckets = new Map<string, Bucket>();
  private readonly windows = new Map<string, PeriodWindow>();
  private readonly previousBuckets = new Map<string, { readonly start: number; readonly bucket: Bucket | null }>();

  bucket(periodKey: string, period: Period, at: number): Bucket {
    const b = this.buckets.get(periodKey);
    if (b && b.start <= at && at < b.end) return b;
    const fresh = bucketAt(period, at);
    this.buckets.set(periodKey, fresh);
    return fresh;
  }

  /**
   * The calendar bucket before the window starting at `start` (whose late ledger a status reads, late.ts), or null
   * for rolling windows; cached per period and start. Worked out from the time zone's rules, this was most of a
   * subject's first check in a period (~0.3 ms), and it is the same for every subject of the period.
   */
  previous(periodKey: string, period: Period, start: number): Bucket | null {
    const hit = this.previousBuckets.get(periodKey);
    if (hit && hit.start === start) return hit.bucket;
    const bucket = previousBucket(period, start);
    this.previousBuckets.set(periodKey, { start, bucket });
    return bucket;
  }

  /** The window at `now`; cached while `now` stays inside its last bucket. */
  window(periodKey: string, period: Period, now: number): PeriodWindow {
    const w = this.windows.get(periodKey);
    const last = w?.buckets[w.buckets.length - 1];
    if (w && last && last.start <= now && now < last.end) return w;
    const fresh = windowAt(period, now);
    this.windows.set(periodKey, fresh);
    return fresh;
  }
}

/** A unique key per budget period (rolling windows of one granularity differ in length). */
export function periodKey(b: CompiledBudget): string {
  return b.period.kind === 'rolling' ? `r${b.period.windowMinutes}` : b.periodId;
}

export interface PlanContext {
  readonly keys: CounterKeys;
  readonly now: number;
  readonly graceMs: number;
  readonly dedup: DedupWindow;
  readonly cache: BucketCache;
  /** Prices unpriced events provisionally (usage.ts). */
  readonly provisional?: ProvisionalCost;
}

/** After an apply: one budget × counter identity to evaluate for crossings. */
export interface Watch {
  readonly budget: CompiledBudget;
  readonly slot: Slot;
  readonly values: DimValues;
  readonly dims: readonly CounterDim[];
  readonly window: PeriodWindow;
  /** Counter keys of the window's buckets, oldest first. */
  readonly keys: readonly string[];
  /** Mark bucket: the calendar label, or `w<n>` for the n-th window-length interval since the epoch. */
  readonly markBucket: string;
  readonly markExpireAt: number;
}

export interface SlotApply {
  readonly slot: Slot;
  readonly request: ApplyRequest;
  readonly watches: readonly Watch[];
  /** Counters of closed periods (late ledgers, late.ts) this request adds to, by period label. */
  readonly late: readonly string[];
}

interface SlotBuilder {
  counters: CounterTarget[];
  index: Map<string, number>;
  events: ApplyEvent[];
  watches: Map<string, Watch>;
  late: Set<string>;
}

function counterKey(keys: CounterKeys, spec: { periodId: string }, slot: Slot, bucket: Bucket, dims: readonly CounterDim[]): string {
  return keys.counter({ slot, period: spec.periodId, bucket: bucket.label, dims });
}

/** The keys a budget's window reads for one counter identity. */
export function windowKeys(keys: CounterKeys, b: CompiledBudget, slot: Slot, window: PeriodWindow, dims: readonly CounterDim[]): string[] {
  return window.buckets.map((bucket) => counterKey(keys, b, slot, bucket, dims));
}

/** The crossing watch of a budget for one event (or, with `at = now`, for the current window). */
export function watchFor(ctx: Pick<PlanContext, 'keys' | 'now' | 'graceMs' | 'cache'>, b: CompiledBudget, values: DimValues, at: number): Watch | null {
  const slot = b.scope.slotOf(values);
  const dims = b.scope.counterDims(values);
  let window: PeriodWindow;
  let markBucket: string;
  let markExpireAt: number;
  if (b.period.kind === 'rolling') {
    window = ctx.cache.window(periodKey(b), b.period, ctx.now);
    if (at < window.start || at >= window.resetsAt) return null;
    const length = b.period.windowMinutes * 60_000;
    const n = Math.floor(ctx.now / length);
    markBucket = `w${n}`;
    markExpireAt = (n + 1) * length + ctx.graceMs;
  } else {
    const bucket = ctx.cache.bucket(b.periodId, b.period, at);
    window = { start: bucket.start, resetsAt: bucket.end, buckets: [bucket] };
    markBucket = bucket.label;
    markExpireAt = bucket.end + ctx.graceMs;
  }
  return { budget: b, slot, values, dims, window, keys: windowKeys(ctx.keys, b, slot, window, dims), markBucket, markExpireAt };
}

function slotKey(slot: Slot): string {
  return slot === null ? '' : `t${slot}`;
}

/**
 * One apply request per slot: every tenant with events and the global slot
 * (once any budget exists). Events land in the bucket of their `occurred_at`; events whose
 * bucket has already expired (later than its period plus grace) count nowhere.
 */
export function planApply(set: BudgetSet, batch: ApplyBatch, ctx: PlanContext): SlotApply[] {
  const slots = new Map<string, { slot: Slot; b: SlotBuilder }>();
  const builder = (slot: Slot): SlotBuilder => {
    const k = slotKey(slot);
    let s = slots.get(k);
    if (!s) {
      s = { slot, b: { counters: [], index: new Map(), events: [], watches: new Map(), late: new Set() } };
      slots.set(k, s);
    }
    return s.b;
  };
  const fence = ctx.keys.fenceField(batch.topic, batch.partition);

  for (const e of batch.events) {
    const values = eventDims(e);
    const tenant = e.event.tenant;
    const at = Date.parse(e.event.occurred_at);
    const usage = eventUsage(e, ctx.provisional);
    const offset = e.source ? e.source.offset : null;
    const perSlot = new Map<string, number[]>();
    const touch = (slot: Slot): number[] => {
      const k = slotKey(slot);
      let list = perSlot.get(k);
      if (!list) {
        list = [];
        perSlot.set(k, list);
        builder(slot);
      }
      return list;
    };
    const specs = set.specsFor(tenant);
    // As soon as any budget exists, every tenant with events and the global slot get their call, even
    // with nothing to count: the call checks the slot's version gate (a reconcile that backfills a new
    // budget relies on it to refuse processors still on an older budget set), moves the fence,
    // remembers ids and releases reservations awaiting these events.
    if (set.specs.length > 0) {
      touch(tenant);
      touch(null);
    }

    for (const spec of specs) {
      if (!spec.scope.matches(values)) continue;
      let target = specTarget(ctx, spec, values, at);
      const late = target === null;
      target ??= lateTarget(ctx, spec, values, at);
      if (!target) continue;
      const slot = spec.scope.slotOf(values);
      const b = builder(slot);
      if (late) b.late.add(`${spec.periodId} ${ctx.cache.bucket(spec.periodId, spec.period, at).label}`);
      let i = b.index.get(target.key);
      if (i === undefined) {
        i = b.counters.length;
        b.counters.push(target);
        b.index.set(target.key, i);
      }
      const list = touch(slot);
      if (!list.includes(i)) list.push(i);
    }
    for (const budget of set.applicable(values)) {
      const w = watchFor(ctx, budget, values, at);
      if (!w || bucketExpired(ctx, budget.period, w.window.buckets[w.window.buckets.length - 1], at)) continue;
      const b = builder(w.slot);
      const id = `${budget.budget.id}|${w.keys[w.keys.length - 1] ?? ''}`;
      if (!b.watches.has(id)) b.watches.set(id, w);
    }
    for (const [k, list] of perSlot) {
      const s = slots.get(k);
      if (!s) continue;
      const dedupId = ctx.keys.dedupMember(s.slot, tenant, e.event.event_id);
      s.b.events.push({ offset, dedupId, usage, counters: list });
    }
  }

  return [...slots.values()].map(({ slot, b }) => {
    const watches = [...b.watches.values()];
    const readBack = [...new Set(watches.flatMap((w) => w.keys))];
    const fields = fieldsFor(watches.map((w) => w.budget.field), false);
    const request: ApplyRequest = {
      slot,
      now: ctx.now,
      version: set.version,
      fence: batch.events.some((e) => e.source) ? fence : null,
      dedup: ctx.dedup,
      counters: b.counters,
      events: b.events,
      readBack,
      fields,
    };
    return { slot, request, watches, late: [...b.late] };
  });
}

function bucketExpired(ctx: PlanContext, period: Period, bucket: Bucket | undefined, at: number): boolean {
  const b = bucket ?? bucketAt(period, at);
  return bucketExpiry(period, b, ctx.graceMs) <= ctx.now;
}

/** Where an event counts whose period's counters have expired: its period's late ledger (late.ts); rolling windows have none (nor lifetime periods, which never expire). */
function lateTarget(ctx: PlanContext, spec: CounterSpec, values: DimValues, at: number): CounterTarget | null {
  if (spec.period.kind === 'rolling' || spec.period.kind === 'lifetime') return null;
  const bucket = ctx.cache.bucket(spec.periodId, spec.period, at);
  const slot = spec.scope.slotOf(values);
  return { key: lateKey(ctx.keys, spec.periodId, slot, bucket, spec.scope.counterDims(values)), expireAt: lateExpiry(spec.period, bucket, ctx.now, ctx.graceMs) };
}

function specTarget(ctx: PlanContext, spec: CounterSpec, values: DimValues, at: number): CounterTarget | null {
  const bucket = ctx.cache.bucket(spec.periodId, spec.period, at);
  const expireAt = bucketExpiry(spec.period, bucket, ctx.graceMs);
  if (expireAt <= ctx.now) return null;
  const slot = spec.scope.slotOf(values);
  return { key: counterKey(ctx.keys, spec, slot, bucket, spec.scope.counterDims(values)), expireAt };
}

/** What a subject's budgets read at `now`: per budget, its window and keys; grouped by slot for one read. */
export interface ReadPlan {
  /** Per budget: its window, slot and keys; `late`: the previous period's late ledger, read right after `keys` (calendar periods). */
  readonly entries: readonly { readonly budget: CompiledBudget; readonly window: PeriodWindow; readonly slot: Slot; readonly keys: readonly string[]; readonly targets: readonly CounterTarget[]; readonly late: { readonly key: string; readonly bucket: Bucket } | null }[];
  readonly groups: readonly ReadGroup[];
  /** Offsets of each entry's values in the flattened read result. */
  readonly offsets: readonly number[];
  /** The counter fields these budgets read (used and held). */
  readonly fields: readonly string[];
}

export function planRead(budgets: readonly CompiledBudget[], values: DimValues, ctx: Pick<PlanContext, 'keys' | 'now' | 'graceMs' | 'cache'>): ReadPlan {
  const entries = budgets.map((b) => {
    const window = ctx.cache.window(periodKey(b), b.period, ctx.now);
    const slot = b.scope.slotOf(values);
    const dims = b.scope.counterDims(values);
    const keys = windowKeys(ctx.keys, b, slot, window, dims);
    const current = window.buckets[window.buckets.length - 1];
    const targets = current ? [{ key: keys[keys.length - 1] ?? '', expireAt: bucketExpiry(b.period, current, ctx.graceMs) }] : [];
    const previous = ctx.cache.previous(periodKey(b), b.period, window.start);
    const late = previous ? { key: lateKey(ctx.keys, b.periodId, slot, previous, dims), bucket: previous } : null;
    return { budget: b, window, slot, keys, targets, late };
  });
  // Group by slot, keeping the order of entries within a slot.
  const order: Slot[] = [];
  const bySlot = new Map<string, string[]>();
  for (const e of entries) {
    const k = slotKey(e.slot);
    if (!bySlot.has(k)) {
      bySlot.set(k, []);
      order.push(e.slot);
    }
  }
  const positions: { slot: string; index: number }[] = [];
  for (const e of entries) {
    const list = bySlot.get(slotKey(e.slot)) ?? [];
    positions.push({ slot: slotKey(e.slot), index: list.length });
    list.push(...e.keys);
    if (e.late) list.push(e.late.key);
  }
  const groups = order.map((slot) => ({ slot, keys: bySlot.get(slotKey(slot)) ?? [] }));
  const base = new Map<string, number>();
  let acc = 0;
  for (const g of groups) {
    base.set(slotKey(g.slot), acc);
    acc += g.keys.length;
  }
  const offsets = positions.map((p) => (base.get(p.slot) ?? 0) + p.index);
  return { entries, groups, offsets, fields: fieldsFor(budgets.map((b) => b.field), true) };
}

/** One reserve part per slot: checks for hard budgets, holds on every budget's current counter. */
export function reserveParts(plan: ReadPlan, hold: HeldAmounts): ReservePart[] {
  const parts = new Map<Slot, { checks: ReservePart['checks'][number][]; holds: Map<string, CounterTarget>; read: string[] }>();
  for (const e of plan.entries) {
    let p = parts.get(e.slot);
    if (!p) {
      p = { checks: [], holds: new Map(), read: [] };
      parts.set(e.slot, p);
    }
    if (e.budget.hard) p.checks.push({ field: e.budget.field, keys: e.keys, limit: e.budget.limit, amount: estimateFor(e.budget.field, hold) });
    for (const t of e.targets) p.holds.set(t.key, t);
    for (const k of e.late ? [...e.keys, e.late.key] : e.keys) if (!p.read.includes(k)) p.read.push(k);
  }
  return [...parts].map(([slot, p]) => ({ slot, checks: p.checks, holds: [...p.holds.values()], read: p.read }));
}
