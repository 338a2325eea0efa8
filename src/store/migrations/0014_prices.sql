-- 0014 prices (issue 16): what each event is billed at, next to what it cost.
--
-- `cost_<class>` / `cost_total` stay what the provider charges; the new
-- `price_<class>` / `price_total` are what the customer is billed, from the
-- customer's price book in force at the event's occurred_at, and
-- `price_book_version` names that book's version ('' = no price book
-- applied, price 0). Same classes and order as the cost columns
-- (COST_CLASSES in src/core/classes.ts), same Decimal(38, 15) femto-dollar
-- exactness. Rows written before this migration read price 0 and version ''
-- (the column defaults), which is what they were billed: nothing.
--
-- Every rollup the planner reads (the full ones of 0002, the narrow ones of
-- 0011) gains `price_total`, summed as sign * price_total exactly like
-- cost_total, so duplicates, cancel rows and new versions (reprices) reach
-- it exactly as they reach the cost; existing rollup rows read 0, which
-- equals the raw sum of the existing events. The latency rollups (0012)
-- carry no money and are unchanged.
--
-- A materialized view's query cannot gain a column in place, so each view
-- is dropped and created again with price_total (same name, same target
-- table). An event inserted between the two statements would miss that
-- rollup: run migrations while nothing writes events (tally migrate, and
-- tally start / replay migrate before they write), as for every migration;
-- the rollup compare / repair covers price_total. Re-running the file
-- is a no-op: ADD COLUMN IF NOT EXISTS, DROP VIEW IF EXISTS, CREATE … IF
-- NOT EXISTS.

ALTER TABLE {{database}}.usage_events {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_input Decimal(38, 15) DEFAULT 0 AFTER cache_savings,
    ADD COLUMN IF NOT EXISTS price_cached_input Decimal(38, 15) DEFAULT 0 AFTER price_input,
    ADD COLUMN IF NOT EXISTS price_cache_write_5m Decimal(38, 15) DEFAULT 0 AFTER price_cached_input,
    ADD COLUMN IF NOT EXISTS price_cache_write_1h Decimal(38, 15) DEFAULT 0 AFTER price_cache_write_5m,
    ADD COLUMN IF NOT EXISTS price_output Decimal(38, 15) DEFAULT 0 AFTER price_cache_write_1h,
    ADD COLUMN IF NOT EXISTS price_reasoning Decimal(38, 15) DEFAULT 0 AFTER price_output,
    ADD COLUMN IF NOT EXISTS price_audio_input Decimal(38, 15) DEFAULT 0 AFTER price_reasoning,
    ADD COLUMN IF NOT EXISTS price_audio_output Decimal(38, 15) DEFAULT 0 AFTER price_audio_input,
    ADD COLUMN IF NOT EXISTS price_image_input Decimal(38, 15) DEFAULT 0 AFTER price_audio_output,
    ADD COLUMN IF NOT EXISTS price_image_output Decimal(38, 15) DEFAULT 0 AFTER price_image_input,
    ADD COLUMN IF NOT EXISTS price_request Decimal(38, 15) DEFAULT 0 AFTER price_image_output,
    ADD COLUMN IF NOT EXISTS price_tool_call Decimal(38, 15) DEFAULT 0 AFTER price_request,
    ADD COLUMN IF NOT EXISTS price_web_search Decimal(38, 15) DEFAULT 0 AFTER price_tool_call,
    ADD COLUMN IF NOT EXISTS price_audio_second Decimal(38, 15) DEFAULT 0 AFTER price_web_search,
    ADD COLUMN IF NOT EXISTS price_image Decimal(38, 15) DEFAULT 0 AFTER price_audio_second,
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER price_image,
    ADD COLUMN IF NOT EXISTS price_book_version LowCardinality(String) DEFAULT '' AFTER price_total;

ALTER TABLE {{database}}.usage_rollup_15m {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_15m_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_15m_mv {{on_cluster}}
TO {{database}}.usage_rollup_15m
AS
    SELECT
        tenant,
        toStartOfFifteenMinutes(toDateTime(occurred_at, 'UTC')) AS bucket,
        user_id,
        group_id,
        agent,
        feature,
        provider,
        model_key,
        model,
        api_key_id,
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE {{database}}.usage_rollup_hourly {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_hourly_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_hourly
AS
    SELECT
        tenant,
        toStartOfHour(toDateTime(occurred_at, 'UTC')) AS bucket,
        user_id,
        group_id,
        agent,
        feature,
        provider,
        model_key,
        model,
        api_key_id,
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE {{database}}.usage_rollup_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_daily
AS
    SELECT
        tenant,
        toDate(occurred_at) AS bucket,
        user_id,
        group_id,
        agent,
        feature,
        provider,
        model_key,
        model,
        api_key_id,
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE {{database}}.usage_rollup_model_15m {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_15m_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_15m_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_15m
AS
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE {{database}}.usage_rollup_model_hourly {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_hourly_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_hourly
AS
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE {{database}}.usage_rollup_model_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_model_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_model_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_model_daily
AS
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
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE {{database}}.usage_rollup_agent_hourly {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_agent_hourly_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_agent_hourly_mv {{on_cluster}}
TO {{database}}.usage_rollup_agent_hourly
AS
    SELECT
        tenant,
        toStartOfHour(toDateTime(occurred_at, 'UTC')) AS bucket,
        agent,
        feature,
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
    GROUP BY tenant, bucket, agent, feature;

ALTER TABLE {{database}}.usage_rollup_agent_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_agent_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_agent_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_agent_daily
AS
    SELECT
        tenant,
        toDate(occurred_at) AS bucket,
        agent,
        feature,
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
    GROUP BY tenant, bucket, agent, feature;

ALTER TABLE {{database}}.usage_rollup_user_daily {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS {{database}}.usage_rollup_user_daily_mv {{on_cluster}} SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_rollup_user_daily_mv {{on_cluster}}
TO {{database}}.usage_rollup_user_daily
AS
    SELECT
        tenant,
        toDate(occurred_at) AS bucket,
        user_id,
        group_id,
        agent,
        feature,
        api_key_id,
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
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, api_key_id;
