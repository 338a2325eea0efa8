/**
 * The cost estimator the budget engine prices an estimate's `model` +
 * `max_tokens` (+ `input_tokens`) with, from the price catalog.
 */
import { validationError } from '../core/errors.js';
import type { Money } from '../core/money.js';
import { type TokenClass } from '../core/classes.js';
import { plannedUsage, type NormalizedUsage } from '../normalize/types.js';
import type { Pricer } from '../pricing/index.js';
import type { CostEstimator } from './types.js';

const CLASSES_FOR_ESTIMATE: readonly TokenClass[] = ['output', 'input'];

/**
 * The cost of a request from its token counts:
 * - with `inputTokens` (the prompt, counted): the prompt at the model's input
 *   price plus `maxTokens` at its output price;
 * - without: `maxTokens` priced at the dearer of the model's input and output
 *   price, so the estimate bounds any split of them (the meaning `max_tokens`
 *   had before input tokens could be given).
 * An unpriced model is VALIDATION_FAILED at `estimate.model`.
 */
export function costEstimator(pricer: Pricer, clock: () => number = Date.now): (...args: Parameters<CostEstimator>) => Money {
  return (model, maxTokens, subject, inputTokens) => {
    const price = (usage: NormalizedUsage): Money => {
      const r = pricer.price({ ...(subject.provider ? { provider: subject.provider } : {}), model, occurredAt: new Date(clock()), usage });
      if (!r.priced) {
        throw validationError([{ path: 'estimate.model', reason: `no price is known for ${JSON.stringify(model)} (${r.pricing_error?.code ?? 'unpriced'}); give estimate.cost instead` }]);
      }
      return r.total;
    };
    if (inputTokens !== undefined) return price(plannedUsage(inputTokens, maxTokens));
    let best: Money | null = null;
    for (const cls of CLASSES_FOR_ESTIMATE) {
      const total = price(cls === 'input' ? plannedUsage(maxTokens, 0) : plannedUsage(0, maxTokens));
      if (best === null || total > best) best = total;
    }
    return best ?? 0n;
  };
}
