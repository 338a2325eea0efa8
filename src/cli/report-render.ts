/**
 * Analytics results as text for `tally report`: aligned tables (thousands
 * separators, `$` amounts rounded half-even for display only) and CSV (exact
 * values, no separators). The totals row is the result's exact totals — the
 * same figures the summary endpoint gives.
 *
 * Revenue (issue 16): the tables show `price`, `margin` and `margin %`
 * columns when any event of the answer was billed (a non-zero price), or
 * always with `revenue: true` (`--revenue`); most users do not resell, and
 * their tables stay as they were. CSV and JSON always carry price, margin and
 * margin_pct, exact.
 */
import { renderTable, thousands, type Column } from './output.js';
import { formatUsdFixed, parseUsd } from '../core/money.js';
import { COUNT_MEASURES, MONEY_MEASURES, allMeasures, type Bucket, type Measures } from '../analytics/model.js';
import type { BreakdownResult, SummaryResult } from '../analytics/types.js';
import { fullSummary } from '../analytics/results/summary.js';
import { type BreakdownDimension } from '../core/dimensions.js';

export interface RenderOptions {
  /** Decimal places of USD amounts in tables. Default 4. */
  readonly decimals?: number;
  /** Show the price, margin and margin % columns: true always; default when any figure has a price. */
  readonly revenue?: boolean;
}

/** Whether the tables show revenue: asked for, or some figure was billed. */
export function showsRevenue(figures: readonly Pick<Measures, 'price'>[], options: RenderOptions): boolean {
  return options.revenue === true || figures.some((m) => m.price !== '0');
}

const percent = (pct: string | null): string => (pct === null ? '—' : `${pct} %`);

const count = (n: number): string => thousands(String(n));
const usd = (text: string, decimals: number): string => {
  const rounded = formatUsdFixed(parseUsd(text), decimals);
  return rounded.startsWith('-') ? `-$${thousands(rounded.slice(1))}` : `$${thousands(rounded)}`;
};

/** Input-side tokens other than cache reads; output-side tokens other than reasoning (as `tally price --table` groups them). */
const inputTokens = (m: Measures): number => m.input_tokens + m.cache_write_5m_tokens + m.cache_write_1h_tokens + m.audio_input_tokens + m.image_input_tokens;
const outputTokens = (m: Measures): number => m.output_tokens + m.audio_output_tokens + m.image_output_tokens;

/** The price, margin and margin % columns. */
function revenueColumns<R extends Pick<Measures, 'price' | 'margin' | 'margin_pct'>>(decimals: number): Column<R>[] {
  return [
    { header: 'price', value: (r) => usd(r.price, decimals), align: 'right' },
    { header: 'margin', value: (r) => usd(r.margin, decimals), align: 'right' },
    { header: 'margin %', value: (r) => percent(r.margin_pct), align: 'right' },
  ];
}

function measureColumns<R extends Measures>(decimals: number, revenue: boolean): Column<R>[] {
  return [
    { header: 'requests', value: (r) => count(r.requests), align: 'right' },
    { header: 'input', value: (r) => count(inputTokens(r)), align: 'right' },
    { header: 'cached', value: (r) => count(r.cached_input_tokens), align: 'right' },
    { header: 'output', value: (r) => count(outputTokens(r)), align: 'right' },
    { header: 'reasoning', value: (r) => count(r.reasoning_tokens), align: 'right' },
    { header: 'tokens', value: (r) => count(r.total_tokens), align: 'right' },
    { header: 'cost', value: (r) => usd(r.cost_total, decimals), align: 'right' },
    ...(revenue ? revenueColumns<R>(decimals) : []),
    { header: 'cache savings', value: (r) => usd(r.cache_savings, decimals), align: 'right' },
    { header: 'unpriced', value: (r) => count(r.unpriced_events), align: 'right' },
    { header: 'errors', value: (r) => count(r.error_events), align: 'right' },
  ];
}

/** A bucket start as people read it in the zone: the date, or date and time for hours. */
export function bucketLabel(text: string, bucket: Bucket): string {
  return bucket === 'hour' ? `${text.slice(0, 10)} ${text.slice(11, 16)}${text.endsWith('Z') ? 'Z' : text.slice(-6)}` : text.slice(0, 10);
}

type Row = Measures & { label: Record<string, string> };

