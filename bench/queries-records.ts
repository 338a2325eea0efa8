/**
 * `npm run bench -- queries --only records`: the request log (records, newest
 * first) before and after migration 0019's `records_by_time` projection.
 *
 * - `before`: the records read as it was before the projection (kept here,
 *   frozen): windows of a day, a week and the whole range; a tenant's page
 *   one FINAL read of the window; every tenant's page in two passes (keys
 *   without FINAL, then the current versions of those events from the
 *   table), FINAL when the second pass comes up short. Every statement runs
 *   with `optimize_use_projections = 0`, so the projection is not read.
 * - `after`: `store.usage.records` as served (src/store/usage/records-read.ts).
 *
 * The calls: the dashboard's request log (the range "30 days up to now"),
 * its second page (after the first page's cursor), a small tenant's, and
 * a filtered one (errors only), each for the largest tenant (40 % of the
 * events) and for every tenant.
 */
import { parseDateTime64 } from '../src/core/time.js';
import type { SqlExecutor, SqlQuery } from '../src/store/executor.js';
import { RECORD_COLUMNS, recordPageConditions, recordsQuery, type RecordKey, type RecordRow, type RecordsSpec, type RecordPosition, type UsageQueries } from '../src/store/usage/index.js';
import { Params } from '../src/store/usage/statement.js';

const DAY = 86_400_000;
const PAGE_ORDER = 'ORDER BY occurred_at DESC, event_id DESC';

/** `sql` with the projections switched off: how the table was read before migration 0019. */
export function withoutProjections(sql: string): string {
  return `${sql}\nSETTINGS optimize_use_projections = 0`;
}

function keysQuery(spec: RecordsSpec, after: RecordPosition | null): SqlQuery {
  const params = new Params();
  const where = recordPageConditions(spec, after, params);
  const sql = `SELECT tenant, toString(toDate(occurred_at)) AS day, event_id
FROM usage_events
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  return { sql, params: params.values };
}

function recordsOfKeysQuery(spec: RecordsSpec, after: RecordPosition | null, keys: readonly RecordKey[]): SqlQuery {
  const params = new Params();
  const tenants = params.bind('key_tenants', 'Array(String)', keys.map((k) => k.tenant));
  const days = params.bind('key_days', 'Array(Date)', keys.map((k) => k.day));
  const ids = params.bind('key_ids', 'Array(String)', keys.map((k) => k.event_id));
  const where = recordPageConditions(spec, after, params);
  const sql = `SELECT
${RECORD_COLUMNS.map((col) => `    ${col}`).join(',\n')}
FROM
(
    SELECT *
    FROM usage_events
    WHERE tenant IN ${tenants}
      AND toDate(occurred_at) IN ${days}
      AND event_id IN ${ids}
      AND has(arrayZip(${tenants}, ${days}, ${ids}), (tenant, toDate(occurred_at), event_id))
    ORDER BY row_version DESC, processed_at DESC
    LIMIT 1 BY tenant, toDate(occurred_at), event_id
)
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  return { sql, params: params.values };
}

/** One window as before 0019: FINAL for a tenant, two passes for every tenant. */
async function windowBefore(sql: SqlExecutor, spec: RecordsSpec, after: RecordPosition | null): Promise<RecordRow[]> {
  const off = (q: SqlQuery): SqlQuery => ({ ...q, sql: withoutProjections(q.sql) });
  if (spec.scope !== null) return sql.query<RecordRow>(off(recordsQuery(spec, after)));
  const keys = await sql.query<RecordKey>(off(keysQuery(spec, after)));
  if (keys.length === 0) return [];
  const rows = await sql.query<RecordRow>(off(recordsOfKeysQuery(spec, after, keys)));
  if (rows.length > spec.limit || keys.length <= spec.limit) return rows;
  return sql.query<RecordRow>(off(recordsQuery(spec, after)));
}

/** `usage` with its records read as before migration 0019 (see the module comment). */
export function recordsBeforeProjection(usage: UsageQueries, sql: SqlExecutor): UsageQueries {
  return {
    ...usage,
    async records(spec, after) {
      const upper = Math.min(spec.to, after === null ? spec.to : (parseDateTime64(after.occurredAt) ?? Number.NaN) + 1);
      let rows: RecordRow[] = [];
      for (const span of [DAY, 7 * DAY, Number.POSITIVE_INFINITY]) {
        const from = Math.max(spec.from, upper - span);
        rows = await windowBefore(sql, { ...spec, from }, after);
        if (rows.length > spec.limit || from === spec.from) break;
      }
      return rows;
    },
  };
}
