/**
 * Export: the current view — range, tenant, user and filters — as the CSV
 * `tally report --by model_key --bucket <bucket> --csv` prints for the same
 * parameters (the API's `/v1/usage/breakdown` answer, exact values, the same
 * columns and quoting as src/cli/report-render.ts), and that command itself,
 * to copy.
 */
import { getJson } from './api.js';

const TOKEN_CLASSES = ['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'output', 'reasoning', 'audio_input', 'audio_output', 'image_input', 'image_output'];
const COST_CLASSES = [...TOKEN_CLASSES, 'request', 'tool_call', 'web_search', 'audio_second', 'image'];
/** The CLI's CSV columns, in its order. */
const CSV_MEASURES = [
  'events', 'requests', ...TOKEN_CLASSES.map((c) => `${c}_tokens`), 'total_tokens', 'unpriced_events', 'error_events', 'tool_calls', 'web_search_requests', 'images',
  ...COST_CLASSES.map((c) => `cost_${c}`), 'cost_total', 'cache_savings', 'price', 'margin', 'margin_pct',
  'audio_seconds', 'avg_tokens_per_request', 'avg_duration_ms', 'avg_ttft_ms',
];
/** The CLI's default --top. */
const TOP = 20;
const BY = 'model_key';

/** Filter parameter → `tally report` flag. */
const FLAGS = { user_id: '--user', model: '--model', provider: '--provider', agent: '--agent', feature: '--feature', group: '--group', status: '--status', tag: '--tag' };

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A breakdown answer as the CLI's CSV: header, rows, then "other" rows. */
export function breakdownCsv(result) {
  const keys = [...(result.bucket === null ? [] : ['bucket']), ...result.by];
  const lines = [[...keys, ...CSV_MEASURES, 'other_groups'].join(',')];
  const measures = (m) => CSV_MEASURES.map((k) => csvCell(m[k]));
  for (const r of result.rows) lines.push([...keys.map((k) => csvCell(r[k] ?? '')), ...measures(r), ''].join(','));
  for (const o of result.other) lines.push([...keys.map((k) => csvCell(k === 'bucket' ? o.bucket : '(other)')), ...measures(o), String(o.groups)].join(','));
  return `${lines.join('\n')}\n`;
}

/** The breakdown parameters of the view: `query` is the page's (range, tz, tenant, user_id, filters). */
export function exportParams(query, bucket) {
  return { ...query, by: BY, bucket, limit: TOP };
}

const shellWord = (s) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The `tally report` command that prints the same CSV, against this server. */
export function reportCommand(query, bucket, origin) {
  const args = ['tally', 'report', '--url', origin, '--by', BY, '--bucket', bucket, '--since', query.from, '--until', query.to, '--tz', query.tz];
  if (query.tenant) args.push('--tenant', query.tenant);
  for (const [param, flag] of Object.entries(FLAGS)) for (const v of [query[param] ?? []].flat()) if (v !== '') args.push(flag, v);
  args.push('--csv');
  return args.map(shellWord).join(' ');
}

/** Reads the view's breakdown and hands the CSV to the browser as a download. */
export async function downloadCsv(query, bucket) {
  const answer = await getJson('/v1/usage/breakdown', exportParams(query, bucket));
  const csv = breakdownCsv(answer);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new window.Blob([csv], { type: 'text/csv;charset=utf-8' }));
  link.download = `tally-${BY}-${bucket}-${query.from.slice(0, 16).replace(/:/g, '')}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return csv;
}
