/**
 * Reading OpenTelemetry attributes: a flat map (`{"gen_ai.system": "openai"}`)
 * or OTLP/JSON key-value lists (`[{key, value: {stringValue: "openai"}}]`),
 * whose values are AnyValue objects. int64 arrives as a decimal string in
 * OTLP/JSON; it becomes a number when it fits exactly, else stays a string.
 */
import type { FieldError } from '../../core/errors.js';
import { joinPath } from '../paths.js';
import { isPlainObject, setOwn } from './types.js';

const ANY_VALUE_KEYS = new Set(['stringValue', 'intValue', 'doubleValue', 'boolValue', 'arrayValue', 'kvlistValue', 'bytesValue']);

function int64(v: unknown): unknown {
  if (typeof v === 'string' && /^-?\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v;
  }
  return v;
}

/** Decodes an OTLP AnyValue; anything that is not one is returned as it is. */
export function decodeAnyValue(v: unknown): unknown {
  if (!isPlainObject(v)) return v;
  let only: string | undefined;
  for (const key in v) {
    if (only !== undefined || !ANY_VALUE_KEYS.has(key)) return v;
    only = key;
  }
  if (only === undefined) return v;
  const inner = v[only];
  switch (only) {
    case 'intValue':
      return int64(inner);
    case 'doubleValue':
      return typeof inner === 'string' && inner.trim() !== '' && Number.isFinite(Number(inner)) ? Number(inner) : inner;
    case 'arrayValue': {
      const values = isPlainObject(inner) ? inner.values : undefined;
      return Array.isArray(values) ? values.map(decodeAnyValue) : [];
    }
    case 'kvlistValue': {
      const out: Record<string, unknown> = {};
      const values = isPlainObject(inner) ? inner.values : undefined;
      if (Array.isArray(values)) {
        for (const kv of values) if (isPlainObject(kv) && typeof kv.key === 'string') setOwn(out, kv.key, decodeAnyValue(kv.value));
      }
      return out;
    }
    default:
      return inner;
  }
}

/**
 * Attributes as a map from key to decoded value, into `into` (earlier entries
 * win, so span attributes can be read before resource attributes).
 */
export function readAttributes(raw: unknown, path: string, into: Map<string, unknown>, errors: FieldError[]): void {
  if (raw === undefined || raw === null) return;
  if (Array.isArray(raw)) {
    raw.forEach((kv: unknown, i) => {
      if (!isPlainObject(kv) || typeof kv.key !== 'string' || kv.key === '') {
        errors.push({ path: joinPath(path, i), reason: 'must be an OTLP attribute {"key": "…", "value": {…}}' });
        return;
      }
      if (!into.has(kv.key)) into.set(kv.key, decodeAnyValue(kv.value));
    });
    return;
  }
  if (!isPlainObject(raw)) {
    errors.push({ path, reason: 'must be an attribute map or an OTLP list of {key, value}' });
    return;
  }
  for (const key in raw) if (!into.has(key)) into.set(key, decodeAnyValue(raw[key]));
}
