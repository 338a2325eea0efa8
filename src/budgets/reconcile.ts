/**
 * Reconcile: rebuild counters from the analytics store, the source of truth —
 * after Redis was flushed or lost, for a budget whose scope shape is new (its
 * counters were never kept), or to apply spend corrections.
 *
 * Per slot (tenant, or global), exactly, under a live processor:
 *
 *   1. snapshot: raise the slot's version gate to this budget set (from now on
 *      every apply to the slot counts the reconciled scopes, or is refused and
 *      reloads its budgets) and read the fence F (offset per partition);
 *   2. partitions absent from F (Redis lost them) are established at the
 *      highest offset the store holds for them;
 *   3. sum the store's events per counter and bucket, counting events from
 *      the log only at or below F (or the established offset);
 *   4. swap: replace the counters' used values (holds stay) only if the fence
 *      is still exactly F (compare-and-swap in one Lua call); else go to 1.
 *
 * Applies after the swap count exactly the events above F, so counters equal
 * the store. After two optimistic attempts a reconcile takes the slot's lock
 * (applies to that slot wait, retriably) so it cannot starve under load; big
 * swaps are sent in chunks under the lock.
 */
import { ZERO_HELD, ZERO_USAGE, addUsage } from '../counters/fields.js';
import { randomUUID } from 'node:crypto';
import { TallyError } from '../core/errors.js';
import { parseFenceField, type Slot } from '../counters/keys.js';
import type { CounterStore, CounterValue, FenceSnapshot, SwapCounter, UsageAmounts } from '../counters/types.js';
import type { ScopeDimension } from '../core/dimensions.js';
import type { SourcePosition } from '../pipeline/types.js';
import type { DimensionFilter, UsageSums } from '../store/operations/counter-source.js';
import type { AnalyticsStore } from '../store/types.js';
import { candidates, crossingOf } from './alerts.js';
import type { ThresholdCrossing } from './types.js';
import type { BudgetSet, CompiledBudget, CounterSpec } from './catalog.js';
import { bucketExpiry, windowAt, type Bucket } from './periods.js';
import { BucketCache, watchFor, type Watch } from './plan.js';
import { lateExpiry, lateKey } from './late.js';
import type { DimValues, ScopeDim } from './scope.js';
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';
import type { ProvisionalCost } from '../pricing/provisional.js';

/** What reconcile reads of the analytics store: the counter source. */
export type ReconcileSource = Pick<AnalyticsStore, 'counters'>;

/** What reconcile needs of the engine: its counters, clock, grace and budgets (BudgetEngine has them). */
export interface ReconcileTarget {
  readonly counters: CounterStore;
  readonly graceMs: number;
  /** How unpriced events count toward cost (the engine's provisional prices), if at all. */
  readonly provisional?: ProvisionalCost | undefined;
  now(): number;
  current(): BudgetSet;
}

export interface ReconcileOptions {
  /** Only this budget's counters. Default: every budget. */
  readonly budgetId?: string;
  /** The instant whose periods (windows) are rebuilt. Default now. */
  readonly at?: number;
  /** Only these tenants (and no global scopes unless `global` is true). */
  readonly tenants?: readonly string[];
  readonly global?: boolean;
  /**
   * Wait this long before listing tenants, so every process has loaded a budget
   * change first (use more than the budget poll interval after creating a budget).
   */
  readonly settleMs?: number;
  /** Mark thresholds the rebuilt counters already reach as alerted (no alert storm after Redis loss). Default true. */
  readonly sealAlerts?: boolean;
  /**
   * Instead of sealing them, alert the thresholds the rebuilt counters already
   * reach, once: they are claimed like an apply's crossings and returned in
   * `crossings` for the caller to publish. For a budget that is new (its
   * backfill), whose crossings nobody was told of; not after a counter loss.
   * Default false.
   */
  readonly alertCrossed?: boolean;
  /** Attempts per slot before giving up. Default 6. */
  readonly maxAttempts?: number;
  /** Attempts without the lock before taking it. Default 2. */
  readonly lockAfter?: number;
  /** Counters per swap call under the lock. Default 1000. */
  readonly chunkSize?: number;
  readonly onProgress?: (done: number, total: number, slot: Slot) => void;
}

