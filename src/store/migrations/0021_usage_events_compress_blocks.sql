-- 0021 usage_events compression blocks: 64 KiB instead of 1 MiB (issue 12,
-- `tally start` ≤ 600 MB).
--
-- A part of usage_events writes every column (~60, several of them two
-- streams, plus the records_by_time projection) through a compression buffer
-- and a file buffer of max_compress_block_size each, and a background merge
-- holds them for every column at once while it reads every source part's
-- columns. In `tally start` under ingest load a merge of six 20,000-row parts
-- (5 MB compressed) tracked up to 660–750 MB of engine memory; with 64 KiB
-- blocks 150 MB. A granule of one column is ~64 KiB or less at tally's row
-- sizes, so blocks were cut at the granule (min_compress_block_size, 64 KiB)
-- anyway: the compressed data barely changes.
--
-- Measured with bench/pipeline-memory.ts (memory-tuning, memory-allocator):
-- README "Capacity", docs/storage.md "Memory". Only a table setting reaches
-- merges (the engine's connection arguments do not), so it is set here, for
-- the ClickHouse server too; it applies to parts written from now on.
--
-- In the sharded layout it runs on usage_events_local (the Distributed table
-- has no parts).

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;
