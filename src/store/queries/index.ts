/** Query objects: each returns `{sql, params}`; unit tests pin the SQL text. */
export { rawTotalsQuery, rollupTotalsQuery, type TenantTotalsRow, type TotalsRange } from './totals.js';
export { existingEventsQuery, eventByIdQuery, type ExistingEventsInput, type EventByIdInput } from './events.js';
export { rollupGrainFor, zoneOffsets, type RollupGrain, type TimeBucket } from './grain.js';
export { MEASURE_NAMES, rawMeasuresSql, rollupMeasuresSql, type TotalsMeasures } from './measures.js';
export type { Instant } from './time.js';
