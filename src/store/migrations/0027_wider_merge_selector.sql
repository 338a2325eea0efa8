-- 0027 a wider merge selector for usage_events and the rollup tables
-- (issue 12: the embedded mode's CPU under steady small inserts).
--
-- ClickHouse's simple merge selector merges a run of parts once their total
-- is `merge_selector_base` times the largest of them (default 5). Under
-- `tally start` at 5,000 events/s in 100-event requests (~4.6 inserts a
-- second of ~1,100 rows) that merged every row ~4 times: the engine's
-- background merges took 26–30 % of the process's CPU. With 20 a run waits
-- for more parts of a size, so each row is merged about half as often.
--
-- Measured (ad hoc, 150 inserts of 1,000 rows into a migrated chDB store,
-- merges left to settle, alternating processes, 2026-12-05 08:17, load 2):
-- rows merged 1,494,412–1,558,732 with 5 against 738,596–738,743 with 20;
-- merge CPU 5.9–6.6 s against 3.0–3.2 s; the process's CPU 18.6–21.0 s
-- against 16.8–17.0 s; active parts at the end 24 against 37–38. Bench
-- part merge-memory compares the two (README "Capacity", docs/storage.md).
-- The price is more, smaller parts between merges, which queries read too.
-- A table setting; it applies to merges chosen from now on.
--
-- In the sharded layout it runs on each per-node table.

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE {{database}}.usage_rollup_full {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE {{database}}.usage_rollup_model {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE {{database}}.usage_rollup_agent {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE {{database}}.usage_rollup_user {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE {{database}}.usage_rollup_model_all {{on_cluster}}
    MODIFY SETTING merge_selector_base = 20;
