/**
 * A JSON parser that keeps numbers as their decimal source text, so a price
 * such as `1.5e-07` reaches `parseScaled` exactly as written and never passes
 * through a float. Everything else is plain JSON (RFC 8259): objects, arrays,
 * strings, true, false, null. Errors carry the line and column.
 */
import { TallyError } from '../errors.js';

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
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail('unexpected content after the JSON value');
    return value;
  }

  private fail(reason: string, at: number = this.pos): never {
    const { line, column } = positionOf(this.text, at);
    const source = this.options.source;
    const where = `line ${line}, column ${column}`;
    throw new TallyError('INVALID_JSON', `${source ? `${source}: ` : ''}${where}: ${reason}`, {
      details: { ...(source ? { source } : {}), line, column, reason },
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

  private describe(at: number): string {
    if (at >= this.text.length) return 'end of input';
    return JSON.stringify(this.text[at]);
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
        return this.fail(`unexpected ${this.describe(this.pos)}, expected a JSON value`);
    }
  }

  private parseLiteral<T extends boolean | null>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`unexpected ${this.describe(this.pos)}, expected a JSON value`);
  }

  private parseNumber(): JsonNumber {
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) return this.fail('invalid number');
    const end = this.pos + m[0].length;
    const next = this.text[end];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('invalid number', end);
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
      if (p >= t.length) this.fail('unterminated string', start);
      const c = t.charCodeAt(p);
      if (c === 34) break; // "
      if (c < 0x20) this.fail('control character in string', p);
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
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape', p);
            out += String.fromCharCode(parseInt(hex, 16));
            p += 4;
            break;
          }
          default:
            this.fail('invalid escape in string', p);
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
    if (this.depth > (this.options.maxDepth ?? 256)) this.fail('nesting too deep');
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
      this.fail(`unexpected ${this.describe(this.pos)}, expected ',' or ']'`);
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
      if (this.text[this.pos] !== '"') this.fail(`unexpected ${this.describe(this.pos)}, expected a string key`);
      const keyAt = this.pos;
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`unexpected ${this.describe(this.pos)}, expected ':'`);
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
      this.fail(`unexpected ${this.describe(this.pos)}, expected ',' or '}'`);
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
