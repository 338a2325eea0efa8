SELECT
    if(model_key = '', model, model_key) AS model_label,
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
        model,
        toInt128(1) AS events,
        toInt128(requests) AS requests,
        toInt128(input_tokens) AS input_tokens,
        toInt128(cached_input_tokens) AS cached_input_tokens,
        toInt128(cache_write_5m_tokens) AS cache_write_5m_tokens,
        toInt128(cache_write_1h_tokens) AS cache_write_1h_tokens,
        toInt128(output_tokens) AS output_tokens,
        toInt128(reasoning_tokens) AS reasoning_tokens,
        toInt128(audio_input_tokens) AS audio_input_tokens,
        toInt128(audio_output_tokens) AS audio_output_tokens,
        toInt128(image_input_tokens) AS image_input_tokens,
        toInt128(image_output_tokens) AS image_output_tokens,
        toInt128(total_tokens) AS total_tokens,
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
        toInt128(NOT priced) AS unpriced_events,
        toInt128(status = 'error') AS error_events,
        toInt128(tool_calls) AS tool_calls,
        toInt128(web_search_requests) AS web_search_requests,
        toInt128(images) AS images,
        toDecimal128(audio_seconds, 3) AS audio_seconds,
        ifNull(duration_ms, 0) AS duration_ms_sum,
        toInt128(isNotNull(duration_ms)) AS duration_ms_count,
        ifNull(ttft_ms, 0) AS ttft_ms_sum,
        toInt128(isNotNull(ttft_ms)) AS ttft_ms_count
    FROM usage_events FINAL
    WHERE tenant = {tenant:String}
      AND occurred_at >= {s0_from:DateTime64(3, 'UTC')}
      AND occurred_at < {s0_to:DateTime64(3, 'UTC')}
      AND sign = 1
      AND user_id IN {user_id:Array(String)}
      AND group_id IN {group:Array(String)}
      AND agent IN {agent:Array(String)}
      AND feature IN {feature:Array(String)}
      AND provider IN {provider:Array(String)}
      AND api_key_id IN {api_key_id:Array(String)}
      AND status IN {status:Array(String)}
      AND (model_key IN {model:Array(String)} OR model IN {model:Array(String)})
      AND priced = {priced:Bool}
      AND session_id IN {session_id:Array(String)}
      AND mapContains(metadata, {tag_key_0:String}) AND metadata[{tag_key_0:String}] = {tag_value_0:String}
      AND mapContains(metadata, {tag_key_1:String}) AND metadata[{tag_key_1:String}] = {tag_value_1:String}
)
GROUP BY model_label
HAVING events != 0
ORDER BY model_label