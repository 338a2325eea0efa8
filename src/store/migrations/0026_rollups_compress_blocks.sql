-- 0026 rollup tables' compression blocks: 64 KiB instead of 1 MiB (issue 12,
-- `tally start` ≤ 600 MB through a backlog), as 0021 set for usage_events.
--
-- The rollup tables are SummingMergeTree, which ClickHouse always merges
-- "horizontally" (a vertical merge, 0025's remedy for usage_events, is only
-- for plain, Replacing and Collapsing tables): every column of every source
-- part is read, and every column of the new part written, at once, each
-- through a compression buffer and a file buffer of max_compress_block_size.
-- usage_rollup_full has ~50 columns, so in `tally start` under a backlog its
-- merges of 6–7 parts held 110–260 MiB of the engine's memory, the largest
-- of its peaks once 0025 had landed.
--
-- Measured in `tally start` (400,000 events from 4 senders, the engine's
-- merges sampled every 150 ms, one run each, 2026-12-05): merges of
-- usage_rollup_full tracked 57–96 MiB with 64 KiB blocks against 110–260 MiB
-- with 1 MiB; the engine's tracked memory peaked at 146 against 318 MiB. A
-- rollup granule is far under 64 KiB per column at tally's row sizes, so
-- blocks were cut at min_compress_block_size (64 KiB) anyway: the compressed
-- data barely changes. Bench part merge-memory compares the two (README
-- "Capacity", docs/storage.md "Memory"). Only a table setting reaches merges;
-- it applies to parts written from now on.
--
-- In the sharded layout it runs on each rollup's per-node table.

ALTER TABLE {{database}}.usage_rollup_full {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE {{database}}.usage_rollup_model {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE {{database}}.usage_rollup_agent {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE {{database}}.usage_rollup_user {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE {{database}}.usage_rollup_model_all {{on_cluster}}
    MODIFY SETTING max_compress_block_size = 65536;
