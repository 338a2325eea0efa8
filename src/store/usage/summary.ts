/**
 * `summary`: every measure for a range and filters, per model (the canonical
 * `model_key`, or the model as reported for unpriced events), read from the
 * plan's segments in one statement; the caller adds the rows up exactly for
 * the totals, so totals and per-model figures come from one read.
 */
import { MEASURE_NAMES, type MeasureName, type MeasureRow } from '../queries/measures.js';
import { planSources, type PlannedQuery } from './plan.js';
import type { SummarySpec } from './specs.js';
import { Params, selectFrom } from './statement.js';
import { measureSums, unionSql } from './union.js';

/** The measures a summary sums: those asked for (all when none are), `events`, and the two the per-model lists are sorted by. */
function summaryMeasures(spec: SummarySpec): readonly MeasureName[] {
  if (spec.measures === undefined) return MEASURE_NAMES;
  const wanted = new Set<string>(['events', 'total_tokens', 'cost_total', ...spec.measures]);
  return MEASURE_NAMES.filter((m) => wanted.has(m));
}

/** Output columns: `model_label`, then the measures (MEASURE_NAMES, or those asked for). */
export function summaryQuery(spec: SummarySpec): PlannedQuery {
  const params = new Params();
  const plan = planSources({ ...spec, bucket: null, columns: ['model_key', 'model'] });
  const measures = summaryMeasures(spec);
  const union = unionSql(plan, { columns: ['model_key', 'model'], ts: false, measures }, spec.scope, spec.filters, params);
  const sql = selectFrom(["if(model_key = '', model, model_key) AS model_label", ...measureSums(measures)], union, [
    'GROUP BY model_label',
    'HAVING events != 0',
    'ORDER BY model_label',
  ]);
  return { sql, params: params.values, plan };
}

/** A row of `summaryQuery`. */
export type SummaryRow = MeasureRow & { readonly model_label: string };