/** A breakdown as an aligned table: rows, the "other" rows, then the totals. */
export function breakdownTable(result: BreakdownResult, options: RenderOptions = {}): string {
  const decimals = options.decimals ?? 4;
  const keys: string[] = [...(result.bucket === null ? [] : ['bucket']), ...result.by];
  const label = (r: { bucket?: string } & Partial<Record<BreakdownDimension, string | null>>): Record<string, string> => {
    const out: Record<string, string> = {};
    if (result.bucket !== null) out.bucket = bucketLabel(r.bucket ?? '', result.bucket);
    for (const d of result.by) out[d] = r[d] ?? '(none)';
    return out;
  };
  const rows: Row[] = result.rows.map((r) => ({ ...allMeasures(r), label: label(r) }));
  for (const o of result.other) {
    const l: Record<string, string> = result.bucket === null ? {} : { bucket: bucketLabel(o.bucket ?? '', result.bucket) };
    if (result.by[0] !== undefined) l[result.by[0]] = `(other: ${count(o.groups)})`;
    rows.push({ ...allMeasures(o), label: l });
  }
  const footer: Row[] = [{ ...allMeasures(result.totals), label: { [keys[0] ?? 'bucket']: 'total' } }];
  const revenue = showsRevenue([footer[0] as Row, ...rows], options);
  const columns: Column<Row>[] = [...keys.map((k) => ({ header: k, value: (r: Row) => r.label[k] ?? '' })), ...measureColumns<Row>(decimals, revenue)];
  return renderTable(columns, rows, footer);
}

/** The summary: one table of the models, with the totals row. */
export function summaryTable(answer: SummaryResult, options: RenderOptions = {}): string {
  const result = fullSummary(answer);
  const decimals = options.decimals ?? 4;
  type ModelRow = { model: string; events: number; tokens: number; cost: string; savings: string; requests: number } & Pick<Measures, 'price' | 'margin' | 'margin_pct'>;
  const tokens = new Map(result.tokens_by_model.map((m) => [m.model, m]));
  const rows: ModelRow[] = result.cost_by_model.map((c) => ({
    model: c.model,
    events: c.events,
    requests: tokens.get(c.model)?.requests ?? 0,
    tokens: tokens.get(c.model)?.total_tokens ?? 0,
    cost: c.cost_total,
    savings: c.cache_savings,
    price: c.price,
    margin: c.margin,
    margin_pct: c.margin_pct,
  }));
  const t = result.totals;
  const footer: ModelRow[] = [{ model: 'total', events: t.events, requests: t.requests, tokens: t.total_tokens, cost: t.cost_total, savings: t.cache_savings, price: t.price, margin: t.margin, margin_pct: t.margin_pct }];
  const revenue = showsRevenue([t, ...rows], options);
  const table = renderTable<ModelRow>(
    [
      { header: 'model', value: (r) => r.model },
      { header: 'events', value: (r) => count(r.events), align: 'right' },
      { header: 'requests', value: (r) => count(r.requests), align: 'right' },
      { header: 'tokens', value: (r) => count(r.tokens), align: 'right' },
      { header: 'cost', value: (r) => usd(r.cost, decimals), align: 'right' },
      ...(revenue ? revenueColumns<ModelRow>(decimals) : []),
      { header: 'cache savings', value: (r) => usd(r.savings, decimals), align: 'right' },
    ],
    rows,
    footer,
  );
  const facts = [
    `tokens: ${count(t.input_tokens)} input, ${count(t.cached_input_tokens)} cached, ${count(t.cache_write_5m_tokens + t.cache_write_1h_tokens)} cache writes, ${count(t.output_tokens)} output, ${count(t.reasoning_tokens)} reasoning, ${count(t.audio_input_tokens + t.audio_output_tokens)} audio, ${count(t.image_input_tokens + t.image_output_tokens)} image`,
    `avg tokens/request: ${t.avg_tokens_per_request === null ? '—' : thousands(String(t.avg_tokens_per_request))}; unpriced events: ${count(t.unpriced_events)}; error events: ${count(t.error_events)}`,
  ];
  return `${table}\n${facts.join('\n')}\n`;
}

function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CSV_MEASURES = [...COUNT_MEASURES, ...MONEY_MEASURES, 'margin', 'margin_pct', 'audio_seconds', 'avg_tokens_per_request', 'avg_duration_ms', 'avg_ttft_ms'] as const;

/** A breakdown as CSV: header, rows, then "other" rows (dimension cells `(other)`); exact values, no totals row. */
export function breakdownCsv(result: BreakdownResult): string {
  const keys: string[] = [...(result.bucket === null ? [] : ['bucket']), ...result.by];
  const lines = [[...keys, ...CSV_MEASURES, 'other_groups'].join(',')];
  const measures = (m: Measures): string[] => CSV_MEASURES.map((k) => csvCell(m[k]));
  for (const r of result.rows) lines.push([...keys.map((k) => csvCell(k === 'bucket' ? r.bucket : r[k as BreakdownDimension] ?? '')), ...measures(allMeasures(r)), ''].join(','));
  for (const o of result.other) lines.push([...keys.map((k) => csvCell(k === 'bucket' ? o.bucket : '(other)')), ...measures(allMeasures(o)), String(o.groups)].join(','));
  return lines.join('\n') + '\n';
}

/** The summary as CSV: the header and one row of totals, exact values (per-model figures: --by model_key). */
export function summaryCsv(result: SummaryResult): string {
  const totals = allMeasures(result.totals);
  return `${CSV_MEASURES.join(',')}\n${CSV_MEASURES.map((k) => csvCell(totals[k])).join(',')}\n`;
}
