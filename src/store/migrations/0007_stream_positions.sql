-- 0007 stream_positions: how far each event-log partition has been written
-- (issue #12, item 1), and a minmax index on processed_at.
--
-- The processor records, BEFORE it inserts a batch of events it believes new,
-- the highest log offset of that batch for its partition. A record at or
-- below a partition's high offset may be stored already (a redelivery after a
-- crash or a rebalance, a replay of old positions): only those records, and
-- ids the processor's recent-id window has seen, are looked up in
-- usage_events; every other record is new by construction, so a batch's
-- dedupe costs what the batch holds, not the tenant's history. The table
-- lives with the events: a wiped store loses both and a replay re-inserts.
-- The newest row wins (ReplacingMergeTree on the offset); reads take max().
--
-- The index lets the processor refill its recent-id window after a start or a
-- rebalance (events of one partition processed in the last window) without
-- reading the granules of older days.

CREATE TABLE IF NOT EXISTS {{database}}.stream_positions {{on_cluster}}
(
    source_topic String,
    source_partition Int32,
    high_offset Int64,
    written_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(high_offset)}}
ORDER BY (source_topic, source_partition);

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    ADD INDEX IF NOT EXISTS idx_processed_at processed_at TYPE minmax GRANULARITY 1;
