/**
 * `records`: individual events, newest first, from `usage_events FINAL
 * WHERE sign = 1` (each event's current version, once). Pages are cut by
 * keyset on (occurred_at, event_id): a page starts after the previous page's
 * last position, so pages stay stable while events arrive, and a position
 * carries nothing else — the tenant scope and filters always apply.
 */
import { COST_CLASSES, TOKEN_CLASSES } from '../../core/classes.js';
import type { SqlQuery } from '../executor.js';
import { rawEventConditions } from './conditions.js';
import type { RecordPosition, RecordsSpec } from './specs.js';
import { Params } from './statement.js';

/** Columns a record carries (see `RecordRow`). */
export const RECORD_COLUMNS: readonly string[] = [
  'event_id',
  'tenant',
  'occurred_at',
  'received_at',
  'user_id',
  'group_id',
  'session_id',
  'agent',
  'feature',
  'request_id',
  'api_key_id',
  'provider',
  'model',
  'model_key',
  'status',
  'error_type',
  'priced',
  'pricing_error',
  ...TOKEN_CLASSES.map((c) => `${c}_tokens`),
  'total_tokens',
  'requests',
  'tool_calls',
  'web_search_requests',
  'images',
  'audio_seconds',
  ...COST_CLASSES.map((c) => `cost_${c}`),
  'cost_total',
  'cache_savings',
  'price_total',
  'price_book_version',
  'cost_source',
  'price_version',
  'duration_ms',
  'ttft_ms',
  'metadata',
  'usage_json',
];

/** The conditions of a page: scope, range, filters, current versions, event ids, and after `after`. */
function pageConditions(spec: RecordsSpec, after: RecordPosition | null, params: Params): string[] {
  const keyset =
    after === null
      ? []
      : [`(occurred_at, event_id) < (${params.bind('after_at', "DateTime64(3, 'UTC')", after.occurredAt)}, ${params.bind('after_id', 'String', after.eventId)})`];
  const ids = spec.eventIds && spec.eventIds.length > 0 ? [`event_id IN ${params.bind('event_id', 'Array(String)', [...spec.eventIds])}`] : [];
  return [...rawEventConditions(spec.scope, spec.filters, params, spec), ...ids, ...keyset];
}

const PAGE_ORDER = 'ORDER BY occurred_at DESC, event_id DESC';

/** One page plus one row (to tell whether another page follows), after `after` when given. */
export function recordsQuery(spec: RecordsSpec, after: RecordPosition | null): SqlQuery {
  const params = new Params();
  const where = pageConditions(spec, after, params);
  const sql = `SELECT
${RECORD_COLUMNS.map((col) => `    ${col}`).join(',\n')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  return { sql, params: params.values };
}

/** Where one event's versions sit: its key in `usage_events` (tenant, UTC day, event id). */
export interface RecordKey {
  readonly tenant: string;
  /** `YYYY-MM-DD`, the UTC day of `occurred_at`. */
  readonly day: string;
  readonly event_id: string;
}

/**
 * Pass one of a page read in two passes (src/store/usage/records-read.ts):
 * the keys of the newest `limit` + 1 rows that meet the page's conditions,
 * without FINAL — only the key columns and the filtered ones are read.
 * Stale versions and duplicates may take places here; pass two drops them.
 */
export function recordKeysQuery(spec: RecordsSpec, after: RecordPosition | null): SqlQuery {
  const params = new Params();
  const where = pageConditions(spec, after, params);
  const sql = `SELECT tenant, toString(toDate(occurred_at)) AS day, event_id
FROM usage_events
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  return { sql, params: params.values };
}

/**
 * Pass two: the page among the events of `keys` — each event's current
 * version (its highest row_version, the last processed among equal ones:
 * what FINAL keeps), then the page's conditions on it, as a FINAL read
 * applies them. The key columns prune to the granules holding those events.
 */
export function recordsOfKeysQuery(spec: RecordsSpec, after: RecordPosition | null, keys: readonly RecordKey[]): SqlQuery {
  const params = new Params();
  const tenants = params.bind('key_tenants', 'Array(String)', keys.map((k) => k.tenant));
  const days = params.bind('key_days', 'Array(Date)', keys.map((k) => k.day));
  const ids = params.bind('key_ids', 'Array(String)', keys.map((k) => k.event_id));
  const where = pageConditions(spec, after, params);
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

/** A row of `recordsQuery` as the store returns it: the RECORD_COLUMNS. */
export type RecordRow = Readonly<Record<string, unknown>>;
