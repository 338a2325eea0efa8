/**
 * The budgets page (`#view=budgets`): every budget the key may see
 * (`GET /v1/budgets`) with its definition and the status bars of
 * `GET /v1/budgets:status` for the page's tenant and user (a budget not
 * counted per value that those do not match: its own
 * `GET /v1/budgets/{id}/status`), and a form that
 * creates or replaces a budget (`PUT /v1/budgets/{id}`, an admin key).
 * Editing starts from the stored budget, so fields the form does not show
 * (thresholds, metadata, time zone, other scope dimensions) are kept.
 * Under each budget, the alerts it has sent (`GET /v1/budgets/{id}/alerts`,
 * the newest ALERTS_SHOWN, for the page's tenant when one is picked).
 * Also the status bars of the usage page's budgets panel.
 */
import { ApiError, getJson, sendJsonFull } from './api.js';
import { $, h } from './dom.js';
import { formatCount, formatUsd, formatUsedPercent, until } from './format.js';

let context = () => ({ tenant: '', user: '' });
let budgets = [];
/** How many of a budget's alerts the page lists (the API pages through all of them). */
const ALERTS_SHOWN = 5;

function budgetAmount(metric, value) {
  return metric === 'cost' || metric === 'price' ? formatUsd(value) : formatCount(value);
}

export function rank(s) {
  return s.exceeded ? 2 : s.approaching ? 1 : 0;
}

/** One status as a bar: used against limit, coloured and labelled by level. */
export function budgetItem(s) {
  const level = s.exceeded ? 'exceeded' : s.approaching ? 'approaching' : 'ok';
  const what = [s.metric === 'tokens' && s.token_class ? `${s.token_class} tokens` : s.metric, s.period === 'rolling' ? `rolling ${s.window}` : s.period, s.enforcement];
  const subject = Object.entries(s.subject ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
  const shared = s.used === null;
  const pct = shared ? null : s.percentage;
  const fill = h('span', { class: 'fill' });
  fill.style.width = `${Math.min(100, pct ?? 0)}%`;
  const bar = h('div', {
    class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct === null ? undefined : Math.min(100, pct),
    'aria-label': `${s.name}: ${shared ? 'shared budget' : `${pct} % used`}, ${level}`,
  }, fill);
  return h('li', { class: `budget ${level}`, 'data-budget': s.budget_id, 'data-level': level, 'data-percentage': pct ?? '' },
    h('div', { class: 'budget-head' },
      h('span', { class: 'name', text: s.name }),
      h('span', { class: 'muted', text: `${what.join(' · ')}${subject ? ` · ${subject}` : ''}` }),
      h('span', { class: `chip ${level}`, text: level === 'ok' ? formatUsedPercent(pct) : `${level} · ${formatUsedPercent(pct)}` })),
    bar,
    h('div', { class: 'muted small', text: shared
      ? `Shared with other tenants: amounts hidden for this key · ${resets(s)}`
      : `${budgetAmount(s.metric, s.used)} of ${budgetAmount(s.metric, s.limit)} used${s.reserved !== '0' ? ` (+${budgetAmount(s.metric, s.reserved)} reserved)` : ''} · ${budgetAmount(s.metric, s.remaining)} left · ${resets(s)}` }));
}

/** A lifetime period (a wallet's) never resets. */
function resets(s) {
  return s.period === 'lifetime' ? 'never resets' : `resets ${until(s.resets_at)}`;
}

const describeScope = (scope) => Object.entries(scope ?? {}).map(([k, v]) => `${k} ${v === '*' ? '(each)' : v}`).join(', ') || 'everything';

function definition(b) {
  const period = b.period === 'rolling' ? `rolling ${b.window}` : b.period === 'lifetime' ? 'lifetime (never resets)' : `${b.period} (${b.timezone})`;
  const metric = b.metric === 'tokens' && b.token_class ? `${b.token_class} tokens` : b.metric;
  return `${metric} · limit ${budgetAmount(b.metric, b.limit)} · ${period} · ${b.enforcement} · approaching at ${b.approaching} % · alerts at ${b.thresholds.join(', ')} %`;
}

const when = (iso) => new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });

