-- 0010 budgets: budget definitions, tier templates and users' tier
-- assignments, written by src/budgets/repository.ts.
--
-- Every write is a new row with a higher `version` (microseconds since the
-- epoch, strictly increasing per writer); a delete is a row with deleted = 1.
-- ReplacingMergeTree(version) keeps the newest row per key, and readers use
-- FINAL and `deleted = 0`, so they are exact before merges. `max(version)`
-- over the three tables is the cheap change marker every process polls.
-- The tables are tiny: no partitioning, no TTL.

CREATE TABLE IF NOT EXISTS {{database}}.budgets {{on_cluster}}
(
    id String,
    body String CODEC(ZSTD(1)),
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY id;

CREATE TABLE IF NOT EXISTS {{database}}.budget_tiers {{on_cluster}}
(
    name String,
    body String CODEC(ZSTD(1)),
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY name;

CREATE TABLE IF NOT EXISTS {{database}}.budget_tier_assignments {{on_cluster}}
(
    tenant String,
    user_id String,
    tier String,
    version UInt64,
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (tenant, user_id);
