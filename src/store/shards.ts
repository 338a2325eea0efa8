/**
 * The multi-shard layout (`tally migrate --cluster NAME --shards`): every
 * table of the replicated layout becomes a Replicated `<table>_local` on each
 * node plus a `Distributed` table under the original name, so every query,
 * insert and repair in src/store keeps reading and writing the names it knows.
 *
 * | statement of the replicated layout | becomes |
 * |---|---|
 * | `CREATE TABLE db.t …` | `CREATE TABLE db.t_local …` and `CREATE TABLE db.t … AS db.t_local ENGINE = Distributed(…)` |
 * | `CREATE MATERIALIZED VIEW db.v … TO db.r AS SELECT … FROM db.s` | the same view over `db.r_local` and `db.s_local`: each shard rolls up its own rows |
 * | `ALTER TABLE db.t` of columns only | the same ALTER on `db.t_local`, then on `db.t` |
 * | `ALTER TABLE db.t` of anything else (indexes, TTL, settings) | on `db.t_local` only |
 * | `INSERT INTO db.r SELECT … FROM db.s` (one-time fills) | unchanged: reads every shard, each row routed to its tenant's shard |
 * | `DROP TABLE db.t` | the same on `db.t`, then on `db.t_local` |
 * | `CREATE DATABASE`, `DROP VIEW` | unchanged |
 *
 * Sharding key: tables whose sorting key starts with `tenant` are sharded by
 * `sipHash64(tenant)`, so a tenant's raw events, its rollups and every
 * version of a row that ReplacingMergeTree collapses live on one shard, and
 * FINAL (applied per shard) stays exact. Every other table (stream positions,
 * dead letters, budgets, checkpoints, the migrations record) is small and
 * keyed by something else: its rows all go to the first shard (key `0`), so
 * FINAL there is exact too, and reads through the Distributed table see them
 * from any node.
 *
 * Any other statement form is refused (MIGRATION_FAILED naming it), so a new
 * migration whose sharded form nobody wrote fails the unit test that renders
 * every migration in this layout, not a deployment.
 */
import { TallyError } from '../core/errors.js';
import { assertIdentifier } from './sql.js';

/** Suffix of the per-node Replicated table behind each Distributed one. */
export const LOCAL_SUFFIX = '_local';

/** Sharding expression of tenant-keyed tables. */
export const TENANT_SHARDING_KEY = 'sipHash64(tenant)';

export interface ShardLayout {
  readonly database: string;
  readonly cluster: string;
}

/** The name of the per-node table behind Distributed table `table`. */
export function localTableOf(table: string): string {
  return `${table}${LOCAL_SUFFIX}`;
}

/** Splits `text` on top-level commas (outside parentheses and quotes). */
function topLevelClauses(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== null) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out.filter((s) => s !== '');
}

const COLUMN_CLAUSE = /^(ADD|MODIFY|DROP|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

function shardingKeyOf(createTable: string): string {
  const order = /\bORDER BY\s+\(?\s*([A-Za-z_][A-Za-z0-9_]*)/i.exec(createTable);
  return order?.[1] === 'tenant' ? TENANT_SHARDING_KEY : '0';
}

/**
 * Rewrites one rendered statement of the replicated layout (ON CLUSTER,
 * Replicated engines) into the statements of the sharded layout; see the
 * module comment.
 */
export function shardStatement(sql: string, layout: ShardLayout): string[] {
  const db = assertIdentifier(layout.database, 'database');
  const cluster = assertIdentifier(layout.cluster, 'cluster');
  const name = `${db}\\.([A-Za-z_][A-Za-z0-9_]*)`;

  const create = new RegExp(`^CREATE TABLE IF NOT EXISTS ${name}(\\s+ON CLUSTER\\s+\\S+)`).exec(sql);
  if (create) {
    const table = create[1] as string;
    const local = localTableOf(table);
    const onCluster = create[2] as string;
    const distributed = `CREATE TABLE IF NOT EXISTS ${db}.${table}${onCluster} AS ${db}.${local}\nENGINE = Distributed('${cluster}', '${db}', '${local}', ${shardingKeyOf(sql)})`;
    return [sql.replace(`${db}.${table}`, `${db}.${local}`), distributed];
  }

  const view = new RegExp(`^CREATE MATERIALIZED VIEW IF NOT EXISTS ${name}\\s`).exec(sql);
  if (view) {
    const viewName = view[1] as string;
    const head = view[0];
    const body = sql.slice(head.length).replace(new RegExp(`\\b${name}\\b`, 'g'), (_all, t: string) =>
      t === viewName ? `${db}.${t}` : `${db}.${localTableOf(t)}`,
    );
    return [head + body];
  }

  const alter = new RegExp(`^ALTER TABLE ${name}(\\s+ON CLUSTER\\s+\\S+)\\s+`).exec(sql);
  if (alter) {
    const table = alter[1] as string;
    const clauses = topLevelClauses(sql.slice(alter[0].length));
    const columnOnly = clauses.every((c) => COLUMN_CLAUSE.test(c));
    const otherOnly = clauses.every((c) => !COLUMN_CLAUSE.test(c));
    if (!columnOnly && !otherOnly) {
      throw new TallyError('MIGRATION_FAILED', `ALTER TABLE ${db}.${table} mixes column changes with other changes; write them as two statements for the sharded layout`, {
        details: { table },
      });
    }
    const onLocal = sql.replace(`${db}.${table}`, `${db}.${localTableOf(table)}`);
    return columnOnly ? [onLocal, sql] : [onLocal];
  }

  const drop = new RegExp(`^DROP TABLE IF EXISTS ${name}\\s`).exec(sql);
  if (drop) {
    const table = drop[1] as string;
    return [sql, sql.replace(`${db}.${table}`, `${db}.${localTableOf(table)}`)];
  }

  if (/^INSERT INTO /.test(sql) || /^CREATE DATABASE /.test(sql) || /^DROP VIEW /.test(sql)) return [sql];

  throw new TallyError('MIGRATION_FAILED', `no sharded form for this statement: ${sql.replace(/\s+/g, ' ').slice(0, 80)}…`);
}

/** Rewrites a list of rendered statements into the sharded layout, in order. */
export function shardStatements(statements: readonly string[], layout: ShardLayout): string[] {
  return statements.flatMap((s) => shardStatement(s, layout));
}
