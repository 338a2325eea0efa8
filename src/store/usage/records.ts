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

/** One page plus one row (to tell whether another page follows), after `after` when given. */
export function recordsQuery(spec: RecordsSpec, after: RecordPosition | null): SqlQuery {
  const params = new Params();
  const keyset =
    after === null
      ? []
      : [`(occurred_at, event_id) < (${params.bind('after_at', "DateTime64(3, 'UTC')", after.occurredAt)}, ${params.bind('after_id', 'String', after.eventId)})`];
  const ids = spec.eventIds && spec.eventIds.length > 0 ? [`event_id IN ${params.bind('event_id', 'Array(String)', [...spec.eventIds])}`] : [];
  const where = [...rawEventConditions(spec.scope, spec.filters, params, spec), ...ids, ...keyset];
  const sql = `SELECT
${RECORD_COLUMNS.map((col) => `    ${col}`).join(',\n')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
ORDER BY occurred_at DESC, event_id DESC
LIMIT ${params.bind('limit', 'UInt32', spec.limit + 1)}`;
  return { sql, params: params.values };
}

/** A row of `recordsQuery` as the store returns it: the RECORD_COLUMNS. */
export type RecordRow = Readonly<Record<string, unknown>>;
