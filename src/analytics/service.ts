/**
 * The analytics service: the use cases behind /v1/usage/*, `tally report` and
 * the dashboard. Each takes its parameters as given (query-string values or
 * typed values; validated here, every mistake a field error) and the tenant
 * scope decided by the caller's key (`tenantScope`): a tenant id, or null for
 * every tenant — which only an all-tenant key may ask for. No parameter can
 * widen the scope. The store answers through `store.usage`; the answers are
 * shaped here (src/analytics/results/).
 */
import type { AnalyticsStore } from '../store/types.js';
import type { TenantScope } from '../store/usage/index.js';
import { decodeCursor } from './cursor.js';
import { parseBreakdown, parseLatency, parseRecords, parseSession, parseSummary, parseTimeseries } from './inputs.js';
import { breakdownResult } from './results/breakdown.js';
import { latencyResult } from './results/latency.js';
import { recordsResult } from './results/records.js';
import { sessionResult } from './results/session.js';
import { summaryResult } from './results/summary.js';
import { rangeBuckets, timeseriesResult } from './results/timeseries.js';
import { breakdownSpec, latencySpec, recordsSpec, sessionSpec, summarySpec, timeseriesSpec } from './specs.js';
import type { BreakdownResult, LatencyResult, RecordsResult, SessionResult, SummaryResult, TimeseriesResult } from './types.js';

export interface AnalyticsService {
  /** Totals and per-model tokens and cost. */
  summary(input: unknown, scope: TenantScope): Promise<SummaryResult>;
  /** Measures by one or two dimensions and/or a time bucket, top-N + other. */
  breakdown(input: unknown, scope: TenantScope): Promise<BreakdownResult>;
  /** One measure (or all) per bucket, zero-filled, optionally stacked. */
  timeseries(input: unknown, scope: TenantScope): Promise<TimeseriesResult>;
  /** Individual events, newest first, one page. */
  records(input: unknown, scope: TenantScope): Promise<RecordsResult>;
  /** One session's usage; NOT_FOUND when none of its events is in scope. */
  session(id: string, input: unknown, scope: TenantScope): Promise<SessionResult>;
  /** Latency percentiles and error rates. */
  latency(input: unknown, scope: TenantScope): Promise<LatencyResult>;
}

export interface AnalyticsServiceOptions {
  /** The clock for default ranges. Default Date.now. */
  readonly now?: () => number;
}

export function createAnalyticsService(store: AnalyticsStore, options: AnalyticsServiceOptions = {}): AnalyticsService {
  const now = options.now ?? Date.now;
  return {
    async summary(input, scope) {
      const q = parseSummary(input, now());
      const { rows, plan } = await store.usage.summary(summarySpec(q, scope));
      return summaryResult(rows, q, plan);
    },
    async breakdown(input, scope) {
      const q = parseBreakdown(input, now());
      if (q.bucket !== null) rangeBuckets({ ...q, bucket: q.bucket });
      const { rows, plan } = await store.usage.breakdown(breakdownSpec(q, scope));
      return breakdownResult(rows, q, plan);
    },
    async timeseries(input, scope) {
      const q = parseTimeseries(input, now());
      rangeBuckets(q);
      const { rows, plan } = await store.usage.timeseries(timeseriesSpec(q, scope));
      return timeseriesResult(rows, q, plan);
    },
    async records(input, scope) {
      const q = parseRecords(input, now());
      const after = q.cursor === null ? null : decodeCursor(q.cursor);
      return recordsResult(await store.usage.records(recordsSpec(q, scope), after), q);
    },
    async session(id, input, scope) {
      const q = parseSession(id, input);
      return sessionResult(await store.usage.session(sessionSpec(q, scope)), q);
    },
    async latency(input, scope) {
      const q = parseLatency(input, now());
      return latencyResult(await store.usage.latency(latencySpec(q, scope)), q);
    },
  };
}
