/**
 * The normalizer's working state and readers. Normalization runs per event at
 * millions per second, so nothing here allocates on the happy path: one
 * module-level accumulator is reset per call (normalization is synchronous,
 * so calls never interleave), paths are built only when something is wrong,
 * and the error, warning and unknown-field lists exist only when non-empty.
 */
import type { FieldError } from '../core/errors.js';
import { joinPath } from '../events/paths.js';

export type UsageObject = Record<string, unknown>;

/** Token classes and counts being built for one usage object. */
export interface Accumulator {
  input: number;
  cached_input: number;
  cache_write_5m: number;
  cache_write_1h: number;
  output: number;
  reasoning: number;
  audio_input: number;
  audio_output: number;
  image_input: number;
  image_output: number;
  requests: number;
  tool_calls: number;
  web_search_requests: number;
  images: number;
  audio_seconds: number;
  reported_cost: string | null;
  /** Priced details (types.ts DETAIL_CLASSES), counted inside their class. */
  cached_audio_input: number;
  cached_image_input: number;
  citation_input: number;
  /** A service tier the usage object names (Anthropic), or null. */
  service_tier: string | null;
  /** Perplexity's search_context_size, or null. */
  search_context_size: string | null;
  errors: FieldError[] | null;
  warnings: FieldError[] | null;
  unknown: string[] | null;
}

export const acc: Accumulator = {
  input: 0,
  cached_input: 0,
  cache_write_5m: 0,
  cache_write_1h: 0,
  output: 0,
  reasoning: 0,
  audio_input: 0,
  audio_output: 0,
  image_input: 0,
  image_output: 0,
  requests: 1,
  tool_calls: 0,
  web_search_requests: 0,
  images: 0,
  audio_seconds: 0,
  reported_cost: null,
  cached_audio_input: 0,
  cached_image_input: 0,
  citation_input: 0,
  service_tier: null,
  search_context_size: null,
  errors: null,
  warnings: null,
  unknown: null,
};

export function reset(): void {
  acc.input = 0;
  acc.cached_input = 0;
  acc.cache_write_5m = 0;
  acc.cache_write_1h = 0;
  acc.output = 0;
  acc.reasoning = 0;
  acc.audio_input = 0;
  acc.audio_output = 0;
  acc.image_input = 0;
  acc.image_output = 0;
  acc.requests = 1;
  acc.tool_calls = 0;
  acc.web_search_requests = 0;
  acc.images = 0;
  acc.audio_seconds = 0;
  acc.reported_cost = null;
  acc.cached_audio_input = 0;
  acc.cached_image_input = 0;
  acc.citation_input = 0;
  acc.service_tier = null;
  acc.search_context_size = null;
  acc.errors = null;
  acc.warnings = null;
  acc.unknown = null;
}

export function isObject(v: unknown): v is UsageObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fail(path: string, reason: string): void {
  (acc.errors ??= []).push({ path, reason });
}

/**
 * A consistency problem between counts (a detail larger than its total, a
 * split that does not add up). Not recorded when a count is already invalid:
 * the invalid count read as 0 and would only cause follow-on noise.
 */
export function conflict(path: string, reason: string): void {
  if (acc.errors === null) fail(path, reason);
}

export function warn(path: string, reason: string): void {
  (acc.warnings ??= []).push({ path, reason });
}

/**
 * Records a key tally did not interpret, relative to the usage object: a
 * top-level key as it is (`brand_new_counter`, `gen_ai.usage.cost`), a nested
 * one as a path (`prompt_tokens_details.video_tokens`).
 */
export function unknownKey(base: string, key: string): void {
  const relative = base === 'usage' ? key : joinPath(base.startsWith('usage.') ? base.slice(6) : base, key);
  (acc.unknown ??= []).push(relative);
}

const DIGITS = /^\d{1,16}$/;
const DECIMAL = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function badCount(path: string, v: unknown): void {
  if (typeof v === 'number') {
    if (Number.isNaN(v) || !Number.isFinite(v)) fail(path, `must be a finite number (got ${String(v)})`);
    else if (v < 0) fail(path, `must not be negative (got ${v})`);
    else if (!Number.isInteger(v)) fail(path, `must be a whole number of tokens (got ${v})`);
    else fail(path, `is too large (got ${v})`);
  } else if (typeof v === 'string') {
    fail(path, `must be a whole number or a string of digits (got ${describeValue(v)})`);
  } else {
    fail(path, `must be a number (got ${describeValue(v)})`);
  }
}

