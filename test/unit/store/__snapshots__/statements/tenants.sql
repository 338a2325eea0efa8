/* tally:statements.tenants */
SELECT tenant FROM (
    SELECT DISTINCT tenant FROM usage_events
    WHERE occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')} AND sign = 1
    UNION DISTINCT
    SELECT DISTINCT tenant FROM statements WHERE user_id = '')
ORDER BY tenant