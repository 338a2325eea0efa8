/**
 * The budget engine: the library API of budgets and quotas. It turns events,
 * subjects and estimates into counter-store calls (planned by plan.ts) and
 * counter values into statuses (status.ts) and crossings (alerts.ts).
 *
 *   apply(batch)        the processor's counter sink: one call per tenant slot + one global
 *   check(subject, e?)  quota check: every applicable budget, one verdict, one read
 *   reserve / settle    hold an estimate atomically; release it when the real usage is counted
 *   status / statuses   what budgets report, for the API and the CLI
 *
 * Reconcile lives in reconcile.ts and uses the same counter store.
 *
 * With a `recovery` (recovery.ts) every counter call asks the store to check
 * the slot's epoch marker: an apply in a slot whose counters were lost waits
 * for the slot's rebuild, and reads (checks, reservations, statuses) follow
 * the recovery's outage policy.
 */
import { ZERO_HELD } from '../counters/fields.js';
import { TallyError, validationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { Slot } from '../counters/keys.js';
import { isStaleBudgets, isUnreachable, lostSlots } from '../counters/codes.js';
import {
  DEFAULT_DEDUP,
  type CounterStore, type CounterValue, type DedupWindow, type HeldAmounts, type ReservePart, type ReserveResult,
} from '../counters/types.js';
import { SettledMarks, bySlot, candidates, crossingOf, markToken } from './alerts.js';
import type { BudgetSet, CompiledBudget } from './catalog.js';
import { BucketCache, planApply, planRead, reserveParts, type PlanContext, type ReadPlan } from './plan.js';
import { reconcile, type ReconcileOptions, type ReconcileResult, type ReconcileSource } from './reconcile.js';
import type { EngineRecovery, OutagePolicy } from './recovery.js';
import { lostPolicy, unreachablePolicy, type OutageNote, type UnreachableOutcome } from './outage.js';
import type { BudgetOutagePolicy } from './model.js';
import { LeaseHolder, type LeaseOptions, type LeaseStats, type LeaseSubject } from './leases.js';
import { newReservationId, parseReservationId } from './reservations.js';
import type { BudgetSource } from './source.js';
import { buildStatus, verdict } from './status.js';
import { completeValues, literalValues, subjectDims, valuesFor } from './subject.js';
import type { DimValues } from './scope.js';
import type { Deprecation } from './legacy.js';
import type {
  ActualUsage, ApplyBatch, ApplyOutcome, BudgetStatus, CheckResult, CheckedStatus, CostEstimator, ModelResolver, PriceEstimator,
  ReservationResult, ReserveOptions, SettleOptions, SettleResult, Subject, ThresholdCrossing, UsageEstimate,
} from './types.js';
import { resolveActual, resolveEstimate, withPrice } from './usage.js';
import { blocksUnpriced, unpricedModel, withUnpricedBlocks } from './unpriced.js';
import type { ProvisionalCost } from '../pricing/provisional.js';
import { DEFAULT_TENANT, SCOPE_DIMENSIONS } from '../core/dimensions.js';

export interface BudgetEngineOptions {
  readonly counters: CounterStore;
  readonly budgets: BudgetSource;
  /** Epoch ms. Default Date.now. */
  readonly clock?: () => number;
  /** Counters outlive their period by this much (late events, reconcile). Default 2 days. */
  readonly graceMs?: number;
  /** Event-id dedup window of the counters. Default 24 h in 4 sets. */
  readonly dedup?: DedupWindow;
  /** How long an unsettled reservation holds its estimate. Default 300 s. */
  readonly reservationTtlMs?: number;
  /** How long a settled reservation keeps holding while its event is not yet counted. Default 10 min. */
  readonly awaitTtlMs?: number;
  readonly estimateCost?: CostEstimator;
  /** Prices an estimate under the customer's price book, for `price` budgets (wallets); without it an estimate without `price` holds no price. */
  readonly estimatePrice?: PriceEstimator;
  readonly resolveModel?: ModelResolver;
  /** Prices events tally could not price (a model the catalog does not know) for cost counters; without it they count $0. */
  readonly provisionalCost?: ProvisionalCost;
  readonly logger?: Logger;
  /** Loss detection and rebuild of the counters (recovery.ts); absent: no epoch checks. */
  readonly recovery?: EngineRecovery;
  /**
   * Budget leases (leases.ts): answer checks and reservations of subjects far
   * from their limits in memory, from slices of headroom held in the counter
   * store. Absent: every check and reservation is one counter-store call.
   * Reservations granted from a lease may be settled by any engine on the
   * same counters (see leases.ts: settles reaching another process).
   */
  readonly leases?: LeaseOptions;
  /**
   * The global outage policy, for budgets without their own `outage_policy`
   * (outage.ts). Default: the recovery's policy, else `store`.
   */
  readonly outagePolicy?: OutagePolicy;
  /** A check or reservation was answered while the counter store was unreachable (metrics). */
  readonly onOutage?: (policy: BudgetOutagePolicy, outcome: UnreachableOutcome) => void;
}

export const DEFAULT_GRACE_MS = 2 * 86_400_000;

/** A subject's applicable budgets and read plan at one budget-set version, valid while its current buckets are. */
interface PlanEntry {
  readonly budgets: CompiledBudget[];
  readonly plan: ReadPlan;
  readonly from: number;
  readonly until: number;
  /** The same, as a lease subject (leases.ts); one object per plan, so a lease knows which plan it holds for. */
  readonly lease: LeaseSubject;
  /** What checks answer while the counter store is unreachable, and while its counters are lost (outage.ts). */
  readonly unreachable: BudgetOutagePolicy;
  readonly lost: OutagePolicy;
}
const STALE_RETRIES = 3;
/** A budget on the billed price (a wallet): its estimate needs a price. */
const countsPrice = (b: CompiledBudget): boolean => b.field.metric === 'price';
const OPEN_NOTE: OutageNote = { policy: 'fail_open', reason: 'unreachable' };
const LEASE_NOTE: OutageNote = { policy: 'leases', reason: 'unreachable' };
const NO_ESTIMATE: HeldAmounts = ZERO_HELD;

export class BudgetEngine {
  readonly counters: CounterStore;
  readonly budgets: BudgetSource;
  readonly graceMs: number;
  readonly dedup: DedupWindow;
  private readonly clock: () => number;
  private readonly reservationTtlMs: number;
  private readonly awaitTtlMs: number;
  private readonly cache = new BucketCache();
  private readonly settledMarks = new SettledMarks();
  /** Read plans by budget-set version and subject, valid while their current buckets are. */
  private readonly plans = new Map<string, PlanEntry>();
  private readonly log: Logger;
  /** Legacy subject names already warned about (once per name and process). */
  private readonly warnedLegacy = new Set<string>();
  private readonly recovery: EngineRecovery | undefined;
  private readonly leases: LeaseHolder | null;
  /** The global outage policy (budgets without their own). */
  readonly outagePolicy: OutagePolicy;
  /** When the fail_open warning was last logged (at most one per 10 s). */
  private openWarnedAt = 0;

  constructor(private readonly options: BudgetEngineOptions) {
    this.counters = options.counters;
    this.budgets = options.budgets;
    this.clock = options.clock ?? Date.now;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.dedup = options.dedup ?? DEFAULT_DEDUP;
    this.reservationTtlMs = options.reservationTtlMs ?? 300_000;
    this.awaitTtlMs = options.awaitTtlMs ?? 600_000;
    this.log = options.logger ?? silentLogger();
    this.recovery = options.recovery;
    this.outagePolicy = options.outagePolicy ?? options.recovery?.policy ?? 'store';
    // With a recovery, lease calls ask for the epoch check too: a lease is never taken on counters that were lost.
    this.leases = options.leases ? new LeaseHolder(this.counters, this.clock, options.leases, this.log, this.recovery !== undefined) : null;
  }

  /** Returns every lease (shutdown); a no-op without leases. */
  async close(): Promise<void> {
    await this.leases?.close();
  }

  /** What the leases did so far (null without leases). */
  leaseStats(): LeaseStats | null {
    return this.leases?.stats() ?? null;
  }

  /** Renews every lease now (what the background timer does every `renewMs`; tests and benchmarks). */
  async tickLeases(): Promise<void> {
    await this.leases?.tick();
  }

  /** For crash tests: forget every lease without returning it (the counter store expires them). */
  abandonLeases(): void {
    this.leases?.abandon();
  }

  now(): number {
    return this.clock();
  }

  private context(now: number): PlanContext {
    return { keys: this.counters.keys, now, graceMs: this.graceMs, dedup: this.dedup, cache: this.cache, ...(this.provisional ? { provisional: this.provisional } : {}) };
  }

  /** How unpriced events are counted (reconcile counts the same). */
  get provisional(): ProvisionalCost | undefined {
    return this.options.provisionalCost;
  }

  // ─── apply (processor) ──────────────────────────────────────────────────

  /**
   * Applies a batch of one source partition to the counters, once: call it
   * after the analytics store acknowledged the batch, publish the returned
   * crossings, then commit. Safe to call again with the same batch.
   */
  async apply(batch: ApplyBatch): Promise<ApplyOutcome> {
    if (batch.events.length === 0) return { crossings: [], applied: 0, fenced: 0, duplicates: 0 };
    const epoch = this.recovery !== undefined;
    let rebuilds = 0;
    for (let attempt = 0; ; attempt++) {
      const set = this.budgets.current();
      const now = this.clock();
      const plans = planApply(set, batch, this.context(now));
      if (plans.length === 0) return { crossings: [], applied: 0, fenced: 0, duplicates: 0 };
      let results;
      try {
        results = await Promise.all(plans.map((p) => this.counters.apply(epoch ? { ...p.request, epoch } : p.request)));
      } catch (err) {
        const lost = lostSlots(err);
        if (lost && this.recovery && rebuilds++ < STALE_RETRIES) {
          // Counters lost: rebuild the slots from the store (which holds this batch: it is fenced, not counted twice), then apply again.
          await this.recovery.ensureLive(lost);
          attempt--;
          continue;
        }
        if (isStaleBudgets(err) && attempt < STALE_RETRIES) {
          this.log.info({ version: set.version }, 'counters saw a newer budget set; reloading budgets');
          await this.budgets.refresh();
          continue;
        }
        throw err;
      }
      const late = [...new Set(plans.flatMap((p) => p.late))];
      if (late.length > 0) this.log.warn({ periods: late }, 'events arrived after their period\'s counters expired: counted in the period\'s late ledger; `tally reconcile --period <label>` brings them in');
      const values = new Map<string, CounterValue>();
      plans.forEach((p, i) => p.request.readBack.forEach((k, j) => {
        const v = results[i]?.values[j];
        if (v) values.set(k, v);
      }));
      const crossings = await this.claim(batch, plans.flatMap((p) => p.watches), values, now);
      // Tenant slots together see every event once, and so does the global slot: report one view.
      const tenantSlots = results.filter((_, i) => plans[i]?.slot !== null);
      const view = tenantSlots.length > 0 ? tenantSlots : results;
      const sum = (f: 'applied' | 'fenced' | 'duplicates'): number => view.reduce((a, r) => a + r[f], 0);
      return { crossings, applied: sum('applied'), fenced: sum('fenced'), duplicates: sum('duplicates') };
    }
  }

  private async claim(batch: ApplyBatch, watches: Parameters<typeof candidates>[1], values: Map<string, CounterValue>, now: number): Promise<ThresholdCrossing[]> {
    const offsets = batch.events.flatMap((e) => (e.source ? [e.source.offset] : []));
    const fromLog = offsets.length > 0;
    const token = fromLog ? this.counters.keys.fenceField(batch.topic, batch.partition) : '';
    const cmp = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);
    const sorted = [...offsets].sort(cmp);
    const first = sorted[0] ?? '';
    const last = sorted[sorted.length - 1] ?? '';
    const open = candidates(this.counters.keys, watches, values).filter((c) => !this.settledMarks.has(token, c.mark));
    if (open.length === 0) return [];
    const out: ThresholdCrossing[] = [];
    await Promise.all(
      [...bySlot(open)].map(async ([slot, list]) => {
        const claimed = await this.counters.marks({ slot, mode: 'claim', token, firstOffset: first, lastOffset: last, entries: list.map((c) => c.mark) });
        list.forEach((c, i) => {
          if (claimed[i]) out.push(crossingOf(c, now));
          else this.settledMarks.add(token, c.mark);
        });
      }),
    );
    return out;
  }

  /**
   * Marks crossings as published. Optional: the processor's next batch of the
   * same partition does it implicitly; use it when publishing happens elsewhere.
   */
  async confirm(crossings: readonly ThresholdCrossing[]): Promise<void> {
    const set = this.budgets.current();
    const bySlotMarks = new Map<Slot, { key: string; field: string; expireAt: number }[]>();
    for (const c of crossings) {
      const b = set.get(c.body.budget_id);
      if (!b) continue;
      const slot: Slot = c.body.tenant;
      const dims = b.scope.counterDims({ ...literalValues(b), ...c.body.subject, ...(slot === null ? {} : { tenant: slot }) });
      const n = b.period.kind === 'rolling' && c.body.bucket.startsWith('w') ? Number(c.body.bucket.slice(1)) : NaN;
      const expireAt = Number.isFinite(n) && b.period.kind === 'rolling' ? (n + 1) * b.period.windowMinutes * 60_000 + this.graceMs : Date.parse(c.body.resets_at) + this.graceMs;
      const entry = { key: this.counters.keys.marks(slot, b.budget.id, c.body.bucket), field: this.counters.keys.markField(dims, markToken(c.body.threshold, c.body.below, c.body.limit)), expireAt };
      bySlotMarks.set(slot, [...(bySlotMarks.get(slot) ?? []), entry]);
    }
    await Promise.all([...bySlotMarks].map(([slot, entries]) => this.counters.marks({ slot, mode: 'confirm', token: '', firstOffset: '', lastOffset: '', entries })));
  }

  // ─── checks and statuses ────────────────────────────────────────────────

  /** A library caller's subject may still use `user` / `api_key`: read them, and log a warning once per name. */
  private given(subject: Subject): DimValues {
    return subjectDims(subject, (n: Deprecation) => {
      if (this.warnedLegacy.has(n.legacy)) return;
      this.warnedLegacy.add(n.legacy);
      this.log.warn({ legacy: n.legacy, name: n.name }, `quota subject: ${n.message}`);
    });
  }

  private values(subject: Subject): DimValues {
    return completeValues(this.given(subject), this.options.resolveModel);
  }

  /** The applicable budgets of a subject and what they read, cached while the windows stay the same. */
  private planFor(set: BudgetSet, values: DimValues, now: number): PlanEntry {
    const key = `${set.version}\u0000${SCOPE_DIMENSIONS.map((d) => values[d] ?? '').join('\u0000')}`;
    const hit = this.plans.get(key);
    if (hit && hit.from <= now && now < hit.until) return hit;
    const budgets = set.applicable(values);
    const plan = planRead(budgets, values, this.context(now));
    let from = Number.NEGATIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    for (const e of plan.entries) {
      const current = e.window.buckets[e.window.buckets.length - 1];
      if (current) {
        from = Math.max(from, current.start);
        until = Math.min(until, current.end);
      }
    }
    if (this.plans.size >= 10_000) this.plans.clear();
    const unreachable = unreachablePolicy(budgets, this.outagePolicy);
    const lease: LeaseSubject = { key, tenant: values.tenant ?? DEFAULT_TENANT, budgets, plan, until, outage: unreachable };
    const entry = { budgets, plan, from, until, lease, unreachable, lost: lostPolicy(budgets, this.outagePolicy) };
    this.plans.set(key, entry);
    return entry;
  }

  private async readPlan(plan: ReadPlan, now: number, epoch = false): Promise<CounterValue[]> {
    return this.counters.read({ now, groups: plan.groups, fields: plan.fields, ...(epoch ? { epoch } : {}) });
  }

  /**
   * Runs a counter read for a quota decision or a status. With a recovery it
   * asks for the epoch check; when slots turn out lost, the outage policy
   * decides: `store` waits (up to `waitMs`) for their rebuild and reads again,
   * `closed` refuses (COUNTERS_UNAVAILABLE, 503), `open` reads without the check.
   */
  private async guarded<T>(read: (epoch: boolean) => Promise<T>, policy?: OutagePolicy): Promise<T> {
    const recovery = this.recovery;
    if (!recovery) return read(false);
    try {
      return await read(true);
    } catch (err) {
      const lost = lostSlots(err);
      if (!lost) throw err;
      const rebuilt = recovery.ensureLive(lost);
      const lostPolicy = policy ?? recovery.policy;
      if (lostPolicy !== 'store') {
        rebuilt.catch(() => undefined);
        recovery.answered(lostPolicy === 'open' ? 'open' : 'unavailable', lostPolicy);
        if (lostPolicy === 'closed') throw err;
        this.log.warn({ slots: lost }, 'counters lost: answering from the counters as they are (outage policy "open")');
        return read(false);
      }
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        rebuilt.then(() => true, () => false),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), recovery.waitMs);
        }),
      ]).finally(() => clearTimeout(timer));
      if (!done) {
        recovery.answered('unavailable', 'store');
        throw err;
      }
      recovery.answered('rebuilt', 'store');
      return read(true);
    }
  }

  /**
   * The counter store did not answer a check or reservation (`err`): whether
   * the subject's outage policy answers it allowed (`fail_open`); otherwise the
   * caller rethrows (503 COUNTERS_UNAVAILABLE, Retry-After). `leases` got here
   * because no live lease could answer: it behaves as `fail_closed` now.
   */
  private failOpen(err: unknown, entry: PlanEntry): boolean {
    if (!isUnreachable(err)) return false;
    const policy = entry.unreachable;
    this.options.onOutage?.(policy, policy === 'fail_open' ? 'open' : 'unavailable');
    if (policy !== 'fail_open') return false;
    const now = Date.now();
    if (now - this.openWarnedAt < 10_000) return true;
    this.openWarnedAt = now;
    this.log.warn({ budgets: entry.budgets.map((b) => b.budget.id) }, 'counter store unreachable: checks and reservations of budgets with outage policy fail_open are answered allowed, holding nothing (logged at most every 10 s)');
    return true;
  }

  private statusesOf(plan: ReadPlan, values: DimValues, read: readonly CounterValue[], now: number, estimate: HeldAmounts | null, asOf?: string): CheckedStatus[] {
    return plan.entries.map((e, i) => {
      const at = plan.offsets[i] ?? 0;
      const late = e.late ? { bucket: e.late.bucket, value: read[at + e.keys.length] } : null;
      return buildStatus({ budget: e.budget, values, window: e.window, buckets: read.slice(at, at + e.keys.length), now, estimate, late, ...(asOf === undefined ? {} : { asOf }) });
    });
  }

  /**
   * Quota check: every budget that applies to the subject, with one verdict.
   * One counter-store call (one per slot on Redis Cluster, sent together).
   * Without an estimate a hard budget blocks once used + reserved reaches its limit.
   */
  async check(subject: Subject, estimate?: UsageEstimate): Promise<CheckResult> {
    const set = this.budgets.current();
    const values = this.values(subject);
    const costed = estimate === undefined ? null : await resolveEstimate(estimate, subject, this.options.estimateCost);
    const now = this.clock();
    const entry = this.planFor(set, values, now);
    const { budgets, plan, lease } = entry;
    if (budgets.length === 0) return { allowed: true, budgets: [], exceeded: [], retry_after_seconds: null };
    const resolved = costed !== null && budgets.some(countsPrice) ? await withPrice(costed, estimate, subject, this.options.estimatePrice) : costed;
    const unpriced = unpricedModel(this.given(subject), this.options.resolveModel);
    const view = this.leases && (unpriced === null || !budgets.some(blocksUnpriced)) ? this.leases.check(lease, resolved, now) : null;
    if (view) {
      // Answers from one lease view are the same for the same estimate (nothing blocks, nothing depends on the time): built once.
      const key = unpriced !== null || view.degraded ? null : resolved === null ? '-' : `${resolved.cost}:${resolved.tokens}:${resolved.requests}:${resolved.price}`;
      const known = key === null ? undefined : (view.memo.get(key) as CheckResult | undefined);
      if (view.degraded) this.options.onOutage?.('leases', 'lease');
      if (known) return known;
      const statuses = withUnpricedBlocks(this.statusesOf(plan, values, view.read, now, resolved, view.asOf), budgets, unpriced);
      const answer: CheckResult = { ...verdict(statuses), budgets: statuses, ...(view.degraded ? { outage: LEASE_NOTE } : {}) };
      if (key !== null) view.memo.set(key, answer);
      return answer;
    }
    const renewals = this.leases ? await this.leases.quiet(lease) : 0;
    let counted: CounterValue[];
    try {
      counted = await this.guarded((epoch) => this.readPlan(plan, now, epoch), entry.lost);
    } catch (err) {
      if (this.failOpen(err, entry)) return { allowed: true, budgets: [], exceeded: [], retry_after_seconds: null, outage: OPEN_NOTE };
      throw err;
    }
    const read = this.leases ? this.leases.own(lease, counted, renewals) : counted;
    const statuses = withUnpricedBlocks(this.statusesOf(plan, values, read, now, resolved), budgets, unpriced);
    return { ...verdict(statuses), budgets: statuses };
  }

  /**
   * Reserves an estimate: atomically checks every applicable hard budget
   * against used + reserved + estimate and, only if all have room, holds the
   * estimate on every applicable budget's current counter until settled or
   * `ttlMs` passes. A refusal holds nothing.
   */
  async reserve(subject: Subject, estimate: UsageEstimate, options: ReserveOptions = {}): Promise<ReservationResult> {
    const set = this.budgets.current();
    const values = this.values(subject);
    const costed = await resolveEstimate(estimate, subject, this.options.estimateCost);
    const ttl = options.ttlMs ?? this.reservationTtlMs;
    if (!Number.isFinite(ttl) || ttl <= 0) throw validationError([{ path: 'ttl', reason: 'must be a positive number of milliseconds' }]);
    const now = this.clock();
    const entry = this.planFor(set, values, now);
    const { budgets, plan, lease } = entry;
    const hold = budgets.some(countsPrice) ? await withPrice(costed, estimate, subject, this.options.estimatePrice) : costed;
    const tenant = values.tenant ?? DEFAULT_TENANT;
    if (budgets.length === 0) {
      const ref = newReservationId(tenant, []);
      return { granted: true, reservation_id: ref.id, allowed: true, statuses: [], exceeded: [], retry_after_seconds: null, expires_at: null };
    }
    const unpriced = unpricedModel(this.given(subject), this.options.resolveModel);
    if (unpriced !== null && budgets.some(blocksUnpriced)) {
      const statuses = withUnpricedBlocks(this.statusesOf(plan, values, await this.readPlan(plan, now), now, hold), budgets, unpriced);
      const v = verdict(statuses);
      return { granted: false, reservation_id: null, allowed: false, statuses, exceeded: v.exceeded, retry_after_seconds: v.retry_after_seconds, expires_at: null };
    }
    const leased = this.leases?.reserve(lease, hold, ttl, now) ?? null;
    if (leased) {
      if (leased.degraded) this.options.onOutage?.('leases', 'lease');
      const statuses = this.statusesOf(plan, values, leased.read, now, NO_ESTIMATE, leased.asOf);
      return {
        granted: true, reservation_id: leased.id, allowed: true, statuses, exceeded: verdict(statuses).exceeded, retry_after_seconds: null, expires_at: new Date(leased.expireAt).toISOString(),
        ...(leased.degraded ? { outage: LEASE_NOTE } : {}),
      };
    }
    const parts = reserveParts(plan, hold);
    const ref = newReservationId(tenant, parts.map((p) => p.slot));
    const ordered = ref.slots.map((slot) => parts.find((p) => p.slot === slot)).filter((p): p is ReservePart => p !== undefined);
    const expireAt = now + ttl;
    const attempt = (): Promise<ReserveResult> => this.guarded((epoch) => this.counters.reserve({ now, id: ref.id, expireAt, hold, parts: ordered, fields: plan.fields, ...(epoch ? { epoch } : {}) }), entry.lost);
    let result: ReserveResult;
    try {
      result = await attempt();
      // Refused while this process's own lease holds free room for the subject: give it back and ask once more.
      if (!result.granted && this.leases && (await this.leases.giveBack(lease))) result = await attempt();
    } catch (err) {
      if (!this.failOpen(err, entry)) throw err;
      // Granted without the counter store: nothing is held, so the id names no slot and settling it is a no-op.
      return { granted: true, reservation_id: newReservationId(tenant, []).id, allowed: true, statuses: [], exceeded: [], retry_after_seconds: null, expires_at: new Date(expireAt).toISOString(), outage: OPEN_NOTE };
    }
    const byKey = new Map<string, CounterValue>();
    ordered.flatMap((p) => p.read).forEach((k, i) => {
      const v = result.values[i];
      if (v) byKey.set(k, v);
    });
    let read = plan.groups.flatMap((g) => g.keys.map((k) => byKey.get(k)));
    if (read.some((v) => v === undefined)) read = await this.readPlan(plan, now);
    const statuses = this.statusesOf(plan, values, read.filter((v): v is CounterValue => v !== undefined), now, result.granted ? NO_ESTIMATE : hold);
    const v = verdict(statuses);
    return {
      granted: result.granted,
      reservation_id: result.granted ? ref.id : null,
      allowed: result.granted,
      statuses,
      exceeded: v.exceeded,
      retry_after_seconds: result.granted ? null : v.retry_after_seconds,
      expires_at: result.granted ? new Date(expireAt).toISOString() : null,
    };
  }

  /**
   * Settles a reservation. With `actual.event_id`, the hold (resized to the
   * actual amounts when given) stays until the processor counts that event and
   * is released in the same atomic step, so the usage is never counted twice
   * nor missing; without it, the hold is released now. Idempotent.
   * With `expiredAsNotFound`, a reservation that expired before it was
   * settled is RESERVATION_NOT_FOUND (`details.state = "expired"`) instead of
   * `already` (the HTTP API uses this: the caller learns its hold lapsed).
   */
  async settle(reservationId: string, actual?: ActualUsage, options: SettleOptions = {}): Promise<SettleResult> {
    const ref = parseReservationId(reservationId);
    const amounts = resolveActual(actual);
    if (actual?.event_id !== undefined && (typeof actual.event_id !== 'string' || actual.event_id === '')) {
      throw validationError([{ path: 'actual.event_id', reason: 'must be a non-empty string' }]);
    }
    if (ref.slots.length === 0) return { status: 'released' };
    const now = this.clock();
    const expired = (): never => {
      throw new TallyError('RESERVATION_NOT_FOUND', `reservation ${reservationId} expired before it was settled`, { details: { reservation_id: reservationId, state: 'expired' } });
    };
    const local = this.leases?.grantOf(reservationId) ?? null;
    if (this.leases && (local === null || !actual?.event_id)) {
      // A grant of this process's leases: its estimate returns to the lease.
      const done = this.leases.release(reservationId, now);
      if (done === 'expired' && options.expiredAsNotFound) expired();
      if (done !== null) return { status: done === 'released' ? 'released' : 'already' };
    }
    const grant = ref.grant;
    let slots = ref.slots;
    if (grant) {
      // A lease grant: of another process (behind a load balancer), or of ours settled with its event. Recorded in
      // the lease's slots (grants-3.lua) for the holder to apply at its next renewal; with an event the estimate is
      // first held in the store as its own reservation, settled below like any other.
      if (grant.expireAt <= now && local === null) {
        if (options.expiredAsNotFound) expired();
        return { status: 'already' };
      }
      const mode = actual?.event_id ? 'move' : 'release';
      const recorded = await Promise.all(ref.slots.map((slot) => this.counters.grants({ slot, now, lease: grant.lease, mode, grant: reservationId, hold: grant.hold, expireAt: grant.expireAt })));
      if (local) this.leases?.handOver(reservationId);
      if (recorded.some((r) => r.outcome === 'gone') && !recorded.some((r) => r.outcome === 'recorded')) {
        // The lease expired (its holder stopped renewing it): the grant's hold went with it.
        if (options.expiredAsNotFound) expired();
        return { status: 'already' };
      }
      if (mode === 'release') return { status: recorded.some((r) => r.outcome === 'recorded') ? 'released' : 'already' };
      slots = ref.slots.filter((_, i) => recorded[i]?.outcome !== 'gone');
    }
    const outcomes = await Promise.all(
      slots.map((slot) =>
        this.counters.settle({
          slot,
          now,
          id: ref.id,
          awaitEvent: actual?.event_id ? this.counters.keys.dedupMember(slot, ref.tenant, actual.event_id) : null,
          actual: amounts,
          awaitExpireAt: now + this.awaitTtlMs,
          dedup: this.dedup,
          ...(options.expiredAsNotFound ? { reportExpired: true } : {}),
        }),
      ),
    );
    if (outcomes.includes('expired')) expired();
    if (outcomes.includes('awaiting')) return { status: 'awaiting' };
    return { status: outcomes.every((o) => o === 'already') ? 'already' : 'released' };
  }

  /** The status of one budget; budgets counted per value (`*`) need the subject's value of those dimensions. */
  async status(budgetId: string, subject: Subject = {}): Promise<BudgetStatus> {
    const set = this.budgets.current();
    const b = set.get(budgetId);
    if (!b) throw new TallyError('BUDGET_NOT_FOUND', `no budget has id ${JSON.stringify(budgetId)}`, { details: { budget_id: budgetId } });
    const given = this.given(subject);
    const values = valuesFor(b, completeValues(given, this.options.resolveModel), given);
    const now = this.clock();
    const plan = planRead([b], values, this.context(now));
    const [status] = this.statusesOf(plan, values, await this.guarded((epoch) => this.readPlan(plan, now, epoch)), now, null);
    if (!status) throw new TallyError('INTERNAL', 'no status computed');
    return status;
  }

  /**
   * Statuses of many budgets in one read: every budget applying to `subject`,
   * or without a subject every budget that is not counted per value.
   */
  async statuses(subject?: Subject): Promise<BudgetStatus[]> {
    const set = this.budgets.current();
    const now = this.clock();
    if (subject) {
      const values = this.values(subject);
      const { budgets, plan } = this.planFor(set, values, now);
      if (budgets.length === 0) return [];
      return this.statusesOf(plan, values, await this.guarded((epoch) => this.readPlan(plan, now, epoch)), now, null);
    }
    const plain = set.budgets.filter((b) => b.scope.each.length === 0 && b.budget.tier === null);
    const out: BudgetStatus[] = [];
    // Budgets with different tenant literals read different slots: one read per literal.
    const groups = new Map<string, CompiledBudget[]>();
    for (const b of plain) groups.set(b.scope.tenantLiteral ?? '', [...(groups.get(b.scope.tenantLiteral ?? '') ?? []), b]);
    for (const [tenant, list] of groups) {
      const values = { ...literalValues(list[0]), tenant: tenant || DEFAULT_TENANT };
      const plan = planRead(list, values, this.context(now));
      out.push(...this.statusesOf(plan, values, await this.guarded((epoch) => this.readPlan(plan, now, epoch)), now, null));
    }
    return out;
  }

  /** Rebuilds counters of open periods from the analytics store (see reconcile.ts). */
  reconcile(store: ReconcileSource, options: ReconcileOptions = {}): Promise<ReconcileResult> {
    return reconcile(this, store, options);
  }

  /**
   * Whether every budget in force answers `fail_open` while the counter store is unreachable (its own policy or the
   * global one; true without budgets): then checks and reservations are all answered without the store.
   */
  failsOpenOnly(): boolean {
    return unreachablePolicy(this.budgets.current().budgets, this.outagePolicy) === 'fail_open';
  }

  /** The budget set in force. */
  current(): BudgetSet {
    return this.budgets.current();
  }
}
