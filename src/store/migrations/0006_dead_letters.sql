-- 0006 dead_letters: the dead-letter queue of the embedded mode, kept in the
-- store (issue #10, item 2).
--
-- `tally start` has no Kafka: its usage.dlq lived in process memory and was
-- gone after a restart. Each dead letter is now written here before the
-- processor commits its batch: the original record (key and value as sent,
-- headers with the reason), where it came from, and why it failed.
-- `tally replay --from-dlq --embedded` re-processes pending letters and marks
-- the ones that are stored now as replayed (a newer row version).
--
-- One row per source record (topic, partition, offset): a record
-- dead-lettered twice (a crash between the DLQ write and the commit) is one
-- letter. `key`, `headers` and `errors` are JSON text and `value` is base64,
-- so any bytes and any text survive the store.

CREATE TABLE IF NOT EXISTS {{database}}.dead_letters {{on_cluster}}
(
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    failed_at DateTime64(3, 'UTC'),
    code LowCardinality(String),
    message String,
    errors String CODEC(ZSTD(1)),
    key String,
    value String CODEC(ZSTD(3)),
    headers String CODEC(ZSTD(1)),
    state LowCardinality(String),
    version UInt64
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (source_topic, source_partition, source_offset);
