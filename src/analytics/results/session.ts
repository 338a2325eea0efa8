/**
 * The `sessions/{id}` answer from the store's one row (`store.usage.session`):
 * first and last event, every measure, and the models, users, agents and
 * tenants seen; NOT_FOUND when no event of the session is in scope.
 */
import { TallyError } from '../../core/errors.js';
import type { SessionQuery } from '../inputs.js';
import { measuresJson, measuresOf } from '../measures.js';
import { parseStoreTime } from '../time.js';
import type { SessionResult } from '../types.js';
import type { SessionRow } from '../../store/usage/index.js';

/** The session, or NOT_FOUND when no event of it is in scope. */
export function sessionResult(rows: readonly SessionRow[], q: SessionQuery): SessionResult {
  const r = rows[0];
  if (r === undefined || String(r.events) === '0') throw new TallyError('NOT_FOUND', `no session ${JSON.stringify(q.id)}`);
  const started = parseStoreTime(r.started_at);
  const ended = parseStoreTime(r.ended_at);
  return {
    session_id: q.id,
    started_at: new Date(started).toISOString(),
    ended_at: new Date(ended).toISOString(),
    duration_ms: ended - started,
    totals: measuresJson(measuresOf(r)),
    models: [...r.models],
    users: [...r.users],
    agents: [...r.agents],
    tenants: [...r.tenants],
  };
}
