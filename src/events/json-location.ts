/**
 * Where a JSON text goes wrong. Only called after `JSON.parse` failed, so it
 * favours clarity over speed: a small recursive-descent scanner (no values
 * built) that stops at the first error and says what it expected, with a
 * 1-based line and column. Independent of the wording of V8's messages,
 * which differ between Node versions and do not always give a position.
 */

export interface JsonErrorLocation {
  /** 0-based character offset of the problem. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** E.g. `expected ',' or '}' after a property value, found 'x'`. */
  readonly problem: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

const MAX_DEPTH = 512;

function found(text: string, i: number): string {
  if (i >= text.length) return 'the end of the input';
  const ch = text[i] as string;
  if (ch === '\n') return 'a line break';
  if (ch.charCodeAt(0) < 0x20) return `control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return `'${ch}'`;
}

class Scanner {
  i = 0;
  constructor(private readonly s: string) {}

  fail(expected: string): never {
    throw new Stop(this.i, `expected ${expected}, found ${found(this.s, this.i)}`);
  }

  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  value(depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop(this.i, `nesting deeper than ${MAX_DEPTH} levels`);
    this.ws();
    const c = this.s[this.i];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else if (this.s.startsWith('true', this.i)) this.i += 4;
    else if (this.s.startsWith('false', this.i)) this.i += 5;
    else if (this.s.startsWith('null', this.i)) this.i += 4;
    else this.fail('a value (object, array, string, number, true, false or null)');
  }

  object(depth: number): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('a property name in double quotes');
      this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail("':' after a property name");
      this.i++;
      this.value(depth + 1);
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return;
      }
      this.fail("',' or '}' after a property value");
    }
  }

  array(depth: number): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.value(depth + 1);
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return;
      }
      this.fail("',' or ']' after an array element");
    }
  }

  string(): void {
    const s = this.s;
    this.i++;
    for (;;) {
      if (this.i >= s.length) this.fail("a closing '\"'");
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail('an escaped character (control characters must be escaped in strings)');
      if (c === 0x5c) {
        const e = s[this.i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(this.i + 2, this.i + 6))) {
            this.i += 2;
            this.fail('four hex digits after \\u');
          }
          this.i += 6;
          continue;
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) {
          this.i++;
          this.fail('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)');
        }
        this.i += 2;
        continue;
      }
      this.i++;
    }
  }

  number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (m === null || m[0] === '-') {
      if (this.s[this.i] === '-') this.i++;
      this.fail('a digit');
    }
    this.i += m[0].length;
  }
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Locates the first syntax error of a JSON text; null if the scanner finds none. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  const scanner = new Scanner(text);
  try {
    scanner.ws();
    if (scanner.i >= text.length) return { offset: 0, line: 1, column: 1, problem: 'the input is empty' };
    scanner.value(0);
    scanner.ws();
    if (scanner.i < text.length) scanner.fail('the end of the input after the value');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { offset: err.offset, ...position(text, err.offset), problem: err.problem };
  }
}
