/**
 * What the service asks the store for: each parsed query, with the caller's
 * tenant scope, as the spec of a `store.usage` operation.
 */
import type { BreakdownQuery, LatencyQuery, RecordsQuery, SessionQuery, SummaryQuery, TimeseriesQuery } from './inputs.js';
import { rankMeasure, storeMeasuresFor } from './model.js';
import type { BreakdownSpec, LatencySpec, RecordsSpec, SessionSpec, SummarySpec, TenantScope, TimeseriesSpec } from '../store/usage/index.js';

export function summarySpec(q: SummaryQuery, scope: TenantScope): SummarySpec {
  return { scope, filters: q.filters, from: q.from, to: q.to, tz: q.tz, source: q.source, ...(q.measures === null ? {} : { measures: storeMeasuresFor(q.measures) }) };
}

export function breakdownSpec(q: BreakdownQuery, scope: TenantScope): BreakdownSpec {
  return { ...summarySpec(q, scope), by: q.by, bucket: q.bucket, sort: rankMeasure(q.sort), order: q.order, limit: q.limit };
}

/** Stacked values are ranked by the plotted measure; `measure=all` ranks them by cost. One plotted measure: only its inputs are summed. */
export function timeseriesSpec(q: TimeseriesQuery, scope: TenantScope): TimeseriesSpec {
  return { ...summarySpec(q, scope), bucket: q.bucket, stackBy: q.stackBy, rank: q.measure === 'all' ? 'cost_total' : rankMeasure(q.measure), limit: q.limit, ...(q.measure === 'all' ? {} : { measures: storeMeasuresFor([q.measure]) }) };
}

export function recordsSpec(q: RecordsQuery, scope: TenantScope): RecordsSpec {
  return { scope, filters: q.filters, ...(q.eventIds.length > 0 ? { eventIds: q.eventIds } : {}), from: q.from, to: q.to, limit: q.limit };
}

export function sessionSpec(q: SessionQuery, scope: TenantScope): SessionSpec {
  return { scope, filters: q.filters, id: q.id, from: q.from, to: q.to };
}

export function latencySpec(q: LatencyQuery, scope: TenantScope): LatencySpec {
  return { scope, filters: q.filters, from: q.from, to: q.to, by: q.by, quantiles: q.quantiles };
}
