/**
 * A JSON parser that keeps numbers as their decimal source text, so a price
 * such as `1.5e-07` reaches `parseScaled` exactly as written and never passes
 * through a float. Everything else is plain JSON (RFC 8259): objects, arrays,
 * strings, true, false, null. Errors carry the line and column and say what
 * was expected and what was found. `locateJsonError` uses the same scanner to
 * say where a text that `JSON.parse` refused goes wrong (event parsing).
 */
import { TallyError } from './errors.js';

/** A JSON number, kept as the exact text it was written with. */
export class JsonNumber {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }

  toJSON(): string {
    return this.text;
  }
}

export type LosslessJson = null | boolean | string | JsonNumber | LosslessJson[] | LosslessObject;
export interface LosslessObject {
  [key: string]: LosslessJson;
}

export interface LosslessParseOptions {
  /** Named in error messages, e.g. the file name. */
  readonly source?: string;
  /** A repeated key in one object: `error` (default) or keep the `last`. */
  readonly duplicateKeys?: 'error' | 'last';
  /** Maximum nesting of arrays and objects; default 256. */
  readonly maxDepth?: number;
}

/** Line and column (both 1-based) of a character offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly text: string,
    private readonly options: LosslessParseOptions,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  parseDocument(): LosslessJson {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the input is empty', 0);
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.expected('the end of the input after the value');
    return value;
  }

  private fail(reason: string, at: number = this.pos): never {
    const { line, column } = positionOf(this.text, at);
    const source = this.options.source;
    const where = `line ${line}, column ${column}`;
    throw new TallyError('INVALID_JSON', `${source ? `${source}: ` : ''}${where}: ${reason}`, {
      details: { ...(source ? { source } : {}), line, column, offset: at, reason },
    });
  }

  private skipWhitespace(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === 32 || c === 10 || c === 13 || c === 9) p++;
      else break;
    }
    this.pos = p;
  }

  /** What stands at `at`, for "expected …, found …". */
  private describe(at: number): string {
    if (at >= this.text.length) return 'the end of the input';
    const ch = this.text[at] as string;
    if (ch === '\n') return 'a line break';
    if (ch.charCodeAt(0) < 0x20) return `control character U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
    return `'${ch}'`;
  }

  private expected(what: string, at: number = this.pos): never {
    return this.fail(`expected ${what}, found ${this.describe(at)}`, at);
  }

  private parseValue(): LosslessJson {
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.parseLiteral('true', true);
      case 'f':
        return this.parseLiteral('false', false);
      case 'n':
        return this.parseLiteral('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber();
        return this.expected('a value (object, array, string, number, true, false or null)');
    }
  }

  private parseLiteral<T extends boolean | null>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.expected('a value (object, array, string, number, true, false or null)');
  }

  private parseNumber(): JsonNumber {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) return this.expected('a digit', this.text[this.pos] === '-' ? this.pos + 1 : this.pos);
    const end = this.pos + m[0].length;
    const next = this.text[end];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.expected('a number (a leading zero, a lone sign or a dot needs digits around it)', end);
    this.pos = end;
    return new JsonNumber(m[0]);
  }

  private parseString(): string {
    const t = this.text;
    const start = this.pos;
    let p = start + 1;
    let out = '';
    let chunk = p;
    for (;;) {
      if (p >= t.length) this.expected("a closing '\"'", p);
      const c = t.charCodeAt(p);
      if (c === 34) break; // "
      if (c < 0x20) this.expected('an escaped character (control characters must be escaped in strings)', p);
      if (c === 92) {
        out += t.slice(chunk, p);
        const e = t[p + 1];
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = t.slice(p + 2, p + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.expected('four hex digits after \\u', p + 2);
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default:
            this.expected('a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)', p + 1);
        }
        p += 2;
        chunk = p;
        continue;
      }
      p++;
    }
    out += t.slice(chunk, p);
    this.pos = p + 1;
    return out;
  }

  private enter(): void {
    this.depth++;
    const maxDepth = this.options.maxDepth ?? 256;
    if (this.depth > maxDepth) this.fail(`nesting deeper than ${maxDepth} levels`);
  }

  private parseArray(): LosslessJson[] {
    this.enter();
    this.pos++; // [
    const items: LosslessJson[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      this.depth--;
      return items;
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        break;
      }
      this.expected("',' or ']' after an array element");
    }
    this.depth--;
    return items;
  }

  private parseObject(): LosslessObject {
    this.enter();
    this.pos++; // {
    const obj: LosslessObject = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      this.depth--;
      return obj;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.expected('a property name in double quotes');
      const keyAt = this.pos;
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.expected("':' after a property name");
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue();
      if (seen.has(key) && (this.options.duplicateKeys ?? 'error') === 'error') {
        this.fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
      }
      seen.add(key);
      // defineProperty so that a key such as "__proto__" stays an ordinary own property.
      Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipWhitespace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        break;
      }
      this.expected("',' or '}' after a property value");
    }
    this.depth--;
    return obj;
  }
}

/**
 * Parses JSON text; numbers come back as `JsonNumber` holding their source
 * text. Throws INVALID_JSON with `details.line` and `details.column`.
 */
export function parseLosslessJson(text: string, options: LosslessParseOptions = {}): LosslessJson {
  return new Parser(text, options).parseDocument();
}

export function isLosslessObject(value: LosslessJson | undefined): value is LosslessObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

export interface JsonErrorLocation {
  /** 0-based character offset of the problem. */
  readonly offset: number;
  readonly line: number;
  readonly column: number;
  /** E.g. `expected ',' or '}' after a property value, found 'x'`. */
  readonly problem: string;
}

/**
 * Where a JSON text goes wrong, or null if it is valid JSON. For messages after
 * `JSON.parse` refused a text: independent of V8's wording, which differs
 * between Node versions and does not always give a position. Repeated keys are
 * allowed here, as `JSON.parse` allows them.
 */
export function locateJsonError(text: string): JsonErrorLocation | null {
  try {
    parseLosslessJson(text, { duplicateKeys: 'last', maxDepth: 512 });
    return null;
  } catch (err) {
    if (!(err instanceof TallyError) || typeof err.details.line !== 'number') throw err;
    const d = err.details as { offset: number; line: number; column: number; reason: string };
    return { offset: d.offset, line: d.line, column: d.column, problem: d.reason };
  }
}
