/**
 * Repository storage in the analytics store (tables of migration
 * 0010_budgets.sql). Reads use FINAL and `deleted = 0`; every statement is a
 * query object with bound parameters.
 */
import type { AnalyticsStore, SqlQuery } from '../store/types.js';
import { BudgetRepository, type RepositoryOptions, type RepositoryStorage, type RowKind, type StoredRow } from './repository.js';
import { formatDateTime64 } from '../core/time.js';

const TABLES: Readonly<Record<RowKind, { table: string; key: string; body: string }>> = {
  budget: { table: 'budgets', key: 'id', body: 'body' },
  tier: { table: 'budget_tiers', key: 'name', body: 'body' },
  // An assignment's key is JSON [tenant, user]; its body is the tier name.
  assignment: { table: 'budget_tier_assignments', key: 'toJSONString([tenant, user_id])', body: 'tier' },
};

interface Row {
  readonly key: string;
  readonly body: string;
  readonly version: string;
  readonly deleted: number;
}

export function liveRowsQuery(kind: RowKind): SqlQuery {
  const t = TABLES[kind];
  return {
    sql: `/* tally:budgets.repository_live */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE deleted = 0
ORDER BY key`,
  };
}

export function oneRowQuery(kind: RowKind, key: string): SqlQuery {
  const t = TABLES[kind];
  if (kind === 'assignment') {
    const [tenant = '', user = ''] = JSON.parse(key) as string[];
    return {
      sql: `/* tally:budgets.repository_one */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE tenant = {tenant:String} AND user_id = {user:String}`,
      params: { tenant, user },
    };
  }
  return {
    sql: `/* tally:budgets.repository_one */
SELECT ${t.key} AS key, ${t.body} AS body, toString(version) AS version, deleted
FROM ${t.table} FINAL
WHERE ${t.key} = {key:String}`,
    params: { key },
  };
}

export function maxVersionQuery(): SqlQuery {
  return {
    sql: `/* tally:budgets.repository_version */
SELECT toString(greatest(
    (SELECT max(version) FROM budgets),
    (SELECT max(version) FROM budget_tiers),
    (SELECT max(version) FROM budget_tier_assignments))) AS version`,
  };
}

function toRow(kind: RowKind, r: Row): StoredRow {
  return { kind, key: r.key, body: r.body, version: r.version, deleted: Number(r.deleted) === 1 };
}

export class StoreRepositoryStorage implements RepositoryStorage {
  constructor(private readonly store: AnalyticsStore) {}

  async live(kind: RowKind): Promise<StoredRow[]> {
    return (await this.store.sql.query<Row>(liveRowsQuery(kind))).map((r) => toRow(kind, r));
  }

  async one(kind: RowKind, key: string): Promise<StoredRow | null> {
    const [row] = await this.store.sql.query<Row>(oneRowQuery(kind, key));
    return row ? toRow(kind, row) : null;
  }

  async write(rows: readonly StoredRow[]): Promise<void> {
    const updated_at = formatDateTime64(new Date());
    for (const kind of ['budget', 'tier', 'assignment'] as const) {
      const mine = rows.filter((r) => r.kind === kind);
      if (mine.length === 0) continue;
      const values = mine.map((r) => {
        const common = { version: r.version, deleted: r.deleted ? 1 : 0, updated_at };
        if (kind === 'assignment') {
          const [tenant = '', user = ''] = JSON.parse(r.key) as string[];
          return { tenant, user_id: user, tier: r.body, ...common };
        }
        return { [TABLES[kind].key]: r.key, body: r.body, ...common };
      });
      await this.store.sql.insert(TABLES[kind].table, values);
    }
  }

  async maxVersion(): Promise<string> {
    const [row] = await this.store.sql.query<{ version: string }>(maxVersionQuery());
    return row?.version ?? '0';
  }
}

export function createStoreBudgetRepository(store: AnalyticsStore, options: RepositoryOptions = {}): BudgetRepository {
  return new BudgetRepository(new StoreRepositoryStorage(store), options);
}
