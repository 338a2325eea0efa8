/**
 * The `budgets` operations of the analytics-store port: rows of the budget
 * tables (migration 0010_budgets.sql) as the budget repository stores them —
 * (kind, key, JSON body, version, deleted). The contract only; the SQL is in
 * budgets-sql.ts.
 */

export type BudgetRowKind = 'budget' | 'tier' | 'assignment';

export interface BudgetRow {
  readonly kind: BudgetRowKind;
  /** budget id, tier name, or JSON [tenant, user_id] of an assignment */
  readonly key: string;
  /** JSON of the budget or tier input; the tier name for an assignment */
  readonly body: string;
  /** decimal */
  readonly version: string;
  readonly deleted: boolean;
}

export interface BudgetOperations {
  /** Newest row per key of a kind, deleted keys left out, by key. */
  live(kind: BudgetRowKind): Promise<BudgetRow[]>;
  /** Newest row of one key, deleted or not. */
  one(kind: BudgetRowKind, key: string): Promise<BudgetRow | null>;
  /** Appends rows (one insert per table); the highest version of a key wins. */
  write(rows: readonly BudgetRow[]): Promise<void>;
  /** Highest version of any row of any kind, deletions included; '0' when empty. */
  maxVersion(): Promise<string>;
}
