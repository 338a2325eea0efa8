/**
 * Revenue and margin (issue 16): `price` is what the events are billed at,
 * `margin` = price − cost_total, both exact femto-USD; `margin_pct` =
 * margin ÷ price × 100 as decimal text with two places, rounded half away
 * from zero in integer arithmetic, and null when the price is 0 (nothing
 * billed: no percentage to speak of — most events of tenants without a price
 * book).
 */

/** margin ÷ price × 100, two decimals (`"23.08"`, `"-5.00"`); null when price is 0. */
export function marginPct(margin: bigint, price: bigint): string | null {
  if (price === 0n) return null;
  const num = margin * 10_000n;
  const negative = num < 0n !== price < 0n;
  const n = num < 0n ? -num : num;
  const d = price < 0n ? -price : price;
  const hundredths = (n * 2n + d) / (2n * d);
  const whole = hundredths / 100n;
  const frac = (hundredths % 100n).toString().padStart(2, '0');
  return `${negative && hundredths !== 0n ? '-' : ''}${whole}.${frac}`;
}
