/**
 * The multi-shard layout (`tally migrate --cluster NAME --shards`,
 * src/store/shards.ts): each statement form's rewrite, and every migration
 * rendered in that layout — every table a Replicated `<table>_local` under a
 * Distributed table of the same name, tenant-keyed tables sharded by tenant,
 * every rollup view reading and writing only per-node tables. The full DDL is
 * pinned in __snapshots__/sharded-ddl.sql; test/integration/store/sharded-ddl
 * has ClickHouse parse every statement.
 */
import { describe, expect, it } from 'vitest';
import { renderAllMigrations } from '../../../src/store/migrate.js';
import { shardStatement, TENANT_SHARDING_KEY } from '../../../src/store/shards.js';
import { TallyError } from '../../../src/core/errors.js';

const LAYOUT = { database: 'tally', cluster: 'tally_cluster' };
const SHARDED = { database: 'tally', cluster: 'tally_cluster', retentionMonths: 13, shards: true };
const REPLICATED = { database: 'tally', cluster: 'tally_cluster', retentionMonths: 13 };

const createdTable = (sql: string): string | undefined => /^CREATE TABLE IF NOT EXISTS tally\.(\w+)/.exec(sql)?.[1];

describe('shardStatement', () => {
  it('puts a tenant-keyed table under a Distributed table sharded by tenant', () => {
    const sql = `CREATE TABLE IF NOT EXISTS tally.usage_events ON CLUSTER tally_cluster
(
    tenant String,
    event_id String
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', row_version)
ORDER BY (tenant, event_id)`;
    const [local, distributed] = shardStatement(sql, LAYOUT);
    expect(local).toBe(sql.replace('tally.usage_events ON', 'tally.usage_events_local ON'));
    expect(distributed).toBe(
      "CREATE TABLE IF NOT EXISTS tally.usage_events ON CLUSTER tally_cluster AS tally.usage_events_local\nENGINE = Distributed('tally_cluster', 'tally', 'usage_events_local', sipHash64(tenant))",
    );
  });

  it('sends every row of a table not keyed by tenant to the first shard', () => {
    const sql = "CREATE TABLE IF NOT EXISTS tally.budgets ON CLUSTER c (id String) ENGINE = ReplicatedReplacingMergeTree('/p', '{replica}', version) ORDER BY id";
    expect(shardStatement(sql, { database: 'tally', cluster: 'c' })[1]).toMatch(/Distributed\('c', 'tally', 'budgets_local', 0\)$/);
  });

  it('points a materialized view at the per-node tables on both sides, keeping its own name', () => {
    const sql = `CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_daily
AS SELECT tenant, sum(sign) AS events FROM tally.usage_events GROUP BY tenant`;
    expect(shardStatement(sql, LAYOUT)).toEqual([
      `CREATE MATERIALIZED VIEW IF NOT EXISTS tally.usage_rollup_daily_mv ON CLUSTER tally_cluster
TO tally.usage_rollup_daily_local
AS SELECT tenant, sum(sign) AS events FROM tally.usage_events_local GROUP BY tenant`,
    ]);
  });

  it('alters columns on both tables and everything else on the per-node table only', () => {
    const columns = 'ALTER TABLE tally.usage_rollup_15m ON CLUSTER tally_cluster MODIFY COLUMN events Int128, ADD COLUMN price_total Decimal(38, 15) DEFAULT 0';
    expect(shardStatement(columns, LAYOUT)).toEqual([columns.replace('usage_rollup_15m ', 'usage_rollup_15m_local '), columns]);
    const index = 'ALTER TABLE tally.usage_events ON CLUSTER tally_cluster ADD INDEX IF NOT EXISTS idx processed_at TYPE minmax GRANULARITY 1';
    expect(shardStatement(index, LAYOUT)).toEqual([index.replace('usage_events ', 'usage_events_local ')]);
    const ttl = 'ALTER TABLE tally.usage_events ON CLUSTER tally_cluster MODIFY TTL toDateTime(occurred_at) + INTERVAL 13 MONTH DELETE';
    expect(shardStatement(ttl, LAYOUT)).toEqual([ttl.replace('usage_events ', 'usage_events_local ')]);
  });

  it('refuses an ALTER mixing column and other changes, and statement forms it has no rewrite for', () => {
    const mixed = 'ALTER TABLE tally.usage_events ON CLUSTER tally_cluster ADD COLUMN x UInt8, ADD INDEX i x TYPE minmax GRANULARITY 1';
    expect(() => shardStatement(mixed, LAYOUT)).toThrow(/mixes column changes/);
    for (const sql of ['DROP TABLE tally.usage_events ON CLUSTER tally_cluster', 'RENAME TABLE tally.a TO tally.b', 'OPTIMIZE TABLE tally.usage_events FINAL']) {
      const err = (() => {
        try {
          shardStatement(sql, LAYOUT);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(TallyError);
      expect((err as TallyError).code).toBe('MIGRATION_FAILED');
    }
  });

  it('drops a table as the Distributed table, then the per-node table under it', () => {
    const drop = 'DROP TABLE IF EXISTS tally.usage_latency_15m ON CLUSTER tally_cluster SYNC';
    expect(shardStatement(drop, LAYOUT)).toEqual([drop, 'DROP TABLE IF EXISTS tally.usage_latency_15m_local ON CLUSTER tally_cluster SYNC']);
  });

  it('leaves the one-time INSERT … SELECT fills on the Distributed tables (every shard read, each row routed by tenant)', () => {
    const fill = 'INSERT INTO tally.usage_rollup_model_daily (tenant) SELECT tenant FROM tally.usage_rollup_daily';
    expect(shardStatement(fill, LAYOUT)).toEqual([fill]);
  });
});

describe('every migration in the sharded layout', () => {
  const sharded = renderAllMigrations(SHARDED);
  const replicated = renderAllMigrations(REPLICATED);
  const replicatedTables = replicated.map(createdTable).filter((t): t is string => t !== undefined);

  it('has, for each table of the replicated layout, a Replicated per-node table and a Distributed table over it', () => {
    expect(replicatedTables.length).toBeGreaterThan(15);
    // A table created twice (0020 creates the latency rollups again, empty, should a re-run find them dropped) has both forms each time.
    for (const table of new Set(replicatedTables)) {
      const times = replicatedTables.filter((t) => t === table).length;
      const at = (name: string): number[] => sharded.flatMap((s, i) => (createdTable(s) === name ? [i] : []));
      const local = at(`${table}_local`);
      const distributed = at(table);
      expect(local, table).toHaveLength(times);
      expect(distributed, table).toHaveLength(times);
      for (const [i, l] of local.entries()) {
        expect(sharded[l], table).toMatch(/ENGINE = Replicated\w*MergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\{table\}', '\{replica\}'/);
        expect(sharded[distributed[i] as number], table).toContain(`AS tally.${table}_local\nENGINE = Distributed('tally_cluster', 'tally', '${table}_local', `);
        // The Distributed table comes right after the table it reads.
        expect(distributed[i], table).toBe(l + 1);
      }
    }
  });

  it('drops each table it drops on both forms: the Distributed table, then the per-node one', () => {
    const drops = sharded.map((s) => /^DROP TABLE IF EXISTS tally\.(\w+) /.exec(s)?.[1]).filter((t): t is string => t !== undefined);
    const byGrain = ['15m', 'hourly', 'daily', 'model_15m', 'model_hourly', 'model_daily', 'agent_hourly', 'agent_daily', 'user_daily', 'model_all_15m', 'model_all_hourly', 'model_all_daily'];
    expect(drops).toEqual([
      // 0020: the latency rollups
      ...['15m', 'hourly', 'daily'].flatMap((g) => [`usage_latency_all_${g}`, `usage_latency_all_${g}_local`, `usage_latency_${g}`, `usage_latency_${g}_local`]),
      // 0024: one rollup table per shape and grain (their rows moved by 0023)
      ...byGrain.flatMap((g) => [`usage_rollup_${g}`, `usage_rollup_${g}_local`]),
    ]);
  });

  it('shards raw events, every rollup, the tier assignments, the price books and the statements by tenant, and nothing else', () => {
    const dropped = new Set(sharded.map((s) => /^DROP TABLE IF EXISTS tally\.(\w+) /.exec(s)?.[1]));
    const byTenant = [...new Set(sharded.filter((s) => s.includes(`, ${TENANT_SHARDING_KEY})`)).map((s) => createdTable(s)))].filter((t) => !dropped.has(t)).sort();
    expect(byTenant).toEqual(
      [
        'usage_events',
        ...['full', 'model', 'agent', 'user'].map((shape) => `usage_rollup_${shape}`),
        'budget_tier_assignments',
        // Every version of a customer's book on one shard: its newest version is found per shard, exactly.
        'price_books',
        // A customer's closed statements on one shard: the first close of a month is found per shard, exactly.
        'statements',
        // Every grant and void of a customer's wallet on one shard, with the customer's events.
        'wallet_grants',
      ].sort(),
    );
  });

  it('rolls up per shard: every view writes to and reads from per-node tables only', () => {
    const views = sharded.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views.length).toBe(replicated.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW')).length);
    for (const v of views) {
      const own = /^CREATE MATERIALIZED VIEW IF NOT EXISTS tally\.(\w+)/.exec(v)?.[1] as string;
      const refs = [...v.matchAll(/\btally\.(\w+)/g)].map((m) => m[1] as string).filter((t) => t !== own);
      expect(refs.length, own).toBeGreaterThanOrEqual(2);
      for (const t of refs) expect(t, `${own} reads or writes ${t}`).toMatch(/_local$/);
    }
  });

  it('adds the records projection (0019) and sets how merges treat it (0022) on the per-node raw events only: the Distributed table has no parts, each shard reads its own', () => {
    const projection = sharded.filter((s) => /records_by_time|deduplicate_merge_projection_mode/.test(s));
    expect(projection.map((s) => /^ALTER TABLE (\S+)/.exec(s)?.[1])).toEqual(['tally.usage_events_local', 'tally.usage_events_local', 'tally.usage_events_local', 'tally.usage_events_local']);
    expect(projection.map((s) => /(MODIFY SETTING deduplicate_merge_projection_mode = '\w+'|ADD PROJECTION|MATERIALIZE PROJECTION)/.exec(s)?.[1])).toEqual([
      "MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'", 'ADD PROJECTION', 'MATERIALIZE PROJECTION', "MODIFY SETTING deduplicate_merge_projection_mode = 'ignore'",
    ]);
  });

  it('merges the per-node raw events column by column (0025), not the Distributed table, which has no parts', () => {
    const vertical = sharded.filter((s) => /vertical_merge_algorithm_min_rows_to_activate/.test(s));
    expect(vertical.map((s) => /^ALTER TABLE (\S+)/.exec(s)?.[1])).toEqual(['tally.usage_events_local']);
    expect(vertical[0]).toMatch(/MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 1$/);
  });

  it('writes 64 KiB compression blocks in the per-node rollup tables (0026), not the Distributed ones, which have no parts', () => {
    const blocks = sharded.filter((s) => /usage_rollup\w* [\s\S]*MODIFY SETTING max_compress_block_size/.test(s));
    expect(blocks.map((s) => /^ALTER TABLE (\S+)/.exec(s)?.[1])).toEqual(['usage_rollup_full', 'usage_rollup_model', 'usage_rollup_agent', 'usage_rollup_user', 'usage_rollup_model_all'].map((t) => `tally.${t}_local`));
    for (const s of blocks) expect(s).toMatch(/MODIFY SETTING max_compress_block_size = 65536$/);
  });

  it('widens the merge selector of the per-node raw events and rollups (0027), not of the Distributed tables, which have no parts', () => {
    const wider = sharded.filter((s) => /MODIFY SETTING merge_selector_base/.test(s));
    expect(wider.map((s) => /^ALTER TABLE (\S+)/.exec(s)?.[1])).toEqual(['usage_events', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_agent', 'usage_rollup_user', 'usage_rollup_model_all'].map((t) => `tally.${t}_local`));
    for (const s of wider) expect(s).toMatch(/MODIFY SETTING merge_selector_base = 20$/);
  });

  it('runs every DDL statement on the whole cluster, and is pinned', async () => {
    for (const s of sharded.filter((x) => !x.startsWith('INSERT INTO '))) expect(s).toContain('ON CLUSTER tally_cluster');
    await expect(`${sharded.join(';\n\n')};\n`).toMatchFileSnapshot('./__snapshots__/sharded-ddl.sql');
  });
});
