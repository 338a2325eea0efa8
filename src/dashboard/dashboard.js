/**
 * The dashboard: reads the public API (/v1/usage/*, /v1/budgets:status) for
 * the chosen range and filters and draws it; refreshes itself. State lives in
 * the URL fragment (#range=7d&tenant=acme&user=u-1&model=openai/gpt-4o&tag=env=prod),
 * so a view can be bookmarked and shared; the API key lives in localStorage (api.js).
 * Clicking a bar, a legend entry or a table row filters by what it shows.
 *
 * For tests and curious humans, <body> says what it shows: data-state
 * (loading | ready | error), data-refreshes (completed refreshes), and <main>
 * carries data-from / data-to / data-tz / data-tenant / data-user / data-filters /
 * data-measure of the last answer drawn. Every KPI's exact API value is in its
 * data-value, the previous period's in its delta's data-previous.
 */
import { ApiError, apiUrl, getJson, storedKey, storeKey } from './api.js';
import { $, h } from './dom.js';
import { closeEvent, closeSession, initRequests, loadLog, openEventById, openSession } from './requests.js';
import { budgetItem, initBudgets, loadBudgets, rank } from './budgets.js';
import { downloadCsv, reportCommand } from './export.js';
import { applyTheme, classesConfig, latencyConfig, rankingConfig, shorten, timeConfig, upsertChart } from './charts.js';
import { DEFAULT_MEASURE, MEASURES, measureDatasets } from './measures.js';
import { REVENUE_QUERY, isBilled, renderRevenue } from './revenue.js';
import { FILTER_DIMENSIONS, STATUSES, describeFilters, filtersKey, invalidFilter, onlyFilter, readFilters, withFilter, withoutFilter, writeFilters } from './filters.js';
import { addDecimals, bucketLabel, formatCompact, formatCount, formatMs, formatPercent, formatUsd } from './format.js';

const PRESET_HOURS = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30 };
/** Preset ranges end on a quarter-hour edge, the finest rollup bucket. */
const QUARTER_HOUR_MS = 900_000;
const DEFAULT_REFRESH_SECONDS = 15;
/** Tenant and user lists are re-read when the range or tenant changes, else at most this often. */
const OPTIONS_MAX_AGE_MS = 60_000;
const TZ = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
})();

const CLASSES = [
  ['input', 'Input'], ['cached_input', 'Cached input'], ['cache_write_5m', 'Cache writes 5 min'], ['cache_write_1h', 'Cache writes 1 h'],
  ['output', 'Output'], ['reasoning', 'Reasoning'], ['audio_input', 'Audio in'], ['audio_output', 'Audio out'],
  ['image_input', 'Image in'], ['image_output', 'Image out'], ['request', 'Per request'], ['tool_call', 'Tool calls'],
  ['web_search', 'Web search'], ['audio_second', 'Audio seconds'], ['image', 'Images'],
];

const state = readHash();
let generation = 0;
let timer = null;
let refreshes = 0;
let options = { key: '', at: 0, tenants: [], users: [] };
let lastQuery = null;
let lastBucket = 'day';

// ---------------------------------------------------------------- state <-> URL

function readHash() {
  const p = new URLSearchParams(window.location.hash.slice(1));
  const range = p.get('range');
  const refresh = Number(p.get('refresh'));
  return {
    range: range === 'custom' || range in PRESET_HOURS ? range : '7d',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    tenant: p.get('tenant') ?? '',
    user: p.get('user') ?? '',
    filters: readFilters(p),
    session: p.get('session') ?? '',
    event: p.get('event') ?? '',
    eventAt: p.get('event_at') ?? '',
    view: p.get('view') === 'budgets' ? 'budgets' : 'usage',
    measure: Object.hasOwn(MEASURES, p.get('measure') ?? '') ? p.get('measure') : DEFAULT_MEASURE,
    refreshSeconds: Number.isFinite(refresh) && refresh >= 2 ? refresh : DEFAULT_REFRESH_SECONDS,
  };
}

