/**
 * Every call, one click away: the request log (`/v1/usage/records`, newest
 * first, cursor pages, the page's range and filters), the event view (one
 * record as the API returned it; `event=<id>` in the URL, with `event_at=` its
 * time so the lookup reads one instant, reopens it) and the session view
 * (`/v1/usage/sessions/{id}` and the session's records in order, with the
 * running cost).
 *
 * Every figure shown carries the API's exact value in a `data-field`
 * attribute (`data-running` for running costs), so tests and humans can
 * compare it with the API.
 */
import { getJson } from './api.js';
import { $, h } from './dom.js';
import { addDecimals, formatCount, formatMs, formatUsd } from './format.js';
import { TOKEN_CLASSES } from './measures.js';

const LOG_PAGE = 25;
/** The session view reads at most this many pages of 1,000 calls. */
const SESSION_MAX_PAGES = 10;

let tz = 'UTC';
let onSession = () => undefined;
let onEvent = () => undefined;
/** The log: the query it shows, the cursors of the pages before the current one, the current cursor. */
const log = { key: '', query: null, cursors: [], cursor: null, next: null, generation: 0 };

const exact = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const when = (iso) => new Date(iso).toLocaleString('en-GB', { timeZone: tz, dateStyle: 'medium', timeStyle: 'medium' });
const orDash = (v) => (v === null || v === undefined || v === '' ? '—' : String(v));

/** Wires the log's pager and the views' close buttons; `sessionChanged(id)` and `eventChanged(id, at)` keep the URL in step. */
export function initRequests(options) {
  tz = options.tz;
  onSession = options.sessionChanged;
  onEvent = options.eventChanged;
  $('log-older').addEventListener('click', () => {
    if (!log.next) return;
    log.cursors.push(log.cursor);
    log.cursor = log.next;
    void loadLog(log.query, true);
  });
  $('log-newer').addEventListener('click', () => {
    if (log.cursors.length === 0) return;
    log.cursor = log.cursors.pop();
    void loadLog(log.query, true);
  });
  $('log-newest').addEventListener('click', () => {
    log.cursors = [];
    log.cursor = null;
    void loadLog(log.query, true);
  });
  for (const dialog of [$('event-view'), $('session-view')]) {
    dialog.querySelector('[data-close]').addEventListener('click', () => dialog.close());
  }
  $('session-view').addEventListener('close', () => onSession(''));
  $('event-view').addEventListener('close', () => onEvent('', ''));
}

// ---------------------------------------------------------------- log

/**
 * Shows the log for `query` (range and filters). A new query starts at the newest page; the same
 * query (a refresh) re-reads the current page.
 */
export async function loadLog(query, paging = false) {
  const key = JSON.stringify(query);
  if (!paging && key !== log.key) {
    log.cursors = [];
    log.cursor = null;
  }
  log.key = key;
  log.query = query;
  const gen = ++log.generation;
  const table = $('log');
  table.dataset.state = 'loading';
  try {
    const answer = await getJson('/v1/usage/records', { ...query, limit: LOG_PAGE, cursor: log.cursor });
    if (gen !== log.generation) return;
    log.next = answer.next_cursor;
    table.tBodies[0].replaceChildren(...answer.records.map((r) => logRow(r, () => openEvent(r))));
    $('log-page').textContent = answer.records.length === 0 ? 'no events' : `page ${log.cursors.length + 1}`;
    $('log-older').disabled = !answer.next_cursor;
    $('log-newer').disabled = log.cursors.length === 0;
    $('log-newest').disabled = log.cursors.length === 0;
    $('log-sub').textContent = answer.records.length === 0
      ? 'No events in this range with these filters.'
      : `${answer.records.length} events, newest first, with the range and filters above · click a row for the whole event, a session for all its calls`;
    table.dataset.cursor = log.cursor ?? '';
    table.dataset.page = String(log.cursors.length + 1);
    table.dataset.state = 'ready';
  } catch (err) {
    if (gen !== log.generation) return;
    table.dataset.state = 'error';
    $('log-sub').textContent = `Could not load the events: ${err.message}`;
  }
}

