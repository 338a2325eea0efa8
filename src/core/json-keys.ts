/**
 * Repeated keys in JSON text. `JSON.parse` keeps the last of two equal keys
 * in one object and says nothing, so `{"model":"a","model":"b"}` would be
 * read as model "b" while a producer or a proxy may have meant "a". Callers
 * that refuse such input (the HTTP API) scan the text with `duplicateKeys`
 * after `JSON.parse` accepted it.
 *
 * The scan is iterative (any nesting depth, no recursion), validates the
 * grammar as it goes (RFC 8259), builds no values except the keys of each
 * open object, and stops after `limit` findings. Keys are compared after
 * unescaping, so `"model"` and `"\u006dodel"` are the same key.
 */

/** Where a repeated key was found: the path of its object as segments, the key, and its 0-based offset. */
export interface DuplicateKey {
  /** Path of the object holding the key: keys and array indexes from the document root. */
  readonly at: readonly (string | number)[];
  readonly key: string;
  readonly offset: number;
}

interface Frame {
  /** Keys seen so far (objects), null for arrays: a list while short (cheaper to make than a Set), a Set beyond SMALL_OBJECT. */
  keys: string[] | Set<string> | null;
  /** The segment this container is at in its parent (null for the root). */
  readonly segment: string | number | null;
  /** Next element index (arrays). */
  index: number;
}

/** A run of string characters that need no attention: not a quote, a backslash or a control character. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON strings may not hold unescaped
const PLAIN = /[^"\\\x00-\x1f]*/y;

/** Objects up to this many keys are checked with a list (linear search); larger ones with a Set. */
const SMALL_OBJECT = 16;

const WS = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * The repeated keys of a JSON text, in document order (at most `limit`), or
 * null when the text is not valid JSON (let the parser describe that).
 */
export function duplicateKeys(text: string, limit = 100): DuplicateKey[] | null {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  let p = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skip = (): void => {
    while (p < n && WS(text.charCodeAt(p))) p++;
  };
  /** Scans a string starting at `p` (a quote); returns its unescaped text when `want`, else ''. Null when malformed. */
  const string = (want: boolean): string | null => {
    const start = p + 1;
    let q = start;
    let escaped = false;
    for (;;) {
      PLAIN.lastIndex = q;
      PLAIN.test(text);
      q = PLAIN.lastIndex;
      if (q >= n) return null;
      const c = text.charCodeAt(q);
      if (c === 34) break;
      if (c !== 92) return null; // a control character
      escaped = true;
      const e = text.charCodeAt(q + 1);
      if (e === 117) {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(q + 2, q + 6))) return null;
        q += 6;
      } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) q += 2;
      else return null;
    }
    p = q + 1;
    if (!want) return '';
    const raw = text.slice(start, q);
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  /** Scans a scalar at `p`; false when malformed. */
  const scalar = (): boolean => {
    const c = text[p];
    if (c === '"') return string(false) !== null;
    const word = c === 't' ? 'true' : c === 'f' ? 'false' : c === 'n' ? 'null' : null;
    if (word !== null) {
      if (!text.startsWith(word, p)) return false;
      p += word.length;
      return true;
    }
    NUMBER.lastIndex = p;
    const m = NUMBER.exec(text);
    if (!m) return false;
    p += m[0].length;
    return true;
  };
  const path = (): (string | number)[] => {
    const out: (string | number)[] = [];
    for (const f of stack) if (f.segment !== null) out.push(f.segment);
    return out;
  };

  /** Reads one value at `p`; containers push a frame and return (their members are read by the loop). */
  const value = (segment: string | number | null): boolean => {
    skip();
    const c = text.charCodeAt(p);
    if (c === 123 /* { */ || c === 91 /* [ */) {
      stack.push({ keys: c === 123 ? [] : null, segment, index: 0 });
      p++;
      return true;
    }
    return scalar();
  };

  if (!value(null)) return null;
  /** After a member: whether the current container expects a first member (just opened) — tracked per frame by `index`. */
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    skip();
    const c = text.charCodeAt(p);
    const close = frame.keys === null ? 93 : 125;
    if (c === close) {
      p++;
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.index++;
      continue;
    }
    if (frame.index > 0) {
      if (c !== 44 /* , */) return null;
      p++;
      skip();
    }
    if (frame.keys === null) {
      const index = frame.index;
      const before = stack.length;
      if (!value(index)) return null;
      if (stack.length === before) frame.index++;
      continue;
    }
    if (text.charCodeAt(p) !== 34) return null;
    const keyAt = p;
    const key = string(true);
    if (key === null) return null;
    skip();
    if (text.charCodeAt(p) !== 58 /* : */) return null;
    p++;
    const keys = frame.keys;
    if (Array.isArray(keys) ? keys.includes(key) : keys.has(key)) {
      if (found.length < limit) found.push({ at: path(), key, offset: keyAt });
    } else if (!Array.isArray(keys)) keys.add(key);
    else if (keys.length < SMALL_OBJECT) keys.push(key);
    else frame.keys = new Set([...keys, key]);
    const before = stack.length;
    if (!value(key)) return null;
    if (stack.length === before) frame.index++;
  }
  skip();
  return p === n ? found : null;
}
