import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormed } from '../../../src/events/unicode.js';

/** The reference: encodeURIComponent refuses exactly the strings with a lone surrogate. */
function reference(s: string): boolean {
  try {
    encodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

describe('isWellFormed', () => {
  it('says what the reference says, on any UTF-16 text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: fc.integer({ min: 0xd7fe, max: 0xe001 }).map((c) => String.fromCharCode(c)), maxLength: 6 }), (a, b) => {
      expect(isWellFormed(a + b)).toBe(reference(a + b));
    }), { numRuns: 5_000 });
  });
});