function writeHash() {
  const p = new URLSearchParams({ range: state.range });
  if (state.range === 'custom') {
    p.set('from', state.from);
    p.set('to', state.to);
  }
  if (state.tenant) p.set('tenant', state.tenant);
  if (state.user) p.set('user', state.user);
  writeFilters(p, state.filters);
  if (state.measure !== DEFAULT_MEASURE) p.set('measure', state.measure);
  if (state.session) p.set('session', state.session);
  if (state.event) {
    p.set('event', state.event);
    if (state.eventAt) p.set('event_at', state.eventAt);
  }
  if (state.view !== 'usage') p.set('view', state.view);
  if (state.refreshSeconds !== DEFAULT_REFRESH_SECONDS) p.set('refresh', String(state.refreshSeconds));
  window.history.replaceState(null, '', `#${p}`);
}

/** The range to ask for now: [from, to) as ISO instants, and a bucket that gives a readable number of bars. */
function currentRange() {
  let from;
  let to;
  if (state.range === 'custom') {
    from = new Date(state.from);
    to = new Date(state.to);
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) return { error: 'Pick a start and an end for the custom range.' };
    if (from >= to) return { error: 'The custom range must start before it ends.' };
  } else {
    // Up to now: to the end of the current quarter hour, so every query reads rollups only (docs/analytics.md).
    to = new Date(Math.ceil(Date.now() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);
    from = new Date(to.getTime() - PRESET_HOURS[state.range] * 3_600_000);
  }
  const hours = (to - from) / 3_600_000;
  const bucket = hours <= 72 ? 'hour' : hours <= 24 * 92 ? 'day' : hours <= 24 * 366 ? 'week' : 'month';
  return { from: from.toISOString(), to: to.toISOString(), bucket };
}

/** A Date as the value of a datetime-local input (local wall clock, minutes). */
function localInputValue(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

// ---------------------------------------------------------------- DOM helpers

function setKpi(id, exact, text, sub) {
  const el = $(id);
  el.dataset.value = String(exact);
  el.textContent = text;
  el.title = `exact: ${exact}`;
  if (sub !== undefined) $(`${id}-sub`).textContent = sub;
}

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = !message;
}

const dimLabel = (value, none) => (value === null || value === undefined || value === '' ? none : String(value));

// ---------------------------------------------------------------- rendering

/** The previous period of the same length, ending where the range starts. */
function previousRange(range) {
  const from = Date.parse(range.from);
  return { from: new Date(2 * from - Date.parse(range.to)).toISOString(), to: range.from };
}

/** "▲ 12.3 % vs previous 7 d" under a KPI; its data-previous holds the previous period's exact value. */
function setDelta(id, current, previous, label) {
  const el = $(`${id}-delta`);
  const cur = Number.parseFloat(String(current));
  const prev = Number.parseFloat(String(previous));
  let direction;
  let text;
  if (prev === 0) {
    direction = cur === 0 ? 'flat' : 'up';
    text = cur === 0 ? `none in the ${label} either` : `none in the ${label}`;
  } else {
    const pct = ((cur - prev) / prev) * 100;
    direction = pct > 0 ? 'up' : pct < 0 ? 'down' : 'flat';
    text = `${{ up: '▲', down: '▼', flat: '=' }[direction]} ${Math.abs(pct).toFixed(1)} % vs ${label}`;
  }
  el.dataset.previous = String(previous);
  el.dataset.direction = direction;
  el.textContent = text;
  el.title = `${label}: ${previous}`;
}

/**
 * The measures the page shows from the current summary (renderKpis, renderUnpriced, renderRevenue,
 * renderClasses): every token class and cost class, not the tool, web-search, image and audio counts
 * or the latency averages — each measure costs the store work in every table a statement reads.
 */
const SUMMARY_MEASURES = [
  'events', 'requests', ...CLASSES.slice(0, 10).map(([c]) => `${c}_tokens`), 'total_tokens', 'avg_tokens_per_request',
  ...CLASSES.map(([c]) => `cost_${c}`), 'cost_total', 'cache_savings', 'price', 'margin', 'margin_pct', 'unpriced_events', 'error_events',
].join(',');

/** The measures renderDeltas compares (the previous period's summary asks for these only). */
const DELTA_MEASURES = 'cost_total,requests,total_tokens,cache_savings,error_events,unpriced_events';

