/**
 * The dashboard in headless Chromium against two real `tally start --demo`
 * processes: one in open-access mode (no keys, 127.0.0.1), one with API keys.
 *
 * Proves: every chart renders (a Chart.js instance with data points on a
 * painted canvas); the KPIs and charts equal the API's answers for the same
 * range (a custom range ending minutes ago, so live traffic cannot move the
 * figures between the page's request and the test's); a tenant and a user
 * filter redraw everything for that subset; budget bars appear, coloured by
 * level, after budgets are created through the API; the unpriced warning
 * shows the API's count and the events; the page refreshes itself; a key
 * entered in the page is kept in localStorage, and a tenant-bound key sees
 * its tenant only. Saves test-artifacts/dashboard.png (CI artifact; the
 * README's docs/images/dashboard.png is a reviewed copy of it).
 *
 * Issue 17: clicking a bar, a legend entry or a table row filters by it, the
 * filters live in the URL (a reload shows the same view), and every figure
 * equals the API's answer for the same filters; the add-filter form takes
 * tags and refuses what the API would. Writes docs/images/dashboard-filters.png.
 * The time chart plots spend, tokens by class, requests, errors or mean
 * latency, each equal to its /v1/usage/timeseries answer, and every KPI shows
 * its change against the previous period of the same length, equal to the
 * summary of that period. Writes docs/images/dashboard-measures.png.
 * The request log equals /v1/usage/records page by page (cursor) with the
 * page's filters; the event view shows a record's every field as the API
 * returned it; the session view equals /v1/usage/sessions/{id} and lists the
 * session's records in order with an exact running cost. Writes
 * docs/images/dashboard-requests.png, -event.png and -session.png.
 * The budgets page lists every budget with its status; a budget created in
 * the page appears in /v1/budgets as entered, an edit replaces it, and an
 * invalid limit is refused with the API's reason. Writes
 * docs/images/dashboard-budgets.png.
 * Export: the CSV the page downloads for a view equals, byte for byte, what
 * the `tally report` command the page shows prints, and its rows are the
 * API's breakdown for the same filters. Writes docs/images/dashboard-export.png.
 * Demo data (issue 17 item 6): the latency panel shows small models fast and
 * big ones slow; failed calls carry their error types; a session has 3–12
 * calls; the demo's budget stands at 85–95 % and the budgets page lists the
 * alerts it sent, as GET /v1/budgets/{id}/alerts answers. The event view is
 * in the URL (`event=`): a reload reopens it with the record of
 * /v1/usage/records?event_id=.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killAllTally, spawnTally, type TallyProcess } from '../../support/processes.js';
import { describeWithChromium, launchChromium } from './chromium.js';
import { freePort } from '../../support/ports.js';
import { DEMO_BUDGET_ID } from '../../../src/demo/budget.js';
import { ERROR_TYPES } from '../../../src/demo/traffic.js';

const TZ = 'Europe/Berlin';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
/** Screenshots of each view for docs/dashboard.md, written by the tests that prove the view. */
const DOC_IMAGES = join(process.cwd(), 'docs', 'images');
const CHARTS = ['chart-spend', 'chart-users', 'chart-agents', 'chart-classes', 'chart-latency'] as const;
/** expect.poll waits 1 s by default; the page may take longer on a busy machine. */
const POLL = { timeout: 60_000, interval: 200 };
const KEYS = {
  all: 'dash-read-all-0123456789abcdef',
  globex: 'dash-read-globex-0123456789abcdef',
};

// ---------------------------------------------------------------- helpers

type Json = Record<string, unknown>;
interface Totals { events: number; requests: number; total_tokens: number; error_events: number; unpriced_events: number; cost_total: string; cache_savings: string }
interface Series { key: string | null; other: boolean; values: string[]; total: string }
interface BreakdownRow { cost_total: string; [dimension: string]: unknown }
interface LatencyRow { key: string | null; duration_ms: { p50: number | null; p95: number | null; p99: number | null } }
interface Status { budget_id: string; used: string; percentage: number; exceeded: boolean; approaching: boolean }

