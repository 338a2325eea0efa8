-- 0005 rollup_checkpoints: how far the rollups are known to match raw events
-- (issue #10, item 1).
--
-- chDB writes usage_events and each rollup's materialized-view rows as
-- separate parts; a crash between them leaves a rollup short of events the
-- raw table holds. A process writing the embedded store records, every few
-- seconds, `safe_before`: every insert whose rows were processed before it
-- has completed in every table. After a crash, only the buckets of raw rows
-- processed since then (less a margin) need comparing with the rollups and
-- repairing (src/store/operations/rollups-sql.ts); after a clean stop
-- (`clean`), none. The newest row wins (by written_at); the table is tiny.

CREATE TABLE IF NOT EXISTS {{database}}.rollup_checkpoints {{on_cluster}}
(
    writer String,
    safe_before DateTime64(3, 'UTC'),
    clean Bool,
    written_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(written_at)}}
ORDER BY writer;
