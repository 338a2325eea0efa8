import { describe, expect, it } from 'vitest';
import { duplicateKeys } from '../../../src/core/json-keys.js';

describe('duplicateKeys', () => {
  it('finds every repeated key with the path of its object, in document order', () => {
    expect(duplicateKeys('{"a":1,"b":{"c":[1,{"d":2,"d":3}]},"a":4}')).toEqual([
      { at: ['b', 'c', 1], key: 'd', offset: 26 },
      { at: [], key: 'a', offset: 35 },
    ]);
    expect(duplicateKeys('[{"x":1},{"x":1}]')).toEqual([]);
    expect(duplicateKeys('{"a":{"k":1},"b":{"k":1}}')).toEqual([]);
  });

  it('compares keys after unescaping', () => {
    expect(duplicateKeys('{"model":"a","\\u006dodel":"b"}')).toEqual([{ at: [], key: 'model', offset: 13 }]);
    expect(duplicateKeys('{"a\\"b":1,"a\\u0022b":2}')?.map((d) => d.key)).toEqual(['a"b']);
  });

  it('agrees with JSON.parse on what is JSON: null for anything it refuses', () => {
    const texts = ['', ' ', '{', '{"a":1,}', '[1,]', '[,1]', '{"a" 1}', '{"a":tru}', '01', '1.', '"\\x"', '"a\u0001"', '{"a":1}x', '{}{}', 'nul', '-', '[1 2]', '{"a":1 "b":2}'];
    for (const t of texts) {
      expect(() => JSON.parse(t), JSON.stringify(t)).toThrow();
      expect(duplicateKeys(t), JSON.stringify(t)).toBeNull();
    }
    for (const t of ['0', '-1.5e+3', 'true', 'null', '"\\u00e9\\n"', ' [ ] ', '{ }', '\ufeff{"a":[{},[],""]}', '[[[[1]]],{"a":{"b":null}}]']) {
      expect(duplicateKeys(t), JSON.stringify(t)).toEqual([]);
    }
  });

  it('scans any depth without recursion, and stops after the limit', () => {
    const deep = `{"a":${'['.repeat(200_000)}{"k":1,"k":2}${']'.repeat(200_000)}}`;
    const found = duplicateKeys(deep);
    expect(found).toHaveLength(1);
    expect(found?.[0]?.at).toHaveLength(200_001);
    const many = `{${Array.from({ length: 500 }, () => '"k":1').join(',')}}`;
    expect(duplicateKeys(many, 10)).toHaveLength(10);
  });
});
