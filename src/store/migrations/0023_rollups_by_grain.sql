-- 0023 rollups by grain: one table and one view per rollup shape instead of
-- one per shape and grain (issue #12: the embedded insert's fixed cost).
--
-- Every materialized view costs each insert a fixed CPU time in the
-- embedded engine, whatever the insert's size: measured (bench part
-- `anatomy`, docs/storage.md), the twelve rollup views were 92 % of a
-- 1-row insert's 183 ms, 12–23 ms each, and ONE view writing the three
-- overall granularities into one table cost 0.35× what the three views
-- cost. So each shape's grains now live in one table, keyed by a `grain`
-- column after the tenant, and one view fills every grain of it by
-- ARRAY JOIN over the grains (12 views → 5):
--
-- | table | grains | key |
-- |---|---|---|
-- | usage_rollup_full | 15m, hourly, daily | tenant, grain, bucket, every dimension |
-- | usage_rollup_model | 15m, hourly, daily | tenant, grain, bucket, provider, model_key, model, status, priced (+ latency histograms) |
-- | usage_rollup_agent | hourly, daily | tenant, grain, bucket, agent, feature |
-- | usage_rollup_user | daily | tenant, grain, bucket, user_id, group_id, agent, feature, api_key_id |
-- | usage_rollup_model_all | 15m, hourly, daily | grain, bucket, provider, model_key, model, status, priced (summed over tenants, fed by a view on usage_rollup_model) |
--
-- Each grain's rows are exactly what its old table held: the same engine,
-- measures, sign weighting, histograms and deduplication window; a read
-- names its grain (`grain = 'hourly'`), the second key column, so it reads
-- the same granules as before. Every bucket is a DateTime('UTC'); a daily
-- bucket is the UTC midnight (it was a Date). Rows of the 15-minute and
-- hourly grains are dropped by TTL past the retention (`DELETE WHERE grain
-- != 'daily'`); daily rows are kept beyond it, as before. One partition per
-- month for every grain, so an insert still writes one part per table.
--
-- Each table is filled once per grain from the old table of that grain,
-- before its view is created, when it holds no row of that grain; then the
-- old views are dropped (the all-tenant ones first), and 0024 drops the old
-- tables (storage tables 14 → 7). Every statement here can run again after a
-- stop part-way: the old tables are still there to fill from, and a grain
-- already filled is not filled twice. An event inserted meanwhile would miss
-- the rollups: run migrations while nothing writes events (tally migrate, and
-- tally start / replay migrate before they write), as for every migration.

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_full {{on_cluster}}
(
    tenant String,
    grain Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3),
    bucket DateTime('UTC'),
    user_id String,
    group_id String,
    agent LowCardinality(String),
    feature LowCardinality(String),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    api_key_id String,
    status LowCardinality(String),
    priced Bool,
    events Int128,
    requests Int128,
    input_tokens Int128,
    cached_input_tokens Int128,
    cache_write_5m_tokens Int128,
    cache_write_1h_tokens Int128,
    output_tokens Int128,
    reasoning_tokens Int128,
    audio_input_tokens Int128,
    audio_output_tokens Int128,
    image_input_tokens Int128,
    image_output_tokens Int128,
    total_tokens Int128,
    cost_input Decimal(38, 15),
    cost_cached_input Decimal(38, 15),
    cost_cache_write_5m Decimal(38, 15),
    cost_cache_write_1h Decimal(38, 15),
    cost_output Decimal(38, 15),
    cost_reasoning Decimal(38, 15),
    cost_audio_input Decimal(38, 15),
    cost_audio_output Decimal(38, 15),
    cost_image_input Decimal(38, 15),
    cost_image_output Decimal(38, 15),
    cost_request Decimal(38, 15),
    cost_tool_call Decimal(38, 15),
    cost_web_search Decimal(38, 15),
    cost_audio_second Decimal(38, 15),
    cost_image Decimal(38, 15),
    cost_total Decimal(38, 15),
    price_total Decimal(38, 15),
    cache_savings Decimal(38, 15),
    unpriced_events Int128,
    error_events Int128,
    tool_calls Int128,
    web_search_requests Int128,
    images Int128,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int128,
    ttft_ms_sum Float64,
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE WHERE grain != 'daily'
SETTINGS {{deduplication_window}};

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_model {{on_cluster}}
(
    tenant String,
    grain Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3),
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    events Int128,
    requests Int128,
    input_tokens Int128,
    cached_input_tokens Int128,
    cache_write_5m_tokens Int128,
    cache_write_1h_tokens Int128,
    output_tokens Int128,
    reasoning_tokens Int128,
    audio_input_tokens Int128,
    audio_output_tokens Int128,
    image_input_tokens Int128,
    image_output_tokens Int128,
    total_tokens Int128,
    cost_input Decimal(38, 15),
    cost_cached_input Decimal(38, 15),
    cost_cache_write_5m Decimal(38, 15),
    cost_cache_write_1h Decimal(38, 15),
    cost_output Decimal(38, 15),
    cost_reasoning Decimal(38, 15),
    cost_audio_input Decimal(38, 15),
    cost_audio_output Decimal(38, 15),
    cost_image_input Decimal(38, 15),
    cost_image_output Decimal(38, 15),
    cost_request Decimal(38, 15),
    cost_tool_call Decimal(38, 15),
    cost_web_search Decimal(38, 15),
    cost_audio_second Decimal(38, 15),
    cost_image Decimal(38, 15),
    cost_total Decimal(38, 15),
    price_total Decimal(38, 15),
    cache_savings Decimal(38, 15),
    unpriced_events Int128,
    error_events Int128,
    tool_calls Int128,
    web_search_requests Int128,
    images Int128,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int128,
    ttft_ms_sum Float64,
    ttft_ms_count Int128,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE WHERE grain != 'daily'