async function api<T = Json>(base: string, path: string, params: Record<string, string | undefined> = {}, key?: string): Promise<T> {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const res = await fetch(`${base}${path}${q.size > 0 ? `?${q}` : ''}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function send(base: string, method: 'POST' | 'PUT', path: string, body: Json): Promise<Json> {
  const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * Independent of the page's code: the display rule of docs/dashboard.md — half-even rounding of the
 * exact decimal string to 2 places from $1 up, 4 below — as "$1,234.57".
 */
function usd(value: string): string {
  const places = Number(value) >= 1 ? 2 : 4;
  const [int = '0', frac = ''] = value.split('.');
  const rest = frac.slice(places);
  let kept = BigInt(int + frac.padEnd(places, '0').slice(0, places));
  if (rest !== '') {
    const half = BigInt(`5${'0'.repeat(rest.length - 1)}`);
    const r = BigInt(rest);
    if (r > half || (r === half && kept % 2n === 1n)) kept += 1n;
  }
  const s = kept.toString().padStart(places + 1, '0');
  return `$${s.slice(0, -places).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${s.slice(-places)}`;
}

/** A USD decimal string as whole femto-USD (the API's precision), for exact sums. */
function femto(value: string): bigint {
  const [int = '0', frac = ''] = value.split('.');
  return BigInt(int + frac.padEnd(15, '0'));
}

/** An instant as the value of a datetime-local input on the wall clock of `tz` (minutes). */
function localInput(instant: Date, tz: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant).replace(' ', 'T');
}

async function refreshes(page: Page): Promise<number> {
  return Number(await page.getAttribute('body', 'data-refreshes'));
}

/** The page's globals as functions evaluated inside it see them (the project compiles without the DOM library). */
declare const document: {
  readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> };
  getElementById(id: string): { readonly dataset: Readonly<Record<string, string | undefined>> } | null;
};

/**
 * Waits until the page finished a refresh after `before` and shows `expectMain` in <main>'s data attributes.
 * (A function, not a string: the page's CSP forbids eval, which string predicates need.)
 */
async function refreshedAfter(page: Page, before: number, expectMain: Record<string, string> = {}): Promise<void> {
  await page.waitForFunction(
    ([n, wanted]) => {
      const main = document.getElementById('dashboard');
      return Number(document.body.dataset.refreshes) > n && document.body.dataset.state === 'ready' && Object.entries(wanted).every(([k, v]) => main?.dataset[k] === v);
    },
    [before, expectMain] as const,
    // Generous: on a busy 2-core CI machine one refresh (six queries on chDB) can take many seconds.
    { timeout: 120_000 },
  );
}

interface Drawn { type: string; labels: string[]; datasets: { label: string; exact: string[] | null; data: (number | null)[] }[]; painted: number; pixels: number }

/** What Chart.js holds for a canvas, and how many of its pixels are painted. */
async function chart(page: Page, id: string): Promise<Drawn> {
  return (await page.evaluate(`(() => {
    const canvas = document.getElementById(${JSON.stringify(id)});
    const ch = Chart.getChart(canvas);
    if (!ch) return null;
    const img = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < img.length; i += 4) if (img[i] !== 0) painted++;
    return { type: ch.config.type, labels: ch.data.labels, painted, pixels: canvas.width * canvas.height,
      datasets: ch.data.datasets.map((d) => ({ label: d.label, exact: d.exact ?? null, data: d.data })) };
  })()`)) as Drawn;
}

/** Clicks the bar `index` of dataset `dataset` of a chart, at the bar's centre (Chart.js element coordinates are CSS pixels). */
async function clickBar(page: Page, id: string, dataset: number, index: number): Promise<void> {
  const at = (await page.evaluate(`(() => {
    const el = Chart.getChart(document.getElementById(${JSON.stringify(id)})).getDatasetMeta(${dataset}).data[${index}];
    return el ? el.getCenterPoint() : null;
  })()`)) as { x: number; y: number } | null;
  expect(at, `${id} bar ${dataset}/${index}`).not.toBeNull();
  await page.locator(`#${id}`).click({ position: { x: Math.round(at?.x ?? 0), y: Math.round(at?.y ?? 0) } });
}

/** Clicks legend entry `index` of a chart. */
async function clickLegend(page: Page, id: string, index: number): Promise<void> {
  const box = (await page.evaluate(`(() => {
    const b = Chart.getChart(document.getElementById(${JSON.stringify(id)})).legend.legendHitBoxes[${index}];
    return b ? { x: b.left + b.width / 2, y: b.top + b.height / 2 } : null;
  })()`)) as { x: number; y: number } | null;
  expect(box, `${id} legend ${index}`).not.toBeNull();
  await page.locator(`#${id}`).click({ position: { x: Math.round(box?.x ?? 0), y: Math.round(box?.y ?? 0) } });
}

/** The canonical fragment form of filters, as <main data-filters> holds it. */
function filtersKey(filters: [string, string][]): string {
  return new URLSearchParams(filters).toString();
}

async function kpi(page: Page, id: string): Promise<{ value: string; text: string }> {
  const el = page.locator(`#${id}`);
  return { value: (await el.getAttribute('data-value')) ?? '', text: (await el.textContent()) ?? '' };
}

async function mainRange(page: Page): Promise<{ from: string; to: string; tz: string; bucket: string }> {
  const main = page.locator('#dashboard');
  const get = async (k: string): Promise<string> => (await main.getAttribute(`data-${k}`)) ?? '';
  return { from: await get('from'), to: await get('to'), tz: await get('tz'), bucket: await get('bucket') };
}

/** KPIs and every chart against the API's answers for the page's range and filters. */
async function expectPageMatchesApi(page: Page, base: string, filters: Record<string, string>, key?: string): Promise<Totals> {
  const range = await mainRange(page);
  const q = { from: range.from, to: range.to, tz: range.tz, ...filters };
  const { totals } = await api<{ totals: Totals }>(base, '/v1/usage/summary', q, key);
  expect(await kpi(page, 'kpi-cost')).toEqual({ value: totals.cost_total, text: usd(totals.cost_total) });
  expect(await kpi(page, 'kpi-savings')).toEqual({ value: totals.cache_savings, text: usd(totals.cache_savings) });
  expect(await kpi(page, 'kpi-requests')).toEqual({ value: String(totals.requests), text: totals.requests.toLocaleString('en-US') });
  expect(await kpi(page, 'kpi-errors')).toEqual({ value: String(totals.error_events), text: totals.error_events.toLocaleString('en-US') });
  expect(await kpi(page, 'kpi-unpriced')).toEqual({ value: String(totals.unpriced_events), text: totals.unpriced_events.toLocaleString('en-US') });
  expect((await kpi(page, 'kpi-tokens')).value).toBe(String(totals.total_tokens));

  // Spend over time: one dataset per non-zero series, the API's exact values per bucket.
  const ts = await api<{ buckets: string[]; series: Series[] }>(base, '/v1/usage/timeseries', { ...q, bucket: range.bucket, measure: 'cost_total', stack_by: 'model_key', limit: '8' }, key);
  const spend = await chart(page, 'chart-spend');
  const nonZero = ts.series.filter((s) => Number(s.total) !== 0);
  expect(spend.labels).toHaveLength(ts.buckets.length);
  expect(spend.datasets.map((d) => d.exact)).toEqual(nonZero.map((s) => s.values));
  expect(spend.datasets.map((d) => d.label)).toEqual(nonZero.map((s) => (s.other ? 'other models' : s.key ?? '(no model)')));

  // Top users (by tenant and user when no tenant is picked) and top agents.
  const usersBy = filters.tenant ? 'user_id' : 'tenant,user_id';
  const users = await api<{ rows: BreakdownRow[] }>(base, '/v1/usage/breakdown', { ...q, by: usersBy, sort: 'cost_total', limit: '10' }, key);
  const usersChart = await chart(page, 'chart-users');
  expect(usersChart.datasets[0]?.exact).toEqual(users.rows.map((r) => r.cost_total));
  expect(usersChart.labels).toEqual(users.rows.map((r) => (filters.tenant ? String(r.user_id) : `${String(r.user_id)} · ${String(r.tenant)}`)));
  const agents = await api<{ rows: BreakdownRow[] }>(base, '/v1/usage/breakdown', { ...q, by: 'agent', sort: 'cost_total', limit: '10' }, key);
  const agentsChart = await chart(page, 'chart-agents');
  expect(agentsChart.labels).toEqual(agents.rows.map((r) => String(r.agent)));
  expect(agentsChart.datasets[0]?.exact).toEqual(agents.rows.map((r) => r.cost_total));

  // Cost per class: the classes add up to the total exactly; cached input carries the savings.
  const classes = await chart(page, 'chart-classes');
  expect((classes.datasets[0]?.exact ?? []).reduce((a, s) => a + femto(s), 0n)).toBe(femto(totals.cost_total));
  expect((classes.datasets[1]?.exact ?? []).reduce((a, s) => a + femto(s), 0n)).toBe(femto(totals.cache_savings));

  // Latency: p50 / p95 / p99 of duration per model, as the API computed them.
  const latency = await api<{ rows: LatencyRow[] }>(base, '/v1/usage/latency', { ...q, by: 'model_key', quantiles: 'histogram' }, key);
  const latencyChart = await chart(page, 'chart-latency');
  expect(latencyChart.labels).toEqual(latency.rows.map((r) => r.key ?? '(unpriced)'));
  expect(latencyChart.datasets.map((d) => d.data)).toEqual([latency.rows.map((r) => r.duration_ms.p50), latency.rows.map((r) => r.duration_ms.p95), latency.rows.map((r) => r.duration_ms.p99)]);
  return totals;
}

/** Token classes as the tokens view labels them, in its order. */
const TOKEN_LABELS: [string, string][] = [
  ['input', 'Input'], ['cached_input', 'Cached input'], ['cache_write_5m', 'Cache writes 5 min'], ['cache_write_1h', 'Cache writes 1 h'],
  ['output', 'Output'], ['reasoning', 'Reasoning'], ['audio_input', 'Audio in'], ['audio_output', 'Audio out'],
  ['image_input', 'Image in'], ['image_output', 'Image out'],
];

interface MeasureSeries { key: string | null; other: boolean; values: Record<string, number | string | null>[]; total: unknown }

/** The time chart against /v1/usage/timeseries for one measure of the page. */
async function expectTimeChartMatchesApi(page: Page, base: string, measure: string): Promise<Drawn> {
  const range = await mainRange(page);
  const q = { from: range.from, to: range.to, tz: range.tz, bucket: range.bucket };
  const drawn = await chart(page, 'chart-spend');
  const label = (s: { key: string | null; other: boolean }): string => (s.other ? 'other models' : s.key ?? '(no model)');
  if (measure === 'tokens') {
    const ts = await api<{ buckets: string[]; series: MeasureSeries[] }>(base, '/v1/usage/timeseries', { ...q, measure: 'all' });
    const values = ts.series[0]?.values ?? [];
    const expected = TOKEN_LABELS.map(([c, l]) => ({ label: l, exact: values.map((v) => String(v[`${c}_tokens`])) })).filter((d) => d.exact.some((v) => v !== '0'));
    expect(drawn.type).toBe('bar');
    expect(drawn.datasets.map((d) => ({ label: d.label, exact: d.exact }))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(2);
  } else if (measure === 'latency') {
    const ts = await api<{ buckets: string[]; series: MeasureSeries[] }>(base, '/v1/usage/timeseries', { ...q, measure: 'all', stack_by: 'model_key', limit: '8' });
    const expected = ts.series.map((s) => ({ label: label(s), data: s.values.map((v) => v.avg_duration_ms as number | null) })).filter((d) => d.data.some((v) => v !== null));
    expect(drawn.type).toBe('line');
    expect(drawn.datasets.map((d) => ({ label: d.label, data: d.data }))).toEqual(expected);
  } else {
    const api_measure = { spend: 'cost_total', requests: 'requests', errors: 'error_events' }[measure] ?? measure;
    const ts = await api<{ buckets: string[]; series: Series[] }>(base, '/v1/usage/timeseries', { ...q, measure: api_measure, stack_by: 'model_key', limit: '8' });
    const nonZero = ts.series.filter((s) => Number(s.total) !== 0);
    expect(drawn.type).toBe('bar');
    expect(drawn.datasets.map((d) => ({ label: d.label, exact: d.exact }))).toEqual(nonZero.map((s) => ({ label: label(s), exact: s.values.map(String) })));
    expect(nonZero.length).toBeGreaterThan(0);
  }
  expect(drawn.labels).toHaveLength((await api<{ buckets: string[] }>(base, '/v1/usage/timeseries', q)).buckets.length);
  return drawn;
}

/** The change text the page shows under a KPI, computed here from the two API values. */
function deltaText(current: number | string, previous: number | string, label: string): string {
  const cur = Number(current);
  const prev = Number(previous);
  if (prev === 0) return cur === 0 ? `none in the ${label} either` : `none in the ${label}`;
  const pct = ((cur - prev) / prev) * 100;
  return `${pct > 0 ? '▲' : pct < 0 ? '▼' : '='} ${Math.abs(pct).toFixed(1)} % vs ${label}`;
}

type UsageRecordJson = Record<string, unknown> & { event_id: string; session_id: string | null; cost_total: string; status: string; metadata: Record<string, string> };

/** A value as the page writes it into data-value: '' for null, JSON for arrays and objects. */
function exactText(v: unknown): string {
  return v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

async function dataValues(page: Page, selector: string, attr: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els, a) => els.map((e) => (e as unknown as { getAttribute(n: string): string | null }).getAttribute(a) ?? ''), attr);
}

async function logIds(page: Page): Promise<string[]> {
  return dataValues(page, '#log tbody tr', 'data-event');
}

// ---------------------------------------------------------------- processes and browser

const dirs: string[] = [];
let open: TallyProcess;
let keyed: TallyProcess;
let openUrl = '';
let keyedUrl = '';
let browser: BrowserContext | undefined;
const consoleErrors: string[] = [];
let page: Page;

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  killAllTally();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A running `tally start --demo` on a free port. A port is free when asked and
 * taken when tally binds it seconds later (chDB loads first), so on a shared
 * machine another process — or the other demo started beside it — can take it
 * meanwhile: tally then exits with PORT_IN_USE, and the demo starts again on
 * another port (a CI run failed so, 2026-12-05).
 */
async function startDemo(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ proc: TallyProcess; url: string; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-dash-'));
    dirs.push(dataDir);
    const port = await freePort();
    const proc = spawnTally(['start', '--demo', '--port', String(port), '--data-dir', dataDir, ...args], { LOG_LEVEL: 'warn', ...env });
    try {
      await proc.waitForLog('tally is running (embedded)', 300_000);
      return { proc, url: `http://127.0.0.1:${port}`, port };
    } catch (err) {
      if (attempt < 3 && err instanceof Error && err.message.includes('PORT_IN_USE')) continue;
      throw err;
    }
  }
}

