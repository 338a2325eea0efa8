/** Event lookups not pinned in queries.test.ts: stored positions, next log offsets, the row count. */
import { describe, expect, it } from 'vitest';
import { eventRowCountQuery, nextOffsetsQuery } from '../../../src/store/queries/events.js';
import { storedPositionsQuery } from '../../../src/store/queries/positions.js';

describe('event query objects', () => {
  it('pins the stored positions SQL: narrowed by the sort key, one row per event', () => {
    expect(storedPositionsQuery({ tenants: ['acme'], dates: ['2026-03-01'], eventIds: ['e-1', "e'2"] })).toEqual({
      sql: `SELECT tenant, event_id, any(source_topic) AS source_topic, any(source_partition) AS source_partition, toString(any(source_offset)) AS source_offset
FROM usage_events
WHERE tenant IN {tenants:Array(String)}
  AND toDate(occurred_at) IN {dates:Array(Date)}
  AND event_id IN {event_ids:Array(String)}
GROUP BY tenant, event_id`,
      params: { tenants: ['acme'], dates: ['2026-03-01'], event_ids: ['e-1', "e'2"] },
    });
  });

  it('pins the next offsets SQL of one topic', () => {
    expect(nextOffsetsQuery("usage.raw'")).toEqual({
      sql: 'SELECT source_partition AS partition, toString(max(source_offset) + 1) AS next FROM usage_events WHERE source_topic = {topic:String} GROUP BY source_partition',
      params: { topic: "usage.raw'" },
    });
  });

  it('pins the row count SQL', () => {
    expect(eventRowCountQuery()).toEqual({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
  });
});