function renderDeltas(t, p) {
  const label = state.range === 'custom' ? 'previous period' : `previous ${state.range.replace(/(\d+)/, '$1 ')}`;
  setDelta('kpi-cost', t.cost_total, p.cost_total, label);
  setDelta('kpi-requests', t.requests, p.requests, label);
  setDelta('kpi-tokens', t.total_tokens, p.total_tokens, label);
  setDelta('kpi-savings', t.cache_savings, p.cache_savings, label);
  setDelta('kpi-errors', t.error_events, p.error_events, label);
  setDelta('kpi-unpriced', t.unpriced_events, p.unpriced_events, label);
}

function renderKpis(t) {
  const perRequest = t.requests > 0 ? (Number.parseFloat(t.cost_total) / t.requests).toFixed(6) : '0';
  setKpi('kpi-cost', t.cost_total, formatUsd(t.cost_total), t.requests > 0 ? `${formatUsd(perRequest)} per request` : '');
  setKpi('kpi-requests', t.requests, formatCount(t.requests), t.avg_tokens_per_request === null ? '' : `${formatCount(t.avg_tokens_per_request)} tokens per request`);
  const input = t.input_tokens + t.cache_write_5m_tokens + t.cache_write_1h_tokens + t.audio_input_tokens + t.image_input_tokens;
  const output = t.output_tokens + t.audio_output_tokens + t.image_output_tokens;
  setKpi('kpi-tokens', t.total_tokens, formatCompact(t.total_tokens), `${formatCompact(input)} in · ${formatCompact(t.cached_input_tokens)} cached · ${formatCompact(output)} out · ${formatCompact(t.reasoning_tokens)} reasoning`);
  $('kpi-tokens').title = `exact: ${formatCount(t.total_tokens)} tokens`;
  const wouldHave = addDecimals([t.cost_cached_input, t.cache_savings]);
  setKpi('kpi-savings', t.cache_savings, formatUsd(t.cache_savings), `cached reads cost ${formatUsd(t.cost_cached_input)} instead of ${formatUsd(wouldHave)}`);
  setKpi('kpi-errors', t.error_events, formatCount(t.error_events), t.events > 0 ? `${formatPercent(t.error_events / t.events)} of events` : '');
  setKpi('kpi-unpriced', t.unpriced_events, formatCount(t.unpriced_events));
  $('kpi-unpriced').classList.toggle('warn', t.unpriced_events > 0);
}

function renderUnpriced(t, query) {
  const section = $('unpriced');
  section.hidden = t.unpriced_events === 0;
  $('unpriced-count').textContent = formatCount(t.unpriced_events);
  $('unpriced-link').href = apiUrl('/v1/usage/records', { ...query, priced: 'false' });
  if (t.unpriced_events === 0) toggleUnpriced(false);
  else if ($('show-unpriced').getAttribute('aria-expanded') === 'true') void loadUnpricedRecords();
}

async function loadUnpricedRecords() {
  const box = $('unpriced-records');
  try {
    const { records } = await getJson('/v1/usage/records', { ...lastQuery, priced: 'false', limit: 10 });
    const rows = records.map((r) =>
      h('tr', {}, h('td', { text: new Date(r.occurred_at).toLocaleString('en-GB', { timeZone: TZ }) }), h('td', { text: r.tenant }), h('td', { text: dimLabel(r.user_id, '—') }),
        h('td', { text: r.provider }), h('td', {}, h('code', { text: r.model })), h('td', { text: dimLabel(r.pricing_error, '') }), h('td', { class: 'num', text: formatCount(r.total_tokens) })));
    box.replaceChildren(h('table', { class: 'table' },
      h('caption', { text: `The ${records.length} most recent unpriced events` }),
      h('thead', {}, h('tr', {}, ['When', 'Tenant', 'User', 'Provider', 'Model (as reported)', 'Why', 'Tokens'].map((c) => h('th', { scope: 'col', text: c })))),
      h('tbody', {}, rows)));
  } catch (err) {
    box.replaceChildren(h('p', { text: `Could not load the records: ${err.message}` }));
  }
}

function toggleUnpriced(open) {
  $('show-unpriced').setAttribute('aria-expanded', String(open));
  $('show-unpriced').textContent = open ? 'Hide them' : 'Show them';
  $('unpriced-records').hidden = !open;
  if (open) void loadUnpricedRecords();
}

