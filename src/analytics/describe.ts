/** Range and source descriptions shared by every result. */
import type { SourcePlan } from '../store/usage/index.js';
import type { RangeInfo, SourceInfo } from './types.js';
import { formatInstant } from '../core/time.js';

export function rangeInfo(q: { readonly from: number; readonly to: number; readonly tz: string }): RangeInfo {
  return { from: formatInstant(q.from, q.tz), to: formatInstant(q.to, q.tz), tz: q.tz };
}

export function sourceInfo(plan: SourcePlan, tz: string): SourceInfo {
  return {
    segments: plan.segments.map((s) => ({ table: s.table, grain: s.source === 'raw' ? null : s.source, from: formatInstant(s.from, tz), to: formatInstant(s.to, tz) })),
    raw_reason: plan.rawReason,
  };
}

/** '' (absent identity in the store) → null. */
export function orNull(value: string): string | null {
  return value === '' ? null : value;
}
