import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isWellFormed, isWellFormedTree, malformedText } from '../../../src/events/unicode.js';

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

describe('isWellFormedTree', () => {
  const text = fc.string({ unit: fc.integer({ min: 0xd7fe, max: 0xe001 }).map((c) => String.fromCharCode(c)), maxLength: 3 });
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.constant(null), fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(text, tie('node'), { maxKeys: 3 })),
  })).node;

  it('says what malformedText says, keys and values at any depth', () => {
    fc.assert(fc.property(tree, (t) => {
      expect(isWellFormedTree(t)).toBe(malformedText(t) === null);
      expect(isWellFormedTree({ a: { b: [t] } })).toBe(malformedText(t) === null);
    }), { numRuns: 5_000 });
  });

  it('walks trees far deeper than its recursion (no stack overflow), finding a lone surrogate at the bottom', () => {
    const nest = (leaf: unknown, depth: number): unknown => {
      let v = leaf;
      for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
      return v;
    };
    expect(isWellFormedTree(nest('ok', 100_000))).toBe(true);
    expect(isWellFormedTree(nest('x\ud800', 100_000))).toBe(false);
    expect(isWellFormedTree({ shallow: 'x\udc00', deep: nest('ok', 40) })).toBe(false);
    expect(isWellFormedTree({ shallow: 'ok', deep: nest('ok', 40), other: '\ud800' })).toBe(false);
  });
});
