import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CounterKeys, escapeKeyPart, parseFenceField, unescapeKeyPart, type CounterDim } from '../../../src/counters/keys.js';
import { TallyError } from '../../../src/core/errors.js';

const keys = new CounterKeys('tally:');
const user = (value: string): CounterDim => ({ code: 'u', op: '=', value });

/** The hash tag Redis Cluster uses: the first `{…}` with something inside. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return key.slice(open + 1, close);
}

describe('counter keys', () => {
  it('builds readable keys with one hash tag', () => {
    expect(keys.counter({ slot: 'acme', period: 'monthly@America/New_York', bucket: '2026-03', dims: [user('bob'), { code: 'm', op: '~', value: 'openai/gpt-4o*' }] }))
      .toBe('tally:{t.acme}:c:monthly@America/New_York:2026-03:u=bob,m~openai/gpt-4o%2A');
    expect(keys.counter({ slot: null, period: 'r1m', bucket: '2026-03-08T1205Z', dims: [] })).toBe('tally:{_global}:c:r1m:2026-03-08T1205Z:');
    expect(keys.fence('acme')).toBe('tally:{t.acme}:fence');
    expect(keys.dedup(null, 42)).toBe('tally:{_global}:dd:42');
    expect(keys.marks('acme', 'b:1', '2026-03')).toBe('tally:{t.acme}:mk:b%3A1:2026-03');
  });

  it('escapes every separator, brace, glob character, space and non-ASCII character', () => {
    expect(escapeKeyPart('a:b')).toBe('a%3Ab');
    expect(escapeKeyPart('{x}')).toBe('%7Bx%7D');
    expect(escapeKeyPart('*')).toBe('%2A');
    expect(escapeKeyPart('a b')).toBe('a%20b');
    expect(escapeKeyPart('100%')).toBe('100%25');
    expect(escapeKeyPart('a,b=c~d')).toBe('a%2Cb%3Dc%7Ed');
    expect(escapeKeyPart('Zoë')).toBe('Zo%C3%AB');
    expect(escapeKeyPart('😀')).toBe('%F0%9F%98%80');
    expect(escapeKeyPart('openai/gpt-4o@2024.08_x+y')).toBe('openai/gpt-4o@2024.08_x+y');
  });

  it('no tenant can reach the global slot or another tenant\'s slot', () => {
    const hostile = ['_global', '}{_global', 'a}{b', 'acme}', '{acme}', 't.acme', 'acme:c:daily@UTC', '', ' ', '*', 'Zoë'];
    const tags = new Set<string>();
    for (const tenant of hostile) {
      const key = keys.counter({ slot: tenant, period: 'daily@UTC', bucket: '2026-03-08', dims: [] });
      expect(hashTag(key)).toBe(`t.${escapeKeyPart(tenant)}`);
      expect(hashTag(key)).not.toBe('_global');
      tags.add(hashTag(key));
    }
    expect(tags.size).toBe(hostile.length);
  });

  it('distinct scopes always give distinct keys (property)', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', ':', ',', '=', '~', '{', '}', '*', ' ', '%', 'é', '/', '.', '3') , maxLength: 6 });
    const dims = fc.array(fc.record({ code: fc.constantFrom('u', 'g', 'm'), op: fc.constantFrom('=' as const, '~' as const), value: part }), { maxLength: 3 });
    const parts = fc.record({ slot: fc.option(part, { nil: null }), period: fc.constantFrom('daily@UTC', 'r1m'), bucket: part, dims });
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        const same = JSON.stringify(a) === JSON.stringify(b);
        expect(keys.counter(a) === keys.counter(b)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  it('escaping round-trips and fence fields parse back', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(unescapeKeyPart(escapeKeyPart(s))).toBe(s);
    }));
    expect(parseFenceField(keys.fenceField('usage.raw', 7))).toEqual({ topic: 'usage.raw', partition: 7 });
    expect(parseFenceField(keys.fenceField('we:ird', 0))).toEqual({ topic: 'we:ird', partition: 0 });
  });

  it('qualifies dedup members by tenant only in the global slot', () => {
    expect(keys.dedupMember('acme', 'acme', 'e1')).toBe('e1');
    expect(keys.dedupMember(null, 'a:b', 'e1')).toBe('a%3Ab:e1');
  });

  it('rejects a prefix with braces', () => {
    expect(() => new CounterKeys('x{y}:')).toThrow(TallyError);
    expect(new CounterKeys('t*1:').scanPattern()).toBe('t\\*1:*');
  });
});
