/**
 * Turns what a caller passes to `record` into a `RecordedEvent`, or throws
 * VALIDATION_FAILED (every field error, with its path) / EVENT_TOO_LARGE.
 * Bad input never reaches the recorder's buffer.
 */
import { TallyError, validationError, type FieldError } from '../core/errors.js';
import { uuidv7 } from '../events/ids.js';
import { EVENT_FIELDS, EVENT_LIMITS, usageEventV1 } from '../events/schema.js';
import type { EventDefaults, RecordedEvent } from './types.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `usage.prompt_tokens`, `metadata.team`, `tags[2]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

export function prepareEvent(input: unknown, defaults: EventDefaults, now: number): RecordedEvent {
  if (!isPlainObject(input)) throw validationError([{ path: '', reason: 'an event must be a JSON object' }]);
  const candidate: Record<string, unknown> = { ...defaults };
  const extra: Record<string, unknown> = isPlainObject(input.extra) ? { ...input.extra } : {};
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined || key === 'extra') continue;
    if (EVENT_FIELDS.has(key)) candidate[key] = value;
    else extra[key] = value; // unknown top-level fields are kept, like the ingest does
  }
  if (isPlainObject(defaults.metadata) && isPlainObject(input.metadata)) candidate.metadata = { ...defaults.metadata, ...input.metadata };
  if (Object.keys(extra).length > 0) candidate.extra = extra;
  candidate.event_id ??= uuidv7(now);
  candidate.occurred_at ??= new Date(now).toISOString();

  const parsed = usageEventV1.safeParse(candidate);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), reason: issue.message }));
    throw validationError(errors);
  }
  const event = parsed.data as RecordedEvent;
  const bytes = Buffer.byteLength(JSON.stringify(event));
  if (bytes > EVENT_LIMITS.maxEventBytes) {
    throw new TallyError('EVENT_TOO_LARGE', `event is ${bytes} bytes encoded; the limit is ${EVENT_LIMITS.maxEventBytes}`, {
      details: { bytes, limit: EVENT_LIMITS.maxEventBytes, event_id: event.event_id },
    });
  }
  return event;
}
