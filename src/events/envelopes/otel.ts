/**
 * OpenTelemetry GenAI semantic conventions as an envelope: a flat attribute
 * map, or one span `{attributes, startTimeUnixNano, endTimeUnixNano, status,
 * traceId, spanId, resource?}` with OTLP/JSON or plain attributes.
 *
 *   gen_ai.provider.name | gen_ai.system        → provider (through the alias table)
 *   gen_ai.response.model | gen_ai.request.model → model (the response's wins)
 *   gen_ai.usage.*                               → usage (shape `otel`, normalised later)
 *   gen_ai.response.id → request_id, gen_ai.conversation.id → session_id,
 *   gen_ai.agent.name → agent, user.id | enduser.id → user_id,
 *   tally.tenant | tenant → tenant, error.type → error_type,
 *   gen_ai.response.time_to_first_chunk (s) → ttft_ms
 *   tally.<field> → that v1 field (e.g. tally.feature, tally.event_id), over any of the above
 *   startTimeUnixNano → occurred_at, end − start → duration_ms,
 *   status.code 2 (ERROR) or an error.type → status "error"
 *   traceId-spanId → event_id (so a re-sent span is counted once)
 *
 * Attributes tally does not map are kept in `extra.otel_attributes`.
 */
import type { FieldError } from '../../core/errors.js';
import { resolveProvider } from '../../core/providers.js';
import { joinPath } from '../paths.js';
import { EVENT_FIELDS } from '../schema.js';
import { formatTimestamp, MAX_TIMESTAMP_MS } from '../time.js';
import { readAttributes } from './otel-attributes.js';
import { isPlainObject, setOwn, type EnvelopeOutcome } from './types.js';

/** v1 field ← semantic-convention attributes, first present wins. */
const FIELD_ATTRIBUTES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['provider', ['gen_ai.provider.name', 'gen_ai.system']],
  ['model', ['gen_ai.response.model', 'gen_ai.request.model']],
  ['request_id', ['gen_ai.response.id']],
  ['session_id', ['gen_ai.conversation.id', 'session.id']],
  ['agent', ['gen_ai.agent.name']],
  ['user_id', ['user.id', 'enduser.id']],
  ['tenant', ['tenant']],
  ['error_type', ['error.type']],
  ['service_tier', ['openai.response.service_tier', 'gen_ai.openai.response.service_tier', 'openai.request.service_tier', 'gen_ai.openai.request.service_tier']],
];

const TTFT = 'gen_ai.response.time_to_first_chunk';
const STATUS_ATTRIBUTE = 'otel.status_code';
const USAGE_PREFIX = 'gen_ai.usage.';
const TALLY_PREFIX = 'tally.';
/** tally.<field> may set any v1 field but these two, which the envelope builds. */
const NOT_SETTABLE = new Set(['usage', 'extra']);

/** Whether an object is an OTel span or attribute map rather than a v1 event. */
export function isOtelEnvelope(obj: Record<string, unknown>): boolean {
  if (obj.usage !== undefined || obj.model !== undefined) return false;
  if (obj.attributes !== undefined) return true;
  for (const key in obj) if (key.startsWith('gen_ai.')) return true;
  return false;
}

interface Lookup {
  readonly span: Map<string, unknown>;
  readonly resource: Map<string, unknown>;
  readonly spanBase: string;
}

function find(l: Lookup, key: string): { value: unknown; path: string } | undefined {
  if (l.span.has(key)) return { value: l.span.get(key), path: joinPath(l.spanBase, key) };
  if (l.resource.has(key)) return { value: l.resource.get(key), path: joinPath('resource.attributes', key) };
  return undefined;
}

/** Nanoseconds since the epoch (a number or a string of digits) as a bigint, or null. */
function nanos(v: unknown): bigint | null {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  return null;
}

function isErrorStatus(code: unknown): boolean {
  return code === 2 || code === '2' || code === 'STATUS_CODE_ERROR' || code === 'ERROR' || code === 'error';
}

function spanTimes(span: Record<string, unknown>, candidate: Record<string, unknown>, origins: Record<string, string>, errors: FieldError[]): void {
  const rawStart = span.startTimeUnixNano;
  const rawEnd = span.endTimeUnixNano;
  const start = rawStart === undefined ? null : nanos(rawStart);
  const end = rawEnd === undefined ? null : nanos(rawEnd);
  if (rawStart !== undefined && start === null) errors.push({ path: 'startTimeUnixNano', reason: 'must be nanoseconds since the Unix epoch (an integer or a string of digits)' });
  if (rawEnd !== undefined && end === null) errors.push({ path: 'endTimeUnixNano', reason: 'must be nanoseconds since the Unix epoch (an integer or a string of digits)' });
  if (start !== null && start > 0n && candidate.occurred_at === undefined) {
    const ms = Number(start / 1_000_000n);
    if (ms > MAX_TIMESTAMP_MS) errors.push({ path: 'startTimeUnixNano', reason: 'is after the year 2105 (is it in nanoseconds?)' });
    else {
      candidate.occurred_at = formatTimestamp(ms);
      origins.occurred_at = 'startTimeUnixNano';
    }
  }
  if (start !== null && end !== null && start > 0n && end > 0n && candidate.duration_ms === undefined) {
    if (end < start) errors.push({ path: 'endTimeUnixNano', reason: 'is before startTimeUnixNano' });
    else {
      candidate.duration_ms = Number(end - start) / 1e6;
      origins.duration_ms = 'endTimeUnixNano';
    }
  }
}