function logRow(r, open) {
  const row = h('tr', { 'data-event': r.event_id, class: 'pickable' },
    h('td', {}, h('button', { type: 'button', class: 'pick', title: `Open event ${r.event_id}`, text: when(r.occurred_at) })),
    h('td', { text: r.tenant }),
    h('td', { text: orDash(r.user_id) }),
    h('td', { text: orDash(r.agent) }),
    h('td', { title: r.model, text: orDash(r.model_key ?? r.model) }),
    h('td', { class: `status ${r.status}`, text: r.error_type ? `${r.status} · ${r.error_type}` : r.status }),
    h('td', { class: 'num', text: formatCount(r.total_tokens) }),
    h('td', { class: 'num', title: `exact: ${r.cost_total}`, text: r.priced ? formatUsd(r.cost_total) : 'unpriced' }),
    h('td', { class: 'num', text: formatMs(r.duration_ms) }),
    h('td', {}, r.session_id ? h('button', { type: 'button', class: 'pick', 'data-session': r.session_id, title: `Open session ${r.session_id}`, text: r.session_id }) : '—'));
  row.addEventListener('click', (e) => {
    const session = e.target.closest('[data-session]');
    if (session) openSession(session.dataset.session, { tenant: r.tenant });
    else open();
  });
  return row;
}

// ---------------------------------------------------------------- event view

const EVENT_FIELDS = [
  ['event_id', 'Event id'], ['occurred_at', 'Occurred', when], ['received_at', 'Received', when], ['tenant', 'Tenant'],
  ['user_id', 'User'], ['group', 'Group'], ['session_id', 'Session'], ['agent', 'Agent'], ['feature', 'Feature'],
  ['request_id', 'Request id'], ['api_key_id', 'API key id'], ['provider', 'Provider'], ['model', 'Model (as reported)'],
  ['model_key', 'Model (priced as)'], ['status', 'Status'], ['error_type', 'Error type'],
  ['duration_ms', 'Duration', formatMs], ['ttft_ms', 'Time to first token', formatMs],
  ['cost_total', 'Cost', (v) => `${formatUsd(v)} (exact ${v})`], ['cache_savings', 'Cache savings', (v) => `${formatUsd(v)} (exact ${v})`],
  ['priced', 'Priced', (v) => (v ? 'yes' : 'no')], ['pricing_error', 'Why unpriced'], ['price_version', 'Price version'], ['cost_source', 'Cost source'],
  ['total_tokens', 'Tokens', formatCount], ['requests', 'Requests', formatCount], ['tool_calls', 'Tool calls', formatCount],
  ['web_search_requests', 'Web searches', formatCount], ['images', 'Images', formatCount], ['audio_seconds', 'Audio seconds', String],
];

function fieldList(record, fields) {
  return h('dl', { class: 'fields' }, fields.flatMap(([name, label, show]) => {
    const v = record[name];
    const text = v === null || v === undefined || v === '' ? '—' : show ? show(v) : String(v);
    const dd = h('dd', { 'data-field': name, 'data-value': exact(v) });
    if (name === 'session_id' && v && fields === EVENT_FIELDS) dd.append(h('button', { type: 'button', class: 'pick', 'data-session': v, text }));
    else dd.textContent = text;
    return [h('dt', { text: label }), dd];
  }));
}

/**
 * Every priced class as [cost class, label, the record's count field, how the count is printed]:
 * the token classes, then the units (`cost_<class>` in the record).
 */
const COST_CLASSES = [
  ...TOKEN_CLASSES.map(([c, label]) => [c, label, `${c}_tokens`, formatCount]),
  ['request', 'Requests', 'requests', formatCount], ['tool_call', 'Tool calls', 'tool_calls', formatCount],
  ['web_search', 'Web searches', 'web_search_requests', formatCount], ['audio_second', 'Audio seconds', 'audio_seconds', String],
  ['image', 'Images', 'images', formatCount],
];

