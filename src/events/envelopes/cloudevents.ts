/**
 * CloudEvents 1.0, structured content mode, JSON format: the context
 * attributes at the top level and the usage event (v1 fields) in `data`.
 *
 *   id      → event_id     when data has none
 *   time    → occurred_at  when data has none
 *   subject → user_id      when data has none (config `cloudevents.subject`: `tenant`
 *                          maps it to the tenant instead — OpenMeter producers put the
 *                          billed customer here — and `none` to neither)
 *   tenant  (extension attribute) → tenant when data has none (and subject did not set it)
 *
 * Binary content mode (attributes in `ce-*` headers, the data as the body)
 * is turned into this structured form first (cloudevents-binary.ts), so both
 * modes map the same way.
 *
 * `source`, `type` and the other attributes (subject, dataschema, extensions,
 * and `id` when data brought its own event_id) are kept in `extra.cloudevents`.
 * Unknown fields inside `data` move to `extra` as for a v1 event.
 */
import type { FieldError } from '../../core/errors.js';
import { toCandidate } from './v1.js';
import { isPlainObject, setOwn, type EnvelopeOutcome } from './types.js';

/** The v1 field a CloudEvent's `subject` fills when data has none (config `cloudevents.subject`). */
export type CloudEventSubject = 'user_id' | 'tenant' | 'none';

export interface CloudEventMapping {
  readonly subject: CloudEventSubject;
}

export const DEFAULT_CLOUDEVENT_MAPPING: CloudEventMapping = { subject: 'user_id' };

/** Attributes the CloudEvents 1.0 spec defines; anything else is an extension. */
const CORE = new Set(['specversion', 'id', 'source', 'type', 'datacontenttype', 'dataschema', 'subject', 'time', 'data', 'data_base64']);

function isJsonMediaType(value: string): boolean {
  const type = (value.split(';')[0] ?? '').trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}

function requiredString(ce: Record<string, unknown>, name: string, errors: FieldError[]): void {
  const v = ce[name];
  if (v === undefined || v === null) errors.push({ path: name, reason: 'is required by CloudEvents 1.0' });
  else if (typeof v !== 'string' || v.length === 0) errors.push({ path: name, reason: 'must be a non-empty string' });
}

function readData(ce: Record<string, unknown>, errors: FieldError[]): Record<string, unknown> | null {
  if (ce.data_base64 !== undefined) {
    errors.push({ path: 'data_base64', reason: 'binary data is not supported; send the usage event as JSON in `data`' });
    return null;
  }
  let data = ce.data;
  if (data === undefined || data === null) {
    errors.push({ path: 'data', reason: 'is required: it carries the usage event' });
    return null;
  }
  if (typeof data === 'string') {
    // Some producers send the JSON body as a string; accept it when it is an object.
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      errors.push({ path: 'data', reason: 'must be a JSON object (got a string that is not JSON)' });
      return null;
    }
  }
  if (!isPlainObject(data)) {
    errors.push({ path: 'data', reason: `must be a JSON object with the usage event (got ${Array.isArray(data) ? 'an array' : typeof data})` });
    return null;
  }
  return data;
}

/** Maps a CloudEvent (already known to carry `specversion`) to a v1 candidate. */
export function fromCloudEvent(ce: Record<string, unknown>, owned: boolean, mapping: CloudEventMapping = DEFAULT_CLOUDEVENT_MAPPING): EnvelopeOutcome {
  const errors: FieldError[] = [];
  const version = ce.specversion;
  if (version !== '1.0') {
    errors.push({ path: 'specversion', reason: `must be "1.0": tally reads CloudEvents 1.0 (got ${JSON.stringify(version) ?? 'nothing'})` });
    return { ok: false, errors };
  }
  requiredString(ce, 'id', errors);
  requiredString(ce, 'source', errors);
  requiredString(ce, 'type', errors);
  const contentType = ce.datacontenttype;
  if (contentType !== undefined && (typeof contentType !== 'string' || !isJsonMediaType(contentType))) {
    errors.push({ path: 'datacontenttype', reason: `must be a JSON media type such as application/json (got ${JSON.stringify(contentType)})` });
  }
  const data = readData(ce, errors);
  if (errors.length > 0 || data === null) return { ok: false, errors };

  const candidate = toCandidate(data, owned);
  const origins: Record<string, string> = {};
  const kept: Record<string, unknown> = { source: ce.source, type: ce.type };

  if (candidate.event_id === undefined) {
    candidate.event_id = ce.id;
    origins.event_id = 'id';
  } else kept.id = ce.id;
  if (ce.time !== undefined) {
    if (candidate.occurred_at === undefined) {
      candidate.occurred_at = ce.time;
      origins.occurred_at = 'time';
    } else kept.time = ce.time;
  }
  if (ce.subject !== undefined) {
    kept.subject = ce.subject;
    const field = mapping.subject;
    if (field !== 'none' && candidate[field] === undefined) {
      candidate[field] = ce.subject;
      origins[field] = 'subject';
    }
  }
  if (ce.dataschema !== undefined) kept.dataschema = ce.dataschema;
  for (const key in ce) {
    if (CORE.has(key)) continue;
    if (key === 'tenant' && candidate.tenant === undefined) {
      candidate.tenant = ce.tenant;
      origins.tenant = 'tenant';
      continue;
    }
    setOwn(kept, key, ce[key]);
  }

  const extra = candidate.extra;
  if (extra === undefined) candidate.extra = { cloudevents: kept };
  else if (isPlainObject(extra) && extra.cloudevents === undefined) candidate.extra = { ...extra, cloudevents: kept };
  return { ok: true, candidate, paths: { prefix: 'data', origins } };
}
