/**
 * What the time chart can plot, the `/v1/usage/timeseries` call behind each
 * measure, and how its answer becomes Chart.js datasets. Datasets carry the
 * API's exact values as strings in `exact` (tooltips print them) and the
 * series' dimension value in `key` (a click filters by it; null for classes
 * and "other").
 */
import { OTHER_COLOR, colorFor } from './charts.js';
import { addDecimals, formatCount, formatMs, formatUsd } from './format.js';

/** Token classes in the order the tokens view stacks them: [class, label]. */
export const TOKEN_CLASSES = [
  ['input', 'Input'], ['cached_input', 'Cached input'], ['cache_write_5m', 'Cache writes 5 min'], ['cache_write_1h', 'Cache writes 1 h'],
  ['output', 'Output'], ['reasoning', 'Reasoning'], ['audio_input', 'Audio in'], ['audio_output', 'Audio out'],
  ['image_input', 'Image in'], ['image_output', 'Image out'],
];

const sumCounts = (values) => String(values.reduce((a, v) => a + Number(v), 0));

/**
 * Every measure: the chart's title, the timeseries parameters, how values are printed (`format`),
 * the axis unit (`unit`), how a stack's total is summed (`total`, none for averages), and a line
 * instead of stacked bars (`line`).
 */
export const MEASURES = {
  spend: { title: 'Spend over time, by model', query: { measure: 'cost_total', stack_by: 'model_key', limit: 8 }, format: formatUsd, unit: 'usd', total: (v) => formatUsd(addDecimals(v)) },
  tokens: { title: 'Tokens over time, by class', query: { measure: 'all' }, format: (v) => formatCount(Number(v)), unit: 'count', total: (v) => formatCount(Number(sumCounts(v))) },
  requests: { title: 'Requests over time, by model', query: { measure: 'requests', stack_by: 'model_key', limit: 8 }, format: (v) => formatCount(Number(v)), unit: 'count', total: (v) => formatCount(Number(sumCounts(v))) },
  errors: { title: 'Errors over time, by model', query: { measure: 'error_events', stack_by: 'model_key', limit: 8 }, format: (v) => formatCount(Number(v)), unit: 'count', total: (v) => formatCount(Number(sumCounts(v))) },
  latency: { title: 'Mean latency over time, by model', query: { measure: 'all', stack_by: 'model_key', limit: 8 }, format: (v) => formatMs(v === null ? null : Number(v)), unit: 'ms', total: null, line: true },
  // Issue 16: offered when the range was billed (revenue.js); three lines from every measure per bucket.
  margin: { title: 'Revenue, cost and margin over time', query: { measure: 'all' }, format: formatUsd, unit: 'usd', total: null, line: true },
};

/** The margin view's lines: [measure field, label, colour]. */
export const MARGIN_LINES = [['price', 'Revenue', '#59a14f'], ['cost_total', 'Cost', '#e15759'], ['margin', 'Margin', '#4e79a7']];

export const DEFAULT_MEASURE = 'spend';

const seriesLabel = (s) => (s.other ? 'other models' : s.key === null ? '(no model)' : String(s.key));

function dataset(label, key, exact, line, other) {
  const color = other ? OTHER_COLOR : colorFor(label);
  return {
    label, key, exact,
    data: exact.map((v) => (v === null ? null : Number.parseFloat(v))),
    backgroundColor: color, borderColor: color,
    ...(line ? { fill: false, spanGaps: true, pointRadius: 2, borderWidth: 2 } : { stack: 'm' }),
  };
}

/** The timeseries answer as datasets for `name`; series that are zero (or have no latency) throughout are left out. */
export function measureDatasets(name, ts) {
  if (name === 'tokens') {
    const totals = ts.series[0]?.values ?? [];
    return TOKEN_CLASSES
      .map(([c, label]) => dataset(label, null, totals.map((m) => String(m[`${c}_tokens`])), false, false))
      .filter((d) => d.exact.some((v) => v !== '0'));
  }
  if (name === 'margin') {
    const values = ts.series[0]?.values ?? [];
    return MARGIN_LINES.map(([field, label, color]) => ({ ...dataset(label, null, values.map((m) => String(m[field])), true, false), backgroundColor: color, borderColor: color }));
  }
  if (name === 'latency') {
    return ts.series
      .map((s) => dataset(seriesLabel(s), s.other ? null : s.key, s.values.map((m) => (m.avg_duration_ms === null ? null : String(m.avg_duration_ms))), true, s.other))
      .filter((d) => d.exact.some((v) => v !== null));
  }
  return ts.series
    .filter((s) => Number.parseFloat(String(s.total)) !== 0)
    .map((s) => dataset(seriesLabel(s), s.other ? null : s.key, s.values.map(String), false, s.other));
}
