/**
 * Where each of a batch's events was first read from the log: lets the
 * processor tell a redelivery (same event, same log position) from a
 * duplicate send (same event_id, another position).
 */
import type { SqlQuery } from '../types.js';
import type { ExistingEventsInput } from './events.js';

/** (tenant, event_id, source position) of stored events, narrowed by the sort key like `existingEventsQuery`. */
export function storedPositionsQuery(input: ExistingEventsInput): SqlQuery {
  return {
    sql: `SELECT tenant, event_id, any(source_topic) AS source_topic, any(source_partition) AS source_partition, toString(any(source_offset)) AS source_offset
FROM usage_events
WHERE tenant IN {tenants:Array(String)}
  AND toDate(occurred_at) IN {dates:Array(Date)}
  AND event_id IN {event_ids:Array(String)}
GROUP BY tenant, event_id`,
    params: { tenants: [...input.tenants], dates: [...input.dates], event_ids: [...input.eventIds] },
  };
}
