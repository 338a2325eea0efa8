/**
 * Exact money. An amount is a bigint count of femto-USD (1e-15 USD), so a
 * price of up to 9 decimal places per million tokens, or 15 per token, times
 * an integer token count is exact. No float is ever summed; decimal text is
 * parsed from its digits, never through `Number`. Rounding happens only at
 * the display edge (`roundUsd`).
 */
import { TallyError } from './errors.js';

/** Decimal places of a Money amount. */
export const USD_SCALE = 15;

/** A USD amount in femto-USD. */
export type Money = bigint;

const DECIMAL_RE = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const POW10: bigint[] = [];
for (let i = 0; i <= 60; i++) POW10.push(10n ** BigInt(i));

export function pow10(n: number): bigint {
  return POW10[n] ?? 10n ** BigInt(n);
}

/**
 * Parses decimal text (`"2.50"`, `"1.5e-07"`, `"-3"`) into an integer scaled by
 * 10^scale, exactly. Throws MONEY_INVALID when the text is not a decimal or has
 * non-zero digits beyond `scale` places.
 */
export function parseScaled(text: string, scale: number, what = 'value'): bigint {
  const m = DECIMAL_RE.exec(text.trim());
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (!m || (intPart === '' && fracPart === '')) {
    throw new TallyError('MONEY_INVALID', `${what} "${text}" is not a decimal number`);
  }
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 400) {
    throw new TallyError('MONEY_INVALID', `${what} "${text}" has an exponent out of range`);
  }
  let digits = (intPart + fracPart).replace(/^0+(?=\d)/, '');
  // value = digits * 10^(exp - fracPart.length); we want value * 10^scale.
  let shift = scale + exp - fracPart.length;
  if (shift < 0) {
    const cut = digits.length + shift;
    const dropped = cut > 0 ? digits.slice(cut) : digits;
    if (/[1-9]/.test(dropped)) {
      throw new TallyError('MONEY_INVALID', `${what} "${text}" has more than ${scale} decimal places after scaling`);
    }
    digits = cut > 0 ? digits.slice(0, cut) : '0';
    shift = 0;
  }
  const magnitude = BigInt(digits || '0') * pow10(shift);
  return m[1] === '-' ? -magnitude : magnitude;
}

/** Formats a scaled integer as plain decimal text with trailing zeros trimmed: 105n, 3 → "0.105". */
export function formatScaled(value: bigint, scale: number): string {
  // One bigint-to-text conversion and string slicing: no bigint division, no
  // regular expression (it runs for every money column of every stored event).
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (scale === 0) return negative ? `-${digits}` : digits;
  const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
  const point = padded.length - scale;
  let end = padded.length;
  while (end > point && padded.charCodeAt(end - 1) === 48 /* '0' */) end--;
  const text = end === point ? padded.slice(0, point) : `${padded.slice(0, point)}.${padded.slice(point, end)}`;
  return negative ? `-${text}` : text;
}

/** Parses a USD amount from decimal text. */
export function parseUsd(text: string, what = 'amount'): Money {
  return parseScaled(text, USD_SCALE, what);
}

/** Parses a USD amount given as a JSON number, via its shortest round-trip text. */
export function usdFromNumber(value: number, what = 'amount'): Money {
  if (!Number.isFinite(value)) throw new TallyError('MONEY_INVALID', `${what} is not a finite number`);
  return parseUsd(String(value), what);
}

/** Exact decimal text of a Money amount, e.g. "0.105". */
export function formatUsd(amount: Money): string {
  return formatScaled(amount, USD_SCALE);
}

/** Rounds a Money amount to `decimals` places, half to even. For display only. */
export function roundUsd(amount: Money, decimals: number): Money {
  if (decimals >= USD_SCALE) return amount;
  const unit = pow10(USD_SCALE - decimals);
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  let q = abs / unit;
  const r = abs % unit;
  const twice = r * 2n;
  if (twice > unit || (twice === unit && q % 2n === 1n)) q += 1n;
  const rounded = q * unit;
  return negative ? -rounded : rounded;
}

/** Display text with exactly `decimals` places, e.g. formatUsdFixed(x, 2) → "12.30". */
export function formatUsdFixed(amount: Money, decimals: number): string {
  const rounded = roundUsd(amount, decimals);
  const text = formatScaled(rounded / pow10(USD_SCALE - decimals), decimals);
  const [whole, frac = ''] = text.split('.');
  return decimals > 0 ? `${whole}.${frac.padEnd(decimals, '0')}` : `${whole}`;
}

/** Sums amounts exactly. */
export function sumMoney(amounts: Iterable<Money>): Money {
  let total = 0n;
  for (const a of amounts) total += a;
  return total;
}
