/**
 * The `breakdown` answer from the store's rows (`store.usage.breakdown`):
 * the top-N rows, the "other" rows (one per bucket when bucketed) and the
 * totals of both, added exactly — equal to the summary of the same range and
 * filters.
 */
import { orNull, rangeInfo, sourceInfo } from '../describe.js';
import type { BreakdownQuery } from '../inputs.js';
import { measuresOf, selectedJson, sumMeasures, type ExactMeasures } from '../measures.js';
import { storeMeasuresFor } from '../model.js';
import type { BreakdownOther, BreakdownResult, BreakdownRow } from '../types.js';
import type { BreakdownStoreRow, SourcePlan } from '../../store/usage/index.js';
import { formatInstant } from '../../core/time.js';
import type { BreakdownDimension } from '../../core/dimensions.js';

/** Rows, other rows and exact totals from the rows of a breakdown. */
export function breakdownResult(rows: readonly BreakdownStoreRow[], q: BreakdownQuery, plan: SourcePlan): BreakdownResult {
  const out: BreakdownRow[] = [];
  const other: BreakdownOther[] = [];
  const all: ExactMeasures[] = [];
  const summed = q.measures === null ? undefined : new Set<string>(storeMeasuresFor(q.measures));
  const json = (m: ExactMeasures): ReturnType<typeof selectedJson> => selectedJson(m, q.measures);
  for (const r of rows) {
    const m = measuresOf(r, summed);
    all.push(m);
    const bucket = r.bucket_start === undefined ? {} : { bucket: formatInstant(Number(r.bucket_start) * 1000, q.tz) };
    if (q.by.length > 0 && (r.is_top === 0 || r.is_top === false)) {
      other.push({ ...bucket, ...json(m), groups: Number(r.groups ?? 0) });
      continue;
    }
    const dims: Partial<Record<BreakdownDimension, string | null>> = {};
    q.by.forEach((d, i) => {
      dims[d] = orNull(String((i === 0 ? r.key_0 : r.key_1) ?? ''));
    });
    out.push({ ...bucket, ...dims, ...json(m) });
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
    totals: json(sumMeasures(all)),
    source: sourceInfo(plan, q.tz),
  };
}
