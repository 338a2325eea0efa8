import { describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { JsonNumber, parseLosslessJson, positionOf } from '../../../src/core/lossless-json.js';

function errorOf(fn: () => unknown): TallyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TallyError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('parseLosslessJson', () => {
  it('keeps numbers as their source text', () => {
    const doc = parseLosslessJson('{"a": 1.5e-07, "b": [0, -2, 3.000, 1E+3, 0.1]}');
    expect(doc).toEqual({
      a: new JsonNumber('1.5e-07'),
      b: [new JsonNumber('0'), new JsonNumber('-2'), new JsonNumber('3.000'), new JsonNumber('1E+3'), new JsonNumber('0.1')],
    });
  });

  it('keeps digits a float would lose', () => {
    const doc = parseLosslessJson('[0.30000000000000004441, 12345678901234567890123]') as JsonNumber[];
    expect(doc.map((n) => n.text)).toEqual(['0.30000000000000004441', '12345678901234567890123']);
  });

  it('parses strings, escapes, literals and nesting', () => {
    const doc = parseLosslessJson('\uFEFF {"s": "a\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00", "t": true, "f": false, "n": null, "o": {"x": []}}');
    expect(doc).toEqual({ s: 'a"b\\c/\né😀', t: true, f: false, n: null, o: { x: [] } });
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const doc = parseLosslessJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
  });

  it.each([
    ['{"a": 1,}', 1, 9, "expected a property name in double quotes, found '}'"],
    ['{"a" 1}', 1, 6, "expected ':' after a property name, found '1'"],
    ['[1 2]', 1, 4, "expected ',' or ']' after an array element, found '2'"],
    ['{\n  "a": 01\n}', 2, 9, 'expected a number (a leading zero'],
    ['{\n  "a": 1.\n}', 2, 9, 'expected a number ('],
    ['{\n  "a": .5\n}', 2, 8, "expected a value (object, array, string, number, true, false or null), found '.'"],
    ['{"a": "x', 1, 9, "expected a closing '\"', found the end of the input"],
    ['{"a": "\\q"}', 1, 9, "expected a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found 'q'"],
    ['{"a": "\\u12"}', 1, 10, 'expected four hex digits after \\u'],
    ['{"a": NaN}', 1, 7, "expected a value (object, array, string, number, true, false or null), found 'N'"],
    ['{"a": 1} x', 1, 10, "expected the end of the input after the value, found 'x'"],
    ['', 1, 1, 'the input is empty'],
    ['{"a": 1,\n "a": 2}', 2, 2, 'duplicate key "a"'],
    ['"tab\there"', 1, 5, 'expected an escaped character (control characters must be escaped in strings), found control character U+0009'],
  ])('reports %j at line %i, column %i', (text, line, column, reason) => {
    const err = errorOf(() => parseLosslessJson(text, { source: 'prices.json' }));
    expect(err.code).toBe('INVALID_JSON');
    expect(err.details).toMatchObject({ line, column, source: 'prices.json' });
    expect(err.message).toContain(`prices.json: line ${line}, column ${column}`);
    expect(err.message).toContain(reason);
  });

  it('keeps the last duplicate when asked', () => {
    expect(parseLosslessJson('{"a": 1, "a": 2}', { duplicateKeys: 'last' })).toEqual({ a: new JsonNumber('2') });
  });

  it('refuses nesting deeper than the limit', () => {
    const err = errorOf(() => parseLosslessJson('['.repeat(20) + ']'.repeat(20), { maxDepth: 10 }));
    expect(err.message).toContain('nesting deeper than 10 levels');
  });

  it('computes positions', () => {
    expect(positionOf('ab\ncd\nef', 7)).toEqual({ line: 3, column: 2 });
    expect(positionOf('ab', 0)).toEqual({ line: 1, column: 1 });
  });

  it('serialises numbers back as their text', () => {
    expect(JSON.stringify(parseLosslessJson('{"p": 1.50e-07}'))).toBe('{"p":"1.50e-07"}');
  });
});
