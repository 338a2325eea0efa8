/**
 * The analytics service: the use cases behind /v1/usage/*, `tally report` and
 * the dashboard. Each takes its parameters as given (query-string values or
 * typed values; validated here, every mistake a field error) and the tenant
 * scope decided by the caller's key (`tenantScope`): a tenant id, or null for
 * every tenant — which only an all-tenant key may ask for. No parameter can
 * widen the scope.
 */
import type { AnalyticsStore } from '../store/types.js';
import { decodeCursor } from './cursor.js';
import { parseBreakdown, parseLatency, parseRecords, parseSession, parseSummary, parseTimeseries } from './inputs.js';
import { breakdownQuery, breakdownResult, type BreakdownStoreRow } from './queries/breakdown.js';
import { latencyQuery, latencyResult, type LatencyStoreRow } from './queries/latency.js';
import { recordsQuery, recordsResult, type RecordRow } from './queries/records.js';
import { sessionQuery, sessionResult, type SessionRow } from './queries/session.js';
import { summaryQuery, summaryResult, type SummaryRow } from './queries/summary.js';
import { rangeBuckets, timeseriesQuery, timeseriesResult } from './queries/timeseries.js';
import type { TenantScope } from './sql.js';
import { parseStoreTime } from './time.js';
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

/** Windows the records query tries, narrowest first; the last is the whole range. */
const RECORD_WINDOWS_MS: readonly number[] = [86_400_000, 7 * 86_400_000, Number.POSITIVE_INFINITY];

export interface AnalyticsServiceOptions {
  /** The clock for default ranges. Default Date.now. */
  readonly now?: () => number;
}

export function createAnalyticsService(store: AnalyticsStore, options: AnalyticsServiceOptions = {}): AnalyticsService {
  const now = options.now ?? Date.now;
  return {
    async summary(input, scope) {
      const q = parseSummary(input, now());
      const sql = summaryQuery(q, scope);
      return summaryResult(await store.sql.query<SummaryRow>(sql), q, sql.plan);
    },
    async breakdown(input, scope) {
      const q = parseBreakdown(input, now());
      if (q.bucket !== null) rangeBuckets({ ...q, bucket: q.bucket });
      const sql = breakdownQuery(q, scope);
      return breakdownResult(await store.sql.query<BreakdownStoreRow>(sql), q, sql.plan);
    },
    async timeseries(input, scope) {
      const q = parseTimeseries(input, now());
      const sql = timeseriesQuery(q, scope);
      return timeseriesResult(await store.sql.query<BreakdownStoreRow>(sql), q, sql.plan);
    },
    async records(input, scope) {
      const q = parseRecords(input, now());
      const after = q.cursor === null ? null : decodeCursor(q.cursor);
      // Newest first: look at the last day before the page's upper end, then a week, then the whole
      // range — a narrower window that already fills the page holds exactly the page's rows.
      const upper = Math.min(q.to, after === null ? q.to : parseStoreTime(after.occurredAt) + 1);
      let rows: RecordRow[] = [];
      for (const span of RECORD_WINDOWS_MS) {
        const from = Math.max(q.from, upper - span);
        rows = await store.sql.query<RecordRow>(recordsQuery({ ...q, from }, scope, after));
        if (rows.length > q.limit || from === q.from) break;
      }
      return recordsResult(rows, q);
    },
    async session(id, input, scope) {
      const q = parseSession(id, input);
      return sessionResult(await store.sql.query<SessionRow>(sessionQuery(q, scope)), q);
    },
    async latency(input, scope) {
      const q = parseLatency(input, now());
      return latencyResult(await store.sql.query<LatencyStoreRow>(latencyQuery(q, scope)), q);
    },
  };
}
