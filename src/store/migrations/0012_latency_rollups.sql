-- 0012 latency rollups: the dashboard's latency panel without raw reads (issue #13).
--
-- Percentiles need distributions, which the sum rollups do not keep. These
-- tables keep, per tenant, bucket and (provider, model_key, model, status,
-- priced) — the key of the by-model rollups (0011) — the events, requests,
-- latency counts and sums, and a histogram of duration_ms and of ttft_ms:
-- Nested `…Map` columns (bin → events) that SummingMergeTree adds up bin by
-- bin (a bin whose count falls to zero is dropped). A value v > 0 falls in
-- bin floor(ln v / ln 1.02), clamped to ±32767; a value ≤ 0 in bin -32768.
-- A percentile read from the bins (src/store/usage/latency-histogram.ts) is
-- within 1 % of the exact one (quantilesExactInclusive over raw events);
-- events, requests, counts per status and latency counts are exact; the
-- means are Float64 sums over counts (exact up to the order of addition).
--
-- Same sign weighting, deduplication window and retention as the rollups,
-- so duplicates, cancel rows and new versions reach the histograms exactly
-- as they reach the sums. Each table is filled once from the current
-- versions of raw events (`usage_events FINAL`, `sign = 1`) before its view
-- is created, while it is still empty: run migrations while nothing writes
-- events (tally migrate, and tally start / replay migrate before they write),
-- as for every migration. Re-running a statement is a no-op.

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_15m {{on_cluster}}
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
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_latency_15m (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM {{database}}.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM {{database}}.usage_latency_15m) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_15m_mv {{on_cluster}}
TO {{database}}.usage_latency_15m
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
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_hourly {{on_cluster}}
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
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYYYYMM(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
TTL bucket + INTERVAL {{retention_months}} MONTH DELETE
SETTINGS {{deduplication_window}}, ttl_only_drop_parts = 1;

INSERT INTO {{database}}.usage_latency_hourly (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM {{database}}.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM {{database}}.usage_latency_hourly) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_hourly_mv {{on_cluster}}
TO {{database}}.usage_latency_hourly
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
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE TABLE IF NOT EXISTS {{database}}.usage_latency_daily {{on_cluster}}
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
ENGINE = {{engine:SummingMergeTree}}
PARTITION BY toYear(bucket)
ORDER BY (tenant, bucket, provider, model_key, model, status, priced)
SETTINGS {{deduplication_window}};

INSERT INTO {{database}}.usage_latency_daily (tenant, bucket, provider, model_key, model, status, priced, events, requests, duration_ms_count, duration_ms_sum, ttft_ms_count, ttft_ms_sum, `durationMap.bin`, `durationMap.events`, `ttftMap.bin`, `ttftMap.events`)
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
    FROM {{database}}.usage_events FINAL
    WHERE sign = 1 AND (SELECT count() FROM {{database}}.usage_latency_daily) = 0
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.usage_latency_daily_mv {{on_cluster}}
TO {{database}}.usage_latency_daily
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
    FROM {{database}}.usage_events
    GROUP BY tenant, bucket, provider, model_key, model, status, priced
);
