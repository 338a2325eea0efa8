/**
 * Versioned schema migrations (`tally migrate`). Every `NNNN_name.sql` file in
 * src/store/migrations/ is applied once, in version order, and recorded in
 * `tally_migrations` (version, name, checksum, applied_at). Running again is a
 * no-op; an applied file whose text changed is an error naming it (write a
 * new migration instead). Files may come from several owners (0001-0009
 * storage, 0010-0019 budgets, …): the runner takes whatever the folder holds.
 *
 * ClickHouse DDL is not transactional, so every statement is written to be
 * re-runnable (IF NOT EXISTS): a file that failed half-way is re-applied from
 * its first statement on the next run, and recorded only once it completed.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TallyError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import type { AnalyticsStore } from './types.js';
import { renderMigrationSql, renderStatement, type TemplateOptions } from './ddl.js';
import { localTableOf, shardStatements } from './shards.js';
import { assertIdentifier } from './sql.js';
import { formatDateTime64 } from '../core/time.js';

/** What migrations run on: a store's database and its SQL executor (an `AnalyticsStore` has both). */
export type MigrationTarget = Pick<AnalyticsStore, 'database' | 'sql'>;

/** Where tally's migration files live (copied next to the compiled code by the build). */
export const MIGRATIONS_DIR: string = fileURLToPath(new URL('./migrations/', import.meta.url));

/** Default retention of raw events and the 15-minute and hourly rollups. */
export const DEFAULT_RETENTION_MONTHS = 13;

export interface MigrationFile {
  readonly version: number;
  /** File name without version and extension, e.g. `usage_events`. */
  readonly name: string;
  readonly file: string;
  /** SHA-256 of the file text (line endings normalised), hex. */
  readonly checksum: string;
  readonly text: string;
}

export interface MigrateOptions {
  /** Database to migrate. Default: the store's database. */
  readonly database?: string;
  /** Cluster name: `ON CLUSTER <cluster>` on every statement and Replicated* engines (see docs/storage.md). */
  readonly cluster?: string;
  /**
   * With `cluster`: the multi-shard layout — Replicated `<table>_local` tables
   * on every node under Distributed tables sharded by tenant (src/store/shards.ts,
   * docs/storage.md "Sharding").
   */
  readonly shards?: boolean;
  /**
   * Months of raw events (and 15-minute/hourly rollups) kept by TTL. Default 13
   * for new tables. When given explicitly, existing tables whose TTL differs are
   * altered to it (a shorter retention drops older data); when omitted, existing
   * TTLs are left alone.
   */
  readonly retentionMonths?: number;
  /** Folder of migration files. Default MIGRATIONS_DIR. */
  readonly dir?: string;
  readonly logger?: Logger;
}

export interface MigrateResult {
  /** Migrations applied by this run, in order. */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
  /** Migrations found already applied. */
  readonly alreadyApplied: number;
  /** Tables whose TTL was changed to match `retentionMonths`. */
  readonly retentionUpdated: readonly string[];
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex');
}

/** Reads the migration files of `dir`, in version order. Misnamed `.sql` files and duplicate versions are errors. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new TallyError('MIGRATION_FAILED', `cannot read migrations folder ${dir}: ${errorMessage(err)}`, { cause: err });
  }
  const files: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const file of names.sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new TallyError('MIGRATION_FAILED', `migration file ${file} must be named NNNN_lower_snake_name.sql`);
    const version = Number(m[1]);
    const other = seen.get(version);
    if (other !== undefined) throw new TallyError('MIGRATION_FAILED', `migrations ${other} and ${file} share version ${version}`);
    seen.set(version, file);
    const text = readFileSync(join(dir, file), 'utf8');
    files.push({ version, name: m[2] as string, file, checksum: checksumOf(text), text });
  }
  return files.sort((a, b) => a.version - b.version);
}

/** Template options plus the layout: single node, replicated (`cluster`) or sharded (`cluster` + `shards`). */
export interface LayoutOptions extends TemplateOptions {
  readonly shards?: boolean;
}

/** The statements of `rendered` in the layout `options` asks for. */
function inLayout(rendered: string[], options: LayoutOptions): string[] {
  if (!options.shards) return rendered;
  if (options.cluster === undefined) throw new TallyError('CONFIG_INVALID', 'the sharded layout needs a cluster name (--cluster or clickhouse.cluster)');
  return shardStatements(rendered, { database: options.database, cluster: options.cluster });
}

