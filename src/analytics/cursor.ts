/**
 * Record cursors: an opaque token for the position (occurred_at, event_id)
 * the previous page ended at. It holds nothing else — no tenant, no filter —
 * so a cursor from anyone's data can only move a caller within its own scope.
 */
import { validationError } from '../core/errors.js';
import { parseDateTime64 } from '../core/time.js';
import type { RecordPosition } from '../store/usage/index.js';

const PREFIX = 'r1.';

export function encodeCursor(position: RecordPosition): string {
  return PREFIX + Buffer.from(JSON.stringify([position.occurredAt, position.eventId]), 'utf8').toString('base64url');
}

/** The position in a cursor, or VALIDATION_FAILED on `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): RecordPosition {
  const invalid = (): never => {
    throw validationError([{ path: 'cursor', reason: 'is not a cursor returned by this API (pass next_cursor unchanged)' }]);
  };
  if (!cursor.startsWith(PREFIX)) return invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return invalid();
  const [at, id] = decoded as unknown[];
  if (typeof at !== 'string' || parseDateTime64(at) === null) return invalid();
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) return invalid();
  return { occurredAt: at, eventId: id };
}
