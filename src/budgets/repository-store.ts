/**
 * Repository storage in the analytics store: the store's `budgets` operations
 * (tables of migration 0010_budgets.sql) are the repository's storage seam.
 */
import type { AnalyticsStore } from '../store/types.js';
import { BudgetRepository, type RepositoryOptions, type RepositoryStorage } from './repository.js';

/** The part of the store a budget repository uses. */
export type BudgetRowStore = Pick<AnalyticsStore, 'budgets'>;

export function createStoreBudgetRepository(store: BudgetRowStore, options: RepositoryOptions = {}): BudgetRepository {
  const storage: RepositoryStorage = store.budgets;
  return new BudgetRepository(storage, options);
}
