-- 0019 records by time: the request log at interactive speed (issue #13).
--
-- usage_events is sorted by (tenant, UTC day, event id), and event ids are
-- random, so the newest events of a tenant are spread over every granule of
-- its day: a page of the newest 50 events read ~26 granules of record
-- columns across every tenant (1.04 M rows at 10 M events) and a whole day
-- of the largest tenant under FINAL (344 k rows). This projection keeps the
-- columns a record shows, ordered by time, so the newest events share a few
-- granules:
--
-- | projection | ordered by | holds |
-- |---|---|---|
-- | records_by_time | occurred_at, event_id | the record columns (RECORD_COLUMNS, src/store/usage/records.ts), row_version, processed_at, sign |
--
-- A page is read in three steps (src/store/usage/records-read.ts): the keys
-- of the newest rows from the projection, the current version of each of
-- those events from the table (by its key: versions of an event need not sit
-- at one position in time), then those versions' record columns from the
-- projection, by position. Exact as FINAL: see the proof there.
--
-- A projection is part of each data part: inserts write it (no view, no
-- second table), merges rebuild it from the merged rows
-- (deduplicate_merge_projection_mode = 'rebuild'; ReplacingMergeTree refuses
-- a projection without it), TTL drops it with its part. Parts without it (a
-- part written before this migration, until MATERIALIZE reaches it) are read
-- from the table instead: slower, not different. MATERIALIZE runs as a
-- background mutation on the existing parts; nothing waits for it.
--
-- A later migration that modifies or drops a column the projection holds
-- must drop the projection first (ClickHouse refuses otherwise) and add it
-- again; one that adds a record column adds it to a new projection.
--
-- In the sharded layout these statements run on usage_events_local (the
-- Distributed table has no parts); each shard reads its own projection.

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    ADD PROJECTION IF NOT EXISTS records_by_time
    (
        SELECT
            event_id, tenant, occurred_at, received_at, user_id, group_id, session_id, agent, feature,
            request_id, api_key_id, provider, model, model_key, status, error_type, priced, pricing_error,
            input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens,
            reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens,
            total_tokens, requests, tool_calls, web_search_requests, images, audio_seconds,
            cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning,
            cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call,
            cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, price_total, price_book_version,
            cost_source, price_version, duration_ms, ttft_ms, metadata, usage_json,
            row_version, processed_at, sign
        ORDER BY occurred_at, event_id
    );

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    MATERIALIZE PROJECTION records_by_time;
