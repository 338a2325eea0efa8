/** The usage operation group (`store.usage`): specs, the source planner, the query objects and the operations. See docs/analytics.md. */
export {
  LATENCY_DIMENSIONS,
  LATENCY_QUANTILES,
  type BreakdownSpec,
  type LatencyDimension,
  type LatencyQuantiles,
  type LatencySpec,
  type RecordPosition,
  type RecordsSpec,
  type SessionSpec,
  type SummarySpec,
  type TagFilter,
  type TenantScope,
  type TimeseriesSpec,
  type UsageFilters,
  type UsageSelection,
  type UsageSource,
} from './specs.js';
export { planSources, rawReason, segmentsOf, type PlanInput, type PlannedQuery, type Segment, type SegmentSource, type SourcePlan } from './plan.js';
export { summaryQuery, type SummaryRow } from './summary.js';
export { breakdownQuery, timeseriesBreakdown, timeseriesQuery, type BreakdownStoreRow } from './breakdown.js';
export {
  RECORD_COLUMNS,
  recordKeysQuery,
  recordPageConditions,
  recordsOfKeysQuery,
  recordsQuery,
  type RecordKey,
  type RecordKeyRow,
  type RecordRow,
} from './records.js';
export { RECORD_WINDOWS_MS, readRecords, readRecordsWindow } from './records-read.js';
export { sessionQuery, type SessionRow } from './session.js';
export { LATENCY_LEVELS, latencyHistogramPlan, latencyHistogramQuery, latencyQuery, latencyRowFromHistogram, type LatencyHistogramRow, type LatencyStoreRow } from './latency.js';
export { BIN_RATIO, ZERO_BIN, binValue, histogramQuantiles, type Histogram } from './latency-histogram.js';
export { createUsageQueries, type LatencyAnswer, type PlannedRows, type UsageQueries } from './operations.js';