SETTINGS {{deduplication_window}};

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_agent {{on_cluster}}
(
    tenant String,
    grain Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3),
    bucket DateTime('UTC'),
    agent LowCardinality(String),
    feature LowCardinality(String),
    events Int128,
    requests Int128,
    input_tokens Int128,
    cached_input_tokens Int128,
    cache_write_5m_tokens Int128,
    cache_write_1h_tokens Int128,
    output_tokens Int128,
    reasoning_tokens Int128,
    audio_input_tokens Int128,
    audio_output_tokens Int128,
    image_input_tokens Int128,
    image_output_tokens Int128,
    total_tokens Int128,
    cost_input Decimal(38, 15),
    cost_cached_input Decimal(38, 15),
    cost_cache_write_5m Decimal(38, 15),
    cost_cache_write_1h Decimal(38, 15),
    cost_output Decimal(38, 15),
    cost_reasoning Decimal(38, 15),
    cost_audio_input Decimal(38, 15),
    cost_audio_output Decimal(38, 15),
    cost_image_input Decimal(38, 15),
    cost_image_output Decimal(38, 15),
    cost_request Decimal(38, 15),
    cost_tool_call Decimal(38, 15),
    cost_web_search Decimal(38, 15),
    cost_audio_second Decimal(38, 15),
    cost_image Decimal(38, 15),
    cost_total Decimal(38, 15),
    price_total Decimal(38, 15),
    cache_savings Decimal(38, 15),
    unpriced_events Int128,
    error_events Int128,
    tool_calls Int128,
    web_search_requests Int128,
    images Int128,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int128,
    ttft_ms_sum Float64,
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, agent, feature)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE WHERE grain != 'daily'
SETTINGS {{deduplication_window}};

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_user {{on_cluster}}
(
    tenant String,
    grain Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3),
    bucket DateTime('UTC'),
    user_id String,
    group_id String,
    agent LowCardinality(String),
    feature LowCardinality(String),
    api_key_id String,
    events Int128,
    requests Int128,
    input_tokens Int128,
    cached_input_tokens Int128,
    cache_write_5m_tokens Int128,
    cache_write_1h_tokens Int128,
    output_tokens Int128,
    reasoning_tokens Int128,
    audio_input_tokens Int128,
    audio_output_tokens Int128,
    image_input_tokens Int128,
    image_output_tokens Int128,
    total_tokens Int128,
    cost_input Decimal(38, 15),
    cost_cached_input Decimal(38, 15),
    cost_cache_write_5m Decimal(38, 15),
    cost_cache_write_1h Decimal(38, 15),
    cost_output Decimal(38, 15),
    cost_reasoning Decimal(38, 15),
    cost_audio_input Decimal(38, 15),
    cost_audio_output Decimal(38, 15),
    cost_image_input Decimal(38, 15),
    cost_image_output Decimal(38, 15),
    cost_request Decimal(38, 15),
    cost_tool_call Decimal(38, 15),
    cost_web_search Decimal(38, 15),
    cost_audio_second Decimal(38, 15),
    cost_image Decimal(38, 15),
    cost_total Decimal(38, 15),
    price_total Decimal(38, 15),
    cache_savings Decimal(38, 15),
    unpriced_events Int128,
    error_events Int128,
    tool_calls Int128,
    web_search_requests Int128,
    images Int128,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int128,
    ttft_ms_sum Float64,
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, user_id, group_id, agent, feature, api_key_id)
SETTINGS {{deduplication_window}};

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_model_all {{on_cluster}}
(
    grain Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3),
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    events Int128,
    requests Int128,
    input_tokens Int128,
    cached_input_tokens Int128,
    cache_write_5m_tokens Int128,
    cache_write_1h_tokens Int128,
    output_tokens Int128,
    reasoning_tokens Int128,
    audio_input_tokens Int128,
    audio_output_tokens Int128,
    image_input_tokens Int128,
    image_output_tokens Int128,
    total_tokens Int128,
    cost_input Decimal(38, 15),
    cost_cached_input Decimal(38, 15),
    cost_cache_write_5m Decimal(38, 15),
    cost_cache_write_1h Decimal(38, 15),
    cost_output Decimal(38, 15),
    cost_reasoning Decimal(38, 15),
    cost_audio_input Decimal(38, 15),
    cost_audio_output Decimal(38, 15),
    cost_image_input Decimal(38, 15),
    cost_image_output Decimal(38, 15),
    cost_request Decimal(38, 15),
    cost_tool_call Decimal(38, 15),
    cost_web_search Decimal(38, 15),
    cost_audio_second Decimal(38, 15),
    cost_image Decimal(38, 15),
    cost_total Decimal(38, 15),
    price_total Decimal(38, 15),
    cache_savings Decimal(38, 15),
    unpriced_events Int128,
    error_events Int128,
    tool_calls Int128,
    web_search_requests Int128,
    images Int128,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int128,
    ttft_ms_sum Float64,
    ttft_ms_count Int128,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (grain, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE WHERE grain != 'daily'
SETTINGS {{deduplication_window}};

INSERT INTO {{database}}.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT '15m', tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_15m
WHERE (SELECT count() FROM {{database}}.usage_rollup_full WHERE grain = '15m') = 0;

INSERT INTO {{database}}.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'hourly', tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_hourly
WHERE (SELECT count() FROM {{database}}.usage_rollup_full WHERE grain = 'hourly') = 0;

INSERT INTO {{database}}.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_full WHERE grain = 'daily') = 0;