function bookkeepingSql(options: LayoutOptions): string[] {
  return inLayout([
    renderStatement('CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}}', options),
    renderStatement(
      `CREATE TABLE IF NOT EXISTS {{database}}.tally_migrations {{on_cluster}}
(
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = {{engine:ReplacingMergeTree(applied_at)}}
ORDER BY version`,
      options,
    ),
  ], options);
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/** The statements `migrate` would run for one file, rendered (for `tally migrate --print` and tests). */
export function renderMigration(file: MigrationFile, options: LayoutOptions): string[] {
  return inLayout(renderMigrationSql(file.text, options), options);
}

/** Every statement `migrate` runs on an empty database, bookkeeping first (`tally migrate --print`). */
export function renderAllMigrations(options: LayoutOptions, dir: string = MIGRATIONS_DIR): string[] {
  return [...bookkeepingSql(options), ...loadMigrations(dir).flatMap((f) => renderMigration(f, options))];
}

/** Applies every pending migration in order; see the module comment. */
export async function migrate(store: MigrationTarget, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.logger ?? silentLogger();
  const database = assertIdentifier(options.database ?? store.database, 'database');
  const template: LayoutOptions = {
    database,
    retentionMonths: options.retentionMonths ?? DEFAULT_RETENTION_MONTHS,
    ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    ...(options.shards ? { shards: true } : {}),
  };
  const files = loadMigrations(options.dir);
  for (const sql of bookkeepingSql(template)) await store.sql.command({ sql });

  const appliedRows = await store.sql.query<AppliedRow>({
    sql: `SELECT version, name, checksum FROM ${database}.tally_migrations FINAL ORDER BY version`,
  });
  const applied = new Map(appliedRows.map((r) => [Number(r.version), r]));
  for (const file of files) {
    const row = applied.get(file.version);
    if (row !== undefined && row.checksum !== file.checksum) {
      throw new TallyError(
        'MIGRATION_FAILED',
        `migration ${file.file} changed after it was applied (recorded checksum ${row.checksum.slice(0, 12)}…, file ${file.checksum.slice(0, 12)}…); add a new migration instead of editing an applied one`,
        { details: { version: file.version, file: file.file } },
      );
    }
  }

  const done: { version: number; name: string }[] = [];
  for (const file of files) {
    if (applied.has(file.version)) continue;
    const statements = renderMigration(file, template);
    log.info({ version: file.version, migration: file.name, statements: statements.length }, 'applying migration');
    for (const [i, sql] of statements.entries()) {
      try {
        await store.sql.command({ sql });
      } catch (err) {
        throw new TallyError('MIGRATION_FAILED', `migration ${file.file} failed at statement ${i + 1} of ${statements.length}: ${errorMessage(err)}`, {
          cause: err,
          details: { version: file.version, file: file.file, statement: i + 1 },
          retriable: err instanceof TallyError && err.retriable,
        });
      }
    }
    await store.sql.insert(`${database}.tally_migrations`, [
      { version: file.version, name: file.name, checksum: file.checksum, applied_at: formatDateTime64(new Date()) },
    ]);
    done.push({ version: file.version, name: file.name });
  }
  const known = new Set(files.map((f) => f.version));
  for (const v of applied.keys()) {
    if (!known.has(v)) log.warn({ version: v }, 'an applied migration has no file in this build (newer schema?)');
  }
  const retentionUpdated = options.retentionMonths === undefined ? [] : await ensureRetention(store, template, log);
  return { applied: done, alreadyApplied: files.length - done.length, retentionUpdated };
}

/**
 * Tables whose TTL follows `retentionMonths`, with the expression their TTL
 * is computed from and the rows it drops (all, or those matching `where`:
 * the rollups keep their daily grain beyond the retention, migration 0023).
 */
export const RETENTION_TABLES: readonly { readonly table: string; readonly ttlOf: string; readonly where?: string }[] = [
  { table: 'usage_events', ttlOf: 'toDateTime(occurred_at)' },
  { table: 'usage_rollup_full', ttlOf: 'bucket', where: "grain != 'daily'" },
  { table: 'usage_rollup_model', ttlOf: 'bucket', where: "grain != 'daily'" },
  { table: 'usage_rollup_agent', ttlOf: 'bucket', where: "grain != 'daily'" },
  { table: 'usage_rollup_model_all', ttlOf: 'bucket', where: "grain != 'daily'" },
];

/**
 * Brings the TTL of the retention tables in line with `retentionMonths` when it
 * was changed after they were created (ALTER … MODIFY TTL; parts past the new
 * horizon are dropped by the next TTL merge).
 */
async function ensureRetention(store: MigrationTarget, options: LayoutOptions, log: Logger): Promise<string[]> {
  // In the sharded layout the TTL lives on the per-node tables.
  const stored = (table: string): string => (options.shards ? localTableOf(table) : table);
  const rows = await store.sql.query<{ name: string; engine_full: string }>({
    sql: 'SELECT name, engine_full FROM system.tables WHERE database = {database:String} AND name IN {tables:Array(String)}',
    params: { database: options.database, tables: RETENTION_TABLES.map((t) => stored(t.table)) },
  });
  const updated: string[] = [];
  for (const { table, ttlOf, where } of RETENTION_TABLES) {
    const row = rows.find((r) => r.name === stored(table));
    if (row === undefined) continue;
    const current = /toIntervalMonth\((\d+)\)/.exec(row.engine_full)?.[1];
    if (current !== undefined && Number(current) === options.retentionMonths) continue;
    const alter = renderStatement(
      `ALTER TABLE {{database}}.${table} {{on_cluster}} MODIFY TTL ${ttlOf} + INTERVAL {{retention_months}} MONTH DELETE${where === undefined ? '' : ` WHERE ${where}`}`,
      options,
    );
    for (const sql of inLayout([alter], options)) await store.sql.command({ sql });
    log.info({ table, from: current ?? null, to: options.retentionMonths }, 'retention changed');
    updated.push(table);
  }
  return updated;
}
