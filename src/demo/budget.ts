/**
 * The demo's budget near its limit: Initech's batch reports, a cost budget
 * over a rolling 30 days whose limit is derived from the history the demo
 * backfills, so the budgets page shows one bar at 90 % (amber: past the
 * default `approaching` threshold of 80 %), and the alerts of its 50 % and
 * 80 % thresholds. Batch reports run only in the history (traffic.ts), so
 * live traffic does not move the bar.
 */
import { formatUsd, type Money } from '../core/money.js';
import { acceptInput, priceAccepted } from '../pipeline/price-event.js';
import type { Pricer } from '../pricing/pricer.js';
import { BATCH_FEATURE } from './traffic.js';

export const DEMO_BUDGET_ID = 'demo-initech-batch-reports';
/** Where the bar lands: the share of the limit the history uses. */
export const DEMO_BUDGET_SHARE = 0.9;
const SCOPE = { tenant: 'initech', feature: BATCH_FEATURE } as const;

/** The budget as `PUT /v1/budgets/{id}` takes it, for a limit. */
export function demoBudget(limit: string): Record<string, unknown> {
  return { id: DEMO_BUDGET_ID, name: 'Initech batch reports', metric: 'cost', limit, period: 'rolling', window: '30d', scope: { ...SCOPE }, enforcement: 'soft' };
}

/** Whether an event (as generated) counts toward the demo budget. */
export function inDemoBudget(event: unknown): boolean {
  if (event === null || typeof event !== 'object') return false;
  const e = event as Record<string, unknown>;
  return e.tenant === SCOPE.tenant && e.feature === SCOPE.feature;
}

/** The exact cost of the events of the budget's scope, priced as the processor prices them (unpriced events count their catalog cost, 0). */
export function demoBudgetCost(events: readonly unknown[], pricer: Pricer, receivedAt: Date = new Date()): Money {
  let cost = 0n;
  for (const input of events) {
    if (!inDemoBudget(input)) continue;
    const accepted = acceptInput(input, { receivedAt });
    if (!accepted.ok) continue;
    cost += priceAccepted(pricer, accepted.event, accepted.usage, null).pricing.total;
  }
  return cost;
}

/** The limit (USD text, whole cents, rounded up) at which `cost` is `share` of it. */
export function limitFor(cost: Money, share: number = DEMO_BUDGET_SHARE): string {
  const permille = BigInt(Math.round(share * 1000));
  const cent = 10n ** 13n;
  const exact = (cost * 1000n + permille - 1n) / permille;
  const cents = (exact + cent - 1n) / cent;
  return formatUsd(cents < 1n ? cent : cents * cent);
}
