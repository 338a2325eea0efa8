/**
 * The `block` unpriced policy (issue #11 item 10): a hard cost budget with
 * `unpriced: "block"` refuses a request whose model tally cannot price (the
 * catalog does not resolve it), since its spend could only be counted
 * provisionally. A check says so per status (`blocking`, `unpriced_model`);
 * a reservation is refused without holding anything.
 */
import type { CompiledBudget } from './catalog.js';
import type { DimValues } from './scope.js';
import type { CheckedStatus, ModelResolver } from './types.js';

/** The subject's model when tally cannot price it, else null (no model named, or no resolver to tell). */
export function unpricedModel(given: DimValues, resolveModel: ModelResolver | undefined): string | null {
  const model = given.model;
  if (model === undefined || resolveModel === undefined) return null;
  return resolveModel(model, given.provider) === null ? model : null;
}

/** Whether a budget refuses requests for an unpriced model. */
export function blocksUnpriced(b: CompiledBudget): boolean {
  return b.hard && b.budget.metric === 'cost' && b.budget.unpriced === 'block';
}

/** The statuses with every budget that blocks an unpriced model marked blocking. */
export function withUnpricedBlocks(statuses: readonly CheckedStatus[], budgets: readonly CompiledBudget[], model: string | null): CheckedStatus[] {
  if (model === null) return [...statuses];
  return statuses.map((s, i) => {
    const b = budgets[i];
    if (!b || !blocksUnpriced(b)) return s;
    return { ...s, would_exceed: true, blocking: true, retry_after_seconds: null, unpriced_model: model };
  });
}
