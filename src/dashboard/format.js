/**
 * Display formatting. USD amounts arrive from the API as exact decimal
 * strings ("122.4700384"); they are added and rounded here as BigInt digit
 * strings, never through a float, so the page shows exactly the API's value
 * rounded half-even (the rounding `tally report` uses). Charts need numbers:
 * `toNumber` is for drawing only.
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A decimal string as {negative, digits (BigInt), scale}. */
function parse(value) {
  const m = DECIMAL.exec(String(value).trim());
  if (!m) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
  const frac = m[3] ?? '';
  return { negative: m[1] === '-', digits: BigInt(m[2] + frac), scale: frac.length };
}

function render(negative, digits, scale) {
  let s = digits.toString().padStart(scale + 1, '0');
  if (scale > 0) s = `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return negative && digits !== 0n ? `-${s}` : s;
}

/** Exact sum of decimal strings, as a decimal string. */
export function addDecimals(values) {
  const parts = values.map(parse);
  const scale = Math.max(0, ...parts.map((p) => p.scale));
  let sum = 0n;
  for (const p of parts) {
    const v = p.digits * 10n ** BigInt(scale - p.scale);
    sum += p.negative ? -v : v;
  }
  const negative = sum < 0n;
  return trimZeros(render(negative, negative ? -sum : sum, scale));
}

function trimZeros(s) {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Rounds a decimal string to `decimals` places, half to even; always `decimals` digits after the point. */
export function roundDecimal(value, decimals) {
  const { negative, digits, scale } = parse(value);
  if (scale <= decimals) return render(negative, digits * 10n ** BigInt(decimals - scale), decimals);
  const drop = 10n ** BigInt(scale - decimals);
  let kept = digits / drop;
  const rest = digits % drop;
  const twice = rest * 2n;
  if (twice > drop || (twice === drop && kept % 2n === 1n)) kept += 1n;
  return render(negative, kept, decimals);
}

/** "1234567" → "1,234,567" (digits only). */
function group(intDigits) {
  return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function isZero(value) {
  return parse(value).digits === 0n;
}

/**
 * "$1,234.57": two decimals from $1 up, four below (so cents of a cheap model
 * still show); "<$0.0001" for a tiny non-zero amount.
 */
export function formatUsd(value, decimals) {
  if (decimals === undefined && isZero(value)) return '$0.00';
  const places = decimals ?? (Math.abs(Number(value)) >= 1 ? 2 : 4);
  const rounded = roundDecimal(value, places);
  if (isZero(rounded) && !isZero(value)) return `${value.startsWith('-') ? '-' : ''}<$${(10 ** -places).toFixed(places)}`;
  const negative = rounded.startsWith('-');
  const [int, frac] = rounded.replace('-', '').split('.');
  return `${negative ? '-' : ''}$${group(int)}${frac ? `.${frac}` : ''}`;
}

/** Whole counts with separators: 57060834 → "57,060,834". */
export function formatCount(n) {
  return group(String(Math.trunc(Number(n))));
}

/** Short counts for axes and sub-lines: 57060834 → "57.1M". */
export function formatCompact(n) {
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(Number(n));
}

/** A ratio (0..1) as a percentage with one decimal. */
export function formatPercent(ratio) {
  return `${(Number(ratio) * 100).toFixed(1)} %`;
}

/** A budget's percentage used: "47.61 %", "3,637 %" when far over. */
export function formatUsedPercent(pct) {
  if (pct === null || pct === undefined) return '–';
  return pct >= 1000 ? `${formatCount(pct)} %` : `${pct} %`;
}

/** Milliseconds as "840 ms" or "6.1 s". */
export function formatMs(ms) {
  if (ms === null || ms === undefined) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** For drawing only: a decimal string as a float. */
export function toNumber(value) {
  return Number.parseFloat(value);
}

/** A bucket start (RFC 3339 with offset) as a short label on the wall clock of `tz`. */
export function bucketLabel(iso, bucket, tz) {
  const d = new Date(iso);
  const opts = {
    hour: { weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
    day: { weekday: 'short', day: 'numeric', month: 'short' },
    week: { day: 'numeric', month: 'short' },
    month: { month: 'short', year: 'numeric' },
  }[bucket];
  const text = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz }).format(d);
  return bucket === 'week' ? `w/c ${text}` : text;
}

/** "in 3 d", "in 5 h", "in 12 min" until an ISO instant. */
export function until(iso, now = Date.now()) {
  const s = Math.max(0, (Date.parse(iso) - now) / 1000);
  if (s >= 2 * 86400) return `in ${Math.round(s / 86400)} d`;
  if (s >= 2 * 3600) return `in ${Math.round(s / 3600)} h`;
  return `in ${Math.max(1, Math.round(s / 60))} min`;
}
