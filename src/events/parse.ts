/**
 * Bytes → a validated v1 event, or a rejection that says what is wrong and
 * where. Runs once per event in the processor, so the happy path does no
 * work it can skip: one size check, one JSON.parse, no copy of the parsed
 * object when it has no unknown fields, and no zod (see validate.ts).
 *
 * Steps: size (EVENT_TOO_LARGE) → JSON (INVALID_JSON, with line and column)
 * → nesting depth (VALIDATION_FAILED: at most MAX_EVENT_DEPTH levels of
 * objects and arrays, so no later step — JSON.stringify when the event is
 * produced or stored — can run out of stack on it) → envelope (v1,
 * CloudEvents 1.0 structured JSON, OpenTelemetry GenAI) mapped to v1, unknown
 * top-level fields moved to `extra` → validation (VALIDATION_FAILED, one
 * FieldError per problem, paths as the user wrote them). A parsed event
 * carries `locate`, which turns a v1 field path into where the field sits in
 * the input, for errors found after parsing (its usage object, for instance).
 */
import { Buffer } from 'node:buffer';
import type { FieldError } from '../core/errors.js';
import { fromCloudEvent, type CloudEventMapping } from './envelopes/cloudevents.js';
import { fromOtel, isOtelEnvelope } from './envelopes/otel.js';
import { isPlainObject, type EnvelopeOutcome, type SourcePaths } from './envelopes/types.js';
import { toCandidate } from './envelopes/v1.js';
import { locateJsonError } from '../core/lossless-json.js';
import { formatPath } from './paths.js';
import { EVENT_LIMITS, type UsageEvent } from './schema.js';
import { compiledValidate, validateCandidate } from './validate.js';
import { type Envelope, type Rejection } from './types.js';

export interface ParseOptions {
  /** Maximum encoded size in bytes; default EVENT_LIMITS.maxEventBytes (64 KiB). */
  readonly maxBytes?: number;
  /** How CloudEvent attributes map to v1 fields (config `cloudevents.*`). Default: subject → user_id. */
  readonly cloudEvents?: CloudEventMapping;
}

/**
 * Most levels of objects and arrays in one event, the event object being
 * level 1 (so `usage.prompt_tokens_details` is at level 3, and inside a
 * CloudEvent at level 4). Provider usage objects nest 3 or 4 levels.
 */
export const MAX_EVENT_DEPTH = 64;

/** A v1 field path (`usage.prompt_tokens`) as the input spelled it (`data.usage.prompt_tokens` in a CloudEvent). */
export type LocatePath = (path: string) => string;

export type ParseOutcome = { ok: true; event: UsageEvent; envelope: Envelope; locate: LocatePath } | { ok: false; rejection: Rejection };

/** How many field errors a rejection message spells out (all of them are in `errors`). */
const MESSAGE_ERRORS = 3;

function reject(code: string, message: string, errors: FieldError[]): ParseOutcome {
  return { ok: false, rejection: { code, message, errors } };
}

function summary(errors: readonly FieldError[]): string {
  const shown = errors.slice(0, MESSAGE_ERRORS).map((e) => `${e.path === '' ? '(event)' : e.path}: ${e.reason}`);
  const more = errors.length > MESSAGE_ERRORS ? `; and ${errors.length - MESSAGE_ERRORS} more` : '';
  return `${shown.join('; ')}${more}`;
}

function tooLarge(size: number, limit: number): ParseOutcome {
  const reason = `is ${size} bytes, over the limit of ${limit} bytes`;
  return reject('EVENT_TOO_LARGE', `event ${reason}`, [{ path: '', reason }]);
}

/** The encoded UTF-8 size of a string when it is over the limit, else null (measured only when it could be). */
function sizeOver(text: string, limit: number): number | null {
  if (text.length * 3 <= limit) return null; // UTF-8 needs at most 3 bytes per UTF-16 unit
  const size = Buffer.byteLength(text, 'utf8');
  return size > limit ? size : null;
}

/** The parsed value, or NOT_JSON (no wrapper object per event: this runs for every record). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

const NOT_JSON: unique symbol = Symbol('not JSON');

function invalidJson(text: string): ParseOutcome {
  const where = locateJsonError(text);
  const reason = where === null ? 'is not valid JSON' : `is not valid JSON at line ${where.line}, column ${where.column}: ${where.problem}`;
  return reject('INVALID_JSON', `event ${reason}`, [{ path: '', reason }]);
}

/**
 * Where `value` nests deeper than `max` levels of objects and arrays (the
 * value itself is level 1; the fields of a top-level `extra` object count as
 * top-level fields, since an unknown top-level field sent is stored inside
 * `extra` — the stamped event the processor reads nests exactly as deep as
 * the event the ingest accepted): the path of the field holding the too-deep
 * branch — the last key on it, without the array indexes that follow (`junk`
 * for `"junk": [[[…]]]`), '' for the value itself — or null. Visits
 * containers only and never below `max`, so its own recursion is bounded
 * whatever the input.
 */
export function nestedTooDeep(value: unknown, max: number = MAX_EVENT_DEPTH): string | null {
  const branch: (string | number)[] = [];
  const deeper = (v: unknown, level: number): boolean => {
    if (typeof v !== 'object' || v === null) return false;
    if (level > max) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'object' && item !== null && deeper(item, level + 1)) {
          branch.push(i);
          return true;
        }
      }
      return false;
    }
    const record = v as Record<string, unknown>;
    for (const key in record) {
      const item = record[key];
      // The event's `extra` holds its unknown top-level fields (parseEvent moves them there): they count at the level they were sent at.
      const next = level === 1 && key === 'extra' && !Array.isArray(item) ? level : level + 1;
      if (typeof item === 'object' && item !== null && deeper(item, next)) {
        branch.push(key);
        return true;
      }
    }
    return false;
  };
  if (!deeper(value, 1)) return null;
  branch.reverse();
  while (typeof branch[branch.length - 1] === 'number') branch.pop();
  return formatPath(branch);
}