function renderTime(ts, range) {
  const measure = MEASURES[state.measure];
  const labels = ts.buckets.map((b) => bucketLabel(b, ts.bucket, TZ));
  const datasets = measureDatasets(state.measure, ts);
  upsertChart($('chart-spend'), timeConfig(labels, datasets, measure, state.measure === 'tokens' ? undefined : (i) => pickModel(datasets[i]?.key)));
  $('h-spend').textContent = measure.title;
  const buckets = `${ts.buckets.length} ${range.bucket === 'day' ? 'daily' : `${range.bucket}ly`} buckets in ${TZ}`;
  const models = ts.series.filter((s) => !s.other && s.key !== null).length;
  const what = state.measure === 'tokens'
    ? `${datasets.length} token class${datasets.length === 1 ? '' : 'es'}`
    : state.measure === 'margin'
      ? 'revenue (billed), cost and margin'
    : `${models} model${models === 1 ? '' : 's'}${ts.series.some((s) => s.other) ? ' + others' : ''}`;
  const note = state.measure === 'latency' ? ' · mean request duration per bucket (percentiles below)' : state.measure === 'margin' ? ' · hover a point for exact amounts' : ' · hover a bar for exact amounts';
  $('spend-sub').textContent = `${buckets} · ${what}${note}`;
}

function renderRanking(canvasId, subId, answer, labelOf, noun, color, pickRow) {
  const labels = answer.rows.map(labelOf);
  const exact = answer.rows.map((r) => r.cost_total);
  upsertChart($(canvasId), rankingConfig(labels, exact, color, (_d, i) => answer.rows[i] && pickRow(answer.rows[i])));
  const other = answer.other ?? [];
  const groups = other.reduce((n, o) => n + (o.groups ?? 0), 0);
  const rest = addDecimals(other.map((o) => o.cost_total).concat('0'));
  $(subId).textContent = answer.rows.length === 0
    ? `No ${noun}s in this range.`
    : `Top ${answer.rows.length} ${noun}s: ${formatUsd(addDecimals(exact))}${groups > 0 ? ` · ${formatCount(groups)} more: ${formatUsd(rest)}` : ''}`;
}

function renderClasses(t) {
  const shown = CLASSES.filter(([c]) => t[`cost_${c}`] !== '0' || (c === 'cached_input' && t.cache_savings !== '0'));
  const costs = shown.map(([c]) => t[`cost_${c}`]);
  const savings = shown.map(([c]) => (c === 'cached_input' ? t.cache_savings : '0'));
  upsertChart($('chart-classes'), classesConfig(shown.map(([, label]) => label), costs, savings));
  $('classes-sub').textContent = t.cache_savings === '0'
    ? `${formatUsd(t.cost_total)} in total; no cache reads in this range.`
    : `${formatUsd(t.cost_total)} in total · the cache saved ${formatUsd(t.cache_savings)} (cached input billed ${formatUsd(t.cost_cached_input)} instead of ${formatUsd(addDecimals([t.cost_cached_input, t.cache_savings]))})`;
}

function renderBudgets(answer) {
  const list = $('budgets');
  const sub = $('budgets-sub');
  if (answer instanceof Error) {
    list.replaceChildren();
    sub.textContent = answer instanceof ApiError && answer.status === 404
      ? 'Budgets are not enabled on this server.'
      : `Budget statuses unavailable: ${answer.message}`;
    return;
  }
  const statuses = [...answer.statuses].sort((a, b) => rank(b) - rank(a) || (b.percentage ?? 0) - (a.percentage ?? 0));
  const whom = state.user ? ` to ${state.user}` : state.tenant ? ` to ${state.tenant}` : '';
  if (statuses.length === 0) {
    sub.textContent = `No budget applies${whom}. Create one with POST /v1/budgets or \`tally budgets add\` (docs/budgets.md).`;
  } else {
    sub.replaceChildren(`${statuses.length} budget${statuses.length === 1 ? '' : 's'}${whom ? ` applying${whom}` : ' (per-user budgets: pick a user)'} · `,
      h('span', { class: 'chip ok', text: 'under' }), ' ', h('span', { class: 'chip approaching', text: 'approaching' }), ' ', h('span', { class: 'chip exceeded', text: 'exceeded' }));
  }
  list.replaceChildren(...statuses.map(budgetItem));
}

