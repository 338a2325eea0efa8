/**
 * The hot path reads the stamped form `YYYY-MM-DDTHH:mm:ss.sssZ` by digit
 * arithmetic instead of a regex and Date (`canonicalUtcMs`): it must name
 * exactly the instants Date names, and refuse exactly the texts that are not
 * that form of a real date and time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUtcMs, parseRfc3339 } from '../../../src/core/time.js';

const YEAR_1 = Date.UTC(2000, 0, 1) - 730_119 * 86_400_000; // 0001-01-01T00:00:00.000Z
const YEAR_9999_END = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The oracle: the text is the form Date writes for the instant Date reads from it (year 0 is not a year). */
function byDate(text: string): number | null {
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || text.startsWith('0000')) return null;
  return new Date(ms).toISOString() === text ? ms : null;
}

describe('canonicalUtcMs', () => {
  it('reads every instant from year 1 to 9999 as Date does', () => {
    expect(new Date(YEAR_1).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    fc.assert(fc.property(fc.integer({ min: YEAR_1, max: YEAR_9999_END }), (ms) => {
      expect(canonicalUtcMs(new Date(ms).toISOString())).toBe(ms);
    }), { numRuns: 20_000 });
  });

  it('agrees with Date on texts one character away from a valid one', () => {
    const chars = '0123456789-:.TZtz +x';
    fc.assert(fc.property(
      fc.integer({ min: YEAR_1, max: YEAR_9999_END }), fc.nat(23), fc.constantFrom(...chars),
      (ms, at, c) => {
        const iso = new Date(ms).toISOString();
        const text = iso.slice(0, at) + c + iso.slice(at + 1);
        expect(canonicalUtcMs(text)).toBe(byDate(text));
      },
    ), { numRuns: 30_000 });
  });

  it('refuses impossible dates and times, and every other RFC 3339 form (those go to the full reader)', () => {
    for (const t of ['2025-02-29T00:00:00.000Z', '2024-02-30T00:00:00.000Z', '2025-04-31T00:00:00.000Z', '2025-01-01T24:00:00.000Z',
      '2025-01-01T00:60:00.000Z', '2025-12-31T23:59:60.000Z', '0000-01-01T00:00:00.000Z', '2025-13-01T00:00:00.000Z', '2025-00-01T00:00:00.000Z']) {
      expect(canonicalUtcMs(t), t).toBeNull();
    }
    for (const t of ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00.000000Z', '2025-01-01t00:00:00.000z', '2025-01-01 00:00:00.000Z', '2025-01-01T00:00:00.000+00:00']) {
      expect(canonicalUtcMs(t), t).toBeNull();
      expect(parseRfc3339(t), t).toBe(Date.UTC(2025, 0, 1));
    }
    expect(canonicalUtcMs('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(canonicalUtcMs('2000-02-29T00:00:00.000Z')).toBe(Date.UTC(2000, 1, 29));
    expect(canonicalUtcMs('1900-02-29T00:00:00.000Z')).toBeNull();
    // A leap second is still read (as the next minute's first millisecond), by the full reader.
    expect(parseRfc3339('2016-12-31T23:59:60.000Z')).toBe(Date.UTC(2017, 0, 1));
  });
});
