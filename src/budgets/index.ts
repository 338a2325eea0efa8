/** The budgets library: what the processor, the API and the CLI import. */
export { BudgetEngine, DEFAULT_GRACE_MS, type BudgetEngineOptions } from './engine.js';
export { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile.js';
export { CounterRecovery, OUTAGE_POLICIES, type CounterRecoveryOptions, type EngineRecovery, type OutageAnswer, type OutagePolicy, type RecoveryEvents, type RecoveryState } from './recovery.js';
export { BudgetSet, compileBudget, periodOf, type BudgetState, type CompiledBudget } from './catalog.js';
export { StaticBudgetSource, WatchedBudgetSource, type BudgetSource, type BudgetStateReader, type ChangeFeed, type WatchedSourceOptions } from './source.js';
export { BudgetRepository, type ChangePublisher, type RepositoryOptions, type SeedInput, type SeedResult } from './repository.js';
export { createStoreBudgetRepository } from './repository-store.js';
export { createMemoryBudgetRepository } from './repository-memory.js';
export { WebhookNotifier, signPayload, verifySignature, type DeliveryReport, type WebhookOptions, type WebhookTarget } from './webhooks.js';
export { parseBudget, budgetInputSchema, METRICS, type Budget, type BudgetInput, type Metric, type Scope } from './model.js';
export { LEGACY_NAMES_REMOVED_IN, type Deprecation, type DeprecationSink } from './legacy.js';
export { parseTier, tierInputSchema, type Tier, type TierAssignment, type TierInput } from './tiers.js';
export { bucketAt, windowAt, periodStart, resetsAt, describePeriod, type Period, type PeriodKind } from './periods.js';
export type * from './types.js';
export { createAlertPublisher, type AlertPublisherOptions, type BudgetAlertPublisher } from './publisher.js';
