/**
 * TEST STAND-IN support, not a ClickHouse server: turns the text a ClickHouse
 * HTTP client sends for `param_<name>` back into the JS value chDB's binder
 * takes, so the engine sees the same value a server would have bound.
 *
 * A server reads a scalar parameter with TSV escaping (`\t`, `\n`, `\\`, `\'`)
 * and a compound one (Array, Map) as its SQL literal. chDB's binder re-escapes
 * JS strings and serialises JS arrays and Maps itself, so scalars are
 * unescaped here and compound literals parsed into arrays and Maps. Tuples
 * are not supported (tally binds none).
 */

/** `{name:Type}` placeholders of `sql` → declared type text. */
export function declaredParamTypes(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of sql.matchAll(/\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g)) {
    out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** Reverses TSV escaping of one field. */
export function unescapeTsv(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const n = text[++i] as string;
    out += ESCAPES[n] ?? n;
  }
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', '0': '\0', b: '\b', f: '\f', a: '\x07', v: '\v', e: '\x1b' };

export type LiteralValue = string | number | bigint | boolean | null | LiteralValue[] | Map<LiteralValue, LiteralValue>;

/** Parses a ClickHouse literal: quoted strings, numbers, NULL, true/false, [arrays] and {maps}. */
export function parseLiteral(text: string): LiteralValue {
  const p = { s: text, i: 0 };
  const v = readValue(p);
  skipWs(p);
  if (p.i !== p.s.length) throw new Error(`unexpected text after literal at ${p.i}: ${text.slice(p.i, p.i + 20)}`);
  return v;
}

interface Cursor {
  s: string;
  i: number;
}

function skipWs(p: Cursor): void {
  while (p.i < p.s.length && /\s/.test(p.s[p.i] as string)) p.i++;
}

function readValue(p: Cursor): LiteralValue {
  skipWs(p);
  const c = p.s[p.i];
  if (c === "'") return readString(p);
  if (c === '[') {
    p.i++;
    const arr: LiteralValue[] = [];
    skipWs(p);
    if (p.s[p.i] === ']') {
      p.i++;
      return arr;
    }
    for (;;) {
      arr.push(readValue(p));
      skipWs(p);
      const d = p.s[p.i++];
      if (d === ']') return arr;
      if (d !== ',') throw new Error(`expected , or ] at ${p.i - 1}`);
    }
  }
  if (c === '{') {
    p.i++;
    const map = new Map<LiteralValue, LiteralValue>();
    skipWs(p);
    if (p.s[p.i] === '}') {
      p.i++;
      return map;
    }
    for (;;) {
      const k = readValue(p);
      skipWs(p);
      if (p.s[p.i++] !== ':') throw new Error(`expected : at ${p.i - 1}`);
      map.set(k, readValue(p));
      skipWs(p);
      const d = p.s[p.i++];
      if (d === '}') return map;
      if (d !== ',') throw new Error(`expected , or } at ${p.i - 1}`);
    }
  }
  const m = /^(?:NULL|null|TRUE|true|FALSE|false|[+-]?(?:inf|nan)|[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)/.exec(p.s.slice(p.i));
  if (!m) throw new Error(`cannot read a literal at ${p.i}: ${p.s.slice(p.i, p.i + 20)}`);
  p.i += m[0].length;
  const word = m[0];
  if (/^null$/i.test(word)) return null;
  if (/^true$/i.test(word)) return true;
  if (/^false$/i.test(word)) return false;
  if (/^[+-]?\d+$/.test(word)) return BigInt(word);
  return Number(word.replace(/inf$/, 'Infinity').replace(/nan$/, 'NaN'));
}

function readString(p: Cursor): string {
  p.i++; // opening quote
  let out = '';
  while (p.i < p.s.length) {
    const c = p.s[p.i++] as string;
    if (c === "'") {
      if (p.s[p.i] === "'") {
        out += "'";
        p.i++;
        continue;
      }
      return out;
    }
    if (c === '\\') {
      const n = p.s[p.i++] as string;
      out += ESCAPES[n] ?? n;
      continue;
    }
    out += c;
  }
  throw new Error('unterminated string literal');
}

/** What to hand chDB's binder for one parameter, given its declared type and the wire text. */
export function paramValueForChdb(type: string | undefined, text: string): LiteralValue {
  if (text === '\\N') return null;
  const bare = (type ?? 'String').replace(/^(?:Nullable|LowCardinality)\((.*)\)$/s, '$1').trim();
  if (/^(?:Array|Map)\(/.test(bare)) return parseLiteral(text);
  if (/^Tuple\(/.test(bare)) throw new Error('Tuple parameters are not supported by the chDB test stand-in');
  return unescapeTsv(text);
}
