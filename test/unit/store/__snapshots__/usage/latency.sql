SELECT
    grouping(key) = 1 AS is_total,
    model_key AS key,
    count() AS events,
    sum(toUInt128(requests)) AS requests,
    sumMap(map(status, toUInt64(1))) AS statuses,
    count(duration_ms) AS duration_count,
    quantilesExactInclusive(0.5, 0.95, 0.99)(duration_ms) AS duration_q,
    avg(duration_ms) AS duration_avg,
    count(ttft_ms) AS ttft_count,
    quantilesExactInclusive(0.5, 0.95, 0.99)(ttft_ms) AS ttft_q,
    avg(ttft_ms) AS ttft_avg
FROM usage_events FINAL
WHERE tenant = {tenant:String}
  AND occurred_at >= {from:DateTime64(3, 'UTC')}
  AND occurred_at < {to:DateTime64(3, 'UTC')}
  AND sign = 1
  AND (model_key IN {model:Array(String)} OR model IN {model:Array(String)})
GROUP BY GROUPING SETS ((key), ())
ORDER BY is_total ASC, events DESC, key ASC