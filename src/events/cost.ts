/**
 * What a reported `cost` must be for the store to hold it exactly: a whole
 * number of femto-USD (at most 15 decimal places, tally's unit) and at most
 * `EVENT_LIMITS.maxCostUsd`, so that it fits Decimal(38, 15) and any sum of
 * such amounts stays exact (docs/storage.md, "Sums").
 */
import { parseUsd, type Money } from '../core/money.js';

/** Largest cost of one event in USD, as text (`EVENT_LIMITS.maxCostUsd`). */
export const MAX_COST_USD = '1000000000';
/** The same in femto-USD. */
export const MAX_EVENT_COST: Money = parseUsd(MAX_COST_USD);
const MAX_TEXT = MAX_COST_USD;

/** Why a reported cost (decimal text or a JSON number, already known non-negative) cannot be stored, or null. */
export function costProblem(value: string | number): string | null {
  if (typeof value === 'number' && !Number.isFinite(value)) return null; // the schema reports it
  const text = String(value);
  let amount: Money;
  try {
    amount = parseUsd(text, 'cost');
  } catch {
    // Only two things fail for decimal text: an exponent beyond ±400, or digits below a femto-dollar.
    if (/[eE]\+?\d/.test(text)) return `must be at most ${MAX_TEXT} (USD per event; got ${text})`;
    return 'has more than 15 decimal places: tally counts money in femto-USD (1e-15 USD) and would have to round it';
  }
  if (amount > MAX_EVENT_COST) return `must be at most ${MAX_TEXT} (USD per event; got ${text})`;
  return null;
}
