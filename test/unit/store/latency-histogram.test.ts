/**
 * Percentiles from the latency rollups' bins (src/store/usage/latency-histogram.ts):
 * within 1 % of quantilesExactInclusive over the same values, for any data; values ≤ 0 in
 * their own bin; empty histograms answer null.
 */
import { describe, expect, it } from 'vitest';
import { BIN_RATIO, ZERO_BIN, binValue, histogramQuantiles } from '../../../src/store/usage/index.js';

/** The bin of a value, as migration 0012 computes it in SQL. */
const binOf = (v: number): number => (v > 0 ? Math.max(-32767, Math.min(32767, Math.floor(Math.log(v) / Math.log(BIN_RATIO)))) : ZERO_BIN);

function exact(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.ceil(h)] as number;
  return a + (h - lo) * (b - a);
}

function histogramOf(values: readonly number[]): { bins: number[]; counts: number[] } {
  const m = new Map<number, number>();
  for (const v of values) m.set(binOf(v), (m.get(binOf(v)) ?? 0) + 1);
  return { bins: [...m.keys()], counts: [...m.values()] };
}

/** A seeded generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('latency histogram percentiles', () => {
  it('a bin stands for a value within 1 % of everything it holds', () => {
    for (const v of [0.001, 0.3, 1, 1.02, 99.99, 250.25, 4999.75, 120_000, 3.6e6]) {
      expect(Math.abs(binValue(binOf(v)) - v) / v, String(v)).toBeLessThanOrEqual(0.01);
    }
    expect(binValue(ZERO_BIN)).toBe(0);
  });

  it('p50/p95/p99 within 1 % of the exact ones, over skewed, spread and tiny samples', () => {
    const levels = [0.5, 0.95, 0.99];
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = lcg(seed);
      const n = 1 + Math.floor(rnd() * (seed % 5 === 0 ? 3 : 2000));
      const values = Array.from({ length: n }, () => (seed % 3 === 0 ? 40 + rnd() * 900 : Math.exp(rnd() * 12) / 3)).map((v) => Math.round(v * 4) / 4);
      const sorted = [...values].sort((a, b) => a - b);
      const got = histogramQuantiles(histogramOf(values), levels);
      levels.forEach((q, i) => {
        const want = exact(sorted, q);
        expect(Math.abs((got[i] as number) - want), `seed ${seed} n ${n} p${q * 100}: ${got[i]} vs ${want}`).toBeLessThanOrEqual(want * 0.01 + 1e-9);
      });
    }
  });

  it('zeros count as 0; empty or cancelled-out bins answer null', () => {
    expect(histogramQuantiles({ bins: [ZERO_BIN, binOf(100)], counts: [3, 1] }, [0.5, 1])).toEqual([0, binValue(binOf(100))]);
    expect(histogramQuantiles({ bins: [], counts: [] }, [0.5])).toEqual([null]);
    expect(histogramQuantiles({ bins: [binOf(5)], counts: [0] }, [0.5, 0.99])).toEqual([null, null]);
  });
});
