/** Comparing totals rows in the analytics-store contract (the data lives in test/support/store-fixtures.ts). */
import { expect } from 'vitest';
import type { TenantTotalsRow } from '../../../src/store/queries/index.js';

const FLOAT_FIELDS = ['duration_ms_sum', 'ttft_ms_sum'] as const;

/** Totals rows equal: every exact field identical (same JSON text), float sums within rounding. */
export function expectSameTotals(actual: readonly TenantTotalsRow[], expected: readonly TenantTotalsRow[]): void {
  expect(actual.length).toBe(expected.length);
  const strip = (r: TenantTotalsRow): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...r };
    for (const f of FLOAT_FIELDS) delete copy[f];
    return copy;
  };
  expect(actual.map(strip)).toEqual(expected.map(strip));
  actual.forEach((row, i) => {
    for (const f of FLOAT_FIELDS) expect(row[f]).toBeCloseTo((expected[i] as TenantTotalsRow)[f], 6);
  });
}
