-- 0022 records_by_time through merges: kept, not rebuilt (issue 12,
-- `tally start` ≤ 600 MB through a backlog).
--
-- 0019 had merges rebuild the projection from the merged rows
-- (deduplicate_merge_projection_mode = 'rebuild'): a merge of usage_events
-- sorted every row of the merged part again, in memory, by (occurred_at,
-- event_id). That sort grows with the part: through a backlog of 1,000,000
-- events `tally start` reached 949 MiB, and 400,000 events inserted in
-- 10,000-row parts took one merge to 457 MiB of engine memory (734 MiB RSS);
-- with the projection's parts merged like the table's instead, 206 MiB
-- (593 MiB RSS; docs/storage.md, "Memory").
--
-- 'ignore' merges the projection's parts as they are: a version that the
-- table's merge collapses stays in the projection until its part is dropped.
-- That is the state every part is in before its first merge, and the request
-- log is built for it (src/store/usage/records-read.ts): it takes each page's
-- keys from the projection, each event's current version from the table, and
-- only that version's columns from the projection, so an old version there
-- is never shown. No other read of usage_events depends on merges having run
-- (FINAL reads do not use projections). test/integration/analytics/
-- records-windows.test.ts checks every page against FINAL after a merge.
--
-- In the sharded layout it runs on usage_events_local.

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MODIFY SETTING deduplicate_merge_projection_mode = 'ignore';