/** Whether `v`, at nesting `level`, holds a container deeper than `max` levels (no path: the fast path's check). */
function deeperThan(v: unknown, level: number, max: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (level > max) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (deeperThan(v[i], level + 1, max)) return true;
    return false;
  }
  const o = v as Record<string, unknown>;
  for (const key in o) if (deeperThan(o[key], level + 1, max)) return true;
  return false;
}

/**
 * The common case in one pass: a v1 event (no other envelope) the compiled
 * validator accepts as it is. Its only containers are then `usage` (level 2)
 * and `extra` (level 1: its entries were sent as top-level fields), so only
 * they are measured for depth. Anything else — a refusal, another envelope,
 * too deep — returns null and takes the full path, which says why.
 */
function fastPath(value: unknown, owned: boolean): UsageEvent | null {
  if (!isPlainObject(value) || value.specversion !== undefined || value.resourceSpans !== undefined || isOtelEnvelope(value)) return null;
  // An object we parsed is validated as it is: an unknown top-level field makes the validator hand it on (to the
  // full path, which moves such fields into `extra`), so toCandidate's own pass over the keys is not needed here.
  const verdict = compiledValidate(owned ? value : toCandidate(value, owned));
  if (!verdict.ok || verdict.value === null) return null;
  const event = verdict.value;
  if (deeperThan(event.usage, 2, MAX_EVENT_DEPTH) || deeperThan(event.extra, 1, MAX_EVENT_DEPTH)) return null;
  return event;
}

/** Rewrites a v1 field path into where that field sits in the input. */
function sourcePath(path: string, paths: SourcePaths | null): string {
  if (paths === null) return path;
  const cut = path.search(/[.[]/);
  const root = cut === -1 ? path : path.slice(0, cut);
  const origin = paths.origins[root];
  if (origin !== undefined) return origin + (cut === -1 ? '' : path.slice(cut));
  if (paths.prefix === '') return path;
  return path === '' ? paths.prefix : path.startsWith('[') ? paths.prefix + path : `${paths.prefix}.${path}`;
}

const samePath: LocatePath = (path) => path;

function mapEnvelope(value: Record<string, unknown>, owned: boolean, cloudEvents: CloudEventMapping | undefined): { envelope: Envelope; mapped: EnvelopeOutcome } {
  if (value.specversion !== undefined) return { envelope: 'cloudevents', mapped: fromCloudEvent(value, owned, cloudEvents) };
  if (isOtelEnvelope(value)) return { envelope: 'otel', mapped: fromOtel(value) };
  return { envelope: 'v1', mapped: { ok: true, candidate: toCandidate(value, owned), paths: null } };
}

/**
 * Parses one event. `input` is the encoded event (Buffer or string), or a value
 * already parsed from JSON — then the caller has bounded its size (the API's
 * body limit) and the object is not modified.
 */
export function parseEvent(input: Buffer | string | unknown, options?: ParseOptions): ParseOutcome {
  const limit = options?.maxBytes ?? EVENT_LIMITS.maxEventBytes;
  let value: unknown;
  let owned = false;
  if (typeof input === 'string' || input instanceof Uint8Array) {
    let text: string;
    if (typeof input === 'string') {
      const size = sizeOver(input, limit);
      if (size !== null) return tooLarge(size, limit);
      text = input;
    } else {
      if (input.byteLength > limit) return tooLarge(input.byteLength, limit);
      text = Buffer.isBuffer(input) ? input.toString('utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    value = parseJson(text);
    if (value === NOT_JSON) return invalidJson(text);
    owned = true;
  } else {
    value = input;
  }

  const fast = fastPath(value, owned);
  if (fast !== null) return { ok: true, event: fast, envelope: 'v1', locate: samePath };

  const deep = nestedTooDeep(value, MAX_EVENT_DEPTH);
  if (deep !== null) {
    const reason = `nests objects and arrays deeper than ${MAX_EVENT_DEPTH} levels (the event itself is level 1); at most ${MAX_EVENT_DEPTH} levels are accepted`;
    return reject('VALIDATION_FAILED', `${deep === '' ? 'event' : deep}: ${reason}`, [{ path: deep, reason }]);
  }

  if (!isPlainObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    const reason = `must be a JSON object (got ${got})`;
    return reject('VALIDATION_FAILED', `event ${reason}`, [{ path: '', reason }]);
  }
  if (value.resourceSpans !== undefined) {
    const reason = 'is an OTLP export request: send it to POST /v1/traces (the OTLP/HTTP traces receiver), or one span (or one attribute map) per event here';
    return reject('VALIDATION_FAILED', `event ${reason}`, [{ path: 'resourceSpans', reason }]);
  }

  const { envelope, mapped } = mapEnvelope(value, owned, options?.cloudEvents);
  if (!mapped.ok) return reject('VALIDATION_FAILED', summary(mapped.errors), mapped.errors);
  const result = validateCandidate(mapped.candidate);
  const paths = mapped.paths;
  if (result.ok) return { ok: true, event: result.event, envelope, locate: paths === null ? samePath : (path) => sourcePath(path, paths) };
  const errors = paths === null ? result.errors : result.errors.map((e) => ({ path: sourcePath(e.path, paths), reason: e.reason }));
  return reject('VALIDATION_FAILED', summary(errors), errors);
}
