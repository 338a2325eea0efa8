/**
 * The queries of the processor's dedupe that stay bounded by the batch (see
 * docs/storage.md, "Dedupe"): a partition's high offset (0007
 * stream_positions), and the ids of one partition's recently processed
 * events, to refill the recent-id window after a start or a rebalance.
 */
import type { SqlQuery } from '../types.js';

/** Highest offset recorded for one partition: one row `{high}` (decimal text), `high` empty when none. */
export function highOffsetQuery(topic: string, partition: number): SqlQuery {
  return {
    sql: `SELECT if(count() = 0, '', toString(max(high_offset))) AS high
FROM stream_positions
WHERE source_topic = {topic:String} AND source_partition = {partition:Int32}`,
    params: { topic, partition },
  };
}

/** (tenant, event_id) of the events read from one partition and processed at or after `since` (stored DateTime64 text). */
export function recentEventKeysQuery(topic: string, partition: number, since: string): SqlQuery {
  return {
    sql: `SELECT tenant, event_id
FROM usage_events
WHERE processed_at >= {since:DateTime64(3, 'UTC')}
  AND source_topic = {topic:String}
  AND source_partition = {partition:Int32}`,
    params: { topic, partition, since },
  };
}
