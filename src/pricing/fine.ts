/**
 * Exact rates finer than a femto-dollar. A price is read from its decimal
 * text into an integer count of 10⁻³⁰ USD (per token or per unit), so any
 * price with up to 30 decimals of USD per token (24 per million, 27 per
 * thousand) is held exactly: LiteLLM's per-second prices of per-minute
 * rates (`0.0005666666666666667`), currency conversions (`8/7 × 10⁻⁶`) and
 * float artefacts (`2.0000000000000002e-07`) included.
 *
 * An amount (count × rate) is exact at 10⁻³⁰ and rounded ONCE to the
 * femto-dollar, half to even — per class of an event, never per token and
 * never at import, so the error is at most half a femto-dollar per class per
 * event and does not grow with the count. Rates that are whole femto-dollars
 * (nearly all) skip the rounding: the pricer multiplies them as before.
 */
import { parseScaled, pow10 } from '../core/money.js';

/** Decimal places of a fine rate: 10⁻³⁰ USD. */
export const FINE_SCALE = 30;
/** Fine units per femto-dollar (10¹⁵). */
export const FINE_PER_FEMTO: bigint = pow10(FINE_SCALE - 15);

/** `text` (USD per 10^shift units) as 10⁻³⁰ USD per unit; throws MONEY_INVALID beyond 30 decimals. */
export function parseFine(text: string, shift: number): bigint {
  return parseScaled(text, FINE_SCALE - shift, 'price');
}

/** Whether a fine rate is a whole number of femto-dollars. */
export function isWholeFemto(fine: bigint): boolean {
  return fine % FINE_PER_FEMTO === 0n;
}

/** `value / divisor`, rounded half to even (value ≥ 0, divisor > 0). */
export function divideHalfEven(value: bigint, divisor: bigint): bigint {
  let q = value / divisor;
  const twice = (value % divisor) * 2n;
  if (twice > divisor || (twice === divisor && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** An amount at 10⁻³⁰ USD rounded once to femto-USD, half to even. */
export function fineToFemto(fine: bigint): bigint {
  return divideHalfEven(fine, FINE_PER_FEMTO);
}
