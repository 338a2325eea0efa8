/**
 * Outage policies (issue #14, item 4): what a quota check or reservation
 * answers when the counter store cannot answer it. Two situations:
 *
 * - **unreachable** — Redis does not answer (stopped, network cut, Cluster
 *   down). Per budget (`outage_policy`): `fail_open` answers allowed and holds
 *   nothing; `fail_closed` answers 503 COUNTERS_UNAVAILABLE with Retry-After;
 *   `leases` answers from this process's live budget leases (the room they
 *   hold in Redis stays held there until they expire, so nothing can
 *   overshoot) until they expire, then as `fail_closed`.
 * - **lost** — Redis answers but its counters were lost (recovery.ts): the
 *   global `budgets.outagePolicy` (`store` / `closed` / `open`) as before; a
 *   budget's own setting reads as `fail_open` → `open`, `fail_closed` and
 *   `leases` → `store` (wait for the rebuild: never answered unchecked, and
 *   leases lost their holds with the data).
 *
 * A budget without a setting takes the global one: `open` reads as
 * `fail_open`, `store` and `closed` as `fail_closed`. A subject governed by
 * several budgets gets the strictest: fail_closed > leases > fail_open, and
 * closed > store > open.
 */
import type { CompiledBudget } from './catalog.js';
import type { BudgetOutagePolicy } from './model.js';
import type { OutagePolicy } from './recovery.js';

export type { OutageNote } from './types.js';

const UNREACHABLE_RANK: Readonly<Record<BudgetOutagePolicy, number>> = { fail_open: 0, leases: 1, fail_closed: 2 };
const LOST_RANK: Readonly<Record<OutagePolicy, number>> = { open: 0, store: 1, closed: 2 };

/** A budget's policy while the counter store is unreachable: its own, else the global one read in the budget vocabulary. */
export function budgetOutagePolicy(b: Pick<CompiledBudget, 'budget'>, global: OutagePolicy): BudgetOutagePolicy {
  return b.budget.outage_policy ?? (global === 'open' ? 'fail_open' : 'fail_closed');
}

/** The strictest unreachable-store policy of a subject's budgets (`fail_open` when none applies: nothing can refuse). */
export function unreachablePolicy(budgets: readonly Pick<CompiledBudget, 'budget'>[], global: OutagePolicy): BudgetOutagePolicy {
  let out: BudgetOutagePolicy = 'fail_open';
  for (const b of budgets) {
    const p = budgetOutagePolicy(b, global);
    if (UNREACHABLE_RANK[p] > UNREACHABLE_RANK[out]) out = p;
  }
  return out;
}

/** The strictest lost-counters policy of a subject's budgets (the global one when none applies). */
export function lostPolicy(budgets: readonly Pick<CompiledBudget, 'budget'>[], global: OutagePolicy): OutagePolicy {
  if (budgets.length === 0) return global;
  let out: OutagePolicy = 'open';
  for (const b of budgets) {
    const own = b.budget.outage_policy;
    const p: OutagePolicy = own === undefined ? global : own === 'fail_open' ? 'open' : 'store';
    if (LOST_RANK[p] > LOST_RANK[out]) out = p;
  }
  return out;
}

/** How many budgets of a set follow each unreachable-store policy (for /readyz). */
export function policyCounts(budgets: readonly Pick<CompiledBudget, 'budget'>[], global: OutagePolicy): Record<BudgetOutagePolicy, number> {
  const out: Record<BudgetOutagePolicy, number> = { fail_open: 0, fail_closed: 0, leases: 0 };
  for (const b of budgets) out[budgetOutagePolicy(b, global)] += 1;
  return out;
}

/** How a check or reservation was answered while the counter store was unreachable (metrics). */
export type UnreachableOutcome = 'open' | 'lease' | 'unavailable';
