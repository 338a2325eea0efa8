/**
 * Percentiles from the latency rollups' histograms (migration 0012): a value
 * v > 0 is counted in bin floor(ln v / ln 1.02), a value ≤ 0 in bin -32768.
 * Each bin stands for the value within 1 % of every value it holds (for
 * [γ^k, γ^(k+1)), 2γ^(k+1)/(γ+1): at most (γ-1)/(γ+1) ≈ 0.99 % off either
 * end). A percentile is interpolated as `quantilesExactInclusive` does
 * (R type 7: rank q·(n-1), linear between the two nearest values) over the
 * bins' values, so it is within 1 % of the exact percentile over the same
 * events: both nearest values are, and so is any mix of them.
 */

/** The growth factor between bin edges. */
export const BIN_RATIO = 1.02;
/** The bin of values ≤ 0. */
export const ZERO_BIN = -32768;

/** The value a bin stands for. */
export function binValue(bin: number): number {
  if (bin === ZERO_BIN) return 0;
  return (2 * BIN_RATIO ** (bin + 1)) / (BIN_RATIO + 1);
}

/** A histogram: bins (ascending or not) and their event counts; a bin whose count is ≤ 0 holds nothing. */
export interface Histogram {
  readonly bins: readonly number[];
  readonly counts: readonly number[];
}

/** The `levels` percentiles (0…1) of the histogram's values, null each when it holds none. */
export function histogramQuantiles(h: Histogram, levels: readonly number[]): (number | null)[] {
  const pairs: [number, number][] = [];
  h.bins.forEach((bin, i) => {
    const n = h.counts[i] ?? 0;
    if (n > 0) pairs.push([bin, n]);
  });
  pairs.sort((a, b) => a[0] - b[0]);
  const total = pairs.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return levels.map(() => null);
  // The value of the i-th (0-based) smallest counted value's bin.
  const at = (i: number): number => {
    let seen = 0;
    for (const [bin, n] of pairs) {
      seen += n;
      if (i < seen) return binValue(bin);
    }
    return binValue(pairs[pairs.length - 1]?.[0] ?? ZERO_BIN);
  };
  return levels.map((q) => {
    const rank = q * (total - 1);
    const lo = Math.floor(rank);
    const a = at(lo);
    const b = at(Math.ceil(rank));
    return a + (rank - lo) * (b - a);
  });
}
