/**
 * `session`: one session's usage from raw events (`FINAL`, `sign = 1`;
 * rollups carry no session ids): first and last event, every measure, and
 * the models, users, agents and tenants seen. Found through the session_id
 * bloom filter; an optional range narrows the scan.
 */
import type { SqlQuery } from '../executor.js';
import { rawMeasuresSql, type MeasureRow } from '../queries/measures.js';
import { rawEventConditions } from './conditions.js';
import type { SessionSpec } from './specs.js';
import { Params } from './statement.js';

/** Output columns: `started_at`, `ended_at`, the measures, `models`, `users`, `agents`, `tenants` (sorted arrays, '' dropped). One row; `events` = 0 when the session is unknown. */
export function sessionQuery(spec: SessionSpec): SqlQuery {
  const params = new Params();
  const where = rawEventConditions(spec.scope, spec.filters, params, spec, [`session_id = ${params.bind('session', 'String', spec.id)}`]);
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
  return { sql, params: params.values };
}

/** The row of `sessionQuery`. */
export type SessionRow = MeasureRow & {
  readonly started_at: string;
  readonly ended_at: string;
  readonly models: readonly string[];
  readonly users: readonly string[];
  readonly agents: readonly string[];
  readonly tenants: readonly string[];
};
