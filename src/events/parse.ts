/**
 * Bytes → a validated v1 event, or a rejection that says what is wrong and
 * where. Runs once per event in the processor, so the happy path does no
 * work it can skip: one size check, one JSON.parse, no copy of the parsed
 * object when it has no unknown fields, and no zod (see validate.ts).
 *
 * Steps: size (EVENT_TOO_LARGE) → JSON (INVALID_JSON, with line and column)
 * → envelope (v1, CloudEvents 1.0 structured JSON, OpenTelemetry GenAI)
 * mapped to v1, unknown top-level fields moved to `extra` → validation
 * (VALIDATION_FAILED, one FieldError per problem, paths as the user wrote them).
 */
import { Buffer } from 'node:buffer';
import type { FieldError } from '../core/errors.js';
import { fromCloudEvent } from './envelopes/cloudevents.js';
import { fromOtel, isOtelEnvelope } from './envelopes/otel.js';
import { isPlainObject, type EnvelopeOutcome, type SourcePaths } from './envelopes/types.js';
import { toCandidate } from './envelopes/v1.js';
import { locateJsonError } from '../core/lossless-json.js';
import { EVENT_LIMITS, type UsageEvent } from './schema.js';
import { validateCandidate } from './validate.js';
import { type Envelope, type Rejection } from './types.js';

export interface ParseOptions {
  /** Maximum encoded size in bytes; default EVENT_LIMITS.maxEventBytes (64 KiB). */
  readonly maxBytes?: number;
}

export type ParseOutcome = { ok: true; event: UsageEvent; envelope: Envelope } | { ok: false; rejection: Rejection };

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

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; outcome: ParseOutcome } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const where = locateJsonError(text);
    const reason = where === null ? 'is not valid JSON' : `is not valid JSON at line ${where.line}, column ${where.column}: ${where.problem}`;
    return { ok: false, outcome: reject('INVALID_JSON', `event ${reason}`, [{ path: '', reason }]) };
  }
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

function mapEnvelope(value: Record<string, unknown>, owned: boolean): { envelope: Envelope; mapped: EnvelopeOutcome } {
  if (value.specversion !== undefined) return { envelope: 'cloudevents', mapped: fromCloudEvent(value, owned) };
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
    const json = parseJson(text);
    if (!json.ok) return json.outcome;
    value = json.value;
    owned = true;
  } else {
    value = input;
  }

  if (!isPlainObject(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    const reason = `must be a JSON object (got ${got})`;
    return reject('VALIDATION_FAILED', `event ${reason}`, [{ path: '', reason }]);
  }
  if (value.resourceSpans !== undefined) {
    const reason = 'is an OTLP export request with many spans; send one span (or one attribute map) per event';
    return reject('VALIDATION_FAILED', `event ${reason}`, [{ path: 'resourceSpans', reason }]);
  }

  const { envelope, mapped } = mapEnvelope(value, owned);
  if (!mapped.ok) return reject('VALIDATION_FAILED', summary(mapped.errors), mapped.errors);
  const result = validateCandidate(mapped.candidate);
  if (result.ok) return { ok: true, event: result.event, envelope };
  const errors = mapped.paths === null ? result.errors : result.errors.map((e) => ({ path: sourcePath(e.path, mapped.paths), reason: e.reason }));
  return reject('VALIDATION_FAILED', summary(errors), errors);
}
