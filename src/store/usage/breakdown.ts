/**
 * `breakdown`: the measures grouped by one or two dimensions and/or a time
 * bucket in the query's zone, sorted by a measure, top-N with the rest folded
 * into "other" rows — in one read, so rows + other add up exactly to the
 * summary of the same range and filters. A timeseries is a bucketed
 * breakdown by at most one dimension.
 *
 * Groups are ranked by their sort measure over the whole range, so with a
 * bucket the same top-N dimension values are kept in every bucket and each
 * bucket gets its own "other" row. Groups whose measures cancelled out
 * entirely (a re-priced event's old version, not yet merged) are dropped
 * before ranking and folding.
 */
import { MEASURE_NAMES, rankInputs, rankOfSums, rankSumSql, type MeasureName, type MeasureRow, type RankMeasure } from '../queries/measures.js';
import { bucketStartSql } from './buckets.js';
import { groupColumn, measureName } from './names.js';
import { planSources, type PlannedQuery } from './plan.js';
import type { BreakdownSpec, TimeseriesSpec } from './specs.js';
import { Params, indent, selectFrom } from './statement.js';
import { measureSums, unionSql } from './union.js';

/**
 * Output columns: `bucket_start` (epoch seconds) when bucketed; with
 * dimensions `is_top` (false in "other" rows), `key_0` / `key_1` ('' in
 * "other" rows) and `groups` (how many groups the row holds); the measures.
 *
 * Without a bucket, the groups are summed once and numbered by the rank
 * (`rankedOnce`); the first N are rows, the rest one "other" row. With a
 * bucket, the top N groups come from a narrow pass (dimensions, the sort
 * measure and events only) over the same segments; the main pass groups by
 * bucket and dimensions and folds every group not in the top N into one
 * "other" row per bucket. Both passes read the same parts in one statement.
 */
export function breakdownQuery(spec: BreakdownSpec): PlannedQuery {
  const params = new Params();
  const bucketed = spec.bucket !== null;
  const dims = spec.by.map((d, i) => ({ column: groupColumn(d), dim: `dim_${i}`, key: `key_${i}` }));
  const columns = [...new Set(dims.map((d) => d.column))];
  const plan = planSources({ ...spec, columns });
  const measures = measuresOf(spec);
  const union = unionSql(plan, { columns, ts: bucketed, measures }, spec.scope, spec.filters, params);
  const bucketKey = spec.bucket === null ? [] : [`${bucketStartSql(spec.bucket, 'ts')} AS bucket_start`];
  if (bucketed) params.bind('tz', 'String', spec.tz);
  const grouped = selectFrom([...bucketKey, ...dims.map((d) => `${d.column} AS ${d.dim}`), ...measureSums(measures)], union, [
    `GROUP BY ${[...(bucketed ? ['bucket_start'] : []), ...dims.map((d) => d.dim)].join(', ')}`,
    'HAVING events != 0',
  ]);
  if (dims.length === 0) return { sql: [grouped, 'ORDER BY bucket_start ASC'].join('\n'), params: params.values, plan };

  const sort = measureName(spec.sort);
  const dir = spec.order === 'asc' ? 'ASC' : 'DESC';
  if (!bucketed) return { sql: rankedOnce(grouped, dims, measures, sort, dir, params, spec.limit), params: params.values, plan };
  const narrow = unionSql(plan, { columns, ts: false, measures: [...new Set(['events' as const, ...rankInputs(sort)])] }, spec.scope, spec.filters, params);
  const top = selectFrom(dims.map((d) => `${d.column} AS ${d.dim}`), narrow, [
    `GROUP BY ${dims.map((d) => d.dim).join(', ')}`,
    'HAVING sum(events) != 0',
    `ORDER BY ${rankSumSql(sort)} ${dir}, ${dims.map((d) => `${d.dim} ASC`).join(', ')}`,
    `LIMIT ${params.bind('limit', 'UInt32', spec.limit)}`,
  ]);
  const tuple = dims.length === 1 ? 'dim_0' : `(${dims.map((d) => d.dim).join(', ')})`;
  const sql = selectFrom(
    [...(bucketed ? ['bucket_start'] : []), `${tuple} IN (\n${indent(top)}\n) AS is_top`, ...dims.map((d) => `if(is_top, ${d.dim}, '') AS ${d.key}`), ...measureSums(measures), 'count() AS groups'],
    grouped,
    [
      `GROUP BY ${[...(bucketed ? ['bucket_start'] : []), 'is_top', ...dims.map((d) => d.key)].join(', ')}`,
      `ORDER BY ${[...(bucketed ? ['bucket_start ASC'] : []), 'is_top DESC', `${rankOfSums(sort)} ${dir}`, ...dims.map((d) => `${d.key} ASC`)].join(', ')}`,
    ],
  );
  return { sql, params: params.values, plan };
}

