/**
 * Migration files, their rendering (single node and cluster) and the runner's
 * bookkeeping against a recording fake store. The cluster variant cannot run
 * here, so its full DDL is pinned in __snapshots__/cluster-ddl.sql and parsed
 * by ClickHouse in the integration contract (formatQuery).
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderStatement, splitStatements, REPLICATED_ZOO_PATH } from '../../../src/store/ddl.js';
import { loadMigrations, migrate, renderAllMigrations, renderMigration } from '../../../src/store/migrate.js';
import type { SqlExecutor, InsertOptions, SqlQuery } from '../../../src/store/types.js';
import { TallyError } from '../../../src/core/errors.js';
import { rowsOf } from '../../../src/store/sql.js';

const SINGLE = { database: 'tally', retentionMonths: 13 };
/** The storage migrations (0001-0009); other owners add theirs to the same folder (0010 budgets, …). */
const storage = (): ReturnType<typeof loadMigrations> => loadMigrations().filter((f) => f.version < 10);
const CLUSTER = { database: 'tally', cluster: 'tally_cluster', retentionMonths: 13 };

describe('splitStatements', () => {
  it('splits on semicolons outside strings, quoted names and comments, and drops the comments', () => {
    const text = `-- header; with a semicolon
CREATE TABLE a (s String DEFAULT 'x;y', "q;" UInt8, \`b;\` UInt8); /* block; comment */
SELECT 'it''s; fine', 'back\\'slash;' ;;
-- trailing comment`;
    expect(splitStatements(text)).toEqual([
      'CREATE TABLE a (s String DEFAULT \'x;y\', "q;" UInt8, `b;` UInt8)',
      "SELECT 'it''s; fine', 'back\\'slash;'",
    ]);
  });

  it('refuses unterminated strings and comments', () => {
    expect(() => splitStatements("SELECT 'open")).toThrow(TallyError);
    expect(() => splitStatements('SELECT 1 /* open')).toThrow(TallyError);
  });
});

describe('renderStatement', () => {
  const ddl = 'CREATE TABLE IF NOT EXISTS {{database}}.t {{on_cluster}} (a UInt8) ENGINE = {{engine:ReplacingMergeTree(v)}} ORDER BY a TTL d + INTERVAL {{retention_months}} MONTH SETTINGS {{deduplication_window}}';

  it('renders the single-node variant', () => {
    expect(renderStatement(ddl, SINGLE)).toBe(
      'CREATE TABLE IF NOT EXISTS tally.t (a UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY a TTL d + INTERVAL 13 MONTH SETTINGS non_replicated_deduplication_window = 10000',
    );
  });

  it('renders the cluster variant with ON CLUSTER and a Replicated engine on the documented Keeper path', () => {
    expect(REPLICATED_ZOO_PATH).toBe('/clickhouse/tables/{shard}/{database}/{table}');
    expect(renderStatement(ddl, CLUSTER)).toBe(
      "CREATE TABLE IF NOT EXISTS tally.t ON CLUSTER tally_cluster (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', v) ORDER BY a TTL d + INTERVAL 13 MONTH SETTINGS replicated_deduplication_window = 10000",
    );
    expect(renderStatement('ENGINE = {{engine:SummingMergeTree}}', CLUSTER)).toBe(
      "ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')",
    );
  });

  it('accepts only identifiers and sane retention, and knows its placeholders', () => {
    expect(() => renderStatement(ddl, { ...SINGLE, database: 'x; DROP DATABASE y' })).toThrow(/plain identifier/);
    expect(() => renderStatement(ddl, { ...CLUSTER, cluster: "c' --" })).toThrow(/plain identifier/);
    expect(() => renderStatement(ddl, { ...SINGLE, retentionMonths: 0 })).toThrow(/retentionMonths/);
    expect(() => renderStatement(ddl, { ...SINGLE, retentionMonths: 1.5 })).toThrow(/retentionMonths/);
    expect(() => renderStatement('{{secret}}', SINGLE)).toThrow(/unknown placeholder/);
    expect(() => renderStatement('{{engine:Log}}', SINGLE)).toThrow(/not a MergeTree engine/);
  });
});

