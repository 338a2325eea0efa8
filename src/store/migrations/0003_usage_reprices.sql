-- 0003 usage_reprices: the audit trail of `tally reprice`. Every run that
-- writes new event versions records what it looked at, what it changed, the
-- totals before and after, and the price files in force, so a price change
-- never rewrites history silently.

CREATE TABLE IF NOT EXISTS {{database}}.usage_reprices {{on_cluster}}
(
    reprice_id String,
    started_at DateTime64(3, 'UTC'),
    finished_at DateTime64(3, 'UTC'),
    range_from DateTime64(3, 'UTC'),
    range_to DateTime64(3, 'UTC'),
    tenant String,
    model String,
    examined UInt64,
    changed UInt64,
    cost_before Decimal(38, 15),
    cost_after Decimal(38, 15),
    price_files Array(String)
)
ENGINE = {{engine:MergeTree}}
ORDER BY started_at;
