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
            FROM usage_rollup_model
            WHERE tenant = {tenant:String}
              AND grain = 'daily'
              AND bucket >= {s0_from:DateTime('UTC')}
              AND bucket < {s0_to:DateTime('UTC')}
        )
        GROUP BY dim_0
        HAVING sum(events) != 0
        ORDER BY sum(toDecimal256(cost_total, 15)) DESC, dim_0 ASC
        LIMIT {limit:UInt32}
    ) AS is_top,
    if(is_top, dim_0, '') AS key_0,
    sum(toInt128(events)) AS events,
    sum(toInt128(requests)) AS requests,
    sum(toInt128(input_tokens)) AS input_tokens,
    sum(toInt128(cached_input_tokens)) AS cached_input_tokens,
    sum(toInt128(cache_write_5m_tokens)) AS cache_write_5m_tokens,
    sum(toInt128(cache_write_1h_tokens)) AS cache_write_1h_tokens,
    sum(toInt128(output_tokens)) AS output_tokens,
    sum(toInt128(reasoning_tokens)) AS reasoning_tokens,
    sum(toInt128(audio_input_tokens)) AS audio_input_tokens,
    sum(toInt128(audio_output_tokens)) AS audio_output_tokens,
    sum(toInt128(image_input_tokens)) AS image_input_tokens,
    sum(toInt128(image_output_tokens)) AS image_output_tokens,
    sum(toInt128(total_tokens)) AS total_tokens,
    sum(toDecimal256(cost_input, 15)) AS cost_input,
    sum(toDecimal256(cost_cached_input, 15)) AS cost_cached_input,
    sum(toDecimal256(cost_cache_write_5m, 15)) AS cost_cache_write_5m,
    sum(toDecimal256(cost_cache_write_1h, 15)) AS cost_cache_write_1h,
    sum(toDecimal256(cost_output, 15)) AS cost_output,
    sum(toDecimal256(cost_reasoning, 15)) AS cost_reasoning,
    sum(toDecimal256(cost_audio_input, 15)) AS cost_audio_input,
    sum(toDecimal256(cost_audio_output, 15)) AS cost_audio_output,
    sum(toDecimal256(cost_image_input, 15)) AS cost_image_input,
    sum(toDecimal256(cost_image_output, 15)) AS cost_image_output,
    sum(toDecimal256(cost_request, 15)) AS cost_request,
    sum(toDecimal256(cost_tool_call, 15)) AS cost_tool_call,
    sum(toDecimal256(cost_web_search, 15)) AS cost_web_search,
    sum(toDecimal256(cost_audio_second, 15)) AS cost_audio_second,
    sum(toDecimal256(cost_image, 15)) AS cost_image,
    sum(toDecimal256(cost_total, 15)) AS cost_total,
    sum(toDecimal256(cache_savings, 15)) AS cache_savings,
    sum(toDecimal256(price_total, 15)) AS price_total,
    sum(toInt128(unpriced_events)) AS unpriced_events,
    sum(toInt128(error_events)) AS error_events,
    sum(toInt128(tool_calls)) AS tool_calls,
    sum(toInt128(web_search_requests)) AS web_search_requests,
    sum(toInt128(images)) AS images,
    sum(audio_seconds) AS audio_seconds,
    sum(duration_ms_sum) AS duration_ms_sum,
    sum(toInt128(duration_ms_count)) AS duration_ms_count,
    sum(ttft_ms_sum) AS ttft_ms_sum,
    sum(toInt128(ttft_ms_count)) AS ttft_ms_count,
    count() AS groups
FROM
(
    SELECT
        toUnixTimestamp(toStartOfDay(ts, {tz:String})) AS bucket_start,
        model_key AS dim_0,
        sum(toInt128(events)) AS events,
        sum(toInt128(requests)) AS requests,
        sum(toInt128(input_tokens)) AS input_tokens,
        sum(toInt128(cached_input_tokens)) AS cached_input_tokens,
        sum(toInt128(cache_write_5m_tokens)) AS cache_write_5m_tokens,
        sum(toInt128(cache_write_1h_tokens)) AS cache_write_1h_tokens,
        sum(toInt128(output_tokens)) AS output_tokens,
        sum(toInt128(reasoning_tokens)) AS reasoning_tokens,
        sum(toInt128(audio_input_tokens)) AS audio_input_tokens,
        sum(toInt128(audio_output_tokens)) AS audio_output_tokens,
        sum(toInt128(image_input_tokens)) AS image_input_tokens,
        sum(toInt128(image_output_tokens)) AS image_output_tokens,
        sum(toInt128(total_tokens)) AS total_tokens,
        sum(toDecimal256(cost_input, 15)) AS cost_input,
        sum(toDecimal256(cost_cached_input, 15)) AS cost_cached_input,
        sum(toDecimal256(cost_cache_write_5m, 15)) AS cost_cache_write_5m,
        sum(toDecimal256(cost_cache_write_1h, 15)) AS cost_cache_write_1h,
        sum(toDecimal256(cost_output, 15)) AS cost_output,
        sum(toDecimal256(cost_reasoning, 15)) AS cost_reasoning,
        sum(toDecimal256(cost_audio_input, 15)) AS cost_audio_input,
        sum(toDecimal256(cost_audio_output, 15)) AS cost_audio_output,
        sum(toDecimal256(cost_image_input, 15)) AS cost_image_input,
        sum(toDecimal256(cost_image_output, 15)) AS cost_image_output,
        sum(toDecimal256(cost_request, 15)) AS cost_request,
        sum(toDecimal256(cost_tool_call, 15)) AS cost_tool_call,
        sum(toDecimal256(cost_web_search, 15)) AS cost_web_search,
        sum(toDecimal256(cost_audio_second, 15)) AS cost_audio_second,
        sum(toDecimal256(cost_image, 15)) AS cost_image,
        sum(toDecimal256(cost_total, 15)) AS cost_total,
        sum(toDecimal256(cache_savings, 15)) AS cache_savings,
        sum(toDecimal256(price_total, 15)) AS price_total,
        sum(toInt128(unpriced_events)) AS unpriced_events,
        sum(toInt128(error_events)) AS error_events,
        sum(toInt128(tool_calls)) AS tool_calls,
        sum(toInt128(web_search_requests)) AS web_search_requests,
        sum(toInt128(images)) AS images,
        sum(audio_seconds) AS audio_seconds,
        sum(duration_ms_sum) AS duration_ms_sum,
        sum(toInt128(duration_ms_count)) AS duration_ms_count,
        sum(ttft_ms_sum) AS ttft_ms_sum,
        sum(toInt128(ttft_ms_count)) AS ttft_ms_count
    FROM
    (
        SELECT
            model_key,
            bucket AS ts,
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
            price_total,
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
        FROM usage_rollup_model
        WHERE tenant = {tenant:String}
          AND grain = 'daily'
          AND bucket >= {s0_from:DateTime('UTC')}
          AND bucket < {s0_to:DateTime('UTC')}
    )
    GROUP BY bucket_start, dim_0
    HAVING events != 0
)
GROUP BY bucket_start, is_top, key_0
ORDER BY bucket_start ASC, is_top DESC, cost_total DESC, key_0 ASC