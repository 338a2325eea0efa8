/**
 * The usage operation group of the store port (`store.usage`): the queries
 * behind summaries, breakdowns, timeseries, records, sessions and latency,
 * as typed operations over a `SqlExecutor`. Callers pass a spec and get the
 * store's rows back — and, where an answer describes its source, the plan of
 * the segments it was read from. The SQL text lives in the query objects of
 * this folder, pinned by test/unit/store/usage-queries.test.ts.
 */
import type { SqlExecutor } from '../executor.js';
import { breakdownQuery, timeseriesQuery, type BreakdownStoreRow } from './breakdown.js';
import { latencyHistogramPlan, latencyHistogramQuery, latencyQuery, latencyRowFromHistogram, type LatencyHistogramRow, type LatencyStoreRow } from './latency.js';
import type { PlannedQuery, SourcePlan } from './plan.js';
import { readRecords } from './records-read.js';
import type { RecordRow } from './records.js';
import { sessionQuery, type SessionRow } from './session.js';
import type { BreakdownSpec, LatencyQuantiles, LatencySpec, RecordPosition, RecordsSpec, SessionSpec, SummarySpec, TimeseriesSpec } from './specs.js';
import { summaryQuery, type SummaryRow } from './summary.js';

/** Rows and the plan of the segments they were read from. */
export interface PlannedRows<Row> {
  readonly rows: Row[];
  readonly plan: SourcePlan;
}

export interface UsageQueries {
  /** Every measure per model label, from rollups where they answer exactly and raw events where they must. */
  summary(spec: SummarySpec): Promise<PlannedRows<SummaryRow>>;
  /** The measures per group (and bucket), the top `limit` groups and one "other" row (per bucket). */
  breakdown(spec: BreakdownSpec): Promise<PlannedRows<BreakdownStoreRow>>;
  /** The measures per bucket, optionally per stacked value (top `limit` and "other"); empty buckets are absent. */
  timeseries(spec: TimeseriesSpec): Promise<PlannedRows<BreakdownStoreRow>>;
  /** Up to `limit` + 1 events newest first, after `after` when given (one row more than a page: another page follows). */
  records(spec: RecordsSpec, after: RecordPosition | null): Promise<RecordRow[]>;
  /** One row of the session's measures and the ids seen; its `events` is 0 when no event of the session is in scope. */
  session(spec: SessionSpec): Promise<SessionRow[]>;
  /** One row per group and one overall (`is_total`), how the percentiles were computed, and the plan read. */
  latency(spec: LatencySpec): Promise<LatencyAnswer>;
}

/** The latency rows, `exact` (raw events) or `histogram` (the latency rollups, within 1 %), and the segments read. */
export interface LatencyAnswer {
  readonly rows: LatencyStoreRow[];
  readonly quantiles: LatencyQuantiles;
  readonly plan: SourcePlan;
}

export function createUsageQueries(sql: SqlExecutor): UsageQueries {
  const planned = async <Row extends object>(q: PlannedQuery): Promise<PlannedRows<Row>> => ({ rows: await sql.query<Row>(q), plan: q.plan });
  return {
    summary: (spec) => planned<SummaryRow>(summaryQuery(spec)),
    breakdown: (spec) => planned<BreakdownStoreRow>(breakdownQuery(spec)),
    timeseries: (spec) => planned<BreakdownStoreRow>(timeseriesQuery(spec)),
    records: (spec, after) => readRecords(sql, spec, after),
    session: (spec) => sql.query<SessionRow>(sessionQuery(spec)),
    async latency(spec) {
      const plan = latencyHistogramPlan(spec);
      if (plan === null) {
        const rows = await sql.query<LatencyStoreRow>(latencyQuery(spec));
        const rawReason = spec.quantiles === 'histogram' ? 'a filter the latency rollups do not carry needs raw events' : 'exact percentiles need raw events';
        return { rows, quantiles: 'exact', plan: { segments: [{ source: 'raw', table: 'usage_events', from: spec.from, to: spec.to }], rawReason } };
      }
      const rows = await sql.query<LatencyHistogramRow>(latencyHistogramQuery(spec, plan));
      return { rows: rows.map(latencyRowFromHistogram), quantiles: 'histogram', plan };
    },
  };
}
