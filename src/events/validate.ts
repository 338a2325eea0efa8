/**
 * Validation of a v1 event candidate (a plain object whose unknown top-level
 * fields were already moved to `extra`).
 *
 * The happy path never touches zod: `fastValidate` checks exactly the rules of
 * `usageEventV1` for the common case and builds the same output (defaults
 * applied). Whatever it is not sure about (a failure, an unusual value) goes
 * to zod, which is the authority and produces the field errors. A property
 * test holds the two to the same answers.
 */
import type { z } from 'zod';
import type { FieldError } from '../core/errors.js';
import { isPlainObject } from './envelopes/types.js';
import { formatPath } from './paths.js';
import { DECIMAL_PATTERN, EVENT_ID_PATTERN, EVENT_LIMITS, usageEventV1, type UsageEvent } from './schema.js';
import { parseTimestamp } from './time.js';
import { costProblem } from './cost.js';
import { isWellFormed, malformedText } from './unicode.js';
import { DEFAULT_TENANT, EVENT_STATUSES } from '../core/dimensions.js';

export type ValidateOutcome = { ok: true; event: UsageEvent } | { ok: false; errors: FieldError[] };

const STATUSES: ReadonlySet<unknown> = new Set(EVENT_STATUSES);

function str(v: unknown, max: number): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= max && isWellFormed(v);
}

function nonNegative(v: unknown, max: number): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= max;
}

function wholeCount(v: unknown): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= EVENT_LIMITS.maxCount;
}

function metadataOk(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  let n = 0;
  for (const k in v) {
    if (++n > EVENT_LIMITS.maxMetadataEntries) return false;
    if (k.length < 1 || k.length > EVENT_LIMITS.maxMetadataKeyLength || !isWellFormed(k)) return false;
    const value = v[k];
    if (typeof value !== 'string' || value.length > EVENT_LIMITS.maxMetadataValueLength || !isWellFormed(value)) return false;
  }
  return true;
}

function fieldOk(key: string, v: unknown): boolean {
  switch (key) {
    case 'event_id':
      return str(v, EVENT_LIMITS.maxEventIdLength) && EVENT_ID_PATTERN.test(v as string);
    case 'occurred_at':
    case 'received_at':
      return typeof v === 'string' && parseTimestamp(v) !== null;
    case 'tenant':
    case 'user_id':
    case 'group':
    case 'session_id':
    case 'agent':
    case 'feature':
    case 'request_id':
    case 'api_key_id':
      return str(v, EVENT_LIMITS.maxIdLength);
    case 'provider':
    case 'service_tier':
      return str(v, 64);
    case 'model':
      return str(v, 256);
    case 'error_type':
      return str(v, 128);
    case 'usage':
    case 'extra':
      return isPlainObject(v) && malformedText(v) === null;
    case 'audio_seconds':
      return nonNegative(v, EVENT_LIMITS.maxAudioSeconds);
    case 'duration_ms':
    case 'ttft_ms':
      return nonNegative(v, EVENT_LIMITS.maxDurationMs);
    case 'tool_calls':
    case 'images':
    case 'web_search_requests':
      return wholeCount(v);
    case 'batch':
      return typeof v === 'boolean';
    case 'status':
      return STATUSES.has(v);
    case 'cost':
      return (typeof v === 'string' ? DECIMAL_PATTERN.test(v) : nonNegative(v, Number.MAX_VALUE)) && costProblem(v as string | number) === null;
    case 'metadata':
      return metadataOk(v);
    default:
      return false;
  }
}

/**
 * The validated event when every field is certainly valid, else null (then
 * zod decides). Never accepts what `usageEventV1` rejects.
 */
export function fastValidate(candidate: Record<string, unknown>): UsageEvent | null {
  let hasModel = false;
  let hasUsage = false;
  for (const key in candidate) {
    const v = candidate[key];
    if (v === undefined || !fieldOk(key, v)) return null;
    if (key === 'model') hasModel = true;
    else if (key === 'usage') hasUsage = true;
  }
  if (!hasModel || !hasUsage) return null;
  // Defaults exactly as the schema applies them. The candidate is ours (built by the envelope mapper).
  if (candidate.tenant === undefined) candidate.tenant = DEFAULT_TENANT;
  if (candidate.status === undefined) candidate.status = 'ok';
  return candidate as UsageEvent;
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  switch (typeof input) {
    case 'string':
      return input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
    case 'number':
    case 'boolean':
      return String(input);
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'an object',
  object: 'an object',
  array: 'an array',
};

/** Reasons a user understands, for zod issues whose schema gave no message of its own. */
const errorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected} (got ${describe(issue.input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(issue.input)})`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
    case 'invalid_union':
      return `has an invalid value (got ${describe(issue.input)})`;
    default:
      return undefined;
  }
};

function toFieldErrors(issues: readonly z.core.$ZodIssue[], base: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    let reason = issue.message;
    if (issue.code === 'invalid_key') reason = issue.issues[0]?.message ?? 'has an invalid key';
    out.push({ path: formatPath(issue.path, base), reason });
  }
  return out;
}

/** Validates a candidate: the fast path first, zod for anything it is not sure about. */
export function validateCandidate(candidate: Record<string, unknown>): ValidateOutcome {
  const fast = fastValidate(candidate);
  if (fast !== null) return { ok: true, event: fast };
  const result = usageEventV1.safeParse(candidate, { error: errorMap });
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, errors: toFieldErrors(result.error.issues, '') };
}
