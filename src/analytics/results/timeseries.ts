/**
 * The `timeseries` answer from the store's bucketed rows
 * (`store.usage.timeseries`): one measure (or all) per time bucket in the
 * query's zone, every bucket of the range present (zeros where nothing
 * happened — filled here, from the same bucket arithmetic ClickHouse uses,
 * DST included), optionally stacked by one dimension: the top N values by
 * the measure over the range, then one "other" series.
 */
import { validationError } from '../../core/errors.js';
import { enumerateBuckets } from '../buckets.js';
import { orNull, rangeInfo, sourceInfo } from '../describe.js';
import { MAX_BUCKETS, type TimeseriesQuery } from '../inputs.js';
import { addInto, marginOf, measuresJson, measuresOf, zeroMeasures, type ExactMeasures } from '../measures.js';
import { COUNT_MEASURES, MONEY_MEASURES, storeMeasuresFor, type Measure } from '../model.js';
import type { Series, SeriesValue, TimeseriesResult } from '../types.js';
import { compareBig, compareText } from './summary.js';
import type { BreakdownStoreRow, SourcePlan } from '../../store/usage/index.js';
import { formatInstant } from '../../core/time.js';

/** Bucket starts (epoch ms) of the range; VALIDATION_FAILED when there are more than MAX_BUCKETS. */
export function rangeBuckets(q: { readonly from: number; readonly to: number; readonly tz: string; readonly bucket: TimeseriesQuery['bucket'] }): number[] {
  const buckets = enumerateBuckets(q.from, q.to, q.bucket, q.tz, MAX_BUCKETS);
  if (buckets.length > MAX_BUCKETS) throw validationError([{ path: 'bucket', reason: `the range holds more than ${MAX_BUCKETS} ${q.bucket} buckets; use a coarser bucket or a shorter range` }]);
  return buckets;
}

const COUNTS: ReadonlySet<string> = new Set(COUNT_MEASURES);
const MONEY: ReadonlySet<string> = new Set(MONEY_MEASURES);

function exactOf(m: ExactMeasures, measure: Measure): bigint {
  if (measure === 'margin') return marginOf(m);
  if (COUNTS.has(measure)) return m.counts[measure as (typeof COUNT_MEASURES)[number]];
  if (MONEY.has(measure)) return m.money[measure as (typeof MONEY_MEASURES)[number]];
  return m.audioMillis;
}

function valueOf(m: ExactMeasures, measure: Measure | 'all'): SeriesValue {
  if (measure === 'all') return measuresJson(m);
  const j = measuresJson(m);
  return j[measure];
}

interface Track {
  readonly key: string | null;
  readonly other: boolean;
  readonly byBucket: Map<number, ExactMeasures>;
  readonly total: ExactMeasures;
}

export function timeseriesResult(rows: readonly BreakdownStoreRow[], q: TimeseriesQuery, plan: SourcePlan): TimeseriesResult {
  const starts = new Set(rangeBuckets(q));
  const tracks = new Map<string, Track>();
  const summed = q.measure === 'all' ? undefined : new Set<string>(storeMeasuresFor([q.measure]));
  for (const r of rows) {
    const at = Number(r.bucket_start) * 1000;
    starts.add(at);
    const other = q.stackBy !== null && (r.is_top === 0 || r.is_top === false);
    const key = q.stackBy === null || other ? null : orNull(String(r.key_0 ?? ''));
    const id = other ? 'other' : `k:${key ?? ''}`;
    let t = tracks.get(id);
    if (!t) {
      t = { key, other, byBucket: new Map(), total: zeroMeasures() };
      tracks.set(id, t);
    }
    const m = measuresOf(r, summed);
    let cell = t.byBucket.get(at);
    if (!cell) {
      cell = zeroMeasures();
      t.byBucket.set(at, cell);
    }
    addInto(cell, m);
    addInto(t.total, m);
  }
  if (q.stackBy === null && tracks.size === 0) tracks.set('k:', { key: null, other: false, byBucket: new Map(), total: zeroMeasures() });
  const buckets = [...starts].sort((a, b) => a - b);
  const rank = q.measure === 'all' ? 'cost_total' : q.measure;
  const ordered = [...tracks.values()].sort(
    (a, b) => Number(a.other) - Number(b.other) || compareBig(exactOf(b.total, rank), exactOf(a.total, rank)) || compareText(a.key ?? '', b.key ?? ''),
  );
  const series: Series[] = ordered.map((t) => ({
    key: t.key,
    other: t.other,
    values: buckets.map((b) => valueOf(t.byBucket.get(b) ?? zeroMeasures(), q.measure)),
    total: valueOf(t.total, q.measure),
  }));
  return {
    range: rangeInfo(q),
    bucket: q.bucket,
    measure: q.measure,
    stack_by: q.stackBy,
    buckets: buckets.map((b) => formatInstant(b, q.tz)),
    series,
    source: sourceInfo(plan, q.tz),
  };
}
