/** Analytics over the store: the service, its inputs and results; the store's `usage` operations read the data. See docs/analytics.md. */
export { BREAKDOWN_DIMENSIONS, EVENT_STATUSES, type BreakdownDimension } from '../core/dimensions.js';
export { createAnalyticsService, type AnalyticsService, type AnalyticsServiceOptions } from './service.js';
export type * from './types.js';
export { BUCKETS, SORTABLE_MEASURES, type Bucket, type Measure, type Measures } from './model.js';
export { resolveRange, namedPeriod, type ResolvedRange } from './range.js';
export type { TenantScope } from '../store/usage/index.js';
