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
import { formatDateTime64 } from '../../core/time.js';
import { Params, indent } from './statement.js';

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
export function recordPageConditions(spec: RecordsSpec, after: RecordPosition | null, params: Params): string[] {
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
  const where = recordPageConditions(spec, after, params);
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

/** A row of pass one: an event's key and the position of the row that named it. */
export interface RecordKeyRow extends RecordKey {
  /** `YYYY-MM-DD hh:mm:ss.sss` UTC: the row's `occurred_at`. */
  readonly at: string;
}

/**
 * Step one of a page read (src/store/usage/records-read.ts): the keys of
 * the newest `take` rows that meet the page's conditions, without FINAL.
 * It names only columns of the projection `records_by_time` (migration
 * 0019, ordered by occurred_at, event_id), so ClickHouse reads the newest
 * granules of the projection, in reverse order, when that reads fewer marks
 * than the table. Stale versions and duplicates may take places here; step
 * two drops them.
 */
export function recordKeysQuery(spec: RecordsSpec, after: RecordPosition | null, take: number): SqlQuery {
  const params = new Params();
  const where = recordPageConditions(spec, after, params);
  const sql = `SELECT tenant, toString(toDate(occurred_at)) AS day, event_id, toString(occurred_at) AS at
FROM usage_events
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', take)}`;
  return { sql, params: params.values };
}

/**
 * Steps two and three, one statement: among the events of `keys`, each
 * event's current version (its highest row_version, the last processed
 * among equal ones: what FINAL keeps), read from the table by key — only
 * the key, version and filtered columns, and every version of the event
 * wherever it sits in time; `event_id` first (PREWHERE: the other columns
 * only where it matches, half the CPU of filtering on the whole key at 10 M
 * events) — then the page's conditions on it, as a FINAL
 * read applies them, and with `through` only those ranking at or before that
 * position; up to `limit` + 1, newest first. Then the record columns of those
 * versions, by position (occurred_at, event_id first: the order of the
 * projection `records_by_time`, whose index finds the few granules holding
 * them). Rows identical in key and version (an insert repeated) come once.
 */
export function recordsOfKeysQuery(spec: RecordsSpec, after: RecordPosition | null, keys: readonly RecordKey[], through: RecordPosition | null): SqlQuery {
  const params = new Params();
  const tenants = params.bind('key_tenants', 'Array(String)', keys.map((k) => k.tenant));
  const days = params.bind('key_days', 'Array(Date)', keys.map((k) => k.day));
  const ids = params.bind('key_ids', 'Array(String)', keys.map((k) => k.event_id));
  const bound =
    through === null
      ? []
      : [`(occurred_at, event_id) >= (${params.bind('through_at', "DateTime64(3, 'UTC')", through.occurredAt)}, ${params.bind('through_id', 'String', through.eventId)})`];
  const where = [...recordPageConditions(spec, after, params), ...bound];
  const range = [
    `occurred_at >= ${params.bind('from', "DateTime64(3, 'UTC')", formatDateTime64(spec.from))}`,
    `occurred_at < ${params.bind('to', "DateTime64(3, 'UTC')", formatDateTime64(spec.to))}`,
  ];
  const versions = `SELECT occurred_at, event_id, tenant, row_version, processed_at
FROM
(
    SELECT *
    FROM usage_events
    PREWHERE event_id IN ${ids}
    WHERE (tenant, toDate(occurred_at), event_id) IN arrayZip(${tenants}, ${days}, ${ids})
    ORDER BY row_version DESC, processed_at DESC
    LIMIT 1 BY tenant, toDate(occurred_at), event_id
)
WHERE ${where.join('\n  AND ')}
${PAGE_ORDER}
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  const sql = `SELECT
${RECORD_COLUMNS.map((col) => `    ${col}`).join(',\n')}
FROM usage_events
WHERE ${range.join('\n  AND ')}
  AND (occurred_at, event_id, tenant, row_version, processed_at) IN
(
${indent(versions)}
)
${PAGE_ORDER}
LIMIT 1 BY tenant, occurred_at, event_id`;
  return { sql, params: params.values };
}

/** A row of `recordsQuery` as the store returns it: the RECORD_COLUMNS. */
export type RecordRow = Readonly<Record<string, unknown>>;
