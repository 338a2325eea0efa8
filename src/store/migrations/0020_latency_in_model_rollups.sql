-- 0020 latency histograms in the by-model rollups: one view per grain
-- answers both the sums and the latency panel.
--
-- Every view costs each insert a fixed CPU time in the embedded engine, and
-- the latency rollups (0012, and their all-tenant sums of 0018) had the
-- by-model rollups' engine, key, partitioning, retention, sign weighting and
-- events, requests and latency counts and sums: they added only the
-- histograms. So the by-model rollups usage_rollup_model_<grain> and
-- usage_rollup_model_all_<grain> gain `durationMap` and `ttftMap` (Nested
-- bin → events, summed bin by bin), computed exactly as 0012's views did:
-- a value v > 0 in bin floor(ln v / ln 1.02) clamped to ±32767, v ≤ 0 in
-- bin -32768, each event weighted by its sign — so duplicates, cancel rows
-- and new versions (reprices) reach the bins as they reach the sums. The
-- six latency views and tables are then dropped (storage tables 20 → 14).
--
-- A view's query cannot gain a column in place: each view is dropped and
-- created again (same name, same target), the all-tenant ones first (they
-- sum the tenant table's maps). An event inserted between the two would
-- miss that rollup: run migrations while nothing writes events (tally
-- migrate, and tally start / replay migrate before they write), as for
-- every migration.
--
-- Existing rows read empty maps; the fill inserts, per key of each latency
-- table, its net histograms (every row of the key summed bin by bin, cancel
-- rows included, zero bins left out) into the tenant table with every sum
-- 0; the all-tenant view carries them, summed over tenants, into the
-- all-tenant table. The latency tables equal the by-model ones key by key
-- (same views' sign weighting, same repairs), the daily one beyond the raw
-- retention too, so the histograms stay what they were. A row with all sums
-- 0 survives merges: SummingMergeTree drops a row whose summed columns are
-- all zero only in a table without a Nested `…Map` (with one it keeps every
-- row, as the latency tables did), so the fill rows are never lost — and
-- from now on a by-model key whose events were all cancelled stays as a row
-- of zeros instead of being dropped; every reader sums, so no answer changes.
--
-- Re-running a statement is a no-op: ADD COLUMN IF NOT EXISTS, DROP … IF
-- EXISTS, CREATE … IF NOT EXISTS; the fill inserts nothing once a table
-- holds a histogram. Should the file stop after it dropped a latency table,
-- the next run creates it again empty (the CREATE before each fill: only
-- the columns the fill reads), fills nothing from it, and drops it again.


ALTER TABLE {{database}}.usage_rollup_model_15m {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE {{database}}.usage_rollup_model_all_15m {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE {{database}}.usage_rollup_model_hourly {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE {{database}}.usage_rollup_model_all_hourly {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE {{database}}.usage_rollup_model_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE {{database}}.usage_rollup_model_all_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_15m_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_15m_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_15m
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(events) AS events,
        sum(requests) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(cached_input_tokens) AS cached_input_tokens,
        sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
        sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(audio_input_tokens) AS audio_input_tokens,
        sum(audio_output_tokens) AS audio_output_tokens,
        sum(image_input_tokens) AS image_input_tokens,
        sum(image_output_tokens) AS image_output_tokens,
        sum(total_tokens) AS total_tokens,
        sum(cost_input) AS cost_input,
        sum(cost_cached_input) AS cost_cached_input,
        sum(cost_cache_write_5m) AS cost_cache_write_5m,
        sum(cost_cache_write_1h) AS cost_cache_write_1h,
        sum(cost_output) AS cost_output,
        sum(cost_reasoning) AS cost_reasoning,
        sum(cost_audio_input) AS cost_audio_input,
        sum(cost_audio_output) AS cost_audio_output,
        sum(cost_image_input) AS cost_image_input,
        sum(cost_image_output) AS cost_image_output,
        sum(cost_request) AS cost_request,
        sum(cost_tool_call) AS cost_tool_call,
        sum(cost_web_search) AS cost_web_search,
        sum(cost_audio_second) AS cost_audio_second,
        sum(cost_image) AS cost_image,
        sum(cost_total) AS cost_total,
        sum(price_total) AS price_total,
        sum(cache_savings) AS cache_savings,
        sum(unpriced_events) AS unpriced_events,
        sum(error_events) AS error_events,
        sum(tool_calls) AS tool_calls,
        sum(web_search_requests) AS web_search_requests,
        sum(images) AS images,
        sum(audio_seconds) AS audio_seconds,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(duration_ms_count) AS duration_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_rollup_model_15m
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_hourly_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_hourly
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(events) AS events,
        sum(requests) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(cached_input_tokens) AS cached_input_tokens,
        sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
        sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(audio_input_tokens) AS audio_input_tokens,
        sum(audio_output_tokens) AS audio_output_tokens,
        sum(image_input_tokens) AS image_input_tokens,
        sum(image_output_tokens) AS image_output_tokens,
        sum(total_tokens) AS total_tokens,
        sum(cost_input) AS cost_input,
        sum(cost_cached_input) AS cost_cached_input,
        sum(cost_cache_write_5m) AS cost_cache_write_5m,
        sum(cost_cache_write_1h) AS cost_cache_write_1h,
        sum(cost_output) AS cost_output,
        sum(cost_reasoning) AS cost_reasoning,
        sum(cost_audio_input) AS cost_audio_input,
        sum(cost_audio_output) AS cost_audio_output,
        sum(cost_image_input) AS cost_image_input,
        sum(cost_image_output) AS cost_image_output,
        sum(cost_request) AS cost_request,
        sum(cost_tool_call) AS cost_tool_call,
        sum(cost_web_search) AS cost_web_search,
        sum(cost_audio_second) AS cost_audio_second,
        sum(cost_image) AS cost_image,
        sum(cost_total) AS cost_total,
        sum(price_total) AS price_total,
        sum(cache_savings) AS cache_savings,
        sum(unpriced_events) AS unpriced_events,
        sum(error_events) AS error_events,
        sum(tool_calls) AS tool_calls,
        sum(web_search_requests) AS web_search_requests,
        sum(images) AS images,
        sum(audio_seconds) AS audio_seconds,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(duration_ms_count) AS duration_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_rollup_model_hourly
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_daily
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(events) AS events,
        sum(requests) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(cached_input_tokens) AS cached_input_tokens,
        sum(cache_write_5m_tokens) AS cache_write_5m_tokens,
        sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(audio_input_tokens) AS audio_input_tokens,
        sum(audio_output_tokens) AS audio_output_tokens,
        sum(image_input_tokens) AS image_input_tokens,
        sum(image_output_tokens) AS image_output_tokens,
        sum(total_tokens) AS total_tokens,
        sum(cost_input) AS cost_input,
        sum(cost_cached_input) AS cost_cached_input,
        sum(cost_cache_write_5m) AS cost_cache_write_5m,
        sum(cost_cache_write_1h) AS cost_cache_write_1h,
        sum(cost_output) AS cost_output,
        sum(cost_reasoning) AS cost_reasoning,
        sum(cost_audio_input) AS cost_audio_input,
        sum(cost_audio_output) AS cost_audio_output,
        sum(cost_image_input) AS cost_image_input,
        sum(cost_image_output) AS cost_image_output,
        sum(cost_request) AS cost_request,
        sum(cost_tool_call) AS cost_tool_call,
        sum(cost_web_search) AS cost_web_search,
        sum(cost_audio_second) AS cost_audio_second,
        sum(cost_image) AS cost_image,
        sum(cost_total) AS cost_total,
        sum(price_total) AS price_total,
        sum(cache_savings) AS cache_savings,
        sum(unpriced_events) AS unpriced_events,
        sum(error_events) AS error_events,
        sum(tool_calls) AS tool_calls,
        sum(web_search_requests) AS web_search_requests,
        sum(images) AS images,
        sum(audio_seconds) AS audio_seconds,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(duration_ms_count) AS duration_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_rollup_model_daily
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_15m_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_15m_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_15m
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC')) AS bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(toInt64(sign)) AS events,
        sum(sign * toInt64(requests)) AS requests,
        sum(sign * toInt64(input_tokens)) AS input_tokens,
        sum(sign * toInt64(cached_input_tokens)) AS cached_input_tokens,
        sum(sign * toInt64(cache_write_5m_tokens)) AS cache_write_5m_tokens,
        sum(sign * toInt64(cache_write_1h_tokens)) AS cache_write_1h_tokens,
        sum(sign * toInt64(output_tokens)) AS output_tokens,
        sum(sign * toInt64(reasoning_tokens)) AS reasoning_tokens,
        sum(sign * toInt64(audio_input_tokens)) AS audio_input_tokens,
        sum(sign * toInt64(audio_output_tokens)) AS audio_output_tokens,
        sum(sign * toInt64(image_input_tokens)) AS image_input_tokens,
        sum(sign * toInt64(image_output_tokens)) AS image_output_tokens,
        sum(sign * toInt64(total_tokens)) AS total_tokens,
        sum(sign * cost_input) AS cost_input,
        sum(sign * cost_cached_input) AS cost_cached_input,
        sum(sign * cost_cache_write_5m) AS cost_cache_write_5m,
        sum(sign * cost_cache_write_1h) AS cost_cache_write_1h,
        sum(sign * cost_output) AS cost_output,
        sum(sign * cost_reasoning) AS cost_reasoning,
        sum(sign * cost_audio_input) AS cost_audio_input,
        sum(sign * cost_audio_output) AS cost_audio_output,
        sum(sign * cost_image_input) AS cost_image_input,
        sum(sign * cost_image_output) AS cost_image_output,
        sum(sign * cost_request) AS cost_request,
        sum(sign * cost_tool_call) AS cost_tool_call,
        sum(sign * cost_web_search) AS cost_web_search,
        sum(sign * cost_audio_second) AS cost_audio_second,
        sum(sign * cost_image) AS cost_image,
        sum(sign * cost_total) AS cost_total,
        sum(sign * price_total) AS price_total,
        sum(sign * cache_savings) AS cache_savings,
        sum(sign * toInt64(NOT priced)) AS unpriced_events,
        sum(sign * toInt64(status = 'error')) AS error_events,
        sum(sign * toInt64(tool_calls)) AS tool_calls,
        sum(sign * toInt64(web_search_requests)) AS web_search_requests,
        sum(sign * toInt64(images)) AS images,
        sum(sign * audio_seconds) AS audio_seconds,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_hourly_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_hourly
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        toStartOfHour(toDateTime(occurred_at, 'UTC')) AS bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(toInt64(sign)) AS events,
        sum(sign * toInt64(requests)) AS requests,
        sum(sign * toInt64(input_tokens)) AS input_tokens,
        sum(sign * toInt64(cached_input_tokens)) AS cached_input_tokens,
        sum(sign * toInt64(cache_write_5m_tokens)) AS cache_write_5m_tokens,
        sum(sign * toInt64(cache_write_1h_tokens)) AS cache_write_1h_tokens,
        sum(sign * toInt64(output_tokens)) AS output_tokens,
        sum(sign * toInt64(reasoning_tokens)) AS reasoning_tokens,
        sum(sign * toInt64(audio_input_tokens)) AS audio_input_tokens,
        sum(sign * toInt64(audio_output_tokens)) AS audio_output_tokens,
        sum(sign * toInt64(image_input_tokens)) AS image_input_tokens,
        sum(sign * toInt64(image_output_tokens)) AS image_output_tokens,
        sum(sign * toInt64(total_tokens)) AS total_tokens,
        sum(sign * cost_input) AS cost_input,
        sum(sign * cost_cached_input) AS cost_cached_input,
        sum(sign * cost_cache_write_5m) AS cost_cache_write_5m,
        sum(sign * cost_cache_write_1h) AS cost_cache_write_1h,
        sum(sign * cost_output) AS cost_output,
        sum(sign * cost_reasoning) AS cost_reasoning,
        sum(sign * cost_audio_input) AS cost_audio_input,
        sum(sign * cost_audio_output) AS cost_audio_output,
        sum(sign * cost_image_input) AS cost_image_input,
        sum(sign * cost_image_output) AS cost_image_output,
        sum(sign * cost_request) AS cost_request,
        sum(sign * cost_tool_call) AS cost_tool_call,
        sum(sign * cost_web_search) AS cost_web_search,
        sum(sign * cost_audio_second) AS cost_audio_second,
        sum(sign * cost_image) AS cost_image,
        sum(sign * cost_total) AS cost_total,
        sum(sign * price_total) AS price_total,
        sum(sign * cache_savings) AS cache_savings,
        sum(sign * toInt64(NOT priced)) AS unpriced_events,
        sum(sign * toInt64(status = 'error')) AS error_events,
        sum(sign * toInt64(tool_calls)) AS tool_calls,
        sum(sign * toInt64(web_search_requests)) AS web_search_requests,
        sum(sign * toInt64(images)) AS images,
        sum(sign * audio_seconds) AS audio_seconds,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_daily
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        toDate(occurred_at) AS bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sum(toInt64(sign)) AS events,
        sum(sign * toInt64(requests)) AS requests,
        sum(sign * toInt64(input_tokens)) AS input_tokens,
        sum(sign * toInt64(cached_input_tokens)) AS cached_input_tokens,
        sum(sign * toInt64(cache_write_5m_tokens)) AS cache_write_5m_tokens,
        sum(sign * toInt64(cache_write_1h_tokens)) AS cache_write_1h_tokens,
        sum(sign * toInt64(output_tokens)) AS output_tokens,
        sum(sign * toInt64(reasoning_tokens)) AS reasoning_tokens,
        sum(sign * toInt64(audio_input_tokens)) AS audio_input_tokens,
        sum(sign * toInt64(audio_output_tokens)) AS audio_output_tokens,
        sum(sign * toInt64(image_input_tokens)) AS image_input_tokens,
        sum(sign * toInt64(image_output_tokens)) AS image_output_tokens,
        sum(sign * toInt64(total_tokens)) AS total_tokens,
        sum(sign * cost_input) AS cost_input,
        sum(sign * cost_cached_input) AS cost_cached_input,
        sum(sign * cost_cache_write_5m) AS cost_cache_write_5m,
        sum(sign * cost_cache_write_1h) AS cost_cache_write_1h,
        sum(sign * cost_output) AS cost_output,
        sum(sign * cost_reasoning) AS cost_reasoning,
        sum(sign * cost_audio_input) AS cost_audio_input,
        sum(sign * cost_audio_output) AS cost_audio_output,
        sum(sign * cost_image_input) AS cost_image_input,
        sum(sign * cost_image_output) AS cost_image_output,
        sum(sign * cost_request) AS cost_request,
        sum(sign * cost_tool_call) AS cost_tool_call,
        sum(sign * cost_web_search) AS cost_web_search,
        sum(sign * cost_audio_second) AS cost_audio_second,
        sum(sign * cost_image) AS cost_image,
        sum(sign * cost_total) AS cost_total,
        sum(sign * price_total) AS price_total,
        sum(sign * cache_savings) AS cache_savings,
        sum(sign * toInt64(NOT priced)) AS unpriced_events,
        sum(sign * toInt64(status = 'error')) AS error_events,
        sum(sign * toInt64(tool_calls)) AS tool_calls,
        sum(sign * toInt64(web_search_requests)) AS web_search_requests,
        sum(sign * toInt64(images)) AS images,
        sum(sign * audio_seconds) AS audio_seconds,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_15m {{on_cluster}}
(
    tenant String,
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

INSERT INTO {{database}}.usage_rollup_model_15m (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT
    tenant,
    bucket,
    provider,
    model_key,
    model,
    status,
    priced,
    arrayFilter((b, n) -> n != 0, duration_hist.1, duration_hist.2) AS `durationMap.bin`,
    arrayFilter(n -> n != 0, duration_hist.2) AS `durationMap.events`,
    arrayFilter((b, n) -> n != 0, ttft_hist.1, ttft_hist.2) AS `ttftMap.bin`,
    arrayFilter(n -> n != 0, ttft_hist.2) AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_15m
    WHERE (SELECT count() FROM {{database}}.usage_rollup_model_15m WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_hourly {{on_cluster}}
(
    tenant String,
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

INSERT INTO {{database}}.usage_rollup_model_hourly (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT
    tenant,
    bucket,
    provider,
    model_key,
    model,
    status,
    priced,
    arrayFilter((b, n) -> n != 0, duration_hist.1, duration_hist.2) AS `durationMap.bin`,
    arrayFilter(n -> n != 0, duration_hist.2) AS `durationMap.events`,
    arrayFilter((b, n) -> n != 0, ttft_hist.1, ttft_hist.2) AS `ttftMap.bin`,
    arrayFilter(n -> n != 0, ttft_hist.2) AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_hourly
    WHERE (SELECT count() FROM {{database}}.usage_rollup_model_hourly WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_daily {{on_cluster}}
(
    tenant String,
    bucket Date,
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

INSERT INTO {{database}}.usage_rollup_model_daily (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT
    tenant,
    bucket,
    provider,
    model_key,
    model,
    status,
    priced,
    arrayFilter((b, n) -> n != 0, duration_hist.1, duration_hist.2) AS `durationMap.bin`,
    arrayFilter(n -> n != 0, duration_hist.2) AS `durationMap.events`,
    arrayFilter((b, n) -> n != 0, ttft_hist.1, ttft_hist.2) AS `ttftMap.bin`,
    arrayFilter(n -> n != 0, ttft_hist.2) AS `ttftMap.events`
FROM
(
    SELECT
        tenant,
        bucket,
        provider,
        model_key,
        model,
        status,
        priced,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_daily
    WHERE (SELECT count() FROM {{database}}.usage_rollup_model_daily WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

DROP VIEW IF EXISTS {{database}}.usage_latency_all_15m_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_latency_15m_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_latency_all_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_latency_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_latency_all_daily_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_latency_daily_mv {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_all_15m {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_15m {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_all_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_hourly {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_all_daily {{on_cluster}} SYNC;

DROP TABLE IF EXISTS {{database}}.usage_latency_daily {{on_cluster}} SYNC;
