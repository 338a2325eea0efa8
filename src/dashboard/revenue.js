/**
 * Revenue, cost and margin (issue 16): the panel under the KPIs and the
 * "Margin" choice of the time chart, shown only when some event of the range
 * was billed — a non-zero `price` in the summary; most users do not resell,
 * and their page stays as it was. The panel's KPIs carry the API's exact
 * values in data-value; the table lists the tenants (customers) with the most
 * revenue, each row's exact figures in its cells' data-value. Clicking a row
 * filters by its tenant.
 */
import { $, h } from './dom.js';
import { formatUsd } from './format.js';

/** Whether the summary's totals hold any billed price. */
export function isBilled(totals) {
  return totals.price !== '0';
}

/** The breakdown the table reads (only asked for when the range is billed): tenants by revenue. */
export const REVENUE_QUERY = { by: 'tenant', sort: 'price', limit: 10, measures: 'price,cost_total,margin,margin_pct' };

const percent = (pct) => (pct === null ? '—' : `${pct} %`);

function setFigure(id, exact, text) {
  const el = $(id);
  el.dataset.value = exact === null ? '' : String(exact);
  el.textContent = text;
  el.title = `exact: ${exact ?? '—'}`;
}

function cell(exact, text) {
  return h('td', { class: 'num', 'data-value': exact ?? '', title: `exact: ${exact ?? '—'}`, text });
}

/**
 * Shows or hides the panel and the chart's Margin choice. `byTenant` is the
 * REVENUE_QUERY answer, or null when nothing in the range was billed.
 * `measure` is the chart's current measure (its choice stays visible while picked).
 */
export function renderRevenue(totals, byTenant, measure, pickTenant) {
  const billed = byTenant !== null;
  $('revenue').hidden = !billed;
  $('measure-margin').hidden = !billed && measure !== 'margin';
  if (!billed) return;
  setFigure('kpi-revenue', totals.price, formatUsd(totals.price));
  setFigure('kpi-revenue-cost', totals.cost_total, formatUsd(totals.cost_total));
  setFigure('kpi-margin', totals.margin, formatUsd(totals.margin));
  setFigure('kpi-margin-pct', totals.margin_pct, percent(totals.margin_pct));
  $('kpi-margin').classList.toggle('warn', totals.margin.startsWith('-'));
  const rows = byTenant.rows.map((r) => {
    const tr = h('tr', { 'data-tenant': r.tenant ?? '', class: 'pick', title: `Show ${r.tenant ?? '(no tenant)'} only` },
      h('th', { scope: 'row', text: r.tenant ?? '(no tenant)' }),
      cell(r.price, formatUsd(r.price)), cell(r.cost_total, formatUsd(r.cost_total)), cell(r.margin, formatUsd(r.margin)), cell(r.margin_pct, percent(r.margin_pct)));
    tr.addEventListener('click', () => pickTenant(r.tenant));
    return tr;
  });
  $('revenue-table').tBodies[0].replaceChildren(...rows);
  const more = (byTenant.other ?? []).reduce((n, o) => n + (o.groups ?? 0), 0);
  $('revenue-sub').textContent = `What the events were billed at (their price books), what they cost, and the difference${more > 0 ? ` · top ${rows.length} tenants by revenue, ${more} more in the totals` : ''}`;
}
