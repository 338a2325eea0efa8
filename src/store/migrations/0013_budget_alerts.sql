-- 0013 budget alerts: every threshold crossing the alert publisher sent
-- (src/budgets/publisher.ts), for `GET /v1/budgets/{id}/alerts` and the
-- dashboard's budgets page (issue 17).
--
-- A crossing's id is deterministic (src/budgets/alerts.ts): a batch
-- redelivered after a crash publishes the same crossing again under the same
-- id. ReplacingMergeTree keyed by (budget_id, alert_id) keeps one row per
-- alert, and readers use FINAL, so a re-publish is one row before merges too.
-- `body` is the alert as the topic and the webhooks carried it (JSON).
-- Alerts are few (thresholds × periods × subjects): no partitioning, no TTL.

CREATE TABLE IF NOT EXISTS {{database}}.budget_alerts {{on_cluster}}
(
    budget_id String,
    alert_id String,
    tenant String,
    crossed_at DateTime64(3, 'UTC'),
    body String CODEC(ZSTD(1)),
    recorded_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(recorded_at)}}
ORDER BY (budget_id, alert_id);
