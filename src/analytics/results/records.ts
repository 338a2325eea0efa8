/**
 * The `records` answer from the store's rows (`store.usage.records`): one
 * page of events in their API form, and the cursor of the next page when the
 * store returned one row more than the page holds.
 */
import { formatUsd, parseUsd } from '../../core/money.js';
import { encodeCursor } from '../cursor.js';
import { marginPct } from '../margin.js';
import { orNull, rangeInfo } from '../describe.js';
import type { RecordsQuery } from '../inputs.js';
import { parseStoreTime } from '../time.js';
import type { CostPerClass, RecordsResult, UsageRecord } from '../types.js';
import type { RecordRow } from '../../store/usage/index.js';
import { COST_CLASSES, TOKEN_CLASSES } from '../../core/classes.js';

const int = (v: unknown): number => Number(v ?? 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const utc = (v: unknown): string => new Date(parseStoreTime(str(v))).toISOString();
const nullableNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const usd = (v: unknown): string => formatUsd(parseUsd(str(v) || '0'));

/**
 * The stored usage object (`usage_json`). `JSON.parse` is exact here: the text
 * was written by `JSON.stringify` of the object as `JSON.parse` read it at
 * ingest, so every number in it is the shortest text of a double and reads
 * back to the same double — and the answer is serialized with `JSON.stringify`
 * again, so a lossless reader's number texts would come out as strings.
 */
function storedUsage(v: unknown): Record<string, unknown> {
  const text = str(v);
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

/** The API form of a stored event. */
export function usageRecord(r: RecordRow): UsageRecord {
  const tokens: Record<string, number> = {};
  for (const c of TOKEN_CLASSES) tokens[`${c}_tokens`] = int(r[`${c}_tokens`]);
  const costs: Record<string, string> = {};
  for (const c of COST_CLASSES) costs[`cost_${c}`] = usd(r[`cost_${c}`]);
  const price = parseUsd(str(r.price_total) || '0');
  const margin = price - parseUsd(str(r.cost_total) || '0');
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
    ...(costs as CostPerClass),
    cost_total: usd(r.cost_total),
    cache_savings: usd(r.cache_savings),
    price: formatUsd(price),
    margin: formatUsd(margin),
    margin_pct: marginPct(margin, price),
    price_book_version: orNull(str(r.price_book_version)),
    cost_source: str(r.cost_source),
    price_version: orNull(str(r.price_version)),
    duration_ms: nullableNumber(r.duration_ms),
    ttft_ms: nullableNumber(r.ttft_ms),
    metadata: (typeof r.metadata === 'object' && r.metadata !== null ? r.metadata : {}) as Record<string, string>,
    usage: storedUsage(r.usage_json),
  };
}

/** A page of records and the cursor of the next one. `rows` holds up to limit + 1 rows. */
export function recordsResult(rows: readonly RecordRow[], q: RecordsQuery): RecordsResult {
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const next = rows.length > q.limit && last !== undefined ? encodeCursor({ occurredAt: str(last.occurred_at), eventId: str(last.event_id) }) : null;
  return { range: rangeInfo(q), records: page.map(usageRecord), next_cursor: next };
}
