/**
 * `breakdown`: the measures grouped by one or two dimensions and/or a time
 * bucket in the query's zone, sorted by a measure, top-N with the rest folded
 * into "other" rows — in one read, so rows + other add up exactly to the
 * summary of the same range and filters.
 *
 * Groups are ranked by their sort measure over the whole range, so with a
 * bucket the same top-N dimension values are kept in every bucket and each
 * bucket gets its own "other" row. Groups whose measures cancelled out
 * entirely (a re-priced event's old version, not yet merged) are dropped
 * before ranking and folding.
 */
import { bucketStartSql } from '../buckets.js';
import { orNull, rangeInfo, sourceInfo } from '../describe.js';
import type { BreakdownQuery } from '../inputs.js';
import { measuresJson, measuresOf, sumMeasures, type ExactMeasures, type StoreMeasureRow } from '../measures.js';
import { planSources, type SourcePlan } from '../plan.js';
import type { BreakdownOther, BreakdownResult, BreakdownRow } from '../types.js';
import { Params, indent, measureSums, selectFrom, unionSql, type PlannedQuery, type TenantScope } from '../sql.js';
import { formatInstant } from '../../core/time.js';
import { columnOf, type BreakdownDimension } from '../../core/dimensions.js';

/**
 * Output columns: `bucket_start` (epoch seconds) when bucketed; with
 * dimensions `is_top` (false in "other" rows), `key_0` / `key_1` ('' in
 * "other" rows) and `groups` (how many groups the row holds); the measures.
 *
 * With dimensions, the top N groups come from a narrow pass (dimensions, the
 * sort measure and events only) over the same segments; the main pass groups
 * by bucket and dimensions and folds every group not in the top N into one
 * "other" row per bucket. Both passes read the same parts in one statement.
 */
export function breakdownQuery(q: BreakdownQuery, scope: TenantScope): PlannedQuery {
  const params = new Params();
  const plan = planSources(q);
  const bucketed = q.bucket !== null;
  const dims = q.by.map((d, i) => ({ column: columnOf(d), dim: `dim_${i}`, key: `key_${i}` }));
  const columns = [...new Set(dims.map((d) => d.column))];
  const union = unionSql(plan, { columns, ts: bucketed }, scope, q.filters, params);
  const bucketKey = q.bucket === null ? [] : [`${bucketStartSql(q.bucket, 'ts')} AS bucket_start`];
  if (bucketed) params.bind('tz', 'String', q.tz);
  const grouped = selectFrom([...bucketKey, ...dims.map((d) => `${d.column} AS ${d.dim}`), ...measureSums()], union, [
    `GROUP BY ${[...(bucketed ? ['bucket_start'] : []), ...dims.map((d) => d.dim)].join(', ')}`,
    'HAVING events != 0',
  ]);
  if (dims.length === 0) return { sql: [grouped, 'ORDER BY bucket_start ASC'].join('\n'), params: params.values, plan };

  const dir = q.order === 'asc' ? 'ASC' : 'DESC';
  const narrow = unionSql(plan, { columns, ts: false, measures: [...new Set(['events', q.sort])] }, scope, q.filters, params);
  const top = selectFrom(dims.map((d) => `${d.column} AS ${d.dim}`), narrow, [
    `GROUP BY ${dims.map((d) => d.dim).join(', ')}`,
    'HAVING sum(events) != 0',
    `ORDER BY sum(${q.sort}) ${dir}, ${dims.map((d) => `${d.dim} ASC`).join(', ')}`,
    `LIMIT ${params.bind('limit', 'UInt32', q.limit)}`,
  ]);
  const tuple = dims.length === 1 ? 'dim_0' : `(${dims.map((d) => d.dim).join(', ')})`;
  const sql = selectFrom(
    [...(bucketed ? ['bucket_start'] : []), `${tuple} IN (\n${indent(top)}\n) AS is_top`, ...dims.map((d) => `if(is_top, ${d.dim}, '') AS ${d.key}`), ...measureSums(), 'count() AS groups'],
    grouped,
    [
      `GROUP BY ${[...(bucketed ? ['bucket_start'] : []), 'is_top', ...dims.map((d) => d.key)].join(', ')}`,
      `ORDER BY ${[...(bucketed ? ['bucket_start ASC'] : []), 'is_top DESC', `${q.sort} ${dir}`, ...dims.map((d) => `${d.key} ASC`)].join(', ')}`,
    ],
  );
  return { sql, params: params.values, plan };
}

/** A row of `breakdownQuery`. */
export type BreakdownStoreRow = StoreMeasureRow & {
  readonly bucket_start?: number | string;
  readonly is_top?: number | boolean;
  readonly key_0?: string;
  readonly key_1?: string;
  readonly groups?: string | number;
};

/** Rows, other rows and exact totals from the rows of `breakdownQuery`. */
export function breakdownResult(rows: readonly BreakdownStoreRow[], q: BreakdownQuery, plan: SourcePlan): BreakdownResult {
  const out: BreakdownRow[] = [];
  const other: BreakdownOther[] = [];
  const all: ExactMeasures[] = [];
  for (const r of rows) {
    const m = measuresOf(r);
    all.push(m);
    const bucket = r.bucket_start === undefined ? {} : { bucket: formatInstant(Number(r.bucket_start) * 1000, q.tz) };
    if (q.by.length > 0 && (r.is_top === 0 || r.is_top === false)) {
      other.push({ ...bucket, ...measuresJson(m), groups: Number(r.groups ?? 0) });
      continue;
    }
    const dims: Partial<Record<BreakdownDimension, string | null>> = {};
    q.by.forEach((d, i) => {
      dims[d] = orNull(String((i === 0 ? r.key_0 : r.key_1) ?? ''));
    });
    out.push({ ...bucket, ...dims, ...measuresJson(m) });
  }
  return {
    range: rangeInfo(q),
    by: q.by,
    bucket: q.bucket,
    sort: q.sort,
    order: q.order,
    limit: q.limit,
    rows: out,
    other,
    totals: measuresJson(sumMeasures(all)),
    source: sourceInfo(plan, q.tz),
  };
}
