-- 0004 rollup counts in 128 bits (issue #10, item 3).
--
-- The rollups summed every count and token measure in Int64. One rollup row
-- collects every event of one key in one bucket (up to a UTC day), and a
-- query adds rows up over any range: with up to 10^10 tokens per event
-- (EVENT_LIMITS.maxTokens), 9.2 * 10^8 such events in one day and key —
-- or across a query's range — wrapped to a negative number, silently.
-- Int128 holds 1.7 * 10^38: more than 10^28 maximal events, beyond any store.
--
-- The views still compute each insert block in Int64, which is exact: a
-- block holds at most 1,048,576 rows (max_insert_block_size) of at most
-- 10^10 each, 10^16 < 9.2 * 10^18; the target tables convert on insert.
-- Money stays Decimal(38, 15) per row (a row overflows only past 1.7 * 10^14
-- events of the per-event maximum of $10^9 in one day and key); queries sum
-- it as Decimal(76, 15).
--
-- MODIFY COLUMN is a mutation: the metadata changes at once (reads convert
-- old parts on the fly) and the parts are rewritten in the background.
-- Running it again is a no-op, so the file is re-runnable.

ALTER TABLE {{database}}.usage_rollup_15m {{on_cluster}}
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE {{database}}.usage_rollup_hourly {{on_cluster}}
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;

ALTER TABLE {{database}}.usage_rollup_daily {{on_cluster}}
    MODIFY COLUMN events Int128,
    MODIFY COLUMN requests Int128,
    MODIFY COLUMN input_tokens Int128,
    MODIFY COLUMN cached_input_tokens Int128,
    MODIFY COLUMN cache_write_5m_tokens Int128,
    MODIFY COLUMN cache_write_1h_tokens Int128,
    MODIFY COLUMN output_tokens Int128,
    MODIFY COLUMN reasoning_tokens Int128,
    MODIFY COLUMN audio_input_tokens Int128,
    MODIFY COLUMN audio_output_tokens Int128,
    MODIFY COLUMN image_input_tokens Int128,
    MODIFY COLUMN image_output_tokens Int128,
    MODIFY COLUMN total_tokens Int128,
    MODIFY COLUMN unpriced_events Int128,
    MODIFY COLUMN error_events Int128,
    MODIFY COLUMN tool_calls Int128,
    MODIFY COLUMN web_search_requests Int128,
    MODIFY COLUMN images Int128,
    MODIFY COLUMN duration_ms_count Int128,
    MODIFY COLUMN ttft_ms_count Int128;
