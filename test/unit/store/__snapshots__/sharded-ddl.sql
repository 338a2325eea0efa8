CREATE DATABASE IF NOT EXISTS tally ON CLUSTER tally_cluster;

CREATE TABLE IF NOT EXISTS tally.tally_migrations_local ON CLUSTER tally_cluster
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', applied_at)
ORDER BY version;

CREATE TABLE IF NOT EXISTS tally.tally_migrations ON CLUSTER tally_cluster AS tally.tally_migrations_local
ENGINE = Distributed('tally_cluster', 'tally', 'tally_migrations_local', 0);

CREATE TABLE IF NOT EXISTS tally.usage_events_local ON CLUSTER tally_cluster
(
    tenant String,
    event_id String,
    occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    received_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    processed_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
    user_id String,
    group_id String,
    session_id String,
    agent LowCardinality(String),
    feature LowCardinality(String),
    request_id String,
    api_key_id String,
    provider LowCardinality(String),
    model LowCardinality(String),
    model_key LowCardinality(String),
    usage_shape LowCardinality(String),
    input_tokens UInt64,
    cached_input_tokens UInt64,
    cache_write_5m_tokens UInt64,
    cache_write_1h_tokens UInt64,
    output_tokens UInt64,
    reasoning_tokens UInt64,
    audio_input_tokens UInt64,
    audio_output_tokens UInt64,
    image_input_tokens UInt64,
    image_output_tokens UInt64,
    total_tokens UInt64,
    prompt_tokens UInt64,
    requests UInt32,
    tool_calls UInt32,
    web_search_requests UInt32,
    images UInt32,
    audio_seconds Decimal(18, 3),
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
    cache_savings Decimal(38, 15),
    reported_cost Nullable(Decimal(38, 15)),
    cost_source LowCardinality(String),
    priced Bool,
    pricing_error String,
    pricing_error_message String,
    price_version LowCardinality(String),
    price_tier LowCardinality(String),
    batch Bool,
    service_tier LowCardinality(String),
    status LowCardinality(String),
    error_type LowCardinality(String),
    duration_ms Nullable(Float64),
    ttft_ms Nullable(Float64),
    metadata Map(String, String),
    extra String CODEC(ZSTD(3)),
    usage_json String CODEC(ZSTD(3)),
    unknown_usage_fields Array(String),
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    row_version UInt64,
    sign Int8,
    INDEX idx_event_id event_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_session_id session_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_user_id user_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_source_offset source_offset TYPE minmax GRANULARITY 4
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', row_version)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant, toDate(occurred_at), event_id)
TTL toDateTime(occurred_at) + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_events ON CLUSTER tally_cluster AS tally.usage_events_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_events_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_15m_local ON CLUSTER tally_cluster
(
    tenant String,
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
    events Int64,
    requests Int64,
    input_tokens Int64,
    cached_input_tokens Int64,
    cache_write_5m_tokens Int64,
    cache_write_1h_tokens Int64,
    output_tokens Int64,
    reasoning_tokens Int64,
    audio_input_tokens Int64,
    audio_output_tokens Int64,
    image_input_tokens Int64,
    image_output_tokens Int64,
    total_tokens Int64,
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
    cache_savings Decimal(38, 15),
    unpriced_events Int64,
    error_events Int64,
    tool_calls Int64,
    web_search_requests Int64,
    images Int64,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int64,
    ttft_ms_sum Float64,
    ttft_ms_count Int64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_15m ON CLUSTER tally_cluster AS tally.usage_rollup_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_15m_local', sipHash64(tenant));

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_15m_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_hourly_local ON CLUSTER tally_cluster
(
    tenant String,
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
    events Int64,
    requests Int64,
    input_tokens Int64,
    cached_input_tokens Int64,
    cache_write_5m_tokens Int64,
    cache_write_1h_tokens Int64,
    output_tokens Int64,
    reasoning_tokens Int64,
    audio_input_tokens Int64,
    audio_output_tokens Int64,
    image_input_tokens Int64,
    image_output_tokens Int64,
    total_tokens Int64,
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
    cache_savings Decimal(38, 15),
    unpriced_events Int64,
    error_events Int64,
    tool_calls Int64,
    web_search_requests Int64,
    images Int64,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int64,
    ttft_ms_sum Float64,
    ttft_ms_count Int64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_hourly ON CLUSTER tally_cluster AS tally.usage_rollup_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_hourly_local', sipHash64(tenant));

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_daily_local ON CLUSTER tally_cluster
(
    tenant String,
    bucket Date,
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
    events Int64,
    requests Int64,
    input_tokens Int64,
    cached_input_tokens Int64,
    cache_write_5m_tokens Int64,
    cache_write_1h_tokens Int64,
    output_tokens Int64,
    reasoning_tokens Int64,
    audio_input_tokens Int64,
    audio_output_tokens Int64,
    image_input_tokens Int64,
    image_output_tokens Int64,
    total_tokens Int64,
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
    cache_savings Decimal(38, 15),
    unpriced_events Int64,
    error_events Int64,
    tool_calls Int64,
    web_search_requests Int64,
    images Int64,
    audio_seconds Decimal(38, 3),
    duration_ms_sum Float64,
    duration_ms_count Int64,
    ttft_ms_sum Float64,
    ttft_ms_count Int64
)
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_daily ON CLUSTER tally_cluster AS tally.usage_rollup_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_daily_local', sipHash64(tenant));

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_reprices_local ON CLUSTER tally_cluster
(
    reprice_id String,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    range_from DateTime64(3, 'UTC'),
    range_to DateTime64(3, 'UTC'),
    tenant String,
    model String,
    examined UInt64,
    changed UInt64,
    cost_before Decimal(38, 15),
    cost_after Decimal(38, 15),
    price_files Array(String)
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY started_at;

CREATE TABLE IF NOT EXISTS tally.usage_reprices ON CLUSTER tally_cluster AS tally.usage_reprices_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_reprices_local', 0);

ALTER TABLE tally.usage_rollup_15m_local ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE tally.usage_rollup_15m ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE tally.usage_rollup_hourly_local ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE tally.usage_rollup_hourly ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE tally.usage_rollup_daily_local ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE tally.usage_rollup_daily ON CLUSTER tally_cluster
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

CREATE TABLE IF NOT EXISTS tally.rollup_checkpoints_local ON CLUSTER tally_cluster
(
    writer String,
    safe_before DateTime64(3, 'UTC'),
    clean Bool,
    written_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', written_at)
ORDER BY writer;

CREATE TABLE IF NOT EXISTS tally.rollup_checkpoints ON CLUSTER tally_cluster AS tally.rollup_checkpoints_local
ENGINE = Distributed('tally_cluster', 'tally', 'rollup_checkpoints_local', 0);

CREATE TABLE IF NOT EXISTS tally.dead_letters_local ON CLUSTER tally_cluster
(
    source_topic LowCardinality(String),
    source_partition Int32,
    source_offset Int64,
    failed_at DateTime64(3, 'UTC'),
    code LowCardinality(String),
    message String,
    errors String CODEC(ZSTD(1)),
    key String,
    value String CODEC(ZSTD(3)),
    headers String CODEC(ZSTD(1)),
    state LowCardinality(String),
    version UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (source_topic, source_partition, source_offset);

CREATE TABLE IF NOT EXISTS tally.dead_letters ON CLUSTER tally_cluster AS tally.dead_letters_local
ENGINE = Distributed('tally_cluster', 'tally', 'dead_letters_local', 0);

CREATE TABLE IF NOT EXISTS tally.stream_positions_local ON CLUSTER tally_cluster
(
    source_topic String,
    source_partition Int32,
    high_offset Int64,
    written_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', high_offset)
ORDER BY (source_topic, source_partition);

CREATE TABLE IF NOT EXISTS tally.stream_positions ON CLUSTER tally_cluster AS tally.stream_positions_local
ENGINE = Distributed('tally_cluster', 'tally', 'stream_positions_local', 0);

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    ADD INDEX IF NOT EXISTS idx_processed_at processed_at TYPE minmax GRANULARITY 1;

CREATE TABLE IF NOT EXISTS tally.budgets_local ON CLUSTER tally_cluster
(
    id String,
    body String CODEC(ZSTD(1)),
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY id;

CREATE TABLE IF NOT EXISTS tally.budgets ON CLUSTER tally_cluster AS tally.budgets_local
ENGINE = Distributed('tally_cluster', 'tally', 'budgets_local', 0);

CREATE TABLE IF NOT EXISTS tally.budget_tiers_local ON CLUSTER tally_cluster
(
    name String,
    body String CODEC(ZSTD(1)),
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY name;

CREATE TABLE IF NOT EXISTS tally.budget_tiers ON CLUSTER tally_cluster AS tally.budget_tiers_local
ENGINE = Distributed('tally_cluster', 'tally', 'budget_tiers_local', 0);

CREATE TABLE IF NOT EXISTS tally.budget_tier_assignments_local ON CLUSTER tally_cluster
(
    tenant String,
    user_id String,
    tier String,
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (tenant, user_id);

CREATE TABLE IF NOT EXISTS tally.budget_tier_assignments ON CLUSTER tally_cluster AS tally.budget_tier_assignments_local
ENGINE = Distributed('tally_cluster', 'tally', 'budget_tier_assignments_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_15m_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_15m ON CLUSTER tally_cluster AS tally.usage_rollup_model_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_15m_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_15m (tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
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
FROM tally.usage_rollup_15m
WHERE (SELECT count() FROM tally.usage_rollup_model_15m) = 0
GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_15m_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_hourly_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_hourly ON CLUSTER tally_cluster AS tally.usage_rollup_model_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_hourly_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_hourly (tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
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
FROM tally.usage_rollup_hourly
WHERE (SELECT count() FROM tally.usage_rollup_model_hourly) = 0
GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_daily_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_daily ON CLUSTER tally_cluster AS tally.usage_rollup_model_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_daily_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_daily (tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
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
FROM tally.usage_rollup_daily
WHERE (SELECT count() FROM tally.usage_rollup_model_daily) = 0
GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent_hourly_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, agent, feature)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent_hourly ON CLUSTER tally_cluster AS tally.usage_rollup_agent_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_agent_hourly_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_agent_hourly (tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
    bucket,
    agent,
    feature,
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
FROM tally.usage_rollup_hourly
WHERE (SELECT count() FROM tally.usage_rollup_agent_hourly) = 0
GROUP BY tenant, bucket, agent, feature;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_agent_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_agent_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, agent, feature;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent_daily_local ON CLUSTER tally_cluster
(
    tenant String,
    bucket Date,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, agent, feature)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent_daily ON CLUSTER tally_cluster AS tally.usage_rollup_agent_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_agent_daily_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_agent_daily (tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
    bucket,
    agent,
    feature,
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
FROM tally.usage_rollup_daily
WHERE (SELECT count() FROM tally.usage_rollup_agent_daily) = 0
GROUP BY tenant, bucket, agent, feature;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_agent_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_agent_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, agent, feature;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_user_daily_local ON CLUSTER tally_cluster
(
    tenant String,
    bucket Date,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, user_id, group_id, agent, feature, api_key_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_user_daily ON CLUSTER tally_cluster AS tally.usage_rollup_user_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_user_daily_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_user_daily (tenant, bucket, user_id, group_id, agent, feature, api_key_id, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT
    tenant,
    bucket,
    user_id,
    group_id,
    agent,
    feature,
    api_key_id,
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
FROM tally.usage_rollup_daily
WHERE (SELECT count() FROM tally.usage_rollup_user_daily) = 0
GROUP BY tenant, bucket, user_id, group_id, agent, feature, api_key_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_user_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_user_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, api_key_id;

CREATE TABLE IF NOT EXISTS tally.usage_latency_15m_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_latency_15m ON CLUSTER tally_cluster AS tally.usage_latency_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_15m_local', sipHash64(tenant));

INSERT INTO tally.usage_latency_15m (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(toInt64(1)) AS events,
        sum(toInt64(requests)) AS requests,
        sum(toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM tally.usage_latency_15m) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_15m_mv ON CLUSTER tally_cluster
TO tally.usage_latency_15m_local
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.usage_latency_hourly_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_latency_hourly ON CLUSTER tally_cluster AS tally.usage_latency_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_hourly_local', sipHash64(tenant));

INSERT INTO tally.usage_latency_hourly (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(toInt64(1)) AS events,
        sum(toInt64(requests)) AS requests,
        sum(toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM tally.usage_latency_hourly) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_latency_hourly_local
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.usage_latency_daily_local ON CLUSTER tally_cluster
(
    tenant String,
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_latency_daily ON CLUSTER tally_cluster AS tally.usage_latency_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_daily_local', sipHash64(tenant));

INSERT INTO tally.usage_latency_daily (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(toInt64(1)) AS events,
        sum(toInt64(requests)) AS requests,
        sum(toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(1)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM tally.usage_latency_daily) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_daily_mv ON CLUSTER tally_cluster
TO tally.usage_latency_daily_local
AS
SELECT tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
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
        sum(sign * toInt64(isNotNull(duration_ms))) AS duration_ms_count,
        sum(sign * ifNull(duration_ms, 0)) AS duration_ms_sum,
        sum(sign * toInt64(isNotNull(ttft_ms))) AS ttft_ms_count,
        sum(sign * ifNull(ttft_ms, 0)) AS ttft_ms_sum,
        sumMap(if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS duration_hist,
        sumMap(if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]), if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(sign)])) AS ttft_hist,
        duration_hist.1 AS `durationMap.bin`,
        duration_hist.2 AS `durationMap.events`,
        ttft_hist.1 AS `ttftMap.bin`,
        ttft_hist.2 AS `ttftMap.events`
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.budget_alerts_local ON CLUSTER tally_cluster
(
    budget_id String,
    alert_id String,
    tenant String,
    crossed_at DateTime64(3, 'UTC'),
    body String CODEC(ZSTD(1)),
    recorded_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', recorded_at)
ORDER BY (budget_id, alert_id);

CREATE TABLE IF NOT EXISTS tally.budget_alerts ON CLUSTER tally_cluster AS tally.budget_alerts_local
ENGINE = Distributed('tally_cluster', 'tally', 'budget_alerts_local', 0);

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
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

ALTER TABLE tally.usage_events ON CLUSTER tally_cluster
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

ALTER TABLE tally.usage_rollup_15m_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_15m ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_15m_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_15m_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE tally.usage_rollup_hourly_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_hourly ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_hourly_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE tally.usage_rollup_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

ALTER TABLE tally.usage_rollup_model_15m_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_model_15m ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_15m_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE tally.usage_rollup_model_hourly_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_model_hourly ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE tally.usage_rollup_model_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_model_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced;

ALTER TABLE tally.usage_rollup_agent_hourly_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_agent_hourly ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_agent_hourly_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_agent_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_agent_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, agent, feature;

ALTER TABLE tally.usage_rollup_agent_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_agent_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_agent_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_agent_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_agent_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, agent, feature;

ALTER TABLE tally.usage_rollup_user_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

ALTER TABLE tally.usage_rollup_user_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_total Decimal(38, 15) DEFAULT 0 AFTER cost_total;

DROP VIEW IF EXISTS tally.usage_rollup_user_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_user_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_user_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, user_id, group_id, agent, feature, api_key_id;

CREATE TABLE IF NOT EXISTS tally.price_books_local ON CLUSTER tally_cluster
(
    tenant String,
    user_id String,
    version UInt64,
    body String CODEC(ZSTD(1)),
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (tenant, user_id, version);

CREATE TABLE IF NOT EXISTS tally.price_books ON CLUSTER tally_cluster AS tally.price_books_local
ENGINE = Distributed('tally_cluster', 'tally', 'price_books_local', sipHash64(tenant));

ALTER TABLE tally.usage_reprices_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_books UInt8 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_before Decimal(38, 15) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_after Decimal(38, 15) DEFAULT 0;

ALTER TABLE tally.usage_reprices ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS price_books UInt8 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_before Decimal(38, 15) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_after Decimal(38, 15) DEFAULT 0;

CREATE TABLE IF NOT EXISTS tally.wallet_grants_local ON CLUSTER tally_cluster
(
    tenant String,
    user_id String,
    seq UInt64,
    grant_id String,
    kind LowCardinality(String),
    amount Decimal(38, 15),
    priority Int32,
    effective_from DateTime64(3, 'UTC'),
    expires_at Nullable(DateTime64(3, 'UTC')),
    source LowCardinality(String),
    note String CODEC(ZSTD(1)),
    created_at DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', seq)
ORDER BY (tenant, user_id, seq);

CREATE TABLE IF NOT EXISTS tally.wallet_grants ON CLUSTER tally_cluster AS tally.wallet_grants_local
ENGINE = Distributed('tally_cluster', 'tally', 'wallet_grants_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.statements_local ON CLUSTER tally_cluster
(
    tenant String,
    user_id String,
    period String,
    version UInt64,
    closed_at DateTime64(3, 'UTC'),
    usage Decimal(38, 15),
    due Decimal(38, 15),
    content_hash String,
    document String CODEC(ZSTD(1))
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', version)
ORDER BY (tenant, user_id, period, version);

CREATE TABLE IF NOT EXISTS tally.statements ON CLUSTER tally_cluster AS tally.statements_local
ENGINE = Distributed('tally_cluster', 'tally', 'statements_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_15m_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_15m ON CLUSTER tally_cluster AS tally.usage_rollup_model_all_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_all_15m_local', 0);

INSERT INTO tally.usage_rollup_model_all_15m (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
FROM tally.usage_rollup_model_15m
WHERE (SELECT count() FROM tally.usage_rollup_model_all_15m) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_15m_local
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
FROM tally.usage_rollup_model_15m_local
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_hourly_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_hourly ON CLUSTER tally_cluster AS tally.usage_rollup_model_all_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_all_hourly_local', 0);

INSERT INTO tally.usage_rollup_model_all_hourly (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
FROM tally.usage_rollup_model_hourly
WHERE (SELECT count() FROM tally.usage_rollup_model_all_hourly) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_hourly_local
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
FROM tally.usage_rollup_model_hourly_local
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_daily_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_daily ON CLUSTER tally_cluster AS tally.usage_rollup_model_all_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_all_daily_local', 0);

INSERT INTO tally.usage_rollup_model_all_daily (bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
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
FROM tally.usage_rollup_model_daily
WHERE (SELECT count() FROM tally.usage_rollup_model_all_daily) = 0
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_daily_local
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
FROM tally.usage_rollup_model_daily_local
GROUP BY bucket, provider, model_key, model, status, priced;

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_15m_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_15m ON CLUSTER tally_cluster AS tally.usage_latency_all_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_all_15m_local', 0);

INSERT INTO tally.usage_latency_all_15m (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_15m
    WHERE (SELECT count() FROM tally.usage_latency_all_15m) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_all_15m_mv ON CLUSTER tally_cluster
TO tally.usage_latency_all_15m_local
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
    FROM tally.usage_latency_15m_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_hourly_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE
SETTINGS replicated_deduplication_window = 10000, ttl_only_drop_parts = 1;

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_hourly ON CLUSTER tally_cluster AS tally.usage_latency_all_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_all_hourly_local', 0);

INSERT INTO tally.usage_latency_all_hourly (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_hourly
    WHERE (SELECT count() FROM tally.usage_latency_all_hourly) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_all_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_latency_all_hourly_local
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
    FROM tally.usage_latency_hourly_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_daily_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYear(bucket)
ORDER BY (bucket, provider, model_key, model, status, priced)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_latency_all_daily ON CLUSTER tally_cluster AS tally.usage_latency_all_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_all_daily_local', 0);

INSERT INTO tally.usage_latency_all_daily (bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_daily
    WHERE (SELECT count() FROM tally.usage_latency_all_daily) = 0
    GROUP BY bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_latency_all_daily_mv ON CLUSTER tally_cluster
TO tally.usage_latency_all_daily_local
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
    FROM tally.usage_latency_daily_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
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

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MATERIALIZE PROJECTION records_by_time;

ALTER TABLE tally.usage_rollup_model_15m_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_15m ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_15m_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_15m ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_hourly_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_hourly ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_hourly_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_hourly ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_daily_local ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

ALTER TABLE tally.usage_rollup_model_all_daily ON CLUSTER tally_cluster
    ADD COLUMN IF NOT EXISTS durationMap Nested(bin Int16, events Int64),
    ADD COLUMN IF NOT EXISTS ttftMap Nested(bin Int16, events Int64);

DROP VIEW IF EXISTS tally.usage_rollup_model_all_15m_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_15m_local
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
    FROM tally.usage_rollup_model_15m_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS tally.usage_rollup_model_all_hourly_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_hourly_local
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
    FROM tally.usage_rollup_model_hourly_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS tally.usage_rollup_model_all_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_daily_local
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
    FROM tally.usage_rollup_model_daily_local
    GROUP BY bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_15m_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_hourly_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

DROP VIEW IF EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster SYNC;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_daily_local
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
    FROM tally.usage_events_local
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS tally.usage_latency_15m_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

CREATE TABLE IF NOT EXISTS tally.usage_latency_15m ON CLUSTER tally_cluster AS tally.usage_latency_15m_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_15m_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_15m (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_15m
    WHERE (SELECT count() FROM tally.usage_rollup_model_15m WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

CREATE TABLE IF NOT EXISTS tally.usage_latency_hourly_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

CREATE TABLE IF NOT EXISTS tally.usage_latency_hourly ON CLUSTER tally_cluster AS tally.usage_latency_hourly_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_hourly_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_hourly (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_hourly
    WHERE (SELECT count() FROM tally.usage_rollup_model_hourly WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

CREATE TABLE IF NOT EXISTS tally.usage_latency_daily_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
ORDER BY (tenant, bucket, provider, model_key, model, status, priced);

CREATE TABLE IF NOT EXISTS tally.usage_latency_daily ON CLUSTER tally_cluster AS tally.usage_latency_daily_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_latency_daily_local', sipHash64(tenant));

INSERT INTO tally.usage_rollup_model_daily (tenant, bucket, provider, model_key, model, status, priced, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM tally.usage_latency_daily
    WHERE (SELECT count() FROM tally.usage_rollup_model_daily WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`)) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
)
WHERE notEmpty(`durationMap.bin`) OR notEmpty(`ttftMap.bin`);

DROP VIEW IF EXISTS tally.usage_latency_all_15m_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_latency_15m_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_latency_all_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_latency_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_latency_all_daily_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_latency_daily_mv ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_15m ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_15m_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_15m ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_15m_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_all_daily_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_latency_daily_local ON CLUSTER tally_cluster SYNC;

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MODIFY SETTING deduplicate_merge_projection_mode = 'ignore';

CREATE TABLE IF NOT EXISTS tally.usage_rollup_full_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE WHERE grain != 'daily'
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_full ON CLUSTER tally_cluster AS tally.usage_rollup_full_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_full_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE WHERE grain != 'daily'
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model ON CLUSTER tally_cluster AS tally.usage_rollup_model_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, agent, feature)
TTL bucket + INTERVAL 13 MONTH DELETE WHERE grain != 'daily'
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_agent ON CLUSTER tally_cluster AS tally.usage_rollup_agent_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_agent_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_user_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, grain, bucket, user_id, group_id, agent, feature, api_key_id)
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_user ON CLUSTER tally_cluster AS tally.usage_rollup_user_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_user_local', sipHash64(tenant));

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all_local ON CLUSTER tally_cluster
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
ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(bucket)
ORDER BY (grain, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL 13 MONTH DELETE WHERE grain != 'daily'
SETTINGS replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS tally.usage_rollup_model_all ON CLUSTER tally_cluster AS tally.usage_rollup_model_all_local
ENGINE = Distributed('tally_cluster', 'tally', 'usage_rollup_model_all_local', 0);

INSERT INTO tally.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT '15m', tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_15m
WHERE (SELECT count() FROM tally.usage_rollup_full WHERE grain = '15m') = 0;

INSERT INTO tally.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'hourly', tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_hourly
WHERE (SELECT count() FROM tally.usage_rollup_full WHERE grain = 'hourly') = 0;

INSERT INTO tally.usage_rollup_full (grain, tenant, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_daily
WHERE (SELECT count() FROM tally.usage_rollup_full WHERE grain = 'daily') = 0;

INSERT INTO tally.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT '15m', tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_15m
WHERE (SELECT count() FROM tally.usage_rollup_model WHERE grain = '15m') = 0;

INSERT INTO tally.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'hourly', tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_hourly
WHERE (SELECT count() FROM tally.usage_rollup_model WHERE grain = 'hourly') = 0;

INSERT INTO tally.usage_rollup_model (grain, tenant, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_daily
WHERE (SELECT count() FROM tally.usage_rollup_model WHERE grain = 'daily') = 0;

INSERT INTO tally.usage_rollup_agent (grain, tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'hourly', tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_agent_hourly
WHERE (SELECT count() FROM tally.usage_rollup_agent WHERE grain = 'hourly') = 0;

INSERT INTO tally.usage_rollup_agent (grain, tenant, bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, agent, feature, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_agent_daily
WHERE (SELECT count() FROM tally.usage_rollup_agent WHERE grain = 'daily') = 0;

INSERT INTO tally.usage_rollup_user (grain, tenant, bucket, user_id, group_id, agent, feature, api_key_id, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count)
SELECT 'daily', tenant, toDateTime(bucket, 'UTC') AS bucket, user_id, group_id, agent, feature, api_key_id, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count
FROM tally.usage_rollup_user_daily
WHERE (SELECT count() FROM tally.usage_rollup_user WHERE grain = 'daily') = 0;

INSERT INTO tally.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT '15m', bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_all_15m
WHERE (SELECT count() FROM tally.usage_rollup_model_all WHERE grain = '15m') = 0;

INSERT INTO tally.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'hourly', bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_all_hourly
WHERE (SELECT count() FROM tally.usage_rollup_model_all WHERE grain = 'hourly') = 0;

INSERT INTO tally.usage_rollup_model_all (grain, bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
SELECT 'daily', toDateTime(bucket, 'UTC') AS bucket, provider, model_key, model, status, priced, events, requests, input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens, image_input_tokens, image_output_tokens, total_tokens, cost_input, cost_cached_input, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio_input, cost_audio_output, cost_image_input, cost_image_output, cost_request, cost_tool_call, cost_web_search, cost_audio_second, cost_image, cost_total, price_total, cache_savings, unpriced_events, error_events, tool_calls, web_search_requests, images, audio_seconds, duration_ms_sum, duration_ms_count, ttft_ms_sum, ttft_ms_count, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`
FROM tally.usage_rollup_model_all_daily
WHERE (SELECT count() FROM tally.usage_rollup_model_all WHERE grain = 'daily') = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_full_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_full_local
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
FROM tally.usage_events_local ARRAY JOIN CAST(['15m', 'hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, user_id, group_id, agent, feature, provider, model_key, model, api_key_id, status, priced;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_local
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
FROM tally.usage_events_local ARRAY JOIN CAST(['15m', 'hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, provider, model_key, model, status, priced);

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_agent_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_agent_local
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
FROM tally.usage_events_local ARRAY JOIN CAST(['hourly', 'daily'] AS Array(Enum8('15m' = 1, 'hourly' = 2, 'daily' = 3))) AS grain
GROUP BY tenant, grain, bucket, agent, feature;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_user_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_user_local
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
FROM tally.usage_events_local
GROUP BY tenant, grain, bucket, user_id, group_id, agent, feature, api_key_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_model_all_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_model_all_local
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
FROM tally.usage_rollup_model_local
GROUP BY grain, bucket, provider, model_key, model, status, priced);

DROP VIEW IF EXISTS tally.usage_rollup_model_all_15m_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_model_all_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_model_all_daily_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_15m_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_model_15m_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_model_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_model_daily_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_agent_hourly_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_agent_daily_mv ON CLUSTER tally_cluster SYNC;

DROP VIEW IF EXISTS tally.usage_rollup_user_daily_mv ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_15m ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_15m_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_daily_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_15m ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_15m_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_daily_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_agent_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_agent_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_agent_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_agent_daily_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_user_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_user_daily_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_15m ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_15m_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_hourly ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_hourly_local ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_daily ON CLUSTER tally_cluster SYNC;

DROP TABLE IF EXISTS tally.usage_rollup_model_all_daily_local ON CLUSTER tally_cluster SYNC;

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1;

ALTER TABLE tally.usage_rollup_full_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_rollup_model_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_rollup_agent_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_rollup_user_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_rollup_model_all_local ON CLUSTER tally_cluster
    MODIFY SETTING max_compress_block_size = 65536;

ALTER TABLE tally.usage_events_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE tally.usage_rollup_full_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE tally.usage_rollup_model_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE tally.usage_rollup_agent_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE tally.usage_rollup_user_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;

ALTER TABLE tally.usage_rollup_model_all_local ON CLUSTER tally_cluster
    MODIFY SETTING merge_selector_base = 20;
