SELECT
    if(model_key = '', model, model_key) AS model_label,
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
        model,
        toInt64(1) AS events,
        toInt64(requests) AS requests,
        toInt64(input_tokens) AS input_tokens,
        toInt64(cached_input_tokens) AS cached_input_tokens,
        toInt64(cache_write_5m_tokens) AS cache_write_5m_tokens,
        toInt64(cache_write_1h_tokens) AS cache_write_1h_tokens,
        toInt64(output_tokens) AS output_tokens,
        toInt64(reasoning_tokens) AS reasoning_tokens,
        toInt64(audio_input_tokens) AS audio_input_tokens,
        toInt64(audio_output_tokens) AS audio_output_tokens,
        toInt64(image_input_tokens) AS image_input_tokens,
        toInt64(image_output_tokens) AS image_output_tokens,
        toInt64(total_tokens) AS total_tokens,
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
        toInt64(NOT priced) AS unpriced_events,
        toInt64(status = 'error') AS error_events,
        toInt64(tool_calls) AS tool_calls,
        toInt64(web_search_requests) AS web_search_requests,
        toInt64(images) AS images,
        toDecimal128(audio_seconds, 3) AS audio_seconds,
        ifNull(duration_ms, 0) AS duration_ms_sum,
        toInt64(isNotNull(duration_ms)) AS duration_ms_count,
        ifNull(ttft_ms, 0) AS ttft_ms_sum,
        toInt64(isNotNull(ttft_ms)) AS ttft_ms_count
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