function renderLatency(answer) {
  const rows = answer.rows.filter((r) => r.duration_ms.count > 0 || r.events > 0);
  const labels = rows.map((r) => dimLabel(r.key, '(unpriced)'));
  upsertChart($('chart-latency'), latencyConfig(labels, rows.map((r) => r.duration_ms.p50), rows.map((r) => r.duration_ms.p95), rows.map((r) => r.duration_ms.p99), (_d, i) => pickModel(rows[i]?.key)));
  const tbody = $('latency-table').tBodies[0];
  tbody.replaceChildren(...rows.map((r, i) => h('tr', { class: r.key ? 'pickable' : undefined, 'data-model': r.key ?? undefined },
    h('th', { scope: 'row', title: labels[i] }, r.key
      ? h('button', { type: 'button', class: 'pick', title: `Filter by model ${r.key}`, text: shorten(labels[i], 34) })
      : shorten(labels[i], 34)),
    h('td', { class: 'num', text: formatCount(r.requests) }),
    h('td', { class: 'num', text: formatPercent(r.error_rate) }),
    h('td', { class: 'num', text: formatMs(r.duration_ms.p50) }),
    h('td', { class: 'num', text: formatMs(r.duration_ms.p95) }),
    h('td', { class: 'num', text: formatMs(r.duration_ms.p99) }),
    h('td', { class: 'num', text: formatMs(r.ttft_ms.p50) }),
    h('td', { class: 'num', text: formatMs(r.ttft_ms.p95) }))));
}

function fillSelect(select, allLabel, values, selected) {
  const list = selected && !values.includes(selected) ? [selected, ...values] : values;
  const current = [...select.options].map((o) => `${o.value}|${o.textContent}`).join('\n');
  const wanted = [['', allLabel], ...list.map((v) => [v, v])];
  if (current !== wanted.map(([v, t]) => `${v}|${t}`).join('\n')) select.replaceChildren(...wanted.map(([v, t]) => h('option', { value: v, text: t })));
  select.value = selected;
}

function renderOptions() {
  const tenant = $('tenant');
  const single = options.tenants.length === 1 && !state.tenant;
  // One tenant in the data (a tenant-bound key sees only its own): nothing to choose.
  fillSelect(tenant, single ? options.tenants[0] : 'All tenants', single ? [] : options.tenants, state.tenant);
  tenant.disabled = single;
  tenant.title = single ? 'The only tenant in this range that this key can read' : '';
  fillSelect($('user'), 'All users', options.users, state.user);
}

function rangeText(range) {
  const fmt = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: TZ });
  const scope = [state.tenant ? `tenant ${state.tenant}` : 'all tenants', state.user ? `user ${state.user}` : null, describeFilters(state.filters) || null].filter(Boolean).join(', ');
  return `${fmt.format(new Date(range.from))} → ${state.range === 'custom' ? fmt.format(new Date(range.to)) : 'now'} (${TZ}) · ${scope}`;
}

// ---------------------------------------------------------------- filters

/** A click on a chart or a row: filter by that value alone (nothing for "other" or a missing value). */
function pick(name, value) {
  if (value === null || value === undefined || value === '') return;
  state.filters = onlyFilter(state.filters, name, String(value));
  renderFilters();
  changed();
}

function pickModel(key) {
  pick('model', key);
}

/** A revenue row: that tenant. */
function pickTenant(tenant) {
  if (tenant === null || tenant === undefined) return;
  state.tenant = tenant;
  state.user = '';
  changed();
}

/** A user bar: that user, in its tenant when the chart spans tenants (user ids repeat between tenants). */
function pickUser(row) {
  if (row.user_id === null || row.user_id === undefined) return;
  if (row.tenant) state.tenant = row.tenant;
  state.user = row.user_id;
  changed();
}