/**
 * A non-negative whole count. Missing or null is 0; a string of digits (protobuf
 * int64 in JSON) is accepted; anything else records an error and reads as 0.
 */
export function count(v: unknown, base: string, key: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) return v === 0 ? 0 : v;
  } else if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    if (Number.isSafeInteger(n)) return n;
  }
  badCount(joinPath(base, key), v);
  return 0;
}

/** A valid count's value, or null — without recording anything (for cross-checks of a count read elsewhere). */
export function peekCount(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === 'string' && DIGITS.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

/** Like `count` for a count with two spellings (camelCase and snake_case): the first present wins. */
export function count2(a: unknown, b: unknown, base: string, keyA: string, keyB: string): number {
  return a !== undefined && a !== null ? count(a, base, keyA) : count(b, base, keyB);
}

/** Present: neither missing nor null. */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** A non-negative quantity that may be fractional (seconds of audio). */
export function quantity(v: unknown, base: string, key: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v === 0 ? 0 : v;
  if (typeof v === 'string' && DECIMAL.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  const path = joinPath(base, key);
  if (typeof v === 'number' && v < 0) fail(path, `must not be negative (got ${v})`);
  else fail(path, `must be a non-negative number (got ${describeValue(v)})`);
  return 0;
}

/** A nested object: null/missing is null; anything but an object records an error. */
export function child(v: unknown, base: string, key: string): UsageObject | null {
  if (v === undefined || v === null) return null;
  if (isObject(v)) return v;
  fail(joinPath(base, key), `must be an object (got ${describeValue(v)})`);
  return null;
}

/** Plain decimal text of a JSON number (no exponent), exact to its shortest round-trip digits. */
export function decimalText(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e === -1) return s;
  const mantissa = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot === -1 ? mantissa.length : dot) + exp;
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A short label (service tier, search context size): a non-empty string of at most 64 characters, else an error. */
export function label(v: unknown, base: string, key: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' && v.trim() !== '' && v.length <= 64) return v.trim();
  fail(joinPath(base, key), `must be a short text label (got ${describeValue(v)})`);
  return null;
}

/** A cost reported in the usage object: a number, decimal text, or an object with `total_cost`. */
export function readCost(value: unknown, base: string, key: string): void {
  let v = value;
  if (v === undefined || v === null) return;
  let nested = false;
  if (isObject(v)) {
    // Perplexity: {input_tokens_cost, output_tokens_cost, request_cost, total_cost}
    v = v.total_cost;
    nested = true;
    if (v === undefined || v === null) return;
  }
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) acc.reported_cost = decimalText(v === 0 ? 0 : v);
  else if (typeof v === 'string' && DECIMAL.test(v)) acc.reported_cost = v;
  else fail(nested ? joinPath(joinPath(base, key), 'total_cost') : joinPath(base, key), `must be a non-negative amount in USD (got ${describeValue(v)})`);
}

/**
 * `left − part`, where `left` is what remains of a total (`totalName`, value
 * `total`) that includes the part. A part larger than what is left is an
 * error at the part's own path; the part is then not subtracted.
 */
export function minus(left: number, part: number, base: string, key: string, total: number, totalName: string): number {
  if (part <= left) return left - part;
  const reason =
    left === total
      ? `is ${part}, more than ${totalName} (${total}), which includes it`
      : `is ${part}, more than the ${left} of ${totalName} (${total}) left once the other parts it includes are taken out`;
  conflict(joinPath(base, key), reason);
  return left;
}

export interface PromptPaths {
  /** Where the cache reads were read (`usage.prompt_tokens_details` / `cached_tokens`). */
  readonly cachedBase: string;
  readonly cachedKey: string;
  /** The details object of writes, audio and image (`usage.prompt_tokens_details`). */
  readonly detailsBase: string;
  /** The prompt total's name, for messages (`prompt_tokens`). */
  readonly totalName: string;
}

