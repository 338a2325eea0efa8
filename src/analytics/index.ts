/** Analytics over the store: the service, its inputs, results and query objects. See docs/analytics.md. */
export { createAnalyticsService, type AnalyticsService, type AnalyticsServiceOptions } from './service.js';
export type * from './types.js';
export { BUCKETS, DIMENSIONS, SORTABLE_MEASURES, STATUSES, type Bucket, type Dimension, type Measure, type Measures } from './model.js';
export { resolveRange, namedPeriod, type ResolvedRange } from './range.js';
export type { TenantScope } from './sql.js';
