-- 0017 statements (issue 16): closed statements, frozen, written by
-- src/billing/statement-service.ts (docs/billing.md "Statements").
--
-- Closing a customer's month stores the statement as it stands: the whole
-- document (JSON, `tally.statement.v1`), its totals and a SHA-256 of the
-- document text. Rows are only ever appended: a statement, once closed, is
-- read back unchanged (corrections to its month appear as adjustment lines
-- in the next open statement). If two closes of one month race, both rows
-- are kept and readers take the lowest `version` (the first close), so the
-- frozen statement never changes. A customer is a tenant (user_id = '') or
-- one user of it. The table is small (one row per customer and month): no
-- partitioning, no TTL.

CREATE TABLE IF NOT EXISTS {{database}}.statements {{on_cluster}}
(
    tenant String,
    user_id String,
    period String,
    version UInt64,
    closed_at DateTime64(3, 'UTC'),
    usage Decimal(38, 15),
    due Decimal(38, 15),
    content_hash String,
    document String CODEC(ZSTD(1))
)
ENGINE = {{engine:ReplacingMergeTree(version)}}
ORDER BY (tenant, user_id, period, version);