/**
 * Splits a prompt whose details are all part of it: cache reads, cache
 * writes, audio and image tokens. Reads and writes are disjoint parts of the
 * prompt, and so are audio and image; but a modality may overlap the cache
 * (a cached image is an image token AND a cached token — OpenAI reports
 * both). When reads + writes + audio + image exceed the prompt, the excess
 * is that overlap: counted once, as cache reads first (an image prefix read
 * from the cache; image tokens first, then audio) and then as writes, and
 * the overlapping reads are recorded as the priced details
 * cached_image_input / cached_audio_input. Only what no provider can send is
 * refused: reads above the prompt, reads + writes above it, audio + image
 * above it. Sets input, audio_input, image_input and the cached details.
 */
export function splitPrompt(prompt: number, cached: number, writes: number, audio: number, image: number, p: PromptPaths): void {
  if (cached > prompt) {
    conflict(joinPath(p.cachedBase, p.cachedKey), `is ${cached}, more than ${p.totalName} (${prompt}), which includes it`);
    return;
  }
  if (cached + writes > prompt) {
    conflict(joinPath(p.detailsBase, 'cache_write_tokens'), `is ${writes}, more than the ${prompt - cached} of ${p.totalName} (${prompt}) left once the cache reads it includes are taken out (reads and writes are disjoint)`);
    return;
  }
  if (audio > prompt) {
    conflict(joinPath(p.detailsBase, 'audio_tokens'), `is ${audio}, more than ${p.totalName} (${prompt}), which includes it`);
    return;
  }
  if (audio + image > prompt) {
    conflict(joinPath(p.detailsBase, 'image_tokens'), `is ${image}, more than the ${prompt - audio} of ${p.totalName} (${prompt}) left once its audio tokens are taken out (audio and image tokens are disjoint)`);
    return;
  }
  const overlap = Math.max(0, cached + writes + audio + image - prompt);
  const withReads = Math.min(overlap, cached);
  const readImage = Math.min(withReads, image);
  const readAudio = withReads - readImage;
  const withWrites = overlap - withReads;
  const writeImage = Math.min(withWrites, image - readImage);
  const writeAudio = withWrites - writeImage;
  acc.audio_input = audio - readAudio - writeAudio;
  acc.image_input = image - readImage - writeImage;
  acc.cached_audio_input += readAudio;
  acc.cached_image_input += readImage;
  acc.input = prompt - cached - writes - acc.audio_input - acc.image_input;
}

/** A set of known keys, as a null-prototype dictionary (twice as fast to probe as a Set). */
export type KnownKeys = Readonly<Record<string, true>>;

export function knownKeys(keys: Iterable<string>): KnownKeys {
  const dict = Object.create(null) as Record<string, true>;
  for (const k of keys) dict[k] = true;
  return dict;
}

/** Reports every key of `o` not in `known` as an unknown field. */
export function scanUnknown(o: UsageObject, known: KnownKeys, base: string): void {
  for (const key in o) if (known[key] !== true) unknownKey(base, key);
}

const CACHE_CREATION_KEYS = knownKeys(['ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens']);

/**
 * Splits cache writes by TTL from an Anthropic-style `cache_creation`
 * object (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`). Without
 * the object every write is a 5-minute write (the default TTL). When the total
 * is given, the split must add up to it.
 */
export function splitCacheWrites(total: number, totalGiven: boolean, totalName: string, cc: UsageObject | null, ccBase: string): void {
  if (cc === null) {
    acc.cache_write_5m = total;
    return;
  }
  const m5 = count(cc.ephemeral_5m_input_tokens, ccBase, 'ephemeral_5m_input_tokens');
  const h1 = count(cc.ephemeral_1h_input_tokens, ccBase, 'ephemeral_1h_input_tokens');
  scanUnknown(cc, CACHE_CREATION_KEYS, ccBase);
  if (totalGiven && m5 + h1 !== total) {
    conflict(ccBase, `ephemeral_5m_input_tokens (${m5}) + ephemeral_1h_input_tokens (${h1}) = ${m5 + h1}, but ${totalName} is ${total}`);
    return;
  }
  acc.cache_write_5m = m5;
  acc.cache_write_1h = h1;
}
