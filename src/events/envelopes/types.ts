/**
 * What an envelope mapper hands to validation: a v1 candidate, or the
 * envelope's own errors, plus how to name a v1 field in the input the user
 * actually sent (CloudEvents `data.usage…`, OTel `attributes["gen_ai…"]`).
 */
import type { FieldError } from '../../core/errors.js';

export interface SourcePaths {
  /** Prefix for v1 fields taken from a nested object (`data` for CloudEvents); '' for none. */
  readonly prefix: string;
  /** Where a top-level v1 field came from, when not under the prefix (`event_id` → `id`). */
  readonly origins: Readonly<Record<string, string>>;
}

export type EnvelopeOutcome =
  | { readonly ok: true; readonly candidate: Record<string, unknown>; readonly paths: SourcePaths | null }
  | { readonly ok: false; readonly errors: FieldError[] };

/** Plain JSON object (not an array, not a class instance). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets a property even when the key is `__proto__` (JSON.parse makes such own keys). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
