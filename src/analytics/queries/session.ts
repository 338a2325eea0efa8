/**
 * `sessions/{id}`: one session's usage from raw events (`FINAL`, `sign = 1`;
 * rollups carry no session ids): first and last event, every measure, and
 * the models, users, agents and tenants seen. Found through the session_id
 * bloom filter; an optional range narrows the scan.
 */
import { TallyError } from '../../core/errors.js';
import { rawMeasuresSql } from '../../store/queries/measures.js';
import type { SessionQuery } from '../inputs.js';
import { measuresJson, measuresOf, type StoreMeasureRow } from '../measures.js';
import { Params, rawEventConditions, type PlannedQuery, type TenantScope } from '../sql.js';
import { parseStoreTime } from '../time.js';
import type { SessionResult } from '../types.js';

/** Output columns: `started_at`, `ended_at`, the measures, `models`, `users`, `agents`, `tenants` (sorted arrays, '' dropped). One row; `events` = 0 when the session is unknown. */
export function sessionQuery(q: SessionQuery, scope: TenantScope): PlannedQuery {
  const params = new Params();
  const where = rawEventConditions(scope, q.filters, params, q, [`session_id = ${params.bind('session', 'String', q.id)}`]);
  const seen = (expr: string, name: string): string => `    arraySort(arrayFilter(x -> x != '', groupUniqArray(${expr}))) AS ${name}`;
  const sql = `SELECT
    min(occurred_at) AS started_at,
    max(occurred_at) AS ended_at,
${rawMeasuresSql('    ')},
${seen("if(model_key = '', model, model_key)", 'models')},
${seen('user_id', 'users')},
${seen('agent', 'agents')},
${seen('tenant', 'tenants')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}`;
  return { sql, params: params.values, plan: { segments: [], rawReason: 'sessions need raw events (rollups carry no session ids)' } };
}

/** The row of `sessionQuery`. */
export type SessionRow = StoreMeasureRow & {
  readonly started_at: string;
  readonly ended_at: string;
  readonly models: readonly string[];
  readonly users: readonly string[];
  readonly agents: readonly string[];
  readonly tenants: readonly string[];
};

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
