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
    price_book_version,
    cost_source,
    price_version,
    duration_ms,
    ttft_ms,
    metadata,
    usage_json
FROM usage_events
WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND (occurred_at, event_id, tenant, row_version, processed_at) IN
(
    SELECT occurred_at, event_id, tenant, row_version, processed_at
    FROM
    (
        SELECT *
        FROM usage_events
        PREWHERE event_id IN {key_ids:Array(String)}
        WHERE (tenant, toDate(occurred_at), event_id) IN arrayZip({key_tenants:Array(String)}, {key_days:Array(Date)}, {key_ids:Array(String)})
        ORDER BY row_version DESC, processed_at DESC
        LIMIT 1 BY tenant, toDate(occurred_at), event_id
    )
    WHERE occurred_at >= {from:DateTime64(3, 'UTC')}
      AND occurred_at < {to:DateTime64(3, 'UTC')}
      AND sign = 1
      AND status IN {status:Array(String)}
      AND (occurred_at, event_id) < ({after_at:DateTime64(3, 'UTC')}, {after_id:String})
      AND (occurred_at, event_id) >= ({through_at:DateTime64(3, 'UTC')}, {through_id:String})
    ORDER BY occurred_at DESC, event_id DESC
    LIMIT {limit:UInt32}
)
ORDER BY occurred_at DESC, event_id DESC
LIMIT 1 BY tenant, occurred_at, event_id