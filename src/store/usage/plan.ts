/**
 * Where a query reads from. A range [from, to) is cut into segments, each
 * read from the coarsest source that answers it exactly:
 *
 *   raw │ 15m │  hourly  │        daily        │  hourly  │ 15m │ raw
 *
 * The middle comes from the coarsest rollup allowed; the uneven edges from
 * finer rollups, and the last sub-15-minute slivers from raw events
 * (`usage_events FINAL`, `sign = 1`). A range on day boundaries is one daily
 * segment; "the last 30 days up to now" is at most seven segments.
 *
 * The coarsest rollup allowed: with a time bucket, the one whose UTC buckets
 * add up exactly to buckets in the query's zone (`rollupGrainFor`: daily for
 * UTC, hourly for whole-hour zones, 15m for Asia/Kolkata and the like); without
 * one, daily. Filters the rollups do not carry (session_id, metadata tags)
 * send the whole range to raw events, as does `source=raw`.
 *
 * Each rollup segment is then read from the narrowest table of its grain
 * that carries every dimension the query filters or groups by
 * (`narrowestRollup`, src/store/queries/rollup-tables.ts): a summary reads
 * the by-model rollups, a by-agent breakdown the by-agent ones, a filter on
 * a user the full ones.
 */
import { columnOf } from '../../core/dimensions.js';
import { rollupGrainFor, type RollupGrain, type TimeBucket } from '../queries/grain.js';
import { narrowestRollup } from '../queries/rollup-tables.js';
import type { SqlQuery } from '../executor.js';
import { LIST_FILTERS } from './conditions.js';
import type { TenantScope, UsageFilters, UsageSource } from './specs.js';

export type SegmentSource = 'raw' | RollupGrain;

export interface Segment {
  readonly source: SegmentSource;
  /** The table read: `usage_events` for raw segments, else the rollup table chosen for the segment's grain. */
  readonly table: string;
  /** Inclusive, epoch ms. */
  readonly from: number;
  /** Exclusive, epoch ms. */
  readonly to: number;
}

export interface SourcePlan {
  readonly segments: readonly Segment[];
  /** Why raw events are read for the whole range, when they are. */
  readonly rawReason: string | null;
}

const WIDTH_MS: Readonly<Record<RollupGrain, number>> = { '15m': 900_000, hourly: 3_600_000, daily: 86_400_000 };
const FINER: Readonly<Record<RollupGrain, RollupGrain | null>> = { daily: 'hourly', hourly: '15m', '15m': null };

/** Why these filters need raw events, or null when the rollups carry them. */
export function rawReason(filters: UsageFilters): string | null {
  if (filters.session_id) return 'the session_id filter needs raw events (rollups carry no session ids)';
  if (filters.tags) return 'tag filters need raw events (rollups carry no metadata)';
  return null;
}

function cut(from: number, to: number, grain: RollupGrain | null, columns: readonly string[], allTenants: boolean, out: Segment[]): void {
  if (from >= to) return;
  if (grain === null) {
    out.push({ source: 'raw', table: 'usage_events', from, to });
    return;
  }
  const w = WIDTH_MS[grain];
  const a = Math.ceil(from / w) * w;
  const b = Math.floor(to / w) * w;
  if (a >= b) {
    cut(from, to, FINER[grain], columns, allTenants, out);
    return;
  }
  cut(from, a, FINER[grain], columns, allTenants, out);
  out.push({ source: grain, table: narrowestRollup(grain, columns, allTenants).name, from: a, to: b });
  cut(b, to, FINER[grain], columns, allTenants, out);
}

/**
 * The segments of [from, to), coarsest rollup first allowed `maxGrain`, each
 * rollup segment from the narrowest table carrying `columns` (dimension
 * columns the query filters or groups by; none: the narrowest of all) —
 * with `allTenants` (the query names no tenant), the all-tenant rollups
 * when they carry them.
 */
export function segmentsOf(from: number, to: number, maxGrain: RollupGrain | null, columns: readonly string[] = [], allTenants = false): Segment[] {
  const out: Segment[] = [];
  cut(from, to, maxGrain, columns, allTenants, out);
  return out;
}

/** The dimension columns the filters read (those of `filterConditions`; session_id and tags send the range to raw events). */
export function filterColumns(filters: UsageFilters): string[] {
  const out: string[] = LIST_FILTERS.filter((f) => filters[f] !== undefined).map((f) => columnOf(f));
  if (filters.model !== undefined) out.push('model_key', 'model');
  if (filters.priced !== undefined) out.push('priced');
  return out;
}

export interface PlanInput {
  readonly from: number;
  readonly to: number;
  readonly tz: string;
  readonly bucket: TimeBucket | null;
  readonly filters: UsageFilters;
  /** `raw`: the caller asked for raw events throughout. Default auto. */
  readonly source?: UsageSource;
  /** The dimension columns the query projects (groups by); the filters' columns are added. Default none. */
  readonly columns?: readonly string[];
  /** The tenant scope: null (every tenant) lets the planner read the all-tenant rollups. Default: a tenant. */
  readonly scope?: TenantScope;
}

export function planSources(q: PlanInput): SourcePlan {
  const reason = q.source === 'raw' ? 'source=raw asked for raw events' : rawReason(q.filters);
  if (reason !== null) return { segments: [{ source: 'raw', table: 'usage_events', from: q.from, to: q.to }], rawReason: reason };
  const maxGrain = q.bucket === null ? 'daily' : rollupGrainFor({ timeZone: q.tz, bucket: q.bucket, from: q.from, to: q.to });
  const columns = [...new Set([...(q.columns ?? []), ...filterColumns(q.filters)])];
  return { segments: segmentsOf(q.from, q.to, maxGrain, columns, q.scope === null), rawReason: null };
}

/** A query object's result when the answer describes its source: the SQL, its parameters, and where it reads from. */
export interface PlannedQuery extends SqlQuery {
  readonly plan: SourcePlan;
}
