/**
 * Migration files → executable statements: split on `;` (outside strings,
 * quoted identifiers and comments, which are dropped), then fill the few
 * placeholders that cannot be bound parameters because they are identifiers
 * or DDL. Every substituted value is validated; no data value is templated.
 *
 * | placeholder | renders as |
 * |---|---|
 * | `{{database}}` | the validated database name |
 * | `{{on_cluster}}` | empty, or `ON CLUSTER <name>` |
 * | `{{engine:XMergeTree(args)}}` | `XMergeTree(args)`, or on a cluster `ReplicatedXMergeTree('<zoo path>', '{replica}', args)` |
 * | `{{retention_months}}` | a whole number of months (1 to 1200) |
 * | `{{deduplication_window}}` | `non_replicated_deduplication_window = N`, or on a cluster `replicated_deduplication_window = N` |
 */
import { TallyError } from '../core/errors.js';
import { assertIdentifier } from './sql.js';

/**
 * ZooKeeper/Keeper path of a Replicated table. `{shard}` and `{replica}` are
 * server macros (config `<macros>`); `{database}` and `{table}` are expanded by
 * ClickHouse at CREATE time, so every table gets its own path per shard.
 */
export const REPLICATED_ZOO_PATH = '/clickhouse/tables/{shard}/{database}/{table}';
export const REPLICATED_REPLICA_NAME = '{replica}';

/** Insert blocks remembered per table for deduplicating retried inserts. */
export const DEDUPLICATION_WINDOW = 10_000;

export interface TemplateOptions {
  readonly database: string;
  /** Cluster name: adds ON CLUSTER and uses Replicated engines. */
  readonly cluster?: string;
  readonly retentionMonths: number;
}

/** Splits SQL text into statements, dropping comments and empty statements. */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? n : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end === -1) throw new TallyError('MIGRATION_FAILED', 'unterminated /* comment */');
      i = end + 2;
      cur += ' ';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        const d = text[j];
        if (d === '\\') j += 2;
        else if (d === c && text[j + 1] === c) j += 2;
        else if (d === c) break;
        else j += 1;
      }
      if (j >= n) throw new TallyError('MIGRATION_FAILED', `unterminated ${c}quoted${c} text`);
      cur += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === ';') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
      i += 1;
      continue;
    }
    cur += c;
    i += 1;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

const ENGINE_RE = /^([A-Za-z]*MergeTree)(?:\((.*)\))?$/s;

function renderEngine(spec: string, cluster: string | undefined): string {
  const m = ENGINE_RE.exec(spec.trim());
  if (!m) throw new TallyError('MIGRATION_FAILED', `{{engine:${spec}}} is not a MergeTree engine`);
  const name = m[1] as string;
  const args = (m[2] ?? '').trim();
  if (cluster === undefined) return `${name}(${args})`;
  const zoo = `'${REPLICATED_ZOO_PATH}', '${REPLICATED_REPLICA_NAME}'`;
  return `Replicated${name}(${args === '' ? zoo : `${zoo}, ${args}`})`;
}

/** Fills the placeholders of one statement. */
export function renderStatement(sql: string, options: TemplateOptions): string {
  const database = assertIdentifier(options.database, 'database');
  const cluster = options.cluster === undefined ? undefined : assertIdentifier(options.cluster, 'cluster');
  const months = options.retentionMonths;
  if (!Number.isInteger(months) || months < 1 || months > 1200) {
    throw new TallyError('CONFIG_INVALID', `retentionMonths must be a whole number from 1 to 1200, got ${months}`);
  }
  // A placeholder swallows the space before it when it renders empty ({{on_cluster}} without a cluster).
  return sql.replace(/( ?)\{\{\s*([a-z_]+)(?::([^}]*))?\s*\}\}/g, (_all, space: string, name: string, arg: string | undefined) => {
    const value = placeholder(name, arg, database, cluster, months);
    return value === '' ? '' : `${space}${value}`;
  });
}

function placeholder(name: string, arg: string | undefined, database: string, cluster: string | undefined, months: number): string {
  switch (name) {
    case 'database':
      return database;
    case 'on_cluster':
      return cluster === undefined ? '' : `ON CLUSTER ${cluster}`;
    case 'engine':
      return renderEngine(arg ?? '', cluster);
    case 'retention_months':
      return String(months);
    case 'deduplication_window':
      return cluster === undefined
        ? `non_replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`
        : `replicated_deduplication_window = ${DEDUPLICATION_WINDOW}`;
    default:
      throw new TallyError('MIGRATION_FAILED', `unknown placeholder {{${name}}}`);
  }
}

/** Splits and renders a migration file. */
export function renderMigrationSql(text: string, options: TemplateOptions): string[] {
  return splitStatements(text).map((s) => renderStatement(s, options));
}
