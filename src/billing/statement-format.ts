/**
 * A statement as CSV and as a printable HTML page (the JSON form is the
 * `Statement` document itself). Both show the exact amounts of the document;
 * nothing is recomputed here.
 *
 * CSV: a header, then one row per item — `usage` line items, then `allowance`,
 * `adjustment` and `credit` rows, their amounts signed as they count toward
 * the total (allowances and credits negative), so the `amount` column sums to
 * subtotal − credits.
 */
import type { Statement } from './statement.js';

export const STATEMENT_FORMATS = ['json', 'csv', 'html'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

export const STATEMENT_CSV_COLUMNS = ['tenant', 'user', 'period', 'kind', 'model', 'class', 'unit', 'quantity', 'unit_price', 'unit_price_per', 'amount', 'reference'] as const;

function csvCell(value: string | null): string {
  const text = value ?? '';
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const negate = (amount: string): string => (amount === '0' ? '0' : amount.startsWith('-') ? amount.slice(1) : `-${amount}`);

export function statementCsv(s: Statement): string {
  const head = [s.customer.tenant, s.customer.user, s.period];
  const rows: (string | null)[][] = [
    ...s.lines.map((l) => [...head, 'usage', l.model, l.class, l.unit, l.quantity, l.unit_price, l.unit_price_per, l.amount, '']),
    ...s.allowances.map((a) => [...head, 'allowance', '', a.class, a.kind === 'tokens' ? 'tokens' : '', a.quantity, '', '', negate(a.amount), a.id ?? `allowances[${a.index}] (${a.period})`]),
    ...s.adjustments.map((a) => [...head, 'adjustment', a.model, a.class, '', a.quantity, '', '', a.amount, a.period]),
    ...s.credits.map((c) => [...head, 'credit', '', '', '', '', '', '', negate(c.amount), c.grant_id]),
  ];
  return [STATEMENT_CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvCell).join(','))].join('\n') + '\n';
}

function esc(text: string | null): string {
  return (text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function table(caption: string, headers: readonly string[], rows: readonly (readonly (string | null)[])[], numeric: ReadonlySet<number>): string {
  if (rows.length === 0) return '';
  const th = headers.map((h, i) => `<th${numeric.has(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<h2>${esc(caption)}</h2>\n<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>\n`;
}

/** A self-contained printable page: inline style, no scripts, no external assets. */
export function statementHtml(s: Statement): string {
  const who = s.customer.user === '' ? s.customer.tenant : `${s.customer.tenant} / ${s.customer.user}`;
  const t = s.totals;
  const totals: [string, string][] = [
    ['Usage', t.usage],
    ['Allowances', negate(t.allowances)],
    ...(s.adjustments.length > 0 ? ([['Adjustments', t.adjustments]] as [string, string][]) : []),
    ['Subtotal', t.subtotal],
    ['Credits applied', negate(t.credits)],
    ['Amount due', t.due],
    ...(t.credit_refund !== '0' ? ([['Returned to credits', t.credit_refund]] as [string, string][]) : []),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Statement ${esc(who)} ${esc(s.period)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#111}
h1{font-size:1.4em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.5em 0 .4em}
table{border-collapse:collapse;width:100%}th,td{padding:.25em .5em;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.meta{color:#555}
table.totals{width:auto;margin-left:auto}table.totals tr:last-child td{font-weight:bold}
@media print{body{margin:0}a{color:inherit}}
</style></head><body>
<h1>Statement — ${esc(who)}</h1>
<p class="meta">Period ${esc(s.period)} (${esc(s.from)} – ${esc(s.to)}, UTC) · ${esc(s.status === 'closed' ? `closed ${s.closed_at ?? ''}` : 'open (not final)')} · ${esc(s.events)} events · amounts in ${esc(s.currency)}, exact${s.price_book_version ? ` · price book ${esc(s.price_book_version)}` : ''}</p>
${table('Usage', ['Model', 'Class', 'Quantity', 'Unit', 'Unit price', 'Per', 'Amount'], s.lines.map((l) => [l.model, l.class, l.quantity, l.unit, l.unit_price ?? '—', l.unit_price_per, l.amount]), new Set([2, 4, 6]))}${table('Allowances', ['Allowance', 'Class', 'Free quantity', 'Amount'], s.allowances.map((a) => [a.id ?? `#${a.index + 1} (${a.period})`, a.class, a.kind === 'tokens' ? a.quantity : '—', negate(a.amount)]), new Set([2, 3]))}${table('Adjustments to closed periods', ['Period', 'Model', 'Class', 'Quantity', 'Amount'], s.adjustments.map((a) => [a.period, a.model, a.class, a.quantity, a.amount]), new Set([3, 4]))}${table('Credits applied', ['Grant', 'Source', 'Applied', 'Remaining', 'Expires'], s.credits.map((c) => [c.grant_id, c.source, c.amount, c.remaining, c.expires_at ?? 'never']), new Set([2, 3]))}<h2>Totals</h2>
<table class="totals"><tbody>
${totals.map(([k, v]) => `<tr><td>${esc(k)}</td><td class="n">${esc(v)}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}
