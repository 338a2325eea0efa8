/* tally:statements.usage */
SELECT
    toString(toDate(occurred_at, 'UTC')) AS day,
    if(model_key = '', model, model_key) AS model_label,
    model_key,
    model,
    provider,
    multiIf(startsWith(price_book_version, 'user:'), 'user', startsWith(price_book_version, 'tenant:'), 'tenant', '') AS book,
    toString(count()) AS events,
    toString(sum(toDecimal256(price_total, 15))) AS price_total,
    toString(sum(toInt128(input_tokens))) AS q_input,
    toString(sum(toInt128(cached_input_tokens))) AS q_cached_input,
    toString(sum(toInt128(cache_write_5m_tokens))) AS q_cache_write_5m,
    toString(sum(toInt128(cache_write_1h_tokens))) AS q_cache_write_1h,
    toString(sum(toInt128(output_tokens))) AS q_output,
    toString(sum(toInt128(reasoning_tokens))) AS q_reasoning,
    toString(sum(toInt128(audio_input_tokens))) AS q_audio_input,
    toString(sum(toInt128(audio_output_tokens))) AS q_audio_output,
    toString(sum(toInt128(image_input_tokens))) AS q_image_input,
    toString(sum(toInt128(image_output_tokens))) AS q_image_output,
    toString(sum(toInt128(requests))) AS q_request,
    toString(sum(toInt128(tool_calls))) AS q_tool_call,
    toString(sum(toInt128(web_search_requests))) AS q_web_search,
    toString(sum(audio_seconds)) AS q_audio_second,
    toString(sum(toInt128(images))) AS q_image,
    toString(sum(toDecimal256(price_input, 15))) AS p_input,
    toString(sum(toDecimal256(price_cached_input, 15))) AS p_cached_input,
    toString(sum(toDecimal256(price_cache_write_5m, 15))) AS p_cache_write_5m,
    toString(sum(toDecimal256(price_cache_write_1h, 15))) AS p_cache_write_1h,
    toString(sum(toDecimal256(price_output, 15))) AS p_output,
    toString(sum(toDecimal256(price_reasoning, 15))) AS p_reasoning,
    toString(sum(toDecimal256(price_audio_input, 15))) AS p_audio_input,
    toString(sum(toDecimal256(price_audio_output, 15))) AS p_audio_output,
    toString(sum(toDecimal256(price_image_input, 15))) AS p_image_input,
    toString(sum(toDecimal256(price_image_output, 15))) AS p_image_output,
    toString(sum(toDecimal256(price_request, 15))) AS p_request,
    toString(sum(toDecimal256(price_tool_call, 15))) AS p_tool_call,
    toString(sum(toDecimal256(price_web_search, 15))) AS p_web_search,
    toString(sum(toDecimal256(price_audio_second, 15))) AS p_audio_second,
    toString(sum(toDecimal256(price_image, 15))) AS p_image
FROM usage_events FINAL
WHERE tenant = {tenant:String}
  AND occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
GROUP BY day, model_label, model_key, model, provider, book
ORDER BY day, model_label, model_key, model, provider, book