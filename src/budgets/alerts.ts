/**
 * Threshold crossings, detected exactly once per (budget, bucket, subject,
 * threshold).
 *
 * After an apply, every budget touched by the batch is evaluated on the
 * counters as they now are (not "before vs after": a redelivered batch adds
 * nothing, yet must still produce the alert its first delivery may not have
 * published). Each reached threshold is a candidate; an alert mark in the
 * counter store decides, atomically, which candidates this batch claims
 * (marks-1.lua): new ones, and its own earlier claims when the batch is a
 * redelivery. The processor publishes the claimed crossings before it commits;
 * its next batch of the same partition turns those claims into "sent".
 * Crossing ids are deterministic, so even a publish repeated after a crash
 * between publishing and committing carries the same id.
 */
import { createHash } from 'node:crypto';
import type { CounterKeys, Slot } from '../counters/keys.js';
import { usedOf } from '../counters/fields.js';
import type { CounterValue, MarkEntry } from '../counters/types.js';
import { formatAmount, percentageOf, reaches } from './status.js';
import { parseUsd } from '../core/money.js';
import type { Watch } from './plan.js';
import type { AlertBody, ThresholdCrossing } from './types.js';

export interface Candidate {
  readonly watch: Watch;
  /** Percent of the limit reached; null for an amount-left alert (`below`). */
  readonly threshold: number | null;
  /** The amount left (limit − used) reached, femto-USD: `alert_below`; null for a percent threshold. */
  readonly below: bigint | null;
  readonly used: bigint;
  readonly mark: MarkEntry;
}

/**
 * What a crossing's mark is keyed by besides the subject: the percent, or for
 * an amount left the amount and the limit it was left of — a wallet topped up
 * (a new limit) alerts again when it runs low again.
 */
export function markToken(threshold: number | null, below: string | null, limit: string): string | number {
  return below === null ? (threshold ?? 0) : `below:${below}@${limit}`;
}

/** Deterministic id of a crossing. */
export function alertId(budgetId: string, markBucket: string, markField: string): string {
  return `al_${createHash('sha256').update(`${budgetId}\n${markBucket}\n${markField}`).digest('hex').slice(0, 32)}`;
}

/** Reached thresholds of every watch, from the values read back after the apply. */
export function candidates(keys: CounterKeys, watches: readonly Watch[], values: ReadonlyMap<string, CounterValue>): Candidate[] {
  const out: Candidate[] = [];
  for (const w of watches) {
    const b = w.budget;
    let used = 0n;
    for (const k of w.keys) {
      const v = values.get(k);
      if (v) used += usedOf(v, b.field);
    }
    const key = keys.marks(w.slot, b.budget.id, w.markBucket);
    for (const t of b.budget.thresholds) {
      if (!reaches(used, b.limit, t)) continue;
      out.push({ watch: w, threshold: t, below: null, used, mark: { key, field: keys.markField(w.dims, t), expireAt: w.markExpireAt } });
    }
    for (const text of b.budget.alert_below ?? []) {
      const below = parseUsd(text);
      if (b.limit - used > below) continue;
      const token = markToken(null, text, formatAmount(b.budget.metric, b.limit));
      out.push({ watch: w, threshold: null, below, used, mark: { key, field: keys.markField(w.dims, token), expireAt: w.markExpireAt } });
    }
  }
  return out;
}

export function crossingOf(c: Candidate, now: number): ThresholdCrossing {
  const w = c.watch;
  const b = w.budget.budget;
  const id = alertId(b.id, w.markBucket, c.mark.field);
  const tenant: string | null = w.slot;
  const left = w.budget.limit - c.used;
  const body: AlertBody = {
    type: c.below === null ? 'budget.threshold_crossed' : 'budget.remaining_below',
    alert_id: id,
    budget_id: b.id,
    budget_name: b.name,
    tenant,
    subject: w.budget.scope.subjectOf(w.values),
    metric: b.metric,
    token_class: b.token_class,
    enforcement: b.enforcement,
    threshold: c.threshold,
    below: c.below === null ? null : formatAmount(b.metric, c.below),
    used: formatAmount(b.metric, c.used),
    remaining: formatAmount(b.metric, left > 0n ? left : 0n),
    limit: formatAmount(b.metric, w.budget.limit),
    percentage: percentageOf(c.used, w.budget.limit),
    exceeded: c.used >= w.budget.limit,
    period: b.period,
    timezone: b.timezone,
    window: b.window,
    bucket: w.markBucket,
    period_start: new Date(w.window.start).toISOString(),
    resets_at: new Date(w.window.resetsAt).toISOString(),
    crossed_at: new Date(now).toISOString(),
    metadata: b.metadata,
  };
  return { id, tenant: tenant ?? '', body };
}

/**
 * Marks this process knows to be final for a claimant (sent, or another
 * partition's): asking again cannot produce an alert. Bounded; cleared when full.
 */
export class SettledMarks {
  private readonly seen = new Set<string>();

  constructor(private readonly max = 100_000) {}

  private id(token: string, m: MarkEntry): string {
    return `${token}\n${m.key}\n${m.field}`;
  }

  has(token: string, m: MarkEntry): boolean {
    return this.seen.has(this.id(token, m));
  }

  add(token: string, m: MarkEntry): void {
    if (this.seen.size >= this.max) this.seen.clear();
    this.seen.add(this.id(token, m));
  }
}

/** Candidates grouped by slot, for one marks call per slot. */
export function bySlot(list: readonly Candidate[]): Map<Slot, Candidate[]> {
  const out = new Map<Slot, Candidate[]>();
  for (const c of list) {
    const arr = out.get(c.watch.slot) ?? [];
    arr.push(c);
    out.set(c.watch.slot, arr);
  }
  return out;
}
