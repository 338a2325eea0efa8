/**
 * The `latency` answer from the store's rows (`store.usage.latency`):
 * p50/p95/p99 of duration_ms and ttft_ms (rounded to 3 decimals; exact, or
 * from the latency rollups' histograms within 1 % — `quantiles` says), request
 * counts, counts per status and the error rate, per group and over
 * everything.
 */
import { orNull, rangeInfo, sourceInfo } from '../describe.js';
import type { LatencyQuery } from '../inputs.js';
import type { LatencyResult, LatencyRow, LatencyStats } from '../types.js';
import type { LatencyAnswer, LatencyStoreRow } from '../../store/usage/index.js';

const round3 = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 1000) / 1000);

function stats(count: string | number, q: readonly (number | null)[], avg: number | null): LatencyStats {
  const n = Number(count);
  if (n === 0) return { count: 0, p50: null, p95: null, p99: null, avg: null };
  return { count: n, p50: round3(q[0]), p95: round3(q[1]), p99: round3(q[2]), avg: round3(avg) };
}

function latencyRow(r: LatencyStoreRow, withKey: boolean): LatencyRow {
  const events = Number(r.events);
  const statuses: Record<string, number> = {};
  for (const [status, n] of Object.entries(r.statuses)) statuses[status] = Number(n);
  return {
    ...(withKey ? { key: orNull(r.key) } : {}),
    events,
    requests: Number(r.requests),
    statuses,
    error_rate: events === 0 ? 0 : Math.round(((statuses.error ?? 0) / events) * 10_000) / 10_000,
    duration_ms: stats(r.duration_count, r.duration_q, r.duration_avg),
    ttft_ms: stats(r.ttft_count, r.ttft_q, r.ttft_avg),
  };
}

const EMPTY: LatencyStoreRow = { is_total: 1, key: '', events: 0, requests: 0, statuses: {}, duration_count: 0, duration_q: [], duration_avg: null, ttft_count: 0, ttft_q: [], ttft_avg: null };

export function latencyResult(answer: LatencyAnswer, q: LatencyQuery): LatencyResult {
  const rows = answer.rows;
  const isTotal = (r: LatencyStoreRow): boolean => r.is_total === 1 || r.is_total === true;
  const total = rows.find(isTotal) ?? EMPTY;
  return {
    range: rangeInfo(q),
    by: q.by,
    quantiles: answer.quantiles,
    source: sourceInfo(answer.plan, q.tz),
    rows: rows.filter((r) => !isTotal(r) && Number(r.events) > 0).map((r) => latencyRow(r, true)),
    totals: latencyRow(total, false),
  };
}