export interface ReconcileResult {
  /** Slots rebuilt (tenants plus the global slot). */
  readonly slots: number;
  /** Counters written. */
  readonly counters: number;
  /** Swaps that found the fence moved and computed again. */
  readonly retries: number;
  /** Slots that needed the lock. */
  readonly locked: number;
  /** Alert marks sealed. */
  readonly sealed: number;
  /** Thresholds alerted (with `alertCrossed`). */
  readonly alerted: number;
  /** The crossings to publish (with `alertCrossed`). */
  readonly crossings: readonly ThresholdCrossing[];
}

interface SpecPlan {
  readonly spec: CounterSpec;
  readonly budgets: readonly CompiledBudget[];
  /** Buckets to rebuild, oldest first, all of one width for rolling specs. */
  readonly buckets: readonly Bucket[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The specs and buckets to rebuild: the periods open at `at`. A calendar
 * period whose counters have expired is rebuilt only when asked for by
 * `at` (`explicit`): that is how late events are brought in (late.ts).
 */
function plansFor(set: BudgetSet, budgets: readonly CompiledBudget[], at: number, now: number, graceMs: number, explicit: boolean): SpecPlan[] {
  const bySpec = new Map<string, { spec: CounterSpec; budgets: CompiledBudget[]; buckets: Map<string, Bucket> }>();
  for (const b of budgets) {
    const spec = set.specs.find((s) => s.id === b.specId);
    if (!spec) continue;
    let p = bySpec.get(spec.id);
    if (!p) {
      p = { spec, budgets: [], buckets: new Map() };
      bySpec.set(spec.id, p);
    }
    p.budgets.push(b);
    for (const bucket of windowAt(b.period, at).buckets) {
      if (bucketExpiry(b.period, bucket, graceMs) > now || (explicit && b.period.kind !== 'rolling')) p.buckets.set(bucket.label, bucket);
    }
  }
  return [...bySpec.values()]
    .map((p) => ({ spec: p.spec, budgets: p.budgets, buckets: [...p.buckets.values()].sort((x, y) => x.start - y.start) }))
    .filter((p) => p.buckets.length > 0);
}

function usageOf(row: UsageSums): UsageAmounts {
  const classes: Partial<Record<TokenClass, bigint>> = {};
  for (const c of TOKEN_CLASSES) {
    const v = row.classes[c];
    if (v !== 0n) classes[c] = v;
  }
  return { cost: row.cost, tokens: row.tokens, requests: row.requests, classes, price: row.price };
}

/**
 * A scope's dimensions other than tenant, as the store's filters. A model
 * family is read per model (`each`) and its members summed here: the store
 * knows models, not families.
 */
function storeFilters(dims: readonly ScopeDim[]): DimensionFilter[] {
  const out: DimensionFilter[] = [];
  for (const d of dims) if (d.dim !== 'tenant') out.push({ dim: d.dim, kind: d.family ? 'each' : d.kind, value: d.value });
  return out;
}



function literalValues(spec: CounterSpec): Partial<Record<ScopeDimension, string>> {
  const out: Partial<Record<ScopeDimension, string>> = {};
  for (const d of spec.scope.dims) if (d.kind === 'literal') out[d.dim] = d.value;
  return out;
}

/** The store's usage of one spec in one slot, as counters; identities seen, for sealing. */
async function computeSpec(
  engine: ReconcileTarget,
  store: ReconcileSource,
  slot: Slot,
  plan: SpecPlan,
  fence: readonly SourcePosition[],
): Promise<{ counters: SwapCounter[]; identities: DimValues[] }> {
  const { spec, buckets } = plan;
  const first = buckets[0] as Bucket;
  const last = buckets[buckets.length - 1] as Bucket;
  const step = spec.period.kind === 'rolling' ? first.end - first.start : last.end - first.start;
  const rows = await store.counters.sums({ tenant: slot, from: first.start, to: last.end, step, dims: storeFilters(spec.scope.dims), fence });
  const base: Partial<Record<ScopeDimension, string>> = { ...literalValues(spec), ...(slot === null ? {} : { tenant: slot }) };
  const byIndex = new Map(buckets.map((b) => [Math.round((b.start - first.start) / step), b]));
  const counters = new Map<string, SwapCounter>();
  const identities = new Map<string, DimValues>();
  const now = engine.now();
  const put = (values: DimValues, bucket: Bucket, used: UsageAmounts): void => {
    const dims = spec.scope.counterDims(values);
    const key = engine.counters.keys.counter({ slot, period: spec.periodId, bucket: bucket.label, dims });
    const previous = counters.get(key);
    // A closed period brought back (late events) keeps its counters for a grace from now.
    const expireAt = Math.max(bucketExpiry(spec.period, bucket, engine.graceMs), now + engine.graceMs);
    counters.set(key, { key, expireAt, used: previous ? addUsage(previous.used, used) : used });
    identities.set(JSON.stringify(dims), values);
    if (spec.period.kind !== 'rolling' && bucketExpiry(spec.period, bucket, engine.graceMs) <= now) {
      // A closed period rebuilt: its counter now holds every event of the period, so its late ledger is empty.
      const late = lateKey(engine.counters.keys, spec.periodId, slot, bucket, dims);
      if (!counters.has(late)) counters.set(late, { key: late, expireAt: lateExpiry(spec.period, bucket, now, engine.graceMs), used: ZERO_USAGE });
    }
  };
  const family = spec.scope.familyDim();
  if (spec.scope.each.filter((d) => d !== 'tenant').length === 0) {
    for (const b of buckets) put(base, b, ZERO_USAGE);
  }
  for (const row of rows) {
    const bucket = byIndex.get(row.bucket);
    if (!bucket) continue;
    const values: Partial<Record<ScopeDimension, string>> = { ...base };
    for (const d of spec.scope.each) if (d !== 'tenant') values[d] = row.dims[d] ?? '';
    if (family && !spec.scope.matches({ ...values, model: row.dims.model ?? '' })) continue;
    put(values, bucket, usageOf(row));
  }
  // Unpriced events count at their provisional price (usage.ts eventUsage): the same from the store, per provider.
  const provisional = engine.provisional;
  if (provisional && plan.budgets.some((b) => b.budget.metric === 'cost')) {
    const dims = storeFilters(spec.scope.dims);
    const byProvider = spec.scope.dims.some((d) => d.dim === 'provider') ? [dims] : [[...dims, { dim: 'provider', kind: 'each', value: '*' } as const], [...dims, { dim: 'provider', kind: 'literal', value: '' } as const]];
    for (const filters of byProvider) {
      const unpriced = await store.counters.sums({ tenant: slot, from: first.start, to: last.end, step, dims: filters, fence, priced: false });
      for (const row of unpriced) {
        const bucket = byIndex.get(row.bucket);
        if (!bucket) continue;
        const values: Partial<Record<ScopeDimension, string>> = { ...base };
        for (const d of spec.scope.each) if (d !== 'tenant') values[d] = row.dims[d] ?? '';
        if (family && !spec.scope.matches({ ...values, model: row.dims.model ?? '' })) continue;
        const provider = row.dims.provider ?? values.provider ?? '';
        const cost = provisional.costOf(provider === '' ? undefined : provider, usageOf(row).classes);
        if (cost > 0n) put(values, bucket, { cost, tokens: 0n, requests: 0n, classes: {}, price: 0n });
      }
    }
  }
  return { counters: [...counters.values()], identities: [...identities.values()] };
}

function fencePositions(snapshot: FenceSnapshot, establish: Readonly<Record<string, string>>): SourcePosition[] {
  return Object.entries({ ...snapshot.fence, ...establish }).map(([field, offset]) => ({ ...parseFenceField(field), offset }));
}

/** What a rebuild after a loss adds to a slot's reconcile (see rebuildSlot). */
interface EpochSwap {
  /** Written as the slot marker by the swap that completes the slot. */
  readonly markLive: string;
}

async function reconcileSlot(
  engine: ReconcileTarget,
  store: ReconcileSource,
  set: BudgetSet,
  slot: Slot,
  plans: readonly SpecPlan[],
  options: ReconcileOptions,
  epoch?: EpochSwap,
): Promise<{ counters: number; retries: number; locked: boolean; sealed: number; live: boolean; crossings: ThresholdCrossing[] }> {
  const counters = engine.counters;
  const maxAttempts = options.maxAttempts ?? 6;
  const lockAfter = options.lockAfter ?? 2;
  const chunkSize = options.chunkSize ?? 1000;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const lockToken = attempt >= lockAfter ? randomUUID() : null;
    const snapshot = await counters.snapshot({ slot, minVersion: set.version, lockToken, lockTtlMs: 30_000 });
    const stored = await store.counters.maxOffsets(slot);
    const establish: Record<string, string> = {};
    for (const position of stored) {
      const field = counters.keys.fenceField(position.topic, position.partition);
      if (snapshot.fence[field] === undefined) establish[field] = position.offset;
    }
    const fence = fencePositions(snapshot, establish);
    const computed = await Promise.all(plans.map((p) => computeSpec(engine, store, slot, p, fence)));
    const all = computed.flatMap((c) => c.counters);
    const chunks = lockToken && all.length > chunkSize ? Array.from({ length: Math.ceil(all.length / chunkSize) }, (_, i) => all.slice(i * chunkSize, (i + 1) * chunkSize)) : [all];
    let swapped = true;
    for (let i = 0; i < chunks.length; i++) {
      const lastChunk = i === chunks.length - 1;
      const outcome = await counters.swap({
        slot,
        expected: i === 0 ? snapshot.fence : { ...snapshot.fence, ...establish },
        establish: i === 0 ? establish : {},
        lockToken: lastChunk ? lockToken : null,
        counters: chunks[i] ?? [],
        // A rebuild after a loss: stop if another process completed the slot first; the last chunk marks it complete.
        ...(epoch && i === 0 ? { onlyIfLost: true } : {}),
        ...(epoch && lastChunk ? { markLive: epoch.markLive } : {}),
      });
      if (outcome === 'live') return { counters: 0, retries: attempt, locked: lockToken !== null, sealed: 0, live: true, crossings: [] };
      if (outcome !== 'swapped') {
        swapped = false;
        break;
      }
    }
    if (!swapped) {
      await sleep(Math.min(200, 10 * 2 ** attempt));
      continue;
    }
    const identities = computed.map((c) => c.identities);
    if (options.alertCrossed === true) {
      const crossings = await seal(engine, slot, plans, identities, all, 'claim');
      return { counters: all.length, retries: attempt, locked: lockToken !== null, sealed: 0, live: false, crossings };
    }
    const sealed = options.sealAlerts === false ? 0 : (await seal(engine, slot, plans, identities, all, 'seal')).length;
    return { counters: all.length, retries: attempt, locked: lockToken !== null, sealed, live: false, crossings: [] };
  }
  throw new TallyError('CONFLICT', `reconcile of ${slot === null ? 'the global slot' : `tenant ${JSON.stringify(slot)}`} gave up: the fence kept moving`, {
    retriable: true,
    details: { reason: 'fence_moving' },
  });
}

/**
 * The thresholds the rebuilt counters reach now: sealed (marked as alerted,
 * silently), or claimed (straight to sent, as for events not from the log)
 * and returned as crossings. Returns the crossings of the marks it changed.
 */
async function seal(engine: ReconcileTarget, slot: Slot, plans: readonly SpecPlan[], identities: readonly DimValues[][], written: readonly SwapCounter[], mode: 'seal' | 'claim'): Promise<ThresholdCrossing[]> {
  const now = engine.now();
  const values = new Map<string, CounterValue>(written.map((c) => [c.key, { used: c.used, held: ZERO_HELD }]));
  const ctx = { keys: engine.counters.keys, now, graceMs: engine.graceMs, cache: new BucketCache() };
  const watches: Watch[] = [];
  plans.forEach((p, i) => {
    for (const b of p.budgets) {
      for (const v of identities[i] ?? []) {
        if (b.budget.tier !== null && engine.current().tierOf(slot ?? '', v.user_id ?? '')?.name !== b.budget.tier) continue;
        const w = watchFor(ctx, b, v, now);
        if (w && w.keys.every((k) => values.has(k))) watches.push(w);
      }
    }
  });
  const found = candidates(engine.counters.keys, watches, values);
  if (found.length === 0) return [];
  const changed = await engine.counters.marks({ slot, mode, token: '', firstOffset: '', lastOffset: '', entries: found.map((c) => c.mark) });
  return found.filter((_, i) => changed[i] === true).map((c) => crossingOf(c, now));
}

/** The plans that write a slot's counters: the global scopes, or the scopes of every tenant and of this one. */
function slotPlans(plans: readonly SpecPlan[], slot: Slot): SpecPlan[] {
  if (slot === null) return plans.filter((p) => p.spec.scope.global);
  return plans.filter((p) => !p.spec.scope.global && (p.spec.scope.tenantLiteral === null || p.spec.scope.tenantLiteral === slot));
}

/** Tenants with counters to rebuild: those named by budgets, and those with stored events in the open periods. */
async function tenantsOf(store: ReconcileSource, plans: readonly SpecPlan[], now: number): Promise<string[]> {
  const tenantPlans = plans.filter((p) => !p.spec.scope.global);
  const tenants = new Set<string>();
  for (const p of tenantPlans) if (p.spec.scope.tenantLiteral !== null) tenants.add(p.spec.scope.tenantLiteral);
  const anyTenant = tenantPlans.filter((p) => p.spec.scope.tenantLiteral === null);
  if (anyTenant.length > 0) {
    const from = Math.min(...anyTenant.map((p) => p.buckets[0]?.start ?? now));
    const to = Math.max(...anyTenant.map((p) => p.buckets[p.buckets.length - 1]?.end ?? now));
    for (const tenant of await store.counters.tenants(from, to)) tenants.add(tenant);
  }
  return [...tenants].sort();
}

/** Every tenant whose counters a full reconcile would rebuild now (the recovery of a lost region lists them). */
export async function reconcileTenants(engine: ReconcileTarget, store: ReconcileSource): Promise<string[]> {
  const set = engine.current();
  const now = engine.now();
  return tenantsOf(store, plansFor(set, set.budgets, now, now, engine.graceMs, false), now);
}

export interface RebuildResult {
  /** Counters written; 0 when `live`. */
  readonly counters: number;
  /** Another process had completed the slot first: nothing was written. */
  readonly live: boolean;
  readonly sealed: number;
}

/**
 * Rebuilds every counter of one slot (all budgets, the periods open now) from
 * the store after the slot's counters were lost, and marks the slot live in
 * the same swap (`epoch` is the marker's value). Safe while processors run and
 * while other processes rebuild the same slot: the first swap wins, later ones
 * find the slot live and write nothing.
 */
export async function rebuildSlot(engine: ReconcileTarget, store: ReconcileSource, slot: Slot, epoch: string): Promise<RebuildResult> {
  const set = engine.current();
  const now = engine.now();
  const plans = slotPlans(plansFor(set, set.budgets, now, now, engine.graceMs, false), slot);
  const r = await reconcileSlot(engine, store, set, slot, plans, {}, { markLive: epoch });
  return { counters: r.counters, live: r.live, sealed: r.sealed };
}

/** Rebuilds the counters of open periods from the store; afterwards counters equal the store's sums. */
export async function reconcile(engine: ReconcileTarget, store: ReconcileSource, options: ReconcileOptions = {}): Promise<ReconcileResult> {
  if (options.settleMs) await sleep(options.settleMs);
  const set = engine.current();
  let budgets: readonly CompiledBudget[] = set.budgets;
  if (options.budgetId !== undefined) {
    const b = set.get(options.budgetId);
    if (!b) throw new TallyError('BUDGET_NOT_FOUND', `no budget has id ${JSON.stringify(options.budgetId)}`, { details: { budget_id: options.budgetId } });
    budgets = [b];
  }
  const now = engine.now();
  const plans = plansFor(set, budgets, options.at ?? now, now, engine.graceMs, options.at !== undefined);
  const globalPlans = slotPlans(plans, null);
  let slots: Slot[] = await tenantsOf(store, plans, now);
  if (options.tenants) {
    const only = new Set(options.tenants);
    slots = slots.filter((s) => s !== null && only.has(s));
  }
  if (globalPlans.length > 0 && (options.tenants === undefined || options.global === true)) slots.push(null);

  const result = { slots: 0, counters: 0, retries: 0, locked: 0, sealed: 0, alerted: 0, crossings: [] as ThresholdCrossing[] };
  for (const slot of slots) {
    const r = await reconcileSlot(engine, store, set, slot, slotPlans(plans, slot), options);
    result.slots += 1;
    result.counters += r.counters;
    result.retries += r.retries;
    result.locked += r.locked ? 1 : 0;
    result.sealed += r.sealed;
    result.alerted += r.crossings.length;
    result.crossings.push(...r.crossings);
    options.onProgress?.(result.slots, slots.length, slot);
  }
  return result;
}