describe('migration files', () => {
  it('are numbered, named and ordered, storage first', () => {
    const files = loadMigrations();
    expect(storage().map((f) => `${f.version}:${f.name}`)).toEqual(['1:usage_events', '2:usage_rollups', '3:usage_reprices', '4:rollup_wide_counts', '5:rollup_checkpoints', '6:dead_letters', '7:stream_positions']);
    expect(files.map((f) => f.version)).toEqual([...files.map((f) => f.version)].sort((a, b) => a - b));
    for (const f of files) expect(f.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('render without placeholders left and with every table and view', () => {
    expect(loadMigrations().flatMap((f) => renderMigration(f, SINGLE)).join('\n')).not.toMatch(/\{\{/);
    const all = storage().flatMap((f) => renderMigration(f, SINGLE));
    const created = all.map((s) => /^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\S+)/.exec(s)?.[1]).filter((t) => t !== undefined);
    expect(created).toEqual([
      'tally.usage_events',
      'tally.usage_rollup_15m',
      'tally.usage_rollup_15m_mv',
      'tally.usage_rollup_hourly',
      'tally.usage_rollup_hourly_mv',
      'tally.usage_rollup_daily',
      'tally.usage_rollup_daily_mv',
      'tally.usage_reprices',
      'tally.rollup_checkpoints',
      'tally.dead_letters',
      'tally.stream_positions',
    ]);
    const events = all[0] as string;
    expect(events).toContain('ENGINE = ReplacingMergeTree(row_version)');
    expect(events).toContain('PARTITION BY toYYYYMM(occurred_at)');
    expect(events).toContain('ORDER BY (tenant, toDate(occurred_at), event_id)');
    expect(events).toContain('TTL toDateTime(occurred_at) + INTERVAL 13 MONTH DELETE');
  });

  it('pin the cluster variant', async () => {
    // Every DDL statement runs on every node; the one-time fills of the narrow rollups (0011), the
    // latency rollups (0012), the all-tenant ones (0018) and of the by-model histograms (0020) are inserts, which replicate within a shard (docs/storage.md: on several
    // shards, run them on each).
    const statements = loadMigrations().flatMap((f) => renderMigration(f, CLUSTER));
    for (const s of statements.filter((x) => !x.startsWith('INSERT INTO '))) expect(s).toContain('ON CLUSTER tally_cluster');
    expect(statements.filter((x) => x.startsWith('INSERT INTO ')).map((x) => /^INSERT INTO (\S+)/.exec(x)?.[1])).toEqual(
      [
        ...['model_15m', 'model_hourly', 'model_daily', 'agent_hourly', 'agent_daily', 'user_daily'].map((t) => `tally.usage_rollup_${t}`),
        ...['15m', 'hourly', 'daily'].map((g) => `tally.usage_latency_${g}`),
        ...['15m', 'hourly', 'daily'].map((g) => `tally.usage_rollup_model_all_${g}`),
        ...['15m', 'hourly', 'daily'].map((g) => `tally.usage_latency_all_${g}`),
        ...['15m', 'hourly', 'daily'].map((g) => `tally.usage_rollup_model_${g}`),
        // 0023: each shape's grains into one table
        ...[...['15m', 'hourly', 'daily'].map(() => 'full'), ...['15m', 'hourly', 'daily'].map(() => 'model'), 'agent', 'agent', 'user', 'model_all', 'model_all', 'model_all'].map((t) => `tally.usage_rollup_${t}`),
      ],
    );
    const rendered = [
      renderStatement('CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}}', CLUSTER),
      ...storage().flatMap((f) => renderMigration(f, CLUSTER)),
    ];
    // usage_events, rollup_checkpoints, dead_letters, stream_positions
    expect(rendered.filter((s) => s.includes('ENGINE = ReplicatedReplacingMergeTree(')).length).toBe(4);
    expect(rendered.filter((s) => s.includes('ENGINE = ReplicatedSummingMergeTree(')).length).toBe(3);
    await expect(`${rendered.join(';\n\n')};\n`).toMatchFileSnapshot('./__snapshots__/cluster-ddl.sql');
  });

  it('refuse misnamed files and duplicate versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tally-mig-unit-'));
    try {
      writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
      writeFileSync(join(dir, 'notes.md'), 'ignored');
      expect(loadMigrations(dir).map((f) => f.name)).toEqual(['a']);
      writeFileSync(join(dir, '10_b.sql'), 'SELECT 1;');
      expect(() => loadMigrations(dir)).toThrow(/must be named NNNN_lower_snake_name.sql/);
      rmSync(join(dir, '10_b.sql'));
      writeFileSync(join(dir, '0001_c.sql'), 'SELECT 1;');
      expect(() => loadMigrations(dir)).toThrow(/share version 1/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Records statements; answers the bookkeeping queries from memory. A migration target: `database` and `sql`. */
class RecordingStore implements SqlExecutor {
  readonly kind = 'chdb' as const;
  /** The fake is its own executor. */
  get sql(): SqlExecutor {
    return this;
  }
  readonly database = 'tally';
  readonly commands: string[] = [];
  readonly applied: { version: number; name: string; checksum: string }[] = [];
  failOn: RegExp | null = null;

  /** `system.tables` rows: table name → engine_full (for the retention check). */
  readonly tables = new Map<string, string>();

  async query<Row extends object>(q: SqlQuery): Promise<Row[]> {
    if (q.sql.includes('tally_migrations')) return this.applied as unknown as Row[];
    if (q.sql.includes('system.tables')) {
      const names = (q.params?.tables ?? []) as string[];
      return names.filter((n) => this.tables.has(n)).map((name) => ({ name, engine_full: this.tables.get(name) })) as unknown as Row[];
    }
    return [];
  }
  async command(q: SqlQuery): Promise<void> {
    if (this.failOn?.test(q.sql)) throw new TallyError('STORE_UNAVAILABLE', 'down');
    this.commands.push(q.sql);
  }
  async insert(_table: string, rows: readonly Record<string, unknown>[], _options?: InsertOptions): Promise<void> {
    for (const r of rows) this.applied.push({ version: Number(r.version), name: String(r.name), checksum: String(r.checksum) });
  }
  async insertValues(table: string, columns: readonly string[], values: readonly (readonly unknown[])[], options?: InsertOptions): Promise<void> {
    await this.insert(table, rowsOf(columns, values), options);
  }
  async insertRowBinary(): Promise<void> {
    throw new Error('not used here');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('migrate', () => {
  it('creates the database and bookkeeping table, applies each file once, in order', async () => {
    const store = new RecordingStore();
    const first = await migrate(store);
    expect(first.applied).toEqual(loadMigrations().map((f) => ({ version: f.version, name: f.name })));
    expect(first.applied.slice(0, 2)).toEqual([
      { version: 1, name: 'usage_events' },
      { version: 2, name: 'usage_rollups' },
    ]);
    expect(store.commands[0]).toBe('CREATE DATABASE IF NOT EXISTS tally');
    expect(store.commands[1]).toMatch(/^CREATE TABLE IF NOT EXISTS tally\.tally_migrations/);
    const count = store.commands.length;
    const again = await migrate(store);
    expect(again).toEqual({ applied: [], alreadyApplied: loadMigrations().length, retentionUpdated: [] });
    expect(store.commands.length - count).toBe(2); // only the idempotent bookkeeping DDL
  });

  it('names the file of a changed checksum and does not apply anything', async () => {
    const store = new RecordingStore();
    await migrate(store);
    (store.applied[1] as { checksum: string }).checksum = 'f'.repeat(64);
    await expect(migrate(store)).rejects.toThrow(/0002_usage_rollups\.sql changed after it was applied/);
  });

  it('wraps a failing statement in MIGRATION_FAILED, keeping retriability, and records nothing for that file', async () => {
    const store = new RecordingStore();
    store.failOn = /usage_rollup_hourly_mv/;
    const err = await migrate(store).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TallyError);
    expect(err).toMatchObject({ code: 'MIGRATION_FAILED', retriable: true, details: { version: 2, file: '0002_usage_rollups.sql', statement: 4 } });
    expect(store.applied.map((a) => a.version)).toEqual([1]);
  });

  it('in the sharded layout runs the sharded statements, and changes retention on the per-node tables only', async () => {
    const store = new RecordingStore();
    const options = { cluster: 'tally_cluster', shards: true } as const;
    await migrate(store, options);
    expect(store.commands).toEqual(renderAllMigrations({ database: 'tally', retentionMonths: 13, ...options }));
    store.tables.set('usage_events_local', 'ReplicatedReplacingMergeTree(…) TTL toDateTime(occurred_at) + toIntervalMonth(13)');
    store.tables.set('usage_rollup_model_local', "ReplicatedSummingMergeTree(…) TTL bucket + toIntervalMonth(6) WHERE grain != 'daily'");
    const count = store.commands.length;
    const result = await migrate(store, { ...options, retentionMonths: 13 });
    expect(result.retentionUpdated).toEqual(['usage_rollup_model']);
    // The daily grain stays beyond the retention (migration 0023).
    expect(store.commands.slice(count).filter((c) => c.includes('MODIFY TTL'))).toEqual([
      "ALTER TABLE tally.usage_rollup_model_local ON CLUSTER tally_cluster MODIFY TTL bucket + INTERVAL 13 MONTH DELETE WHERE grain != 'daily'",
    ]);
  });

  it('refuses the sharded layout without a cluster', async () => {
    await expect(migrate(new RecordingStore(), { shards: true })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
