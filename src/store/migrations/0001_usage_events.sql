-- 0001 usage_events: one row per event version, the source of truth.
--
-- ReplacingMergeTree(row_version) over (tenant, toDate(occurred_at), event_id):
-- duplicates of an event that slip past the pre-insert lookup collapse on
-- merge, and raw-event queries read with FINAL (and sign = 1) so they are exact
-- before merges happen. `tally reprice` writes a cancel row (sign = -1,
-- row_version + 1, the old values) and the new version (sign = +1,
-- row_version + 2) in one insert: FINAL keeps the new version and the rollups,
-- which sum sign * measure, subtract the old values and add the new ones.
--
-- Placeholders (src/store/ddl.ts): {{database}}, {{on_cluster}},
-- {{engine:…}} (Replicated variant on a cluster), {{retention_months}},
-- {{deduplication_window}}. Values are never templated; statements are
-- idempotent (IF NOT EXISTS) so a half-applied file can be re-run.

CREATE TABLE IF NOT EXISTS {{database}}.usage_events {{on_cluster}}
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
ENGINE = {{engine:ReplacingMergeTree(row_version)}}
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant, toDate(occurred_at), event_id)
TTL toDateTime(occurred_at) + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;
