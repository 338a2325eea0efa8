import { describe, expect, it } from 'vitest';
import { measuresJson, measuresOf, sumMeasures } from '../../../src/analytics/measures.js';
import { MEASURE_NAMES } from '../../../src/store/queries/measures.js';
import { decodeCursor, encodeCursor } from '../../../src/analytics/cursor.js';
import { TallyError } from '../../../src/core/errors.js';
import { marginPct } from '../../../src/analytics/margin.js';

function row(over: Record<string, unknown>): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const m of MEASURE_NAMES) r[m] = m.endsWith('_sum') ? 0 : '0';
  return { ...r, ...over };
}

describe('measures', () => {
  it('add decimal strings exactly, to the femto-dollar, and print them as decimal strings', () => {
    const rows = Array.from({ length: 10 }, () => measuresOf(row({ events: '1', requests: '1', cost_total: '0.1', cost_request: '0.000000000000001', total_tokens: '3', audio_seconds: '0.001' })));
    const j = measuresJson(sumMeasures(rows));
    expect(j.cost_total).toBe('1');
    expect(j.cost_request).toBe('0.00000000000001');
    expect(j.audio_seconds).toBe(0.01);
    expect(j.avg_tokens_per_request).toBe(3);
    expect(j.avg_duration_ms).toBeNull();
  });

  it('keeps 64-bit counts and 38-digit amounts exact', () => {
    const j = measuresJson(measuresOf(row({ cost_total: '12345678901234567890.123456789012345', total_tokens: '9007199254740991', duration_ms_sum: 300, duration_ms_count: '4', requests: '2' })));
    expect(j.cost_total).toBe('12345678901234567890.123456789012345');
    expect(j.total_tokens).toBe(9007199254740991);
    expect(j.avg_duration_ms).toBe(75);
    expect(j.avg_tokens_per_request).toBe(4503599627370495.5);
  });
});

describe('price and margin (issue 16)', () => {
  it('sum the billed price exactly and derive margin = price − cost_total and margin_pct from the exact sums', () => {
    const rows = Array.from({ length: 3 }, () => measuresOf(row({ events: '1', cost_total: '0.1', price_total: '0.130000000000001' })));
    const j = measuresJson(sumMeasures(rows));
    expect(j).toMatchObject({ cost_total: '0.3', price: '0.390000000000003', margin: '0.090000000000003', margin_pct: '23.08' });
    // Billed below cost: a negative margin; nothing billed: margin = −cost and no percentage.
    expect(measuresJson(measuresOf(row({ cost_total: '2', price_total: '1.5' })))).toMatchObject({ price: '1.5', margin: '-0.5', margin_pct: '-33.33' });
    expect(measuresJson(measuresOf(row({ cost_total: '2' })))).toMatchObject({ price: '0', margin: '-2', margin_pct: null });
    expect(measuresJson(measuresOf(row({})))).toMatchObject({ price: '0', margin: '0', margin_pct: null });
    // 38-digit amounts stay exact through the subtraction.
    expect(measuresJson(measuresOf(row({ cost_total: '12345678901234567890.123456789012345', price_total: '22345678901234567890.123456789012346' }))).margin).toBe('10000000000000000000.000000000000001');
  });

  it('margin_pct: two decimals, half away from zero, in integer arithmetic; null at price 0', () => {
    expect(marginPct(30n, 130n)).toBe('23.08');
    expect(marginPct(1n, 8n)).toBe('12.50');
    expect(marginPct(2n, 3n)).toBe('66.67');
    expect(marginPct(1n, 3n)).toBe('33.33');
    expect(marginPct(1n, 20_000n)).toBe('0.01'); // 0.005 % rounds away from zero
    expect(marginPct(-1n, 20_000n)).toBe('-0.01');
    expect(marginPct(-1n, 40_000n)).toBe('0.00'); // never "-0.00"
    expect(marginPct(100n, 100n)).toBe('100.00');
    expect(marginPct(-300n, 100n)).toBe('-300.00');
    expect(marginPct(5n, 0n)).toBeNull();
    expect(marginPct(10n ** 40n, 3n * 10n ** 40n)).toBe('33.33');
  });
});

describe('record cursors', () => {
  it('carry a position only, and refuse anything not minted here', () => {
    const c = encodeCursor({ occurredAt: '2025-03-01 12:00:00.000', eventId: "id'; --" });
    expect(decodeCursor(c)).toEqual({ occurredAt: '2025-03-01 12:00:00.000', eventId: "id'; --" });
    for (const bad of ['x', 'r1.', 'r1.!!!', `r1.${Buffer.from('["2025-03-01", "x"]').toString('base64url')}`, `r1.${Buffer.from('{"a":1}').toString('base64url')}`]) {
      try {
        decodeCursor(bad);
        throw new Error('expected an error');
      } catch (err) {
        expect(err).toBeInstanceOf(TallyError);
        expect((err as TallyError).details.errors).toEqual([expect.objectContaining({ path: 'cursor' })]);
      }
    }
  });
});
