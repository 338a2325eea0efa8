-- 0025 usage_events merged column by column (issue 12, `tally start` ≤ 600 MB
-- through a backlog).
--
-- ClickHouse merges a part "horizontally" — every column of every source
-- part read and written at once, a block of rows at a time — unless the
-- merge holds at least vertical_merge_algorithm_min_rows_to_activate rows
-- (131,072 by default); a "vertical" merge sorts the key columns first, then
-- moves the other columns one at a time. usage_events has ~60 columns, so a
-- horizontal merge holds ~60 columns' buffers for every source part: in
-- `tally start` the merges of a few 5,000–20,000-row parts (under 131,072
-- rows together) were the engine's memory peaks.
--
-- Measured with the engine alone (600,000 events inserted in 5,000-row
-- RowBinary inserts, as tally start writes them, the engine's memory read
-- every second; two runs each, alternating, 2026-12-05, load 1.3–1.6): a
-- horizontal merge of 7 parts (28 MB) tracked 142–188 MiB, a vertical one of
-- 9 parts (124 MB) 5–8 MiB; the peak of the engine's tracked memory 220–247
-- against 109–119 MiB, the process's peak RSS 735–740 against 539–543 MiB,
-- at 1.07–1.09× the CPU per event of inserting and merging (0.93× in a
-- later pair: within this machine's noise; bench part merge-memory,
-- docs/storage.md "Memory"). Only a table setting reaches merges; it applies to merges from
-- now on. An operator who prefers the CPU can set the default back with the
-- same ALTER.
--
-- In the sharded layout it runs on usage_events_local.

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1;
