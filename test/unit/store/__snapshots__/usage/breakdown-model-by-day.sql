SELECT
    bucket_start,
    dim_0 IN (
        SELECT
            model_key AS dim_0
        FROM
        (
            SELECT
                model_key,
                events,
                cost_total
            FROM usage_rollup_daily
            WHERE tenant = {tenant:String}
              AND bucket >= {s0_from:Date}
              AND bucket < {s0_to:Date}
        )
        GROUP BY dim_0
        HAVING sum(events) != 0
        ORDER BY sum(cost_total) DESC, dim_0 ASC
        LIMIT {limit:UInt32}
    ) AS is_top,
    if(is_top, dim_0, '') AS key_0,
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
    sum(ttft_ms_count) AS ttft_ms_count,
    count() AS groups
FROM
(
    SELECT
        toUnixTimestamp(toStartOfDay(ts, {tz:String})) AS bucket_start,
        model_key AS dim_0,
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
    FROM
    (
        SELECT
            model_key,
            toDateTime(bucket, 'UTC') AS ts,
            events,
            requests,
            input_tokens,
            cached_input_tokens,
            cache_write_5m_tokens,
            cache_write_1h_tokens,
            output_tokens,
            reasoning_tokens,
            audio_input_tokens,
            audio_output_tokens,
            image_input_tokens,
            image_output_tokens,
            total_tokens,
            cost_input,
            cost_cached_input,
            cost_cache_write_5m,
            cost_cache_write_1h,
            cost_output,
            cost_reasoning,
            cost_audio_input,
            cost_audio_output,
            cost_image_input,
            cost_image_output,
            cost_request,
            cost_tool_call,
            cost_web_search,
            cost_audio_second,
            cost_image,
            cost_total,
            cache_savings,
            unpriced_events,
            error_events,
            tool_calls,
            web_search_requests,
            images,
            audio_seconds,
            duration_ms_sum,
            duration_ms_count,
            ttft_ms_sum,
            ttft_ms_count
        FROM usage_rollup_daily
        WHERE tenant = {tenant:String}
          AND bucket >= {s0_from:Date}
          AND bucket < {s0_to:Date}
    )
    GROUP BY bucket_start, dim_0
    HAVING events != 0
)
GROUP BY bucket_start, is_top, key_0
ORDER BY bucket_start ASC, is_top DESC, cost_total DESC, key_0 ASC