import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../../src/core/lossless-json.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a":1,}', 1, 8, "expected a property name in double quotes, found '}'"],
    ['{"a" 1}', 1, 6, "expected ':' after a property name, found '1'"],
    ['{"a":1 "b":2}', 1, 8, "expected ',' or '}' after a property value, found '\"'"],
    ['[1,2', 1, 5, "expected ',' or ']' after an array element, found the end of the input"],
    ['{"a":tru}', 1, 6, 'expected a value (object, array, string, number, true, false or null), found \'t\''],
    ['{"a":"x\ny"}', 1, 8, 'expected an escaped character (control characters must be escaped in strings), found a line break'],
    ['{"a":"\\q"}', 1, 8, 'expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX), found \'q\''],
    ['{"a":-}', 1, 7, "expected a digit, found '}'"],
    ['{}\n{}', 2, 1, "expected the end of the input after the value, found '{'"],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}' after a property value, found '\"'"],
    ['   ', 1, 1, 'the input is empty'],
  ])('%j → line %i, column %i', (text, line, column, problem) => {
    expect(locateJsonError(text)).toMatchObject({ line, column, problem });
  });

  it('finds nothing wrong in valid JSON', () => {
    expect(locateJsonError('{"a":[1,2.5e-3,true,false,null,"\\u00e9"]}')).toBeNull();
  });
});
