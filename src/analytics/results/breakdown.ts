/**
 * The `breakdown` answer from the store's rows (`store.usage.breakdown`):
 * the top-N rows, the "other" rows (one per bucket when bucketed) and the
 * totals of both, added exactly — equal to the summary of the same range and
 * filters.
 */
import { orNull, rangeInfo, sourceInfo } from '../describe.js';
import type { BreakdownQuery } from '../inputs.js';
import { measuresOf, selectedJson, selectedJsonInto, sumMeasures, type ExactMeasures } from '../measures.js';
import { storeMeasuresFor } from '../model.js';
import type { BreakdownOther, BreakdownResult, BreakdownRow } from '../types.js';
import type { BreakdownStoreRow, SourcePlan } from '../../store/usage/index.js';
import { formatInstant } from '../../core/time.js';

/** Rows, other rows and exact totals from the rows of a breakdown. */
export function breakdownResult(rows: readonly BreakdownStoreRow[], q: BreakdownQuery, plan: SourcePlan): BreakdownResult {
  const out: BreakdownRow[] = [];
  const other: BreakdownOther[] = [];
  const all: ExactMeasures[] = [];
  const summed = q.measures === null ? undefined : new Set<string>(storeMeasuresFor(q.measures));
  // A bucket's start as text, once per bucket (rows of one bucket share it; the zone's offset costs an Intl call).
  const buckets = new Map<number, string>();
  const bucketText = (start: number): string => {
    let text = buckets.get(start);
    if (text === undefined) {
      text = formatInstant(start * 1000, q.tz);
      buckets.set(start, text);
    }
    return text;
  };
  for (const r of rows) {
    const m = measuresOf(r, summed);
    all.push(m);
    // Each answer row is built in one object: its bucket, its dimensions (or groups), then the measures.
    const row: Record<string, unknown> = {};
    if (r.bucket_start !== undefined) row.bucket = bucketText(Number(r.bucket_start));
    if (q.by.length > 0 && (r.is_top === 0 || r.is_top === false)) {
      other.push(withGroups(selectedJsonInto(row, m, q.measures), Number(r.groups ?? 0)));
      continue;
    }
    q.by.forEach((d, i) => {
      row[d] = orNull(String((i === 0 ? r.key_0 : r.key_1) ?? ''));
    });
    out.push(selectedJsonInto(row, m, q.measures) as BreakdownRow);
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
    totals: selectedJson(sumMeasures(all), q.measures),
    source: sourceInfo(plan, q.tz),
  };
}

/** An "other" row: the measures, then how many groups it holds (last, as the API has always written it). */
function withGroups(row: Record<string, unknown>, groups: number): BreakdownOther {
  row.groups = groups;
  return row as BreakdownOther;
}