describeWithChromium('dashboard in headless Chromium against tally start --demo', () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const [a, b] = await Promise.all([
      startDemo(['--demo-rate', '5'], { TALLY_API_KEYS: '' }),
      startDemo(['--demo-rate', '2', '--host', '127.0.0.1'], { TALLY_API_KEYS: `dash-all:read:*:${KEYS.all},dash-globex:read:globex:${KEYS.globex}` }),
    ]);
    open = a.proc;
    keyed = b.proc;
    openUrl = a.url;
    keyedUrl = b.url;
    const launched = await launchChromium({ timezoneId: TZ, width: 1440, height: 900 });
    browser = launched.context;
    dirs.push(launched.profile);
    page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  }, 420_000);

  it('loads and draws every chart: a Chart.js instance with data points on a painted canvas', { timeout: 180_000 }, async () => {
    await page.goto(`${openUrl}/`);
    await refreshedAfter(page, 0);
    expect(await page.title()).toContain('tally');
    expect(await page.locator('#access').textContent()).toContain('open access');
    for (const id of CHARTS) {
      const drawn = await chart(page, id);
      expect(drawn, id).not.toBeNull();
      expect(drawn.type, id).toBe('bar');
      const points = drawn.datasets.flatMap((d) => d.data).filter((v) => v !== null && v !== 0);
      expect(points.length, `${id} data points`).toBeGreaterThan(0);
      expect(drawn.painted / drawn.pixels, `${id} painted share`).toBeGreaterThan(0.02);
    }
    // Demo data: small models answer fast, big and reasoning ones slow (median of each, from the drawn chart).
    const latency = await chart(page, 'chart-latency');
    const p50 = (part: string): number => Number(latency.datasets[0]?.data[latency.labels.findIndex((l) => l.includes(part))] ?? Number.NaN);
    console.log(`demo latency p50 (ms): haiku ${p50('haiku')}, gpt-4o-mini ${p50('gpt-4o-mini')}, sonnet ${p50('sonnet')}, o3-mini ${p50('o3-mini')}`);
    expect(p50('haiku')).toBeLessThan(p50('sonnet'));
    expect(p50('gpt-4o-mini') * 5).toBeLessThan(p50('o3-mini'));
    // The range picker's default is the last 7 days, up to now.
    const range = await mainRange(page);
    expect(Date.parse(range.to) - Date.parse(range.from)).toBe(7 * 86_400_000);
    expect(range.tz).toBe(TZ);
    // Nothing in the demo is billed (no price books): no revenue panel, no Margin choice (issue 16; revenue.test.ts shows them).
    expect((await api<{ totals: { price: string } }>(openUrl, '/v1/usage/summary', { from: range.from, to: range.to, tz: range.tz })).totals.price).toBe('0');
    expect(await page.locator('#revenue').isHidden()).toBe(true);
    expect(await page.locator('#measure-margin').isHidden()).toBe(true);
  });

  it('shows the API summary, series and rankings for a custom range picked in the page', { timeout: 180_000 }, async () => {
    // Whole minutes, ending three minutes ago: every event of the range is stored before either side asks.
    const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3 * 60_000);
    const from = new Date(to.getTime() - 5 * 86_400_000 - 90 * 60_000);
    await page.locator('label:has(input[value=custom])').click();
    await expect.poll(() => page.locator('#custom-range').isVisible(), POLL).toBe(true);
    await page.fill('#from', localInput(from, TZ));
    await page.fill('#to', localInput(to, TZ));
    const before = await refreshes(page);
    await page.click('#apply-range');
    await refreshedAfter(page, before, { from: from.toISOString(), to: to.toISOString() });
    expect(page.url()).toContain('range=custom');
    const totals = await expectPageMatchesApi(page, openUrl, {});
    expect(totals.events).toBeGreaterThan(1000);
  });

  it('redraws everything for one tenant, then one user of it', { timeout: 180_000 }, async () => {
    const all = await kpi(page, 'kpi-cost');
    const tenants = await page.locator('#tenant option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value));
    expect(tenants).toEqual(['', 'acme', 'globex', 'initech']);

    let before = await refreshes(page);
    await page.selectOption('#tenant', 'globex');
    await refreshedAfter(page, before, { tenant: 'globex' });
    const globex = await expectPageMatchesApi(page, openUrl, { tenant: 'globex' });
    expect(globex.cost_total).not.toBe(all.value);
    expect(Number(globex.cost_total)).toBeLessThan(Number(all.value));

    // The user list follows the tenant; pick its biggest spender.
    const range = await mainRange(page);
    const top = await api<{ rows: BreakdownRow[] }>(openUrl, '/v1/usage/breakdown', { from: range.from, to: range.to, tz: TZ, tenant: 'globex', by: 'user_id', limit: '1' });
    const user = String(top.rows[0]?.user_id);
    before = await refreshes(page);
    await page.selectOption('#user', user);
    await refreshedAfter(page, before, { tenant: 'globex', user });
    const one = await expectPageMatchesApi(page, openUrl, { tenant: 'globex', user_id: user });
    expect(Number(one.cost_total)).toBeLessThan(Number(globex.cost_total));
    expect((await chart(page, 'chart-users')).labels).toEqual([user]);
    expect(page.url()).toContain(`user=${user}`);

    before = await refreshes(page);
    await page.selectOption('#user', '');
    await refreshedAfter(page, before, { tenant: 'globex', user: '' });
  });

  it('warns about unpriced events with the API count and lists them', { timeout: 180_000 }, async () => {
    const range = await mainRange(page);
    const { totals } = await api<{ totals: Totals }>(openUrl, '/v1/usage/summary', { from: range.from, to: range.to, tz: TZ, tenant: 'globex' });
    expect(totals.unpriced_events).toBeGreaterThan(0);
    await expect.poll(() => page.locator('#unpriced').isVisible(), POLL).toBe(true);
    expect(await page.locator('#unpriced-count').textContent()).toBe(totals.unpriced_events.toLocaleString('en-US'));
    const href = (await page.locator('#unpriced-link').getAttribute('href')) ?? '';
    expect(href).toContain('/v1/usage/records?');
    expect(href).toContain('priced=false');
    expect(href).toContain('tenant=globex');
    // The link is the records view itself (open access: no key needed).
    const linked = await api<{ records: { priced: boolean; tenant: string }[] }>(openUrl, href);
    expect(linked.records.length).toBeGreaterThan(0);
    expect(linked.records.every((r) => !r.priced && r.tenant === 'globex')).toBe(true);

    await page.click('#show-unpriced');
    await expect.poll(() => page.locator('#unpriced-records tbody tr').count(), POLL).toBeGreaterThan(0);
    expect(await page.locator('#unpriced-records tbody').textContent()).toContain('acme-llm-7b');
    await page.click('#show-unpriced');
    await expect.poll(() => page.locator('#unpriced-records').isVisible(), POLL).toBe(false);
  });

  it('draws budget bars, coloured by level, once budgets exist', { timeout: 360_000 }, async () => {
    expect(await page.locator('#budgets li').count()).toBe(0);
    expect(await page.locator('#budgets-sub').textContent()).toContain('No budget applies to globex');

    const budget = (id: string, limit: string, extra: Json = {}): Json => ({ id, name: id, metric: 'cost', limit, period: 'rolling', window: '7d', scope: { tenant: 'globex' }, ...extra });
    await send(openUrl, 'POST', '/v1/budgets', budget('globex-roomy', '1000000'));
    await send(openUrl, 'POST', '/v1/budgets', budget('globex-tight', '0.01'));
    // Approaching: a limit 1/0.6 of what is used now, approaching from 50 % — room for the live traffic during the test.
    await send(openUrl, 'POST', '/v1/budgets', budget('globex-near', '1000000', { approaching: 50 }));
    const near = await api<Status>(openUrl, '/v1/budgets/globex-near/status', { tenant: 'globex' });
    await send(openUrl, 'PUT', '/v1/budgets/globex-near', budget('globex-near', (Number(near.used) / 0.6).toFixed(2), { approaching: 50 }));
    await send(openUrl, 'POST', '/v1/budgets', { ...budget('acme-only', '1000000'), scope: { tenant: 'acme' } });

    let before = await refreshes(page);
    await page.click('#refresh');
    await refreshedAfter(page, before);
    const items = page.locator('#budgets li');
    await expect.poll(() => items.count(), POLL).toBe(3);
    const shown = await items.evaluateAll((lis) => lis.map((li) => {
      const el = li as unknown as { dataset: Record<string, string>; querySelector(s: string): { getAttribute(n: string): string | null } | null };
      return { id: el.dataset.budget, level: el.dataset.level, now: el.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') };
    }));
    // Exceeded first, then approaching, then the rest; never another tenant's budget.
    expect(shown.map((s) => [s.id, s.level])).toEqual([['globex-tight', 'exceeded'], ['globex-near', 'approaching'], ['globex-roomy', 'ok']]);
    const statuses = (await api<{ statuses: Status[] }>(openUrl, '/v1/budgets:status', { tenant: 'globex' })).statuses;
    for (const s of shown) {
      const status = statuses.find((x) => x.budget_id === s.id);
      expect(status, s.id).toBeDefined();
      expect(s.level).toBe(status?.exceeded ? 'exceeded' : status?.approaching ? 'approaching' : 'ok');
      expect(Number(s.now)).toBeCloseTo(Math.min(100, status?.percentage ?? -1), 0);
    }
    expect(await page.locator('li[data-budget="globex-roomy"]').textContent()).toContain('of $1,000,000.00 used');

    // All tenants: every budget not counted per value, the acme one and the demo's initech one included.
    // The demo's budget: its limit derived from the history, which fills it to 90 % (approaching).
    const waited = Date.now();
    await expect.poll(async () => (await api<Status>(openUrl, `/v1/budgets/${DEMO_BUDGET_ID}/status`, { tenant: 'initech' })).percentage, { timeout: 180_000, interval: 1000 }).toBeGreaterThanOrEqual(89.9);
    console.log(`demo budget: history counted ${((Date.now() - waited) / 1000).toFixed(1)} s after this test asked`);
    before = await refreshes(page);
    await page.selectOption('#tenant', '');
    await refreshedAfter(page, before, { tenant: '' });
    await expect.poll(() => items.count(), POLL).toBe(5);
    const demo = await api<Status>(openUrl, `/v1/budgets/${DEMO_BUDGET_ID}/status`, { tenant: 'initech' });
    console.log(`demo budget: ${demo.used} used, ${demo.percentage} %`);
    expect(demo.percentage).toBeGreaterThanOrEqual(85);
    expect(demo.percentage).toBeLessThanOrEqual(95);
    expect(demo.approaching && !demo.exceeded).toBe(true);
    const bar = page.locator(`#budgets li[data-budget="${DEMO_BUDGET_ID}"]`);
    expect(await bar.getAttribute('data-level')).toBe('approaching');
    expect(Number(await bar.getAttribute('data-percentage'))).toBe(demo.percentage);
  });

  it('refreshes itself: the 24 h range follows now and the live traffic shows up', { timeout: 180_000 }, async () => {
    let before = await refreshes(page);
    await page.locator('label:has(input[value="24h"])').click();
    await refreshedAfter(page, before);
    const first = await mainRange(page);
    expect(Date.parse(first.to) - Date.parse(first.from)).toBe(86_400_000);
    expect(first.bucket).toBe('hour');
    const requests = Number((await kpi(page, 'kpi-requests')).value);
    const updated = await page.locator('#updated time').getAttribute('datetime');
    before = await refreshes(page);
    // No interaction: the 15 s timer refreshes the page.
    await refreshedAfter(page, before);
    const second = await mainRange(page);
    // Preset ranges end on the quarter hour holding now (issue 13: "up to now" is read from rollups
    // alone), so the range moves forward a quarter hour at a time and always covers the refresh.
    expect(Date.parse(second.to) % 900_000).toBe(0);
    expect(Date.parse(second.to)).toBeGreaterThanOrEqual(Date.parse(first.to));
    expect(Date.parse(second.to)).toBeGreaterThan(Date.parse(updated ?? ''));
    expect(await page.locator('#updated time').getAttribute('datetime')).not.toBe(updated);
    expect(Number((await kpi(page, 'kpi-requests')).value)).toBeGreaterThan(requests);
  });

  it('saves a full-page screenshot (CI artifact) and logged no errors', { timeout: 180_000 }, async () => {
    const before = await refreshes(page);
    await page.locator('label:has(input[value="7d"])').click();
    await refreshedAfter(page, before);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    // No script errors, no CSP violations, no failed API calls on the open-access page.
    expect(consoleErrors).toEqual([]);
  });

  it('asks for a key when the server has keys, keeps it in localStorage, and a tenant-bound key sees only its tenant', { timeout: 180_000 }, async () => {
    const keyedPage = await (browser as BrowserContext).newPage();
    try {
      // Bookmarkable state in the fragment: a fixed range, so the figures can be compared.
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
      const from = new Date(to.getTime() - 3 * 86_400_000);
      await keyedPage.goto(`${keyedUrl}/#range=custom&from=${localInput(from, TZ)}&to=${localInput(to, TZ)}`);
      await keyedPage.waitForFunction(() => document.body.dataset.state === 'error', undefined, { timeout: 120_000 });
      expect(await keyedPage.locator('#error').textContent()).toContain('needs an API key');
      expect(await keyedPage.locator('#key-panel').getAttribute('open')).not.toBeNull();

      await keyedPage.fill('#api-key', KEYS.globex);
      await keyedPage.click('#key-form button[type=submit]');
      await refreshedAfter(keyedPage, 0, { from: from.toISOString(), to: to.toISOString() });
      expect(await keyedPage.evaluate("localStorage.getItem('tally.apiKey')")).toBe(KEYS.globex);
      // Only its own tenant to choose from, and every figure is that tenant's.
      expect(await keyedPage.locator('#tenant option').allTextContents()).toEqual(['globex']);
      expect(await keyedPage.locator('#tenant').isDisabled()).toBe(true);
      const globex = await expectPageMatchesApi(keyedPage, keyedUrl, {}, KEYS.globex);
      const asAdmin = await api<{ totals: Totals }>(keyedUrl, '/v1/usage/summary', { from: from.toISOString(), to: to.toISOString(), tenant: 'globex' }, KEYS.all);
      expect(globex).toEqual(asAdmin.totals);
      expect((await chart(keyedPage, 'chart-users')).labels.every((l) => l.endsWith(' · globex'))).toBe(true);

      // The key survives a reload (localStorage), and an all-tenant key lists every tenant.
      await keyedPage.reload();
      await refreshedAfter(keyedPage, 0);
      expect(await keyedPage.inputValue('#api-key')).toBe(KEYS.globex);
      await keyedPage.locator('#key-panel summary').click();
      await keyedPage.fill('#api-key', KEYS.all);
      const before = await refreshes(keyedPage);
      await keyedPage.click('#key-form button[type=submit]');
      await refreshedAfter(keyedPage, before);
      await expect.poll(() => keyedPage.locator('#tenant option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value)), POLL).toEqual(['', 'acme', 'globex', 'initech']);
      await expectPageMatchesApi(keyedPage, keyedUrl, {}, KEYS.all);
    } finally {
      await keyedPage.close();
    }
    expect(open.child.exitCode).toBeNull();
    expect(keyed.child.exitCode).toBeNull();
  });

  it('filters by a click on a bar, a legend entry or a row; the URL holds the filters and a reload shows the same view', { timeout: 300_000 }, async () => {
    const p = await (browser as BrowserContext).newPage();
    p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e.message}`));
    try {
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
      const from = new Date(to.getTime() - 3 * 86_400_000);
      const fixed = { from: from.toISOString(), to: to.toISOString() };
      await p.goto(`${openUrl}/#range=custom&from=${localInput(from, TZ)}&to=${localInput(to, TZ)}`);
      await refreshedAfter(p, 0, { ...fixed, filters: '' });
      const all = await expectPageMatchesApi(p, openUrl, {});

      // A bar of the top agents: that agent only.
      const agent = (await chart(p, 'chart-agents')).labels[0] ?? '';
      expect(agent).not.toBe('');
      let before = await refreshes(p);
      await clickBar(p, 'chart-agents', 0, 0);
      await refreshedAfter(p, before, { ...fixed, filters: filtersKey([['agent', agent]]) });
      expect(new URLSearchParams(new URL(p.url()).hash.slice(1)).getAll('agent')).toEqual([agent]);
      const byAgent = await expectPageMatchesApi(p, openUrl, { agent });
      expect(byAgent.events).toBeGreaterThan(0);
      expect(byAgent.events).toBeLessThan(all.events);
      expect(await p.locator('#filters [data-filter=agent]').getAttribute('data-value')).toBe(agent);

      // A legend entry of the spend chart: that model, AND-ed with the agent.
      const model = (await chart(p, 'chart-spend')).datasets[0]?.label ?? '';
      expect(model).toContain('/');
      before = await refreshes(p);
      await clickLegend(p, 'chart-spend', 0);
      const both = filtersKey([['model', model], ['agent', agent]]);
      await refreshedAfter(p, before, { ...fixed, filters: both });
      expect(new URL(p.url()).hash).toContain(both);
      const narrowed = await expectPageMatchesApi(p, openUrl, { model, agent });
      expect(narrowed.events).toBeLessThan(byAgent.events);
      expect((await chart(p, 'chart-spend')).datasets.map((d) => d.label)).toEqual([model]);

      // The URL alone restores the view: reload, same filters, same figures.
      await p.reload();
      await refreshedAfter(p, 0, { ...fixed, filters: both });
      expect(await p.locator('#filters [data-filter]').evaluateAll((els) => els.map((e) => (e as unknown as { dataset: Record<string, string> }).dataset.filter))).toEqual(['model', 'agent']);
      expect(await expectPageMatchesApi(p, openUrl, { model, agent })).toEqual(narrowed);

      // Removing a chip drops that filter; the form adds a tag, and refuses one that is not key=value.
      before = await refreshes(p);
      await p.click('#filters [data-filter=agent]');
      await refreshedAfter(p, before, { ...fixed, filters: filtersKey([['model', model]]) });
      await p.selectOption('#filter-dim', 'tag');
      await p.fill('#filter-value', 'env');
      await p.click('#add-filter');
      await expect.poll(() => p.locator('#filter-error').textContent(), POLL).toContain('key=value');
      expect(new URL(p.url()).hash).not.toContain('tag=');
      await p.fill('#filter-value', 'env=prod');
      before = await refreshes(p);
      await p.click('#add-filter');
      await refreshedAfter(p, before, { ...fixed, filters: filtersKey([['model', model], ['tag', 'env=prod']]) });
      expect(await p.locator('#filter-error').textContent()).toBe('');
      const tagged = await expectPageMatchesApi(p, openUrl, { model, tag: 'env=prod' });
      expect(tagged.events).toBeGreaterThan(0);
      await p.screenshot({ path: join(DOC_IMAGES, 'dashboard-filters.png'), fullPage: false });

      // A row of the latency table: another model, replacing the first.
      const rows = p.locator('#latency-table tbody tr[data-model]');
      before = await refreshes(p);
      await p.click('#clear-filters');
      await refreshedAfter(p, before, { ...fixed, filters: '' });
      const other = (await rows.evaluateAll((trs) => trs.map((tr) => (tr as unknown as { dataset: Record<string, string> }).dataset.model))).find((m) => m !== model) ?? '';
      expect(other).not.toBe('');
      before = await refreshes(p);
      await p.locator(`#latency-table tbody tr[data-model="${other}"] button`).click();
      await refreshedAfter(p, before, { ...fixed, filters: filtersKey([['model', other]]) });
      await expectPageMatchesApi(p, openUrl, { model: other });

      // A bar of the top users (across tenants): that user in its tenant, in the tenant and user pickers.
      before = await refreshes(p);
      await p.click('#clear-filters');
      await refreshedAfter(p, before, { ...fixed, filters: '' });
      const users = await api<{ rows: BreakdownRow[] }>(openUrl, '/v1/usage/breakdown', { ...fixed, tz: TZ, by: 'tenant,user_id', sort: 'cost_total', limit: '10' });
      const top = users.rows[0];
      before = await refreshes(p);
      await clickBar(p, 'chart-users', 0, 0);
      await refreshedAfter(p, before, { ...fixed, tenant: String(top?.tenant), user: String(top?.user_id) });
      expect(await p.inputValue('#tenant')).toBe(String(top?.tenant));
      expect(await p.inputValue('#user')).toBe(String(top?.user_id));
      await expectPageMatchesApi(p, openUrl, { tenant: String(top?.tenant), user_id: String(top?.user_id) });
    } finally {
      await p.close();
    }
    expect(consoleErrors).toEqual([]);
  });

  it('plots spend, tokens by class, requests, errors or latency over time, and compares each KPI with the previous period', { timeout: 300_000 }, async () => {
    const p = await (browser as BrowserContext).newPage();
    p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e.message}`));
    try {
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
      const from = new Date(to.getTime() - 2 * 86_400_000);
      const fixed = { from: from.toISOString(), to: to.toISOString() };
      await p.goto(`${openUrl}/#range=custom&from=${localInput(from, TZ)}&to=${localInput(to, TZ)}`);
      await refreshedAfter(p, 0, { ...fixed, measure: 'spend' });
      await expectTimeChartMatchesApi(p, openUrl, 'spend');

      for (const measure of ['tokens', 'requests', 'errors', 'latency', 'spend']) {
        const before = await refreshes(p);
        await p.locator(`label:has(input[name=measure][value=${measure}])`).click();
        await refreshedAfter(p, before, { ...fixed, measure });
        const hash = new URLSearchParams(new URL(p.url()).hash.slice(1));
        expect(hash.get('measure')).toBe(measure === 'spend' ? null : measure);
        await expectTimeChartMatchesApi(p, openUrl, measure);
        if (measure === 'tokens') await p.screenshot({ path: join(DOC_IMAGES, 'dashboard-measures.png') });
      }
      expect(await p.locator('#h-spend').textContent()).toBe('Spend over time, by model');

      // Each KPI against the summary of the 2 days before the range.
      const previous = { from: new Date(from.getTime() - 2 * 86_400_000).toISOString(), to: fixed.from };
      const now = (await api<{ totals: Totals & Record<string, number | string> }>(openUrl, '/v1/usage/summary', { ...fixed, tz: TZ })).totals;
      const then = (await api<{ totals: Totals & Record<string, number | string> }>(openUrl, '/v1/usage/summary', { ...previous, tz: TZ })).totals;
      expect(then.events).toBeGreaterThan(0);
      const fields = { 'kpi-cost': 'cost_total', 'kpi-requests': 'requests', 'kpi-tokens': 'total_tokens', 'kpi-savings': 'cache_savings', 'kpi-errors': 'error_events', 'kpi-unpriced': 'unpriced_events' };
      for (const [id, field] of Object.entries(fields)) {
        const delta = p.locator(`#${id}-delta`);
        expect(await delta.getAttribute('data-previous'), id).toBe(String(then[field]));
        expect(await delta.textContent(), id).toBe(deltaText(now[field] ?? 0, then[field] ?? 0, 'previous period'));
      }

      // A preset names its length, and the URL restores the measure.
      await p.goto(`${openUrl}/#range=24h&measure=errors`);
      await p.reload();
      await refreshedAfter(p, 0, { measure: 'errors' });
      expect(await p.locator('#kpi-cost-delta').textContent()).toContain('previous 24 h');
      expect(await p.locator('input[name=measure][value=errors]').isChecked()).toBe(true);
    } finally {
      await p.close();
    }
    expect(consoleErrors).toEqual([]);
  });

  it('lists every call in cursor pages with the filters; the event view equals the record; the session view equals the session and its calls', { timeout: 300_000 }, async () => {
    const p = await (browser as BrowserContext).newPage();
    p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e.message}`));
    try {
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
      const from = new Date(to.getTime() - 86_400_000);
      const fixed = { from: from.toISOString(), to: to.toISOString() };
      const q = { ...fixed, tz: TZ, tenant: 'acme' };
      await p.goto(`${openUrl}/#range=custom&from=${localInput(from, TZ)}&to=${localInput(to, TZ)}&tenant=acme`);
      await refreshedAfter(p, 0, { ...fixed, tenant: 'acme' });

      // The log: newest first, 25 a page, the next page by cursor, back again.
      type Page1 = { records: UsageRecordJson[]; next_cursor: string | null };
      const first = await api<Page1>(openUrl, '/v1/usage/records', { ...q, limit: '25' });
      expect(first.records).toHaveLength(25);
      expect(await logIds(p)).toEqual(first.records.map((r) => r.event_id));
      await p.locator('section:has(#log)').screenshot({ path: join(DOC_IMAGES, 'dashboard-requests.png') });
      const second = await api<Page1>(openUrl, '/v1/usage/records', { ...q, limit: '25', cursor: first.next_cursor ?? '' });
      await p.click('#log-older');
      await p.waitForSelector('#log[data-page="2"][data-state="ready"]');
      expect(await logIds(p)).toEqual(second.records.map((r) => r.event_id));
      await p.click('#log-newer');
      await p.waitForSelector('#log[data-page="1"][data-state="ready"]');
      expect(await logIds(p)).toEqual(first.records.map((r) => r.event_id));

      // The event view of a call with a session: every field as the API returned it.
      // A call that paid for something (the demo's failed calls cost nothing, and below every paid class is checked).
      const paidClasses = (r: UsageRecordJson): string[] => Object.keys(r).filter((k) => k.startsWith('cost_') && k !== 'cost_total' && k !== 'cost_source' && r[k] !== '0');
      const record = first.records.find((r) => r.session_id !== null && Object.keys(r.metadata).length > 0 && paidClasses(r).length > 0);
      expect(record).toBeDefined();
      const event = record as UsageRecordJson;
      await p.click(`#log tbody tr[data-event="${event.event_id}"] td:first-child button`);
      await expect.poll(() => p.locator('#event-view').isVisible(), POLL).toBe(true);
      expect(await p.getAttribute('#event-body', 'data-event')).toBe(event.event_id);
      const fields = await p.locator('#event-body [data-field]').evaluateAll((els) => els.map((e) => {
        const el = e as unknown as { dataset: Record<string, string> };
        return [el.dataset.field, el.dataset.value] as const;
      }));
      expect(fields.length).toBeGreaterThan(30);
      for (const [name, value] of fields) expect(value, name).toBe(exactText(event[name ?? '']));
      const shown = new Set(fields.map(([name]) => name));
      for (const name of ['cost_total', 'cache_savings', 'price_version', 'status', 'duration_ms', 'ttft_ms', 'input_tokens', 'output_tokens', 'total_tokens', 'usage']) {
        if (name.endsWith('_tokens') && name !== 'total_tokens' && event[name] === 0) continue;
        expect(shown.has(name), name).toBe(true);
      }
      // The cost of every class the call paid for (issue 17), and the usage object as received.
      const paid = paidClasses(event);
      expect(paid.length).toBeGreaterThan(0);
      for (const name of paid) expect(shown.has(name), name).toBe(true);
      expect(JSON.parse((await p.locator('#event-usage').textContent()) ?? '')).toEqual(event.usage);
      for (const [k, v] of Object.entries(event.metadata)) expect(await p.locator(`#event-body [data-tag="${k}"]`).textContent()).toBe(v);
      expect(JSON.parse((await p.locator('#event-record').textContent()) ?? '')).toEqual(event);
      await p.locator('#event-view').screenshot({ path: join(DOC_IMAGES, 'dashboard-event.png') });
      // The event view is a link: its id and time in the URL; the records API finds it by id.
      const hashOf = (): URLSearchParams => new URLSearchParams(new URL(p.url()).hash.slice(1));
      expect([hashOf().get('event'), hashOf().get('event_at')]).toEqual([event.event_id, String(event.occurred_at)]);
      const byId = await api<Page1>(openUrl, '/v1/usage/records', { tenant: 'acme', event_id: event.event_id, from: String(event.occurred_at), to: new Date(Date.parse(String(event.occurred_at)) + 1).toISOString() });
      expect(byId.records).toEqual([event]);

      // Its session: the totals of /v1/usage/sessions/{id}, the calls oldest first, the running cost exact.
      const id = String(event.session_id);
      await p.click('#event-body [data-field=session_id] button');
      await p.waitForSelector(`#session-body[data-session="${id}"][data-state="ready"]`, { timeout: 60_000 });
      expect(new URLSearchParams(new URL(p.url()).hash.slice(1)).get('session')).toBe(id);
      const session = await api<{ started_at: string; ended_at: string; duration_ms: number; totals: Totals; models: string[] }>(openUrl, `/v1/usage/sessions/${encodeURIComponent(id)}`, { tenant: 'acme' });
      const sessionFields = Object.fromEntries(await p.locator('#session-body [data-field]').evaluateAll((els) => els.map((e) => {
        const el = e as unknown as { dataset: Record<string, string> };
        return [el.dataset.field, el.dataset.value] as const;
      })));
      expect(sessionFields).toMatchObject({
        session_id: id, started_at: session.started_at, ended_at: session.ended_at, duration_ms: String(session.duration_ms),
        events: String(session.totals.events), cost_total: session.totals.cost_total, total_tokens: String(session.totals.total_tokens), models: JSON.stringify(session.models),
      });
      const calls = await api<Page1>(openUrl, '/v1/usage/records', { tenant: 'acme', session_id: id, from: session.started_at, to: new Date(Date.parse(session.ended_at) + 1).toISOString(), limit: '1000' });
      const inOrder = [...calls.records].reverse();
      expect(inOrder.length).toBe(session.totals.events);
      // Demo sessions have 3–12 calls.
      expect(inOrder.length).toBeGreaterThanOrEqual(3);
      expect(inOrder.length).toBeLessThanOrEqual(12);
      expect(await dataValues(p, '#session-calls tbody tr', 'data-event')).toEqual(inOrder.map((r) => r.event_id));
      let sum = 0n;
      const running = inOrder.map((r) => (sum += femto(r.cost_total)));
      expect((await dataValues(p, '#session-calls tbody td[data-running]', 'data-running')).map(femto)).toEqual(running);
      expect(sum).toBe(femto(session.totals.cost_total));
      await p.locator('#session-view').screenshot({ path: join(DOC_IMAGES, 'dashboard-session.png') });

      // The session view and the event view are in the URL: a reload opens both again (the event from
      // /v1/usage/records?event_id=, every field as before); closing each leaves the URL.
      await p.reload();
      await p.waitForSelector(`#session-body[data-session="${id}"][data-state="ready"]`, { timeout: 60_000 });
      expect(await p.locator('#session-view').isVisible()).toBe(true);
      await p.waitForSelector(`#event-body[data-event="${event.event_id}"][data-state="ready"]`, { timeout: 60_000 });
      expect(await p.locator('#event-body [data-field]').evaluateAll((els) => els.map((e) => {
        const el = e as unknown as { dataset: Record<string, string> };
        return [el.dataset.field, el.dataset.value] as const;
      }))).toEqual(fields);
      await p.click('#session-view [data-close]');
      await expect.poll(() => hashOf().get('session'), POLL).toBeNull();
      expect(await p.locator('#event-view').isVisible()).toBe(true);
      await p.click('#event-view [data-close]');
      await expect.poll(() => hashOf().get('event'), POLL).toBeNull();
      expect(hashOf().get('event_at')).toBeNull();

      // The log follows the filters: errors only.
      await refreshedAfter(p, 0, { ...fixed, tenant: 'acme' });
      const before = await refreshes(p);
      await p.selectOption('#filter-dim', 'status');
      await p.fill('#filter-value', 'error');
      await p.click('#add-filter');
      await refreshedAfter(p, before, { ...fixed, tenant: 'acme', filters: 'status=error' });
      const errors = await api<Page1>(openUrl, '/v1/usage/records', { ...q, status: 'error', limit: '25' });
      expect(errors.records.length).toBeGreaterThan(0);
      expect(errors.records.every((r) => r.status === 'error')).toBe(true);
      expect(await logIds(p)).toEqual(errors.records.map((r) => r.event_id));
      // Demo data: failed calls carry their error type, several types among them, each shown in the log.
      const types = errors.records.map((r) => String(r.error_type));
      console.log('demo error types in the newest errors:', types.join(', '));
      expect(new Set(types).size).toBeGreaterThanOrEqual(2);
      for (const t of types) expect(ERROR_TYPES.map((e) => e.type)).toContain(t);
      expect(await p.locator('#log tbody td.status').allTextContents()).toEqual(types.map((t) => `error · ${t}`));
    } finally {
      await p.close();
    }
    expect(consoleErrors).toEqual([]);
  });

  it('creates and edits a budget in the budgets page; /v1/budgets holds what was entered', { timeout: 300_000 }, async () => {
    const p = await (browser as BrowserContext).newPage();
    p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e.message}`));
    const id = 'initech-monthly-17';
    const puts: string[] = [];
    p.on('response', (r) => {
      if (r.request().method() === 'PUT') puts.push(`${r.status()} tally-backfill: ${r.headers()['tally-backfill'] ?? '-'}`);
    });
    try {
      // The demo history counted (at once when the tests before ran; this test alone waits for it).
      await expect.poll(async () => (await api<Status>(openUrl, `/v1/budgets/${DEMO_BUDGET_ID}/status`, { tenant: 'initech' })).percentage, { timeout: 180_000, interval: 1000 }).toBeGreaterThanOrEqual(89.9);
      await p.goto(`${openUrl}/#range=7d&tenant=initech&view=budgets`);
      await p.waitForSelector('#budgets-page[data-state="ready"]', { timeout: 120_000 });
      expect(await p.locator('#dashboard').isHidden()).toBe(true);

      // The demo's budget near its limit, with the alerts it sent (its 50 % and 80 % thresholds) as the API lists them.
      const demoCard = p.locator(`#budget-list [data-budget-id="${DEMO_BUDGET_ID}"]`);
      const demoStatus = await api<Status>(openUrl, `/v1/budgets/${DEMO_BUDGET_ID}/status`, { tenant: 'initech' });
      expect(Number(await demoCard.locator('li[data-budget]').getAttribute('data-percentage'))).toBe(demoStatus.percentage);
      expect(demoStatus.percentage).toBeGreaterThanOrEqual(85);
      const sent = await api<{ alerts: { alert_id: string; threshold: number; used: string; crossed_at: string }[] }>(openUrl, `/v1/budgets/${DEMO_BUDGET_ID}/alerts`, { tenant: 'initech', limit: '5' });
      expect(sent.alerts.map((a) => a.threshold)).toEqual([80, 50]);
      const shownAlerts = await demoCard.locator('.alert-list li').evaluateAll((lis) => lis.map((li) => {
        const el = li as unknown as { dataset: Record<string, string> };
        return { alert_id: el.dataset.alert, threshold: Number(el.dataset.threshold), used: el.dataset.used, crossed_at: el.dataset.crossed };
      }));
      expect(shownAlerts).toEqual(sent.alerts.map((a) => ({ alert_id: a.alert_id, threshold: a.threshold, used: a.used, crossed_at: a.crossed_at })));

      // A limit the API refuses: the page shows the API's reason and nothing is created.
      await p.click('#new-budget');
      expect(await p.inputValue('#budget-form [name=tenant]')).toBe('initech');
      await p.fill('#budget-form [name=id]', id);
      await p.fill('#budget-form [name=name]', 'Initech monthly');
      await p.fill('#budget-form [name=limit]', 'lots');
      await p.click('#budget-save');
      await expect.poll(() => p.locator('#budget-error').textContent(), POLL).toContain('limit');
      const missing = await fetch(`${openUrl}/v1/budgets/${id}`);
      expect(missing.status).toBe(404);

      // Created as entered.
      await p.fill('#budget-form [name=limit]', '5000');
      await p.selectOption('#budget-form [name=enforcement]', 'hard');
      await p.fill('#budget-form [name=approaching]', '70');
      await p.click('#budget-save');
      // The API answers a PUT once the counters are backfilled; the form stays open until then.
      await p.waitForSelector('#budget-dialog:not([open])', { state: 'attached', timeout: 120_000 });
      // Its bar: the card drawn once the budget is counted (a card without a status would be a page drawn from a stale read).
      await p.waitForSelector(`#budget-list [data-budget-id="${id}"] li[data-budget]`, { timeout: 60_000 });
      const created = await api<Json>(openUrl, `/v1/budgets/${id}`);
      expect(created).toMatchObject({ id, name: 'Initech monthly', metric: 'cost', limit: '5000', period: 'monthly', scope: { tenant: 'initech' }, enforcement: 'hard', approaching: 70 });
      expect((await api<{ budgets: Json[] }>(openUrl, '/v1/budgets', { tenant: 'initech' })).budgets.map((b) => b.id)).toContain(id);
      const card = p.locator(`#budget-list [data-budget-id="${id}"]`);
      // The card shows the counted spend of the period. Once (load 20+, CI) it showed only the spend since the
      // budget was created for a moment: the PUT's answer (Tally-Backfill header) is in the message to tell why.
      const percentage = async (): Promise<number> => Number(await card.locator('li[data-budget]').getAttribute('data-percentage'));
      await expect.poll(percentage, { ...POLL, message: `card of a budget of an active tenant at 0 %; PUT answers: ${puts.join(' | ')}` }).toBeGreaterThan(0);
      const shown = await percentage();
      const status = await api<Status>(openUrl, `/v1/budgets/${id}/status`, { tenant: 'initech' });
      // The demo keeps spending: the card (drawn first) shows at most what the API says a moment later.
      expect(shown).toBeLessThanOrEqual(status.percentage);
      expect(await card.textContent()).toContain('limit $5,000.00');
      expect(await card.locator('[data-alerts="0"]').textContent()).toBe('No alerts sent yet.');

      // Edited: the stored budget replaced, fields the form does not show kept.
      await card.locator('[data-edit]').click();
      expect(await p.inputValue('#budget-form [name=limit]')).toBe('5000');
      await p.fill('#budget-form [name=limit]', '6000.50');
      await p.selectOption('#budget-form [name=period]', 'rolling');
      await p.fill('#budget-form [name=window]', '7d');
      await p.click('#budget-save');
      await p.waitForSelector('#budget-dialog:not([open])', { state: 'attached', timeout: 120_000 });
      await expect.poll(async () => (await api<Json>(openUrl, `/v1/budgets/${id}`)).limit, POLL).toBe('6000.5');
      const edited = await api<Json>(openUrl, `/v1/budgets/${id}`);
      expect(edited).toMatchObject({ period: 'rolling', window: '7d', enforcement: 'hard', approaching: 70, thresholds: created.thresholds, timezone: created.timezone });
      await expect.poll(() => card.textContent(), POLL).toContain('limit $6,000.50');
      expect(await p.locator('#budget-notice').isHidden()).toBe(true);
      await p.screenshot({ path: join(DOC_IMAGES, 'dashboard-budgets.png') });

      // A save whose backfill failed (the API says so in Tally-Backfill): the budget is saved, and the page says its
      // "used" counts only from now and how to fill it — not silently a low figure.
      await p.route(`**/v1/budgets/${id}`, async (route) => {
        if (route.request().method() !== 'PUT') return route.continue();
        const response = await route.fetch();
        return route.fulfill({ response, headers: { ...response.headers(), 'tally-backfill': 'failed' } });
      });
      await card.locator('[data-edit]').click();
      await p.fill('#budget-form [name=limit]', '6001');
      await p.click('#budget-save');
      await p.waitForSelector('#budget-dialog:not([open])', { state: 'attached', timeout: 120_000 });
      await expect.poll(() => p.locator('#budget-notice').textContent(), POLL).toContain(`tally reconcile --budget ${id}`);
      expect(await p.locator('#budget-notice').isVisible()).toBe(true);
      await p.unroute(`**/v1/budgets/${id}`);

      // Back to the usage page: the URL says which page is shown.
      await p.click('#view-usage');
      expect(new URL(p.url()).hash).not.toContain('view=');
      expect(await p.locator('#dashboard').isVisible()).toBe(true);
    } finally {
      await p.close();
    }
    expect(consoleErrors).toEqual([]);
  });

  it('exports the view as CSV equal to the `tally report` command it shows and to the API breakdown', { timeout: 300_000 }, async () => {
    const p = await (browser as BrowserContext).newPage();
    p.on('pageerror', (e) => consoleErrors.push(`${p.url()}: ${e.message}`));
    try {
      const to = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
      const from = new Date(to.getTime() - 4 * 86_400_000);
      const fixed = { from: from.toISOString(), to: to.toISOString() };
      await p.goto(`${openUrl}/#range=custom&from=${localInput(from, TZ)}&to=${localInput(to, TZ)}&tenant=globex&status=ok&tag=env=prod`);
      await refreshedAfter(p, 0, { ...fixed, tenant: 'globex', filters: 'status=ok&tag=env%3Dprod', bucket: 'day' });
      const command = (await p.locator('#report-command').textContent()) ?? '';
      expect(command).toBe(`tally report --url ${openUrl} --by model_key --bucket day --since ${fixed.from} --until ${fixed.to} --tz ${TZ} --tenant globex --status ok --tag env=prod --csv`);

      const [download] = await Promise.all([p.waitForEvent('download', { timeout: 60_000 }), p.click('#export-csv')]);
      const csv = readFileSync(await download.path(), 'utf8');
      await p.screenshot({ path: join(DOC_IMAGES, 'dashboard-export.png'), clip: { x: 0, y: 0, width: 1440, height: 420 } });

      // The command, run as printed (its words need no shell quoting here), prints the same bytes.
      const args = command.split(' ').slice(1);
      const { stdout } = await promisify(execFile)(process.execPath, [join(process.cwd(), 'bin', 'tally.js'), ...args], { env: { ...process.env, LOG_LEVEL: 'warn' }, maxBuffer: 16 << 20 });
      expect(csv).toBe(stdout);

      // And its rows are the API's breakdown for the same parameters.
      const answer = await api<{ rows: BreakdownRow[]; other: { cost_total: string }[] }>(openUrl, '/v1/usage/breakdown', { ...fixed, tz: TZ, tenant: 'globex', status: 'ok', tag: 'env=prod', by: 'model_key', bucket: 'day', limit: '20' });
      const lines = csv.trim().split('\n');
      const header = lines[0]?.split(',') ?? [];
      expect(header.slice(0, 3)).toEqual(['bucket', 'model_key', 'events']);
      const costAt = header.indexOf('cost_total');
      expect(lines.slice(1).map((l) => l.split(',')[costAt])).toEqual([...answer.rows, ...answer.other].map((r) => r.cost_total));
      expect(answer.rows.length).toBeGreaterThan(3);
    } finally {
      await p.close();
    }
    expect(consoleErrors).toEqual([]);
  });
});
