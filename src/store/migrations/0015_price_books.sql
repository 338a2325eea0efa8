-- 0015 price books (issue 16): every version of every customer's price book,
-- written by src/billing/repository.ts (docs/billing.md).
--
-- A customer is a tenant (user_id = '') or one user of a tenant. A write is a
-- new row with a higher `version` (microseconds since the epoch, strictly
-- increasing per writer); a delete is a row with deleted = 1. Unlike the
-- budget tables the version is part of the key: every version is kept (the
-- history `GET /v1/customers/{tenant}/price-book/versions` lists, and what a
-- stored event's `price_book_version` names), and ReplacingMergeTree(version)
-- only folds a retried insert of the same version. Readers take the newest
-- version per customer (argMax over FINAL); `max(version)` is the cheap
-- change marker every processor polls. The table is tiny: no partitioning,
-- no TTL.

CREATE TABLE IF NOT EXISTS {{database}}.price_books {{on_cluster}}
(
    tenant String,
    user_id String,
    version UInt64,
    body String CODEC(ZSTD(1)),
    deleted UInt8,
    updated_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (tenant, user_id, version);

-- A reprice run records whether it recomputed prices with the price books
-- (`tally reprice --price-book`) and the billed price of the changed events
-- before and after; runs recorded before this migration read 0.
ALTER TABLE {{database}}.usage_reprices {{on_cluster}}
    ADD COLUMN IF NOT EXISTS price_books UInt8 DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_before Decimal(38, 15) DEFAULT 0,
    ADD COLUMN IF NOT EXISTS price_after Decimal(38, 15) DEFAULT 0;