function renderFilters() {
  const chips = FILTER_DIMENSIONS.flatMap(([name, label]) => (state.filters[name] ?? []).map((value) =>
    h('li', {}, h('button', {
      type: 'button', class: 'filter-chip', 'data-filter': name, 'data-value': value,
      title: `Remove the filter ${name} ${value}`, 'aria-label': `Remove filter ${label} ${value}`,
    }, h('span', { class: 'dim', text: label }), h('span', { text: value }), h('span', { class: 'x', 'aria-hidden': 'true', text: '×' })))));
  $('filters').replaceChildren(...chips);
  $('clear-filters').hidden = chips.length === 0;
  $('filter-hint').hidden = chips.length > 0;
}

/** The value list for the chosen dimension: the statuses, or the dimension's values with usage in the range. */
async function suggestValues() {
  const name = $('filter-dim').value;
  const input = $('filter-value');
  input.placeholder = name === 'tag' ? 'key=value, e.g. env=prod' : 'value';
  const list = $('filter-values');
  if (name === 'tag') return list.replaceChildren();
  if (name === 'status') return list.replaceChildren(...STATUSES.map((v) => h('option', { value: v })));
  const range = currentRange();
  if (range.error) return undefined;
  try {
    const by = name === 'model' ? 'model_key' : name;
    const answer = await getJson('/v1/usage/breakdown', { from: range.from, to: range.to, tz: TZ, tenant: state.tenant, by, sort: 'events', limit: 100, measures: 'events' });
    if ($('filter-dim').value !== name) return undefined;
    list.replaceChildren(...answer.rows.map((r) => r[by]).filter((v) => v !== null).map((v) => h('option', { value: v })));
  } catch {
    list.replaceChildren();
  }
  return undefined;
}

function addFilterFromForm() {
  const name = $('filter-dim').value;
  const value = $('filter-value').value.trim();
  const why = invalidFilter(name, value);
  $('filter-error').textContent = why;
  if (why) return;
  state.filters = withFilter(state.filters, name, value);
  $('filter-value').value = '';
  renderFilters();
  changed();
}

// ---------------------------------------------------------------- refresh

async function loadOptions(range, force) {
  const key = [state.range, state.from, state.to, state.tenant, storedKey()].join('|');
  if (!force && key === options.key && Date.now() - options.at < OPTIONS_MAX_AGE_MS) return options;
  const base = { from: range.from, to: range.to, tz: TZ };
  const [tenants, users] = await Promise.all([
    // Each panel asks only for the measures it shows (`measures`): every measure costs the store work.
    getJson('/v1/usage/breakdown', { ...base, by: 'tenant', sort: 'events', limit: 100, measures: 'events' }),
    getJson('/v1/usage/breakdown', { ...base, tenant: state.tenant, by: 'user_id', sort: 'cost_total', limit: 200, measures: 'events' }),
  ]);
  return {
    key, at: Date.now(),
    tenants: tenants.rows.map((r) => r.tenant).filter((t) => t !== null).sort(),
    users: users.rows.map((r) => r.user_id).filter((u) => u !== null),
  };
}

async function refresh() {
  const gen = ++generation;
  clearTimeout(timer);
  const range = currentRange();
  if (range.error) {
    showError(range.error);
    return;
  }
  document.body.dataset.state = 'loading';
  const query = { from: range.from, to: range.to, tz: TZ, tenant: state.tenant, user_id: state.user, ...state.filters };
  const usersBy = state.tenant ? 'user_id' : 'tenant,user_id';
  try {
    const [summary, previous, series, users, agents, latency, budgets, opts] = await Promise.all([
      getJson('/v1/usage/summary', { ...query, measures: SUMMARY_MEASURES }),
      // The previous period only feeds the KPIs' deltas (renderDeltas): its six measures, not all 40.
      getJson('/v1/usage/summary', { ...query, ...previousRange(range), measures: DELTA_MEASURES }),
      getJson('/v1/usage/timeseries', { ...query, bucket: range.bucket, ...MEASURES[state.measure].query }),
      getJson('/v1/usage/breakdown', { ...query, by: usersBy, sort: 'cost_total', limit: 10, measures: 'cost_total' }),
      getJson('/v1/usage/breakdown', { ...query, by: 'agent', sort: 'cost_total', limit: 10, measures: 'cost_total' }),
      // Percentiles from the latency rollups (within 1 % of exact; counts exact): the exact ones read every raw event of the range.
      getJson('/v1/usage/latency', { ...query, by: 'model_key', quantiles: 'histogram' }),
      getJson('/v1/budgets:status', { tenant: state.tenant, user_id: state.user }).catch((err) => err),
      loadOptions(range, false),
    ]);
    if (gen !== generation) return;
    // Revenue (issue 16): asked for only when something in the range was billed.
    const revenue = isBilled(summary.totals) ? await getJson('/v1/usage/breakdown', { ...query, ...REVENUE_QUERY }) : null;
    if (gen !== generation) return;
    lastQuery = query;
    options = opts;
    showError('');
    renderOptions();
    renderKpis(summary.totals);
    renderDeltas(summary.totals, previous.totals);
    renderUnpriced(summary.totals, query);
    renderRevenue(summary.totals, revenue, state.measure, pickTenant);
    renderTime(series, range);
    renderRanking('chart-users', 'users-sub', users, (r) => (usersBy === 'user_id' ? dimLabel(r.user_id, '(no user)') : `${dimLabel(r.user_id, '(no user)')} · ${r.tenant}`), 'user', '#4e79a7', pickUser);
    renderRanking('chart-agents', 'agents-sub', agents, (r) => dimLabel(r.agent, '(no agent)'), 'agent', '#f28e2b', (r) => pick('agent', r.agent));
    renderClasses(summary.totals);
    renderBudgets(budgets);
    renderLatency(latency);
    renderFilters();
    await loadLog(query);
    if (gen !== generation) return;
    if (state.view === 'budgets') void loadBudgets();
    const main = $('dashboard');
    Object.assign(main.dataset, { from: range.from, to: range.to, tz: TZ, tenant: state.tenant, user: state.user, filters: filtersKey(state.filters), measure: state.measure, bucket: range.bucket });
    $('range-text').textContent = rangeText(range);
    lastBucket = range.bucket;
    $('report-command').textContent = reportCommand(query, range.bucket, window.location.origin);
    refreshes++;
    document.body.dataset.refreshes = String(refreshes);
    document.body.dataset.state = 'ready';
    const now = new Date();
    $('updated').replaceChildren('Updated ', h('time', { datetime: now.toISOString(), text: now.toLocaleTimeString('en-GB', { timeZone: TZ }) }), $('auto-refresh').checked ? '' : ' · auto-refresh paused');
    $('access').textContent = storedKey() ? `key …${storedKey().slice(-4)}` : 'open access (no key sent)';
    $('key-state').textContent = storedKey() ? '(set)' : '';
  } catch (err) {
    if (gen !== generation) return;
    document.body.dataset.state = 'error';
    if (err instanceof ApiError && err.status === 401) {
      showError('This server needs an API key with the read role: enter it under “API key” (top right).');
      $('key-panel').open = true;
    } else if (err instanceof ApiError && err.status === 403) {
      showError(`This key may not read that: ${err.message}`);
    } else {
      showError(`Update failed at ${new Date().toLocaleTimeString('en-GB')}: ${err.message}. Showing the last data; retrying.`);
    }
    $('updated').textContent = refreshes > 0 ? `${$('updated').textContent.split(' · ')[0]} · last update failed` : 'Not loaded';
  } finally {
    if (gen === generation) schedule();
  }
}

function schedule() {
  clearTimeout(timer);
  if (!$('auto-refresh').checked) return;
  timer = setTimeout(() => {
    // A hidden tab skips its refreshes and catches up when shown again.
    if (document.hidden) schedule();
    else void refresh();
  }, state.refreshSeconds * 1000);
}

// ---------------------------------------------------------------- controls

/** The usage page or the budgets page. */
function showView() {
  $('dashboard').hidden = state.view !== 'usage';
  $('budgets-page').hidden = state.view !== 'budgets';
  for (const b of document.querySelectorAll('[data-view]')) b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
  if (state.view === 'budgets') void loadBudgets();
}

function syncControls() {
  for (const r of document.querySelectorAll('input[name=range]')) r.checked = r.value === state.range;
  for (const r of document.querySelectorAll('input[name=measure]')) r.checked = r.value === state.measure;
  $('custom-range').hidden = state.range !== 'custom';
  $('from').value = state.from;
  $('to').value = state.to;
  $('interval').textContent = `${state.refreshSeconds} s`;
  $('api-key').value = storedKey();
}

