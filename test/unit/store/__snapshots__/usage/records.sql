SELECT
    event_id,
    tenant,
    occurred_at,
    received_at,
    user_id,
    group_id,
    session_id,
    agent,
    feature,
    request_id,
    api_key_id,
    provider,
    model,
    model_key,
    status,
    error_type,
    priced,
    pricing_error,
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
    requests,
    tool_calls,
    web_search_requests,
    images,
    audio_seconds,
    cost_total,
    cache_savings,
    cost_source,
    price_version,
    duration_ms,
    ttft_ms,
    metadata
FROM usage_events FINAL
WHERE tenant = {tenant:String}
  AND occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
  AND status IN {status:Array(String)}
  AND (occurred_at, event_id) < ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
ORDER BY occurred_at DESC, event_id DESC
LIMIT {limit:UInt32}