/**
 * What the store can hold, checked where the numbers are known: counts read
 * from a usage object (after normalization) and the amounts an event is
 * priced at (after pricing). The event's own fields were bounded by the
 * contract (EVENT_LIMITS in src/events/schema.ts); these are the same limits
 * for what the usage object and the price catalog produce, so that nothing
 * the store would refuse, wrap or round is accepted — and every sum of
 * accepted events stays exact (docs/storage.md, "Sums").
 */
import { TOKEN_CLASSES } from '../core/classes.js';
import type { FieldError } from '../core/errors.js';
import { formatUsd, type Money } from '../core/money.js';
import { costProblem, MAX_COST_USD, MAX_EVENT_COST } from '../events/cost.js';
import { EVENT_LIMITS } from '../events/schema.js';
import type { Rejection } from '../events/types.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { PricingResult } from '../pricing/types.js';

const COUNTS = ['requests', 'tool_calls', 'web_search_requests', 'images'] as const;

const NONE: readonly FieldError[] = Object.freeze([]);

/** Field errors for counts of a normalized usage object beyond what one event may hold; empty (one shared list) when it fits. */
export function usageBeyondLimits(usage: NormalizedUsage): readonly FieldError[] {
  const t = usage.tokens;
  // Every event fits, nearly always: the bounds first, the list only when one is crossed.
  if (t.total <= EVENT_LIMITS.maxTokens && usage.requests <= EVENT_LIMITS.maxCount && usage.tool_calls <= EVENT_LIMITS.maxCount
    && usage.web_search_requests <= EVENT_LIMITS.maxCount && usage.images <= EVENT_LIMITS.maxCount
    && usage.audio_seconds <= EVENT_LIMITS.maxAudioSeconds && usage.reported_cost === null) return NONE;
  const errors: FieldError[] = [];
  if (t.total > EVENT_LIMITS.maxTokens) {
    const parts = TOKEN_CLASSES.filter((c) => t[c] > 0).map((c) => `${c} ${t[c]}`).join(', ');
    errors.push({ path: 'usage', reason: `counts ${t.total} tokens (${parts}), more than the ${EVENT_LIMITS.maxTokens} one event may hold` });
  }
  for (const name of COUNTS) {
    if (usage[name] > EVENT_LIMITS.maxCount) errors.push({ path: 'usage', reason: `counts ${usage[name]} ${name}, more than the ${EVENT_LIMITS.maxCount} one event may hold` });
  }
  if (usage.audio_seconds > EVENT_LIMITS.maxAudioSeconds) {
    errors.push({ path: 'usage', reason: `counts ${usage.audio_seconds} audio_seconds, more than the ${EVENT_LIMITS.maxAudioSeconds} one event may hold` });
  }
  if (usage.reported_cost !== null) {
    const problem = costProblem(usage.reported_cost);
    if (problem !== null) errors.push({ path: 'usage', reason: `reports a cost that ${problem}` });
  }
  return errors;
}

/** Why a priced event cannot be stored (an amount beyond the most one event may cost), or null. */
export function pricingBeyondLimits(pricing: PricingResult): Rejection | null {
  const abs = (m: Money): Money => (m < 0n ? -m : m);
  let worst: Money = abs(pricing.total) > abs(pricing.cache_savings) ? abs(pricing.total) : abs(pricing.cache_savings);
  const cost = pricing.cost;
  for (const k in cost) if (abs(cost[k as keyof typeof cost]) > worst) worst = abs(cost[k as keyof typeof cost]);
  if (worst <= MAX_EVENT_COST) return null;
  const reason = `is priced at ${formatUsd(worst)} USD, more than the ${MAX_COST_USD} USD one event may cost; check the prices of ${pricing.model_key ?? 'its model'}`;
  return { code: 'MONEY_INVALID', message: `the event ${reason}`, errors: [{ path: 'usage', reason }] };
}
