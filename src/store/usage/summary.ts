/**
 * `summary`: every measure for a range and filters, per model (the canonical
 * `model_key`, or the model as reported for unpriced events), read from the
 * plan's segments in one statement; the caller adds the rows up exactly for
 * the totals, so totals and per-model figures come from one read.
 */
import type { MeasureRow } from '../queries/measures.js';
import { planSources, type PlannedQuery } from './plan.js';
import type { SummarySpec } from './specs.js';
import { Params, selectFrom } from './statement.js';
import { measureSums, unionSql } from './union.js';

/** Output columns: `model_label`, then the measures (MEASURE_NAMES). */
export function summaryQuery(spec: SummarySpec): PlannedQuery {
  const params = new Params();
  const plan = planSources({ ...spec, bucket: null, columns: ['model_key', 'model'] });
  const union = unionSql(plan, { columns: ['model_key', 'model'], ts: false }, spec.scope, spec.filters, params);
  const sql = selectFrom(["if(model_key = '', model, model_key) AS model_label", ...measureSums()], union, [
    'GROUP BY model_label',
    'HAVING events != 0',
    'ORDER BY model_label',
  ]);
  return { sql, params: params.values, plan };
}

/** A row of `summaryQuery`. */
export type SummaryRow = MeasureRow & { readonly model_label: string };
