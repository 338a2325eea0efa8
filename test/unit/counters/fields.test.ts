/**
 * Issue 14, item 5: reply rows are decoded in place (a position table per field list, all-nil rows short-cut)
 * instead of building a record and a full row per counter. The answer must stay what it was: checked against the
 * plain reading — each of ALL_FIELDS taken by name from the row, absent and nil as zero — on random rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_FIELDS, COST_BASE, decodeFields, fieldsFor } from '../../../src/counters/fields.js';
import { TOKEN_CLASSES } from '../../../src/core/classes.js';

/** The reading before issue 14: a record by field name, then every field of ALL_FIELDS in order. */
function byName(row: readonly (string | null)[], fields: readonly string[]): unknown {
  const v: Record<string, string | null> = {};
  fields.forEach((f, i) => { v[f] = row[i] ?? null; });
  const get = (f: string): string | null => v[f] ?? null;
  const big = (f: string): bigint => BigInt(get(f) ?? '0');
  const classes: Record<string, bigint> = {};
  for (const c of TOKEN_CLASSES) {
    const x = get(`t_${c}`);
    if (x !== null && x !== '0') classes[c] = BigInt(x);
  }
  return {
    used: { cost: big('c1') * COST_BASE + big('c0'), tokens: big('t'), requests: big('r'), classes, price: big('p1') * COST_BASE + big('p0') },
    held: { cost: big('hc1') * COST_BASE + big('hc0'), tokens: big('ht'), requests: big('hr'), price: big('hp1') * COST_BASE + big('hp0') },
  };
}

describe('decodeFields', () => {
  const lists: readonly (readonly string[])[] = [
    ALL_FIELDS,
    fieldsFor([{ metric: 'cost' }], true),
    fieldsFor([{ metric: 'cost' }, { metric: 'tokens' }], true),
    fieldsFor([{ metric: 'requests' }, { metric: 'class', class: TOKEN_CLASSES[1] ?? 'output' }], false),
    fieldsFor([{ metric: 'price' }, { metric: 'cost' }], true),
  ];
  const cell = fc.oneof(fc.constant(null), fc.constant('0'), fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String));

  it('reads every field list as the plain by-name reading does, nil and absent fields as zero', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: lists.length - 1 }), fc.array(cell, { minLength: 0, maxLength: ALL_FIELDS.length }), (which, cells) => {
      const fields = lists[which] ?? ALL_FIELDS;
      const row = cells.slice(0, fields.length);
      expect(decodeFields(row, fields)).toEqual(byName(row, fields));
    }), { numRuns: 2_000 });
  });

  it('an all-nil row (a counter that does not exist) is zero, and each answer is its own object', () => {
    const fields = lists[2] ?? ALL_FIELDS;
    const a = decodeFields(fields.map(() => null), fields);
    expect(a).toEqual(byName([], fields));
    const b = decodeFields([], fields);
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(b.used.classes).not.toBe(a.used.classes);
  });
});
