/**
 * The v1 envelope: the event itself. Its only mapping is that unknown
 * top-level fields move into `extra` (kept, never fatal). When the producer
 * also sent an `extra` object, its own entries win over a same-named unknown
 * top-level field.
 */
import { EVENT_FIELDS } from '../schema.js';
import { isPlainObject, setOwn } from './types.js';

/**
 * The v1 candidate for an object of v1 fields. `owned` says the object is
 * ours to change (we parsed it); otherwise a copy is made, because validation
 * fills defaults in place.
 */
export function toCandidate(obj: Record<string, unknown>, owned: boolean): Record<string, unknown> {
  let unknown = false;
  for (const key in obj) {
    if (!EVENT_FIELDS.has(key)) {
      unknown = true;
      break;
    }
  }
  if (!unknown) return owned ? obj : { ...obj };

  const candidate: Record<string, unknown> = {};
  const moved: Record<string, unknown> = {};
  for (const key in obj) {
    if (EVENT_FIELDS.has(key)) candidate[key] = obj[key];
    else setOwn(moved, key, obj[key]);
  }
  const given = obj.extra;
  if (given === undefined) candidate.extra = moved;
  else if (isPlainObject(given)) {
    const merged: Record<string, unknown> = { ...moved };
    for (const key in given) setOwn(merged, key, given[key]);
    candidate.extra = merged;
  }
  // A non-object `extra` stays as given, and validation reports it.
  return candidate;
}