/** The classes the call counted or paid for: tokens or units, and the exact cost of each. */
function classTable(record) {
  const rows = COST_CLASSES.filter(([c, , count]) => record[count] !== 0 || (record[`cost_${c}`] ?? '0') !== '0');
  if (rows.length === 0) return h('p', { class: 'muted', text: 'No tokens, no priced units.' });
  return h('table', { class: 'table compact', id: 'event-classes' },
    h('thead', {}, h('tr', {}, ['Class', 'Counted', 'Cost'].map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, rows.map(([c, label, count, show]) => {
      const cost = record[`cost_${c}`];
      return h('tr', {}, h('th', { scope: 'row', text: label }),
        h('td', { class: 'num', 'data-field': count, 'data-value': exact(record[count]), text: show(record[count]) }),
        cost === undefined ? h('td', { class: 'num muted', text: '—' })
          : h('td', { class: 'num', 'data-field': `cost_${c}`, 'data-value': cost, title: `exact: ${cost}`, text: formatUsd(cost) }));
    })));
}

/** Opens the event view for a record as the API returned it. */
export function openEvent(record) {
  const metadata = Object.entries(record.metadata ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const body = $('event-body');
  body.replaceChildren(
    fieldList(record, EVENT_FIELDS),
    h('h3', { text: 'Tokens, units and cost per class' }),
    classTable(record),
    h('h3', { text: 'Metadata' }),
    metadata.length === 0 ? h('p', { class: 'muted', text: 'No metadata tags.' }) : h('table', { class: 'table compact' },
      h('tbody', {}, metadata.map(([k, v]) => h('tr', {}, h('th', { scope: 'row', text: k }), h('td', { 'data-tag': k, text: v }))))),
    h('h3', { text: 'Usage as received' }),
    h('div', { class: 'raw' }, h('pre', { id: 'event-usage', 'data-field': 'usage', 'data-value': exact(record.usage), text: JSON.stringify(record.usage ?? {}, null, 2) })),
    h('details', { class: 'raw' }, h('summary', { text: 'The record as /v1/usage/records returned it' }), h('pre', { id: 'event-record', text: JSON.stringify(record, null, 2) })));
  body.dataset.event = record.event_id;
  body.dataset.state = 'ready';
  $('h-event').textContent = `Event ${record.event_id}`;
  const session = body.querySelector('[data-session]');
  if (session) session.addEventListener('click', () => openSession(record.session_id, { tenant: record.tenant }));
  if (!$('event-view').open) $('event-view').showModal();
  onEvent(record.event_id, record.occurred_at);
}

/**
 * Opens the event view for an event id (from the URL): `/v1/usage/records?event_id=`, at `at`
 * (its occurred_at) when known, else in the API's default range (the last 30 days).
 */
export async function openEventById(id, { tenant, at }) {
  const body = $('event-body');
  body.dataset.event = id;
  body.dataset.state = 'loading';
  $('h-event').textContent = `Event ${id}`;
  body.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
  if (!$('event-view').open) $('event-view').showModal();
  const from = at && !Number.isNaN(Date.parse(at)) ? new Date(Date.parse(at)).toISOString() : undefined;
  const to = from ? new Date(Date.parse(from) + 1).toISOString() : undefined;
  try {
    const answer = await getJson('/v1/usage/records', { event_id: id, tenant, from, to, limit: 1 });
    if (body.dataset.event !== id) return;
    const record = answer.records[0];
    if (record) {
      openEvent(record);
      return;
    }
    body.dataset.state = 'error';
    body.replaceChildren(h('p', { text: `No event ${id}${from ? ` at ${from}` : ' in the last 30 days'}${tenant ? ` of ${tenant}` : ''} that this key may see.` }));
  } catch (err) {
    if (body.dataset.event !== id) return;
    body.dataset.state = 'error';
    body.replaceChildren(h('p', { text: `Could not load the event: ${err.message}` }));
  }
}

export function closeEvent() {
  if ($('event-view').open) $('event-view').close();
}

// ---------------------------------------------------------------- session view

/** Every call of a session, oldest first (the records API pages newest first). */
async function sessionRecords(id, tenant, from, to) {
  const records = [];
  let cursor = null;
  for (let page = 0; page < SESSION_MAX_PAGES; page++) {
    const answer = await getJson('/v1/usage/records', { tenant, session_id: id, from, to, limit: 1000, cursor });
    records.push(...answer.records);
    cursor = answer.next_cursor;
    if (!cursor) return { records: records.reverse(), complete: true };
  }
  return { records: records.reverse(), complete: false };
}

const SESSION_FIELDS = [
  ['session_id', 'Session'], ['started_at', 'Started', when], ['ended_at', 'Ended', when], ['duration_ms', 'Duration', formatMs],
  ['tenants', 'Tenant', (v) => v.join(', ')], ['users', 'Users', (v) => v.join(', ') || '—'], ['agents', 'Agents', (v) => v.join(', ') || '—'],
  ['models', 'Models', (v) => v.join(', ')],
];

/** Opens the session view: the session's totals and its calls in order with the running cost. */
export async function openSession(id, { tenant }) {
  const dialog = $('session-view');
  const body = $('session-body');
  $('h-session').textContent = `Session ${id}`;
  body.dataset.session = id;
  body.dataset.state = 'loading';
  body.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
  if (!dialog.open) dialog.showModal();
  onSession(id);
  try {
    const session = await getJson(`/v1/usage/sessions/${encodeURIComponent(id)}`, { tenant });
    // [started_at, ended_at] inclusive: the records range is half-open, so it ends a millisecond later.
    const to = new Date(Date.parse(session.ended_at) + 1).toISOString();
    const { records, complete } = await sessionRecords(id, tenant, session.started_at, to);
    if (body.dataset.session !== id) return;
    const t = session.totals;
    const totals = { ...session, events: t.events, cost_total: t.cost_total, total_tokens: t.total_tokens, error_events: t.error_events, cache_savings: t.cache_savings };
    let running = '0';
    const start = Date.parse(session.started_at);
    const rows = records.map((r, i) => {
      running = addDecimals([running, r.cost_total]);
      const row = h('tr', { 'data-event': r.event_id, class: 'pickable' },
        h('td', { class: 'num', text: String(i + 1) }),
        h('td', {}, h('button', { type: 'button', class: 'pick', title: `Open event ${r.event_id}`, text: when(r.occurred_at) })),
        h('td', { class: 'num', text: `+${formatMs(Date.parse(r.occurred_at) - start)}` }),
        h('td', { text: orDash(r.agent) }),
        h('td', { text: orDash(r.model_key ?? r.model) }),
        h('td', { class: `status ${r.status}`, text: r.status }),
        h('td', { class: 'num', text: formatCount(r.total_tokens) }),
        h('td', { class: 'num', title: `exact: ${r.cost_total}`, text: formatUsd(r.cost_total) }),
        h('td', { class: 'num', 'data-running': running, title: `exact: ${running}`, text: formatUsd(running) }));
      row.addEventListener('click', () => openEvent(r));
      return row;
    });
    body.replaceChildren(
      fieldList(totals, [...SESSION_FIELDS,
        ['events', 'Calls', formatCount], ['total_tokens', 'Tokens', formatCount], ['error_events', 'Errors', formatCount],
        ['cost_total', 'Cost', (v) => `${formatUsd(v)} (exact ${v})`], ['cache_savings', 'Cache savings', formatUsd]]),
      h('h3', { text: complete ? `The ${records.length} calls in order` : `The first ${records.length} calls in order (more exist: see the records API)` }),
      h('table', { class: 'table', id: 'session-calls' },
        h('thead', {}, h('tr', {}, ['#', 'When', 'After start', 'Agent', 'Model', 'Status', 'Tokens', 'Cost', 'Running cost'].map((c) => h('th', { scope: 'col', text: c })))),
        h('tbody', {}, rows)));
    body.dataset.state = 'ready';
  } catch (err) {
    if (body.dataset.session !== id) return;
    body.dataset.state = 'error';
    body.replaceChildren(h('p', { text: `Could not load the session: ${err.message}` }));
  }
}

export function closeSession() {
  if ($('session-view').open) $('session-view').close();
}