/**
 * An unbucketed ranked breakdown over `grouped` (one row per group, its
 * sums): the groups numbered by the rank (`row_number()` over the sort's
 * value, then the dimensions ascending — the order a top-N read would
 * give), the first `limit` kept as rows and the rest summed into "other".
 * The rollups are read once; a bucketed breakdown ranks over the whole
 * range, not per bucket, so it reads them twice (`breakdownQuery`).
 */
function rankedOnce(grouped: string, dims: readonly { dim: string; key: string }[], measures: readonly MeasureName[], sort: RankMeasure, dir: string, params: Params, limit: number): string {
  const order = `${rankOfSums(sort)} ${dir}, ${dims.map((d) => `${d.dim} ASC`).join(', ')}`;
  const ranked = selectFrom(['*', `row_number() OVER (ORDER BY ${order}) <= ${params.bind('limit', 'UInt32', limit)} AS is_top`], grouped, []);
  return selectFrom(['is_top', ...dims.map((d) => `if(is_top, ${d.dim}, '') AS ${d.key}`), ...measureSums(measures), 'count() AS groups'], ranked, [
    `GROUP BY ${['is_top', ...dims.map((d) => d.key)].join(', ')}`,
    `ORDER BY ${['is_top DESC', `${rankOfSums(sort)} ${dir}`, ...dims.map((d) => `${d.key} ASC`)].join(', ')}`,
  ]);
}

/** The measures a breakdown sums, in MEASURE_NAMES order: those asked for (all when none are), `events` (groups that cancelled out are dropped by it) and the sort's inputs. */
export function measuresOf(spec: Pick<BreakdownSpec, 'measures' | 'sort'>): readonly MeasureName[] {
  if (spec.measures === undefined) return MEASURE_NAMES;
  const wanted = new Set<string>(['events', ...spec.measures, ...rankInputs(spec.sort)]);
  return (MEASURE_NAMES).filter((m) => wanted.has(m));
}

/** The bucketed breakdown a timeseries reads: stacked values ranked largest first. */
export function timeseriesBreakdown(spec: TimeseriesSpec): BreakdownSpec {
  return {
    scope: spec.scope,
    filters: spec.filters,
    from: spec.from,
    to: spec.to,
    tz: spec.tz,
    source: spec.source,
    by: spec.stackBy === null ? [] : [spec.stackBy],
    bucket: spec.bucket,
    sort: spec.rank,
    order: 'desc',
    limit: spec.limit,
    ...(spec.measures === undefined ? {} : { measures: spec.measures }),
  };
}

/** Output columns: those of `breakdownQuery` (`bucket_start`; with a stack, `is_top`, `key_0`, `groups`; the measures). */
export function timeseriesQuery(spec: TimeseriesSpec): PlannedQuery {
  return breakdownQuery(timeseriesBreakdown(spec));
}

/** A row of `breakdownQuery` (and of `timeseriesQuery`). */
export type BreakdownStoreRow = MeasureRow & {
  readonly bucket_start?: number | string;
  readonly is_top?: number | boolean;
  readonly key_0?: string;
  readonly key_1?: string;
  readonly groups?: string | number;
};