/** The alerts a budget sent, newest first: threshold, used of limit when crossed, subject, when. */
function alertList(b, page) {
  if (page === null) return h('p', { class: 'muted small alerts-none', text: 'Alerts sent: not available from this server.' });
  if (page.alerts.length === 0) return h('p', { class: 'muted small alerts-none', 'data-alerts': '0', text: 'No alerts sent yet.' });
  return h('div', { class: 'alerts', 'data-alerts': page.alerts.length },
    h('div', { class: 'muted small', text: `Alerts sent${page.next_cursor ? ` (newest ${page.alerts.length}; all: GET /v1/budgets/${b.id}/alerts)` : ''}` }),
    h('ul', { class: 'alert-list' }, page.alerts.map((a) => {
      const subject = Object.entries(a.subject ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
      return h('li', { 'data-alert': a.alert_id, 'data-threshold': a.threshold, 'data-used': a.used, 'data-crossed': a.crossed_at },
        // A wallet's low-balance alert (budget.remaining_below) names the amount left, not a percent.
        h('span', { class: `chip ${a.exceeded ? 'exceeded' : 'threshold'}`, text: a.below == null ? `${a.threshold} %` : `≤ ${budgetAmount(a.metric, a.below)} left` }),
        h('span', { text: `${budgetAmount(a.metric, a.used)} of ${budgetAmount(a.metric, a.limit)} used` }),
        h('span', { class: 'muted', text: [a.tenant ? `tenant ${a.tenant}` : null, subject || null].filter(Boolean).join(' · ') }),
        h('time', { datetime: a.crossed_at, text: when(a.crossed_at) }));
    })));
}

function budgetCard(b, statuses, alerts) {
  return h('li', { class: 'budget-card', 'data-budget-id': b.id },
    h('div', { class: 'budget-head' },
      h('span', { class: 'name', text: b.name }),
      h('code', { text: b.id }),
      h('span', { class: 'muted', text: `subject: ${describeScope(b.scope)}` }),
      // A customer's wallet is kept by tally from its grants (the API refuses edits): no Edit button, say where it comes from.
      b.metadata?.['tally.wallet'] === 'true'
        ? h('span', { class: 'muted small', 'data-wallet': 'true', text: 'wallet: kept from its grants (docs/billing.md)' })
        : h('button', { type: 'button', class: 'edit', 'data-edit': b.id, text: 'Edit' })),
    h('p', { class: 'muted small definition', text: definition(b) }),
    statuses.length > 0
      ? h('ul', { class: 'budgets' }, statuses.map(budgetItem))
      : h('p', { class: 'muted small', text: 'No status for the tenant and user picked: counted per value — pick a tenant or user on the usage page.' }),
    alertList(b, alerts));
}

/** A budget's newest alerts, or null when the server does not list alerts. */
async function alertsOf(b, tenant) {
  try {
    return await getJson(`/v1/budgets/${encodeURIComponent(b.id)}/alerts`, { limit: ALERTS_SHOWN, tenant });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Loads started; a load draws only if none started after it. */
let loads = 0;

/**
 * Reads the budgets and their statuses for the page's tenant and user and draws them. Only the
 * newest load draws: a load the refresh timer started before a save may answer after the save's
 * own, with the list already holding the new budget but the statuses read before it was counted.
 */
export async function loadBudgets() {
  const load = ++loads;
  const page = $('budgets-page');
  const { tenant, user } = context();
  page.dataset.state = 'loading';
  try {
    const [list, statuses] = await Promise.all([
      getJson('/v1/budgets', { tenant }),
      getJson('/v1/budgets:status', { tenant, user_id: user }),
    ]);
    budgets = list.budgets;
    const byId = new Map();
    for (const s of statuses.statuses) byId.set(s.budget_id, [...(byId.get(s.budget_id) ?? []), s]);
    // A budget not counted per value whose scope the tenant and user alone do not match (e.g. tenant and
    // feature) has one status of its own: read it, so every such budget shows its bar.
    const own = budgets.filter((b) => !byId.has(b.id) && !Object.values(b.scope ?? {}).includes('*'));
    const [alerts, owned] = await Promise.all([
      Promise.all(budgets.map((b) => alertsOf(b, tenant))),
      Promise.all(own.map((b) => getJson(`/v1/budgets/${encodeURIComponent(b.id)}/status`).catch(() => null))),
    ]);
    own.forEach((b, i) => {
      if (owned[i]) byId.set(b.id, [owned[i]]);
    });
    if (load !== loads) return;
    $('budget-list').replaceChildren(...budgets.map((b, i) => budgetCard(b, byId.get(b.id) ?? [], alerts[i] ?? null)));
    $('budgets-page-sub').textContent = `${budgets.length} budget${budgets.length === 1 ? '' : 's'}${tenant ? ` of ${tenant}` : ''}; statuses for ${[tenant ? `tenant ${tenant}` : 'all tenants', user ? `user ${user}` : null].filter(Boolean).join(', ')} · tier budgets are under /v1/tiers`;
    page.dataset.state = 'ready';
  } catch (err) {
    if (load !== loads) return;
    page.dataset.state = 'error';
    $('budgets-page-sub').textContent = err instanceof ApiError && err.status === 404 ? 'Budgets are not enabled on this server.' : `Could not read the budgets: ${err.message}`;
  }
}

// ---------------------------------------------------------------- create and edit

function fillForm(b) {
  const f = $('budget-form');
  f.elements.id.value = b?.id ?? '';
  f.elements.id.readOnly = Boolean(b);
  f.elements.name.value = b?.name ?? '';
  f.elements.metric.value = b?.metric ?? 'cost';
  f.elements.limit.value = b?.limit ?? '';
  f.elements.period.value = b?.period ?? 'monthly';
  f.elements.window.value = b?.window ?? '';
  f.elements.tenant.value = b?.scope?.tenant ?? context().tenant;
  f.elements.user_id.value = b?.scope?.user_id ?? '';
  f.elements.enforcement.value = b?.enforcement ?? 'soft';
  f.elements.approaching.value = String(b?.approaching ?? 80);
  f.dataset.editing = b?.id ?? '';
  $('budget-form-title').textContent = b ? `Edit ${b.id}` : 'New budget';
  $('budget-error').textContent = '';
}

/** The body to PUT: the stored budget (when editing) with the form's fields over it. */
function formBody() {
  const f = $('budget-form');
  const stored = budgets.find((b) => b.id === f.dataset.editing);
  const scope = { ...(stored?.scope ?? {}) };
  for (const name of ['tenant', 'user_id']) {
    const v = f.elements[name].value.trim();
    if (v) scope[name] = v;
    else delete scope[name];
  }
  const metric = f.elements.metric.value;
  const period = f.elements.period.value;
  const body = {
    ...(stored ?? {}),
    id: f.elements.id.value.trim(),
    name: f.elements.name.value.trim(),
    metric,
    token_class: metric === 'tokens' ? stored?.token_class ?? null : null,
    limit: f.elements.limit.value.trim(),
    period,
    window: period === 'rolling' ? f.elements.window.value.trim() : null,
    scope,
    enforcement: f.elements.enforcement.value,
    approaching: Number(f.elements.approaching.value),
  };
  if (body.tier === null) delete body.tier;
  return body;
}

async function save() {
  const body = formBody();
  const out = $('budget-error');
  if (!body.id) {
    out.textContent = 'id: enter an id (letters, digits, ".", "_", ":" or "-")';
    return;
  }
  const button = $('budget-save');
  button.disabled = true;
  // The API answers once the budget's counters are backfilled from the stored usage (docs/budgets.md).
  out.textContent = 'Saving… (counting the usage of the current period)';
  try {
    const { headers } = await sendJsonFull('PUT', `/v1/budgets/${encodeURIComponent(body.id)}`, body);
    out.textContent = '';
    $('budget-dialog').close();
    // Saved, but its counters were not filled from the stored usage: say so, or its `used` silently starts at now.
    const notice = $('budget-notice');
    const failed = headers.get('tally-backfill') === 'failed';
    notice.hidden = !failed;
    notice.textContent = failed
      ? `Budget ${body.id} is saved, but its counters could not be filled from the usage stored earlier this period: until you run \`tally reconcile --budget ${body.id}\`, its “used” counts only from now.`
      : '';
    await loadBudgets();
  } catch (err) {
    out.textContent = err instanceof ApiError && (err.status === 401 || err.status === 403)
      ? `Creating and editing budgets needs an admin key (enter it under “API key”): ${err.message}`
      : err.message;
  } finally {
    button.disabled = false;
  }
}

/** Wires the page; `pageContext()` gives the tenant and user picked on the usage page. */
export function initBudgets(pageContext) {
  context = pageContext;
  $('new-budget').addEventListener('click', () => {
    fillForm(null);
    $('budget-dialog').showModal();
  });
  $('budget-list').addEventListener('click', (e) => {
    const edit = e.target.closest('[data-edit]');
    if (!edit) return;
    fillForm(budgets.find((b) => b.id === edit.dataset.edit));
    $('budget-dialog').showModal();
  });
  $('budget-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void save();
  });
  $('budget-cancel').addEventListener('click', () => $('budget-dialog').close());
}
