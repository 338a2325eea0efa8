/**
 * `records`: individual events, newest first, from `usage_events FINAL
 * WHERE sign = 1` (each event's current version, once). Pages are cut by
 * keyset on (occurred_at, event_id): the cursor is the last row's position,
 * so pages stay stable while events arrive, and a cursor carries nothing but
 * a position — whatever it says, the tenant scope and filters still apply.
 */
import { formatUsd, parseUsd } from '../../core/money.js';
import { encodeCursor, type RecordPosition } from '../cursor.js';
import { orNull, rangeInfo } from '../describe.js';
import type { RecordsQuery } from '../inputs.js';
import { Params, rawEventConditions, type PlannedQuery, type TenantScope } from '../sql.js';
import { parseStoreTime } from '../time.js';
import type { RecordsResult, UsageRecord } from '../types.js';
import { TOKEN_CLASSES } from '../../core/classes.js';


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
  'input_tokens',
  'cached_input_tokens',
  'cache_write_5m_tokens',
  'cache_write_1h_tokens',
  'output_tokens',
  'reasoning_tokens',
  'audio_input_tokens',
  'audio_output_tokens',
  'image_input_tokens',
  'image_output_tokens',
  'total_tokens',
  'requests',
  'tool_calls',
  'web_search_requests',
  'images',
  'audio_seconds',
  'cost_total',
  'cache_savings',
  'cost_source',
  'price_version',
  'duration_ms',
  'ttft_ms',
  'metadata',
];

/** One page plus one row (to tell whether another page follows). */
export function recordsQuery(q: RecordsQuery, scope: TenantScope, after: RecordPosition | null): PlannedQuery {
  const params = new Params();
  const keyset =
    after === null
      ? []
      : [`(occurred_at, event_id) < (${params.bind('after_at', "DateTime64(3, 'UTC')", after.occurredAt)}, ${params.bind('after_id', 'String', after.eventId)})`];
  const where = [...rawEventConditions(scope, q.filters, params, q), ...keyset];
  const sql = `SELECT
${RECORD_COLUMNS.map((col) => `    ${col}`).join(',\n')}
FROM usage_events FINAL
WHERE ${where.join('\n  AND ')}
ORDER BY occurred_at DESC, event_id DESC
LIMIT ${params.bind('limit', 'UInt32', q.limit + 1)}`;
  return { sql, params: params.values, plan: { segments: [{ source: 'raw', from: q.from, to: q.to }], rawReason: 'records are individual events' } };
}

/** A row of `recordsQuery` as the store returns it. */
export type RecordRow = Readonly<Record<string, unknown>>;

const int = (v: unknown): number => Number(v ?? 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const utc = (v: unknown): string => new Date(parseStoreTime(str(v))).toISOString();
const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The API form of a stored event. */
export function usageRecord(r: RecordRow): UsageRecord {
  const tokens: Record<string, number> = {};
  for (const c of TOKEN_CLASSES) tokens[`${c}_tokens`] = int(r[`${c}_tokens`]);
  return {
    event_id: str(r.event_id),
    tenant: str(r.tenant),
    occurred_at: utc(r.occurred_at),
    received_at: utc(r.received_at),
    user_id: orNull(str(r.user_id)),
    group: orNull(str(r.group_id)),
    session_id: orNull(str(r.session_id)),
    agent: orNull(str(r.agent)),
    feature: orNull(str(r.feature)),
    request_id: orNull(str(r.request_id)),
    api_key_id: orNull(str(r.api_key_id)),
    provider: orNull(str(r.provider)),
    model: str(r.model),
    model_key: orNull(str(r.model_key)),
    status: str(r.status),
    error_type: orNull(str(r.error_type)),
    priced: r.priced === true || r.priced === 1,
    pricing_error: orNull(str(r.pricing_error)),
    ...(tokens as Pick<UsageRecord, `${(typeof TOKEN_CLASSES)[number]}_tokens`>),
    total_tokens: int(r.total_tokens),
    requests: int(r.requests),
    tool_calls: int(r.tool_calls),
    web_search_requests: int(r.web_search_requests),
    images: int(r.images),
    audio_seconds: Number(str(r.audio_seconds) || '0'),
    cost_total: formatUsd(parseUsd(str(r.cost_total) || '0')),
    cache_savings: formatUsd(parseUsd(str(r.cache_savings) || '0')),
    cost_source: str(r.cost_source),
    price_version: orNull(str(r.price_version)),
    duration_ms: nullableNumber(r.duration_ms),
    ttft_ms: nullableNumber(r.ttft_ms),
    metadata: (typeof r.metadata === 'object' && r.metadata !== null ? r.metadata : {}) as Record<string, string>,
  };
}

/** A page of records and the cursor of the next one. `rows` holds up to limit + 1 rows. */
export function recordsResult(rows: readonly RecordRow[], q: RecordsQuery): RecordsResult {
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const next = rows.length > q.limit && last !== undefined ? encodeCursor({ occurredAt: str(last.occurred_at), eventId: str(last.event_id) }) : null;
  return { range: rangeInfo(q), records: page.map(usageRecord), next_cursor: next };
}
