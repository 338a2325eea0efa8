import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatScaled, formatUsd, formatUsdFixed, parseScaled, parseUsd, roundUsd, sumMoney, USD_SCALE } from '../../../src/core/money.js';
import { TallyError } from '../../../src/core/errors.js';

describe('money', () => {
  it('parses decimal text exactly, including exponent notation from price files', () => {
    expect(parseUsd('0.105')).toBe(105_000_000_000_000n);
    expect(parseUsd('1.5e-07')).toBe(150_000_000n);
    expect(parseUsd('3.75E-8')).toBe(37_500_000n);
    expect(parseUsd('-2')).toBe(-2_000_000_000_000_000n);
    expect(parseUsd('.5')).toBe(500_000_000_000_000n);
    expect(parseScaled('2.50', 9)).toBe(2_500_000_000n);
  });

  it('rejects text that is not a decimal, and precision it cannot hold, naming the value', () => {
    expect(() => parseUsd('abc', 'input price')).toThrowError(/input price "abc" is not a decimal/);
    expect(() => parseUsd('1e-16')).toThrowError(TallyError);
    expect(() => parseUsd('0.0000000000000001')).toThrowError(/more than 15 decimal places/);
    expect(parseUsd('0.1000000000000000000')).toBe(100_000_000_000_000n); // trailing zeros are fine
  });

  it('formats with trailing zeros trimmed', () => {
    expect(formatUsd(105_000_000_000_000n)).toBe('0.105');
    expect(formatUsd(90n * 10n ** 15n)).toBe('90');
    expect(formatUsd(-1n)).toBe('-0.000000000000001');
    expect(formatUsd(0n)).toBe('0');
    expect(formatScaled(12345n, 2)).toBe('123.45');
  });

  it('formats every amount at every scale as the plain decimal arithmetic says (the digits-and-slices formatter)', () => {
    // The definition: whole part by integer division, the remainder zero-padded to `scale` digits, trailing zeros cut.
    const reference = (value: bigint, scale: number): string => {
      const abs = value < 0n ? -value : value;
      const base = 10n ** BigInt(scale);
      const frac = scale === 0 ? '' : (abs % base).toString().padStart(scale, '0').replace(/0+$/, '');
      const text = frac ? `${abs / base}.${frac}` : `${abs / base}`;
      return value < 0n ? `-${text}` : text;
    };
    const amount = fc.oneof(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: -1000n, max: 1000n }), fc.nat(30).map((k) => 10n ** BigInt(k)));
    fc.assert(fc.property(amount, fc.integer({ min: 0, max: 20 }), (n, scale) => formatScaled(n, scale) === reference(n, scale)), { numRuns: 2000 });
    expect(formatScaled(-5n, 1)).toBe('-0.5');
    expect(formatScaled(-10n, 1)).toBe('-1');
    expect(formatScaled(7n, 0)).toBe('7');
  });

  it('round-trips every amount through text', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => parseUsd(formatUsd(n)) === n));
  });

  it('sums a million prices of $0.000001 to exactly $1', () => {
    const one = parseUsd('0.000001');
    const amounts = new Array<bigint>(1_000_000).fill(one);
    expect(formatUsd(sumMoney(amounts))).toBe('1');
  });

  it('rounds half to even only at the display edge', () => {
    expect(formatUsdFixed(parseUsd('0.125'), 2)).toBe('0.12');
    expect(formatUsdFixed(parseUsd('0.135'), 2)).toBe('0.14');
    expect(formatUsdFixed(parseUsd('12.3'), 2)).toBe('12.30');
    expect(formatUsdFixed(parseUsd('-0.005'), 2)).toBe('0.00');
    expect(roundUsd(parseUsd('1.23456'), USD_SCALE)).toBe(parseUsd('1.23456'));
  });
});