/** Maps an OTel span or flat attribute map to a v1 candidate. */
export function fromOtel(obj: Record<string, unknown>): EnvelopeOutcome {
  const errors: FieldError[] = [];
  const spanLike = obj.attributes !== undefined;
  const lookup: Lookup = { span: new Map(), resource: new Map(), spanBase: spanLike ? 'attributes' : '' };
  if (spanLike) {
    readAttributes(obj.attributes, 'attributes', lookup.span, errors);
    if (isPlainObject(obj.resource)) readAttributes(obj.resource.attributes, 'resource.attributes', lookup.resource, errors);
  } else {
    readAttributes(obj, '', lookup.span, errors);
  }
  if (errors.length > 0) return { ok: false, errors };

  const candidate: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  const consumed = new Set<string>();
  const take = (field: string, key: string): boolean => {
    const hit = find(lookup, key);
    consumed.add(key);
    if (hit === undefined || candidate[field] !== undefined) return false;
    candidate[field] = hit.value;
    origins[field] = hit.path;
    return true;
  };

  for (const field of EVENT_FIELDS) if (!NOT_SETTABLE.has(field)) take(field, TALLY_PREFIX + field);
  for (const [field, keys] of FIELD_ATTRIBUTES) for (const key of keys) take(field, key);
  if (candidate.model === undefined) origins.model = joinPath(lookup.spanBase, 'gen_ai.request.model');
  if (typeof candidate.provider === 'string' && origins.provider !== joinPath(lookup.spanBase, 'tally.provider')) {
    candidate.provider = resolveProvider(candidate.provider);
  }

  const ttft = find(lookup, TTFT);
  consumed.add(TTFT);
  if (ttft !== undefined && candidate.ttft_ms === undefined) {
    candidate.ttft_ms = typeof ttft.value === 'number' ? Math.round(ttft.value * 1e6) / 1e3 : ttft.value;
    origins.ttft_ms = ttft.path;
  }

  const usage: Record<string, unknown> = {};
  for (const map of [lookup.span, lookup.resource]) {
    for (const [key, value] of map) {
      if (key.startsWith(USAGE_PREFIX) && !(key in usage)) {
        usage[key] = value;
        consumed.add(key);
      }
    }
  }
  candidate.usage = usage;

  if (spanLike) spanTimes(obj, candidate, origins, errors);
  if (errors.length > 0) return { ok: false, errors };

  const statusAttr = find(lookup, STATUS_ATTRIBUTE);
  consumed.add(STATUS_ATTRIBUTE);
  const spanStatus = isPlainObject(obj.status) ? obj.status.code : undefined;
  if (candidate.status === undefined && (isErrorStatus(spanStatus) || isErrorStatus(statusAttr?.value) || candidate.error_type !== undefined)) {
    candidate.status = 'error';
  }

  const traceId = obj.traceId;
  const spanId = obj.spanId;
  if (candidate.event_id === undefined && typeof traceId === 'string' && typeof spanId === 'string' && traceId !== '' && spanId !== '') {
    candidate.event_id = `${traceId}-${spanId}`;
    origins.event_id = 'spanId';
  }

  const rest: Record<string, unknown> = {};
  let restCount = 0;
  for (const map of [lookup.span, lookup.resource]) {
    for (const [key, value] of map) {
      if (consumed.has(key) || key in rest) continue;
      setOwn(rest, key, value);
      restCount++;
    }
  }
  const extra: Record<string, unknown> = {};
  if (restCount > 0) extra.otel_attributes = rest;
  if (spanLike) {
    const span: Record<string, unknown> = {};
    if (traceId !== undefined) span.trace_id = traceId;
    if (spanId !== undefined) span.span_id = spanId;
    if (obj.parentSpanId !== undefined && obj.parentSpanId !== '') span.parent_span_id = obj.parentSpanId;
    if (obj.name !== undefined) span.name = obj.name;
    if (Object.keys(span).length > 0) extra.otel_span = span;
  }
  if (Object.keys(extra).length > 0) candidate.extra = extra;
  return { ok: true, candidate, paths: { prefix: '', origins } };
}