INSERT INTO {{database}}.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT '15m', tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_15m
WHERE (SELECT count() FROM {{database}}.usage_rollup_model WHERE grain = '15m') = 0;

INSERT INTO {{database}}.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'hourly', tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_hourly
WHERE (SELECT count() FROM {{database}}.usage_rollup_model WHERE grain = 'hourly') = 0;

INSERT INTO {{database}}.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_model WHERE grain = 'daily') = 0;

INSERT INTO {{database}}.usage_rollup_agent (grain, tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'hourly', tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_agent_hourly
WHERE (SELECT count() FROM {{database}}.usage_rollup_agent WHERE grain = 'hourly') = 0;

INSERT INTO {{database}}.usage_rollup_agent (grain, tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_agent_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_agent WHERE grain = 'daily') = 0;

INSERT INTO {{database}}.usage_rollup_user (grain, tenant, bucket, user_id, group_id, agent, feature, api_key_id, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, user_id, group_id, agent, feature, api_key_id, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM {{database}}.usage_rollup_user_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_user WHERE grain = 'daily') = 0;

INSERT INTO {{database}}.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT '15m', bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_all_15m
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all WHERE grain = '15m') = 0;

INSERT INTO {{database}}.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'hourly', bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_all_hourly
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all WHERE grain = 'hourly') = 0;

INSERT INTO {{database}}.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'daily', toDateTime(bucket, 'UTC') AS bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM {{database}}.usage_rollup_model_all_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all WHERE grain = 'daily') = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_full_mv {{on_cluster}}
TO {{database}}.usage_rollup_full
AS SELECT tenant, grain, multiIf(grain = '15m', toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC')), grain = 'hourly', toStartOfHour(toDateTime(occurred_at, 'UTC')), toStartOfDay(toDateTime(occurred_at, 'UTC'))) AS bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced,
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
    sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
FROM {{database}}.usage_events ARRAY JOIN CAST(['15m', 'hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_mv {{on_cluster}}
TO {{database}}.usage_rollup_model
AS SELECT tenant, grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM (SELECT tenant, grain, multiIf(grain = '15m', toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC')), grain = 'hourly', toStartOfHour(toDateTime(occurred_at, 'UTC')), toStartOfDay(toDateTime(occurred_at, 'UTC'))) AS bucket, provider, model_key, model, status, priced,
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
FROM {{database}}.usage_events ARRAY JOIN CAST(['15m', 'hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, provider, model_key, model, status, priced);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_agent_mv {{on_cluster}}
TO {{database}}.usage_rollup_agent
AS SELECT tenant, grain, multiIf(grain = 'hourly', toStartOfHour(toDateTime(occurred_at, 'UTC')), toStartOfDay(toDateTime(occurred_at, 'UTC'))) AS bucket, agent, feature,
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
    sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
FROM {{database}}.usage_events ARRAY JOIN CAST(['hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, agent, feature;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_user_mv {{on_cluster}}
TO {{database}}.usage_rollup_user
AS SELECT tenant, CAST('daily' AS Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3)) AS grain, toStartOfDay(toDateTime(occurred_at, 'UTC')) AS bucket, user_id, group_id, agent, feature, api_key_id,
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
    sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
FROM {{database}}.usage_events
GROUP BY tenant, grain, bucket, user_id, group_id, agent, feature, api_key_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all
AS SELECT grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
FROM (SELECT grain, bucket, provider, model_key, model, status, priced,
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
FROM {{database}}.usage_rollup_model
GROUP BY grain, bucket, provider, model_key, model, status, priced);

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_15m_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_all_daily_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_15m_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_daily_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_15m_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_daily_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_agent_hourly_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_agent_daily_mv {{on_cluster}} SYNC;

DROP VIEW IF EXISTS {{database}}.usage_rollup_user_daily_mv {{on_cluster}} SYNC;
