/** Repository storage in memory: tests, and embedded setups without a store. */
import { BudgetRepository, type RepositoryOptions, type RepositoryStorage, type RowKind, type StoredRow } from './repository.js';

export class MemoryRepositoryStorage implements RepositoryStorage {
  private readonly rows = new Map<string, StoredRow>();

  async live(kind: RowKind): Promise<StoredRow[]> {
    return [...this.rows.values()].filter((r) => r.kind === kind && !r.deleted).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async one(kind: RowKind, key: string): Promise<StoredRow | null> {
    return this.rows.get(`${kind}\n${key}`) ?? null;
  }

  async write(rows: readonly StoredRow[]): Promise<void> {
    for (const r of rows) {
      const id = `${r.kind}\n${r.key}`;
      const cur = this.rows.get(id);
      if (!cur || BigInt(r.version) >= BigInt(cur.version)) this.rows.set(id, r);
    }
  }

  async maxVersion(): Promise<string> {
    let max = 0n;
    for (const r of this.rows.values()) if (BigInt(r.version) > max) max = BigInt(r.version);
    return max.toString();
  }
}

export function createMemoryBudgetRepository(options: RepositoryOptions = {}): BudgetRepository {
  return new BudgetRepository(new MemoryRepositoryStorage(), options);
}
