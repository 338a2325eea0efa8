/**
 * The analytics store's public surface: the port, both adapters, migrations,
 * event rows and the retry-safe dedupe/insert path, and query objects.
 * See docs/storage.md.
 */
export { formatDateTime64 } from '../core/time.js';
export type { AnalyticsStore, InsertOptions, SqlParam, SqlQuery } from './types.js';
export { createChdbStore, type ChdbStoreOptions } from './chdb/store.js';
export { createClickHouseStore, type ClickHouseStoreOptions } from './clickhouse/store.js';
export { acquireChdbEngine, openChdbEnginePath, type ChdbEngine } from './chdb/engine.js';
export { OUTPUT_SETTINGS, INSERT_SETTINGS } from './settings.js';
export { DEFAULT_RETENTION_MONTHS, MIGRATIONS_DIR, loadMigrations, migrate, renderMigration, type MigrateOptions, type MigrateResult, type MigrationFile } from './migrate.js';
export { cancellationOf, toDateTime64Text, toEventRow, type EventRowOptions, type UsageEventRow } from './event-row.js';
export {
  USAGE_EVENTS_TABLE,
  dedupeAndInsert,
  deduplicationToken,
  eventKey,
  existingEventIds,
  insertEventRows,
  insertPricedEvents,
  type DedupeResult,
  type EventKey,
  type ExistingOptions,
} from './events.js';
export { assertIdentifier } from './sql.js';
export * from './queries/index.js';
export * from './usage/index.js';
