-- 0016 wallet grants (issue 16 item 2): every prepaid-credit grant of every
-- customer, and every void of one, written by src/billing/grants.ts
-- (docs/billing.md "Wallets").
--
-- Append-only: a grant is one row (kind 'grant'); voiding it is another row
-- (kind 'void', same grant_id, created_at = when the void took effect).
-- Nothing is ever rewritten, so the ledger of any past day can be read again.
-- `seq` (microseconds since the epoch, strictly increasing per writer) is the
-- creation order the burn uses to break ties and the change marker
-- (`max(seq)`); ReplacingMergeTree(seq) only folds a retried insert of the
-- same row. A customer is a tenant (user_id = '') or one user of a tenant.
-- The table is tiny: no partitioning, no TTL.

CREATE TABLE IF NOT EXISTS {{database}}.wallet_grants {{on_cluster}}
(
    tenant String,
    user_id String,
    seq UInt64,
    grant_id String,
    kind LowCardinality(String),
    amount Decimal(38, 15),
    priority Int32,
    effective_from DateTime64(3, 'UTC'),
    expires_at Nullable(DateTime64(3, 'UTC')),
    source LowCardinality(String),
    note String CODEC(ZSTD(1)),
    created_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(seq)}}
ORDER BY (tenant, user_id, seq);
