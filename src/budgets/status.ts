/**
 * Status arithmetic: from counter values to what a budget reports. Pure and
 * exact: amounts are bigints until they are formatted as decimal text.
 */
import { heldOf, usedOf } from '../counters/fields.js';
import type { CounterValue, HeldAmounts } from '../counters/types.js';
import { formatUsd } from '../core/money.js';
import type { CompiledBudget } from './catalog.js';
import type { Metric } from './model.js';
import type { Bucket, PeriodWindow } from './periods.js';
import type { DimValues, ModelScopeInfo } from './scope.js';
import type { CheckedStatus, LateData } from './types.js';
import { estimateFor } from './usage.js';

export function formatAmount(metric: Metric, v: bigint): string {
  if (v === 0n) return '0';
  return metric === 'cost' || metric === 'price' ? formatUsd(v) : v.toString();
}

const isoCache = new WeakMap<PeriodWindow, { start: string; resetsAt: string }>();

/** ISO texts of a window's bounds (windows are cached and shared, so are these). */
function isoOf(window: PeriodWindow): { start: string; resetsAt: string } {
  let iso = isoCache.get(window);
  if (!iso) {
    iso = { start: new Date(window.start).toISOString(), resetsAt: new Date(window.resetsAt).toISOString() };
    isoCache.set(window, iso);
  }
  return iso;
}

/** used / limit × 100, truncated to two decimals (exact integer arithmetic). */
export function percentageOf(used: bigint, limit: bigint): number {
  if (limit <= 0n) return 0;
  return Number((used * 10_000n) / limit) / 100;
}

/** Whether `used` reaches `threshold` percent of `limit` (thresholds to 0.01 %). */
export function reaches(used: bigint, limit: bigint, threshold: number): boolean {
  return used * 10_000n >= limit * BigInt(Math.round(threshold * 100));
}

/**
 * When a blocked rolling budget has room again: the oldest buckets leave the
 * window one by one (bucket i at its start + window length); the answer is
 * the first moment the rest, plus the estimate, fits the limit.
 */
export function rollingRetryAt(b: CompiledBudget, window: PeriodWindow, amounts: readonly bigint[], estimate: bigint): number {
  const span = window.resetsAt - window.start; // N sub-buckets
  let rest = amounts.reduce((a, x) => a + x, 0n);
  for (let i = 0; i < window.buckets.length; i++) {
    rest -= amounts[i] ?? 0n;
    const bucket = window.buckets[i];
    if (bucket && rest + estimate <= b.limit) return bucket.start + span;
  }
  return window.resetsAt + span;
}

export interface StatusInput {
  readonly budget: CompiledBudget;
  readonly values: DimValues;
  readonly window: PeriodWindow;
  /** One value per window bucket, oldest first. */
  readonly buckets: readonly CounterValue[];
  readonly now: number;
  /** The request's estimate (a check); null for a plain status. */
  readonly estimate: HeldAmounts | null;
  /** The previous period's late ledger (late.ts), when read. */
  readonly late?: { readonly bucket: Bucket; readonly value: CounterValue | undefined } | null;
  /** Answered from a budget lease: when its counters were read (RFC 3339). */
  readonly asOf?: string;
}

export function buildStatus(input: StatusInput): CheckedStatus {
  const { budget: b, window, buckets, now, estimate } = input;
  const metric = b.budget.metric;
  let used = 0n;
  let reserved = 0n;
  for (const v of buckets) {
    used += usedOf(v, b.field);
    reserved += heldOf(v, b.field);
  }
  const amount = estimate ? estimateFor(b.field, estimate) : 0n;
  const remaining = b.limit - used - reserved;
  const wouldExceed = estimate ? used + reserved + amount > b.limit : used + reserved >= b.limit;
  const blocking = b.hard && wouldExceed;
  const percentage = percentageOf(used, b.limit);
  const exceeded = used >= b.limit;
  let retryAfter: number | null = null;
  if (blocking && b.period.kind !== 'lifetime') {
    // A lifetime period never resets: no wait helps (a wallet needs a top-up), so retry_after_seconds stays null.
    const perBucket = b.period.kind === 'rolling' ? buckets.map((v) => usedOf(v, b.field) + heldOf(v, b.field)) : [];
    const at = b.period.kind === 'rolling' ? rollingRetryAt(b, window, perBucket, estimate ? amount : 1n) : window.resetsAt;
    retryAfter = Math.max(1, Math.ceil((at - now) / 1000));
  }
  return {
    budget_id: b.budget.id,
    name: b.budget.name,
    metric,
    token_class: b.budget.token_class,
    enforcement: b.budget.enforcement,
    period: b.budget.period,
    timezone: b.budget.timezone,
    window: b.budget.window,
    subject: b.scope.subjectOf(input.values),
    used: formatAmount(metric, used),
    reserved: formatAmount(metric, reserved),
    limit: b.budget.limit,
    remaining: formatAmount(metric, remaining > 0n ? remaining : 0n),
    percentage,
    exceeded,
    approaching: !exceeded && percentage >= b.budget.approaching,
    period_start: isoOf(window).start,
    resets_at: isoOf(window).resetsAt,
    ...modelFamilyOf(b),
    ...lateOf(b, input.late),
    ...(input.asOf === undefined ? {} : { used_as_of: input.asOf }),
    would_exceed: wouldExceed,
    blocking,
    retry_after_seconds: retryAfter,
  };
}

/** `late` when the previous period's ledger holds usage no counter has. */
function lateOf(b: CompiledBudget, late: StatusInput['late']): { late?: LateData } {
  if (!late?.value) return {};
  const used = usedOf(late.value, b.field);
  if (used === 0n) return {};
  return { late: { period_start: new Date(late.bucket.start).toISOString(), period_end: new Date(late.bucket.end).toISOString(), used: formatAmount(b.budget.metric, used) } };
}

const familyInfo = new WeakMap<CompiledBudget, { model_family?: ModelScopeInfo }>();

/** The budget's model scope, computed once per compiled budget. */
function modelFamilyOf(b: CompiledBudget): { model_family?: ModelScopeInfo } {
  let info = familyInfo.get(b);
  if (!info) {
    const m = b.scope.modelInfo();
    info = m ? { model_family: m } : {};
    familyInfo.set(b, info);
  }
  return info;
}

/** A check's verdict from its statuses. */
export function verdict(statuses: readonly CheckedStatus[]): { allowed: boolean; exceeded: CheckedStatus[]; retry_after_seconds: number | null } {
  const exceeded = statuses.filter((s) => s.would_exceed);
  const blocking = statuses.filter((s) => s.blocking);
  // One blocking budget that no wait helps (a lifetime period, an unpriced model): no Retry-After at all.
  const retry = blocking.some((s) => s.retry_after_seconds === null) ? null : blocking.reduce((m, s) => Math.max(m, s.retry_after_seconds ?? 0), 0);
  return { allowed: blocking.length === 0, exceeded, retry_after_seconds: blocking.length === 0 ? null : retry };
}
