/**
 * Amounts: what an event adds to its counters, and what a request's estimate
 * or actual usage is, as exact integers.
 */
import type { CheckField, HeldAmounts, UsageAmounts } from '../counters/types.js';
import { TallyError, validationError, type FieldError } from '../core/errors.js';
import { parseUsd } from '../core/money.js';
import type { PricedEvent } from '../pipeline/types.js';
import type { ActualUsage, CostEstimator, PriceEstimator, Subject, UsageEstimate } from './types.js';
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';
import type { ProvisionalCost } from '../pricing/provisional.js';

/**
 * What one event adds: its cost, tokens (total and per class) and requests.
 * An event tally could not price counts at its provisional price when one
 * is given (issue #11: never $0); reconcile counts the same from the store.
 */
export function eventUsage(e: PricedEvent, provisional?: ProvisionalCost): UsageAmounts {
  const classes: Partial<Record<TokenClass, bigint>> = {};
  for (const c of TOKEN_CLASSES) {
    const v = e.usage.tokens[c];
    if (v > 0) classes[c] = BigInt(v);
  }
  const cost = e.pricing.priced || provisional === undefined ? e.pricing.total : provisional.costOf(e.event.provider, classes);
  const price = e.price?.total ?? 0n;
  return {
    cost: cost > 0n ? cost : 0n,
    tokens: BigInt(e.usage.tokens.total),
    requests: BigInt(e.usage.requests),
    classes,
    price: price > 0n ? price : 0n,
  };
}

function count(value: number | undefined, path: string, errors: FieldError[], fallback: bigint): bigint {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    errors.push({ path, reason: 'must be a whole number, 0 or more' });
    return 0n;
  }
  return BigInt(value);
}

function cost(text: string | undefined, path: string, errors: FieldError[]): bigint | undefined {
  if (text === undefined) return undefined;
  try {
    const v = parseUsd(String(text), path);
    if (v < 0n) errors.push({ path, reason: 'must not be negative' });
    return v;
  } catch {
    errors.push({ path, reason: 'must be a USD amount as decimal text, e.g. "0.25"' });
    return 0n;
  }
}

/**
 * An estimate as exact amounts. Throws VALIDATION_FAILED naming the field.
 * Tokens: `tokens`, else `input_tokens` + `max_tokens`. Cost: `cost`, else
 * the estimator's price of `model` with `max_tokens` / `input_tokens`.
 */
export async function resolveEstimate(estimate: UsageEstimate | undefined, subject: Subject, estimator: CostEstimator | undefined): Promise<HeldAmounts> {
  const e = estimate ?? {};
  const errors: FieldError[] = [];
  let c = cost(e.cost, 'estimate.cost', errors);
  const maxTokens = count(e.max_tokens, 'estimate.max_tokens', errors, 0n);
  const inputTokens = count(e.input_tokens, 'estimate.input_tokens', errors, 0n);
  const tokens = count(e.tokens, 'estimate.tokens', errors, maxTokens + inputTokens);
  const requests = count(e.requests, 'estimate.requests', errors, 1n);
  if (c === undefined && e.model !== undefined && (e.max_tokens !== undefined || e.input_tokens !== undefined) && errors.length === 0) {
    if (!estimator) errors.push({ path: 'estimate.model', reason: 'no cost estimator is configured; give estimate.cost' });
    else {
      try {
        c = await estimator(e.model, e.max_tokens ?? 0, subject, e.input_tokens);
      } catch (err) {
        if (err instanceof TallyError) throw err;
        errors.push({ path: 'estimate.model', reason: `the cost could not be estimated: ${String(err)}` });
      }
    }
  }
  const price = cost(e.price, 'estimate.price', errors);
  if (errors.length > 0) throw validationError(errors);
  return { cost: c ?? 0n, tokens, requests, price: price ?? 0n };
}

/**
 * The billed price of an estimate, for `price` budgets (wallets): `price`
 * when given, else the customer's price book applied to the estimate by the
 * engine's `estimatePrice` (0 without one: no book bills nothing).
 */
export async function withPrice(hold: HeldAmounts, estimate: UsageEstimate | undefined, subject: Subject, estimator: PriceEstimator | undefined): Promise<HeldAmounts> {
  if (estimate?.price !== undefined || estimator === undefined) return hold;
  const price = await estimator(subject, {
    cost: hold.cost,
    requests: hold.requests,
    ...(estimate?.model === undefined ? {} : { model: estimate.model }),
    ...(estimate?.input_tokens === undefined ? {} : { inputTokens: estimate.input_tokens }),
    ...(estimate?.max_tokens === undefined ? {} : { maxTokens: estimate.max_tokens }),
  });
  return { ...hold, price };
}

/** Actual usage of a reserved request, when amounts were given. */
export function resolveActual(actual: ActualUsage | undefined): HeldAmounts | null {
  if (!actual || (actual.cost === undefined && actual.tokens === undefined && actual.requests === undefined && actual.price === undefined)) return null;
  const errors: FieldError[] = [];
  const c = cost(actual.cost, 'actual.cost', errors) ?? 0n;
  const tokens = count(actual.tokens, 'actual.tokens', errors, 0n);
  const requests = count(actual.requests, 'actual.requests', errors, 1n);
  const price = cost(actual.price, 'actual.price', errors) ?? 0n;
  if (errors.length > 0) throw validationError(errors);
  return { cost: c, tokens, requests, price };
}

/** The part of an estimate a budget's metric counts (a token estimate counts against token-class budgets too). */
export function estimateFor(field: CheckField, e: HeldAmounts): bigint {
  switch (field.metric) {
    case 'cost': return e.cost;
    case 'price': return e.price;
    case 'requests': return e.requests;
    default: return e.tokens;
  }
}
