/**
 * Event-level lookups on `usage_events`: which of a batch's events are stored
 * already (the pre-insert dedupe), one event by id, the next log offsets, and
 * whether any event is stored.
 */
import type { EventByIdInput } from '../operations/events.js';
import type { SqlQuery } from '../types.js';

export type { EventByIdInput } from '../operations/events.js';

export interface ExistingEventsInput {
  readonly tenants: readonly string[];
  /** UTC dates (`YYYY-MM-DD`) the events may be stored under: the sort key's second column. */
  readonly dates: readonly string[];
  readonly eventIds: readonly string[];
}

/**
 * (tenant, event_id) pairs stored under the given tenants, dates and ids; one
 * query per batch, narrowed by the sort key (tenant, toDate(occurred_at),
 * event_id) and the event_id bloom filter. Any version counts, cancelled or not.
 * The caller keeps only the pairs it asked about.
 */
export function existingEventsQuery(input: ExistingEventsInput): SqlQuery {
  return {
    sql: `SELECT DISTINCT tenant, event_id
FROM usage_events
WHERE tenant IN {tenants:Array(String)}
  AND toDate(occurred_at) IN {dates:Array(Date)}
  AND event_id IN {event_ids:Array(String)}`,
    params: { tenants: [...input.tenants], dates: [...input.dates], event_ids: [...input.eventIds] },
  };
}

/**
 * The current version of one event: its highest row_version (the last
 * processed among equal versions) — what a FINAL read keeps — found without
 * FINAL so the event_id bloom filter can skip granules. At most one row, a
 * UsageEventRow; none when the current version is a cancellation, unless
 * `includeCancelled`.
 */
export function eventByIdQuery(input: EventByIdInput): SqlQuery {
  const inner = `SELECT *
FROM usage_events
WHERE tenant = {tenant:String}
  AND event_id = {event_id:String}
ORDER BY row_version DESC, processed_at DESC
LIMIT 1`;
  return {
    sql: input.includeCancelled ? inner : `SELECT *\nFROM\n(\n${inner}\n)\nWHERE sign = 1`,
    params: { tenant: input.tenant, event_id: input.eventId },
  };
}

/** Highest stored offset + 1 per partition of one log topic: rows (partition, next), `next` as decimal text. */
export function nextOffsetsQuery(topic: string): SqlQuery {
  return {
    sql: 'SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next FROM usage_events WHERE source_topic = {topic:String} GROUP BY source_partition',
    params: { topic },
  };
}

/** Rows stored in `usage_events` (every version and cancellation): one row, `n` as decimal text. */
export function eventRowCountQuery(): SqlQuery {
  return { sql: 'SELECT toString(count()) AS n FROM usage_events' };
}