function changed() {
  writeHash();
  void refresh();
}

function wire() {
  for (const radio of document.querySelectorAll('input[name=range]')) {
    radio.addEventListener('change', () => {
      if (radio.value === 'custom') {
        const range = currentRange();
        state.range = 'custom';
        if (!state.from || !state.to) {
          state.from = localInputValue(new Date(range.from));
          state.to = localInputValue(new Date(range.to));
        }
        syncControls();
        $('from').focus();
        return;
      }
      state.range = radio.value;
      syncControls();
      changed();
    });
  }
  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    state.from = $('from').value;
    state.to = $('to').value;
    changed();
  });
  $('tenant').addEventListener('change', () => {
    state.tenant = $('tenant').value;
    state.user = '';
    changed();
  });
  $('user').addEventListener('change', () => {
    state.user = $('user').value;
    changed();
  });
  for (const radio of document.querySelectorAll('input[name=measure]')) {
    radio.addEventListener('change', () => {
      state.measure = radio.value;
      changed();
    });
  }
  for (const b of document.querySelectorAll('[data-view]')) {
    b.addEventListener('click', () => {
      state.view = b.dataset.view;
      writeHash();
      showView();
    });
  }
  $('filter-form').addEventListener('submit', (e) => {
    e.preventDefault();
    addFilterFromForm();
  });
  $('filter-dim').addEventListener('change', () => void suggestValues());
  $('filter-value').addEventListener('focus', () => void suggestValues(), { once: true });
  $('filters').addEventListener('click', (e) => {
    const chip = e.target.closest('[data-filter]');
    if (!chip) return;
    state.filters = withoutFilter(state.filters, chip.dataset.filter, chip.dataset.value);
    renderFilters();
    changed();
  });
  $('clear-filters').addEventListener('click', () => {
    state.filters = {};
    renderFilters();
    changed();
  });
  $('latency-table').addEventListener('click', (e) => {
    const row = e.target.closest('tr[data-model]');
    if (row) pickModel(row.dataset.model);
  });
  $('export-csv').addEventListener('click', async () => {
    if (!lastQuery) return;
    $('export-status').textContent = 'Preparing…';
    try {
      const csv = await downloadCsv(lastQuery, lastBucket);
      $('export-status').textContent = `${csv.split('\n').length - 2} rows`;
    } catch (err) {
      $('export-status').textContent = `Export failed: ${err.message}`;
    }
  });
  $('refresh').addEventListener('click', () => void refresh());
  $('auto-refresh').addEventListener('change', () => (($('auto-refresh').checked ? refresh() : clearTimeout(timer))));
  $('show-unpriced').addEventListener('click', () => toggleUnpriced($('show-unpriced').getAttribute('aria-expanded') !== 'true'));
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    storeKey($('api-key').value.trim());
    options.key = '';
    $('key-panel').open = false;
    void refresh();
  });
  $('forget-key').addEventListener('click', () => {
    storeKey('');
    $('api-key').value = '';
    options.key = '';
    void refresh();
  });
  window.addEventListener('hashchange', () => {
    const { session, event } = state;
    Object.assign(state, readHash());
    syncControls();
    if (state.session !== session) showSession();
    if (state.event !== event) showEvent();
    showView();
    void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && $('auto-refresh').checked) void refresh();
  });
}

/** The session view follows `session=` in the URL. */
function showSession() {
  if (state.session) void openSession(state.session, { tenant: state.tenant });
  else closeSession();
}

/** The event view follows `event=` (and `event_at=`) in the URL. */
function showEvent() {
  if (state.event) void openEventById(state.event, { tenant: state.tenant, at: state.eventAt });
  else closeEvent();
}

applyTheme();
syncControls();
renderFilters();
initRequests({
  tz: TZ,
  sessionChanged: (id) => {
    if (state.session === id) return;
    state.session = id;
    writeHash();
  },
  eventChanged: (id, at) => {
    if (state.event === id && state.eventAt === at) return;
    state.event = id;
    state.eventAt = at;
    writeHash();
  },
});
initBudgets(() => ({ tenant: state.tenant, user: state.user }));
showView();
// An event opened from a session's calls lies above the session view; one opened from the log, alone.
showEvent();
showSession();
wire();
void refresh();
