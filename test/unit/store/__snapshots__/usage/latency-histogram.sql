SELECT
    grouping(key) = 1 AS is_total,
    key,
    sum(row_events) AS events,
    sum(row_requests) AS requests,
    sumMap(map(status, row_events)) AS statuses,
    sum(duration_ms_count) AS duration_count,
    sum(duration_ms_sum) AS duration_sum,
    sumMap(duration_bins, duration_counts) AS duration_hist,
    sum(ttft_ms_count) AS ttft_count,
    sum(ttft_ms_sum) AS ttft_sum,
    sumMap(ttft_bins, ttft_counts) AS ttft_hist
FROM
(
    SELECT
        model_key AS key,
        toInt64(1) AS row_events,
        toInt64(requests) AS row_requests,
        status,
        toInt64(isNotNull(duration_ms)) AS duration_ms_count,
        ifNull(duration_ms, 0) AS duration_ms_sum,
        if(isNull(duration_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(duration_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(duration_ms)) / log(1.02))))), toInt16(-32768))]) AS duration_bins,
        if(isNull(duration_ms), CAST([], 'Array(Int64)'), [toInt64(1)]) AS duration_counts,
        toInt64(isNotNull(ttft_ms)) AS ttft_ms_count,
        ifNull(ttft_ms, 0) AS ttft_ms_sum,
        if(isNull(ttft_ms), CAST([], 'Array(Int16)'), [if(assumeNotNull(ttft_ms) > 0, toInt16(greatest(-32767, least(32767, floor(log(assumeNotNull(ttft_ms)) / log(1.02))))), toInt16(-32768))]) AS ttft_bins,
        if(isNull(ttft_ms), CAST([], 'Array(Int64)'), [toInt64(1)]) AS ttft_counts
    FROM usage_events FINAL
    WHERE tenant = {tenant:String}
      AND ((occurred_at >= {s0_from:DateTime64(3, 'UTC')} AND occurred_at < {s0_to:DateTime64(3, 'UTC')}) OR (occurred_at >= {s6_from:DateTime64(3, 'UTC')} AND occurred_at < {s6_to:DateTime64(3, 'UTC')}))
      AND sign = 1
      AND provider IN {provider:Array(String)}
      AND status IN {status:Array(String)}
    UNION ALL
    SELECT
        model_key AS key,
        events AS row_events,
        requests AS row_requests,
        status,
        duration_ms_count,
        duration_ms_sum,
        `durationMap.bin` AS duration_bins,
        `durationMap.events` AS duration_counts,
        ttft_ms_count,
        ttft_ms_sum,
        `ttftMap.bin` AS ttft_bins,
        `ttftMap.events` AS ttft_counts
    FROM usage_rollup_model
    WHERE tenant = {tenant:String}
      AND grain = '15m'
      AND ((bucket >= {s1_from:DateTime('UTC')} AND bucket < {s1_to:DateTime('UTC')}) OR (bucket >= {s5_from:DateTime('UTC')} AND bucket < {s5_to:DateTime('UTC')}))
      AND provider IN {provider:Array(String)}
      AND status IN {status:Array(String)}
    UNION ALL
    SELECT
        model_key AS key,
        events AS row_events,
        requests AS row_requests,
        status,
        duration_ms_count,
        duration_ms_sum,
        `durationMap.bin` AS duration_bins,
        `durationMap.events` AS duration_counts,
        ttft_ms_count,
        ttft_ms_sum,
        `ttftMap.bin` AS ttft_bins,
        `ttftMap.events` AS ttft_counts
    FROM usage_rollup_model
    WHERE tenant = {tenant:String}
      AND grain = 'hourly'
      AND ((bucket >= {s2_from:DateTime('UTC')} AND bucket < {s2_to:DateTime('UTC')}) OR (bucket >= {s4_from:DateTime('UTC')} AND bucket < {s4_to:DateTime('UTC')}))
      AND provider IN {provider:Array(String)}
      AND status IN {status:Array(String)}
    UNION ALL
    SELECT
        model_key AS key,
        events AS row_events,
        requests AS row_requests,
        status,
        duration_ms_count,
        duration_ms_sum,
        `durationMap.bin` AS duration_bins,
        `durationMap.events` AS duration_counts,
        ttft_ms_count,
        ttft_ms_sum,
        `ttftMap.bin` AS ttft_bins,
        `ttftMap.events` AS ttft_counts
    FROM usage_rollup_model
    WHERE tenant = {tenant:String}
      AND grain = 'daily'
      AND bucket >= {s3_from:DateTime('UTC')}
      AND bucket < {s3_to:DateTime('UTC')}
      AND provider IN {provider:Array(String)}
      AND status IN {status:Array(String)}
)
GROUP BY GROUPING SETS ((key), ())
ORDER BY is_total ASC, events DESC, key ASC