-- 0018 all-tenant rollups, time first: the admin ("all tenants") view at
-- interactive speed (issue #13).
--
-- Every rollup's key leads with the tenant, so a read across every tenant
-- merges each tenant's rows: the latency panel added up ~30,000 rows of
-- histograms (one per tenant, model and bucket) and a Kolkata day-by-model
-- breakdown read 1.8 M rows of usage_rollup_model_15m at 10 M events. These
-- tables hold the by-model rollups (0011, 0014) and the latency rollups
-- (0012) already summed over tenants, keyed by bucket first:
--
-- | table | key | sums of |
-- |---|---|---|
-- | usage_rollup_model_all_15m / _hourly / _daily | bucket, provider, model_key, model, status, priced | usage_rollup_model_<grain> |
-- | usage_latency_all_15m / _hourly / _daily | bucket, provider, model_key, model, status, priced | usage_latency_<grain> (histograms bin by bin) |
--
-- Each is fed by a materialized view on its tenant table, not on raw
-- events: every row that reaches the tenant table — a live insert through
-- that table's view, a cancel row or new version of a re-pricing, a
-- repair's correction (store.rollups) — reaches this table too, summed
-- over tenants. So it always equals the tenant table summed over tenants,
-- and is as exact as that table (merges change neither). The planner
-- (src/store/queries/rollup-tables.ts) reads them only when a query names
-- no tenant and neither filters nor groups by one.
--
-- Same engine, partitioning, retention and deduplication window as the
-- tenant tables. Each table is filled once from its tenant table before its
-- view is created, when it is still empty: run migrations while nothing
-- writes events (tally migrate, and tally start / replay migrate before
-- they write), as for every migration. Re-running a statement is a no-op.

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_model_all_15m {{on_cluster}}
(
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
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_rollup_model_all_15m (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_15m
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all_15m) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_15m_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_15m
AS
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_15m
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_model_all_hourly {{on_cluster}}
(
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
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_rollup_model_all_hourly (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_hourly
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all_hourly) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_hourly
AS
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_hourly
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS {{database}}.usage_rollup_model_all_daily {{on_cluster}}
(
    bucket Date,
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
    ttft_ms_count Int128
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYear(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
SETTINGS {{deduplication_window}};

INSERT INTO {{database}}.usage_rollup_model_all_daily (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_daily
WHERE (SELECT count() FROM {{database}}.usage_rollup_model_all_daily) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_all_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_all_daily
AS
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
    sum(ttft_ms_count) AS ttft_ms_count
FROM {{database}}.usage_rollup_model_daily
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_all_15m {{on_cluster}}
(
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    events Int64,
    requests Int64,
    duration_ms_count Int64,
    duration_ms_sum Float64,
    ttft_ms_count Int64,
    ttft_ms_sum Float64,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_latency_all_15m (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_15m
    WHERE (SELECT count() FROM {{database}}.usage_latency_all_15m) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_all_15m_mv {{on_cluster}}
TO {{database}}.usage_latency_all_15m
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_15m
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_all_hourly {{on_cluster}}
(
    bucket DateTime('UTC'),
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    events Int64,
    requests Int64,
    duration_ms_count Int64,
    duration_ms_sum Float64,
    ttft_ms_count Int64,
    ttft_ms_sum Float64,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_latency_all_hourly (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_hourly
    WHERE (SELECT count() FROM {{database}}.usage_latency_all_hourly) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_all_hourly_mv {{on_cluster}}
TO {{database}}.usage_latency_all_hourly
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_hourly
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_all_daily {{on_cluster}}
(
    bucket Date,
    provider LowCardinality(String),
    model_key LowCardinality(String),
    model LowCardinality(String),
    status LowCardinality(String),
    priced Bool,
    events Int64,
    requests Int64,
    duration_ms_count Int64,
    duration_ms_sum Float64,
    ttft_ms_count Int64,
    ttft_ms_sum Float64,
    durationMap Nested(bin Int16, events Int64),
    ttftMap Nested(bin Int16, events Int64)
)
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYear(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
SETTINGS {{deduplication_window}};

INSERT INTO {{database}}.usage_latency_all_daily (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_daily
    WHERE (SELECT count() FROM {{database}}.usage_latency_all_daily) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_all_daily_mv {{on_cluster}}
TO {{database}}.usage_latency_all_daily
AS
SELECT bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, duration_hist.1 AS `durationMap.bin`, duration_hist.2 AS `durationMap.events`, ttft_hist.1 AS `ttftMap.bin`, ttft_hist.2 AS `ttftMap.events`
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
        sum(duration_ms_count) AS duration_ms_count,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(ttft_ms_count) AS ttft_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sumMap(`durationMap.bin`, `durationMap.events`) AS duration_hist,
        sumMap(`ttftMap.bin`, `ttftMap.events`) AS ttft_hist
    FROM {{database}}.usage_latency_daily
    GROUP BY bucket, provider, model_key, model, status, priced
);
