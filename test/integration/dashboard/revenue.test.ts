/**
 * The dashboard's revenue, cost and margin (issue 16) in headless Chromium,
 * against the real API over a store holding billed events: three tenants —
 * acme billed above cost, globex below cost (a negative margin), initech not
 * billed at all. Written straight into the store with their price columns
 * (test/support/price-rows.ts), the way the processor writes them once price
 * books price events; served by the API in this process (createApp, open
 * access), so the page reads exactly what /v1/usage/* answers.
 *
 * Proves: the panel's KPIs and table equal the summary and the breakdown by
 * tenant (sort=price) to the femto-dollar (data-value); the time chart's
 * Margin view plots revenue, cost and margin per bucket as the timeseries
 * (measure=all) answers; a table row filters to its tenant (a negative margin
 * is flagged); a tenant without a price book sees neither the panel nor the
 * Margin choice. Saves test-artifacts/dashboard-revenue.png (the Margin view).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { createAnalyticsService } from '../../../src/analytics/service.js';
import { parseUsd } from '../../../src/core/money.js';
import { pricedEvent } from '../../support/store-fixtures.js';
import { insertRows, pricedRow, type BilledPrice } from '../../support/price-rows.js';
import { describeWithChromium, launchChromium } from './chromium.js';

const TZ = 'Europe/Berlin';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const HOUR = 3_600_000;

type Totals = { price: string; cost_total: string; margin: string; margin_pct: string | null };
type Row = Totals & { tenant: string | null };

const dirs: string[] = [];
let store: AnalyticsStore;
let app: FastifyInstance;
let base = '';
let browser: BrowserContext | undefined;
let page: Page;
const consoleErrors: string[] = [];

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await app?.close();
  await store?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Events of the last three days: per tenant, its costs and what its price book bills. */
function billedEvents(): ReturnType<typeof pricedRow>[] {
  const now = Date.now();
  const rows: ReturnType<typeof pricedRow>[] = [];
  for (let i = 0; i < 60; i++) {
    const tenant = ['acme', 'globex', 'initech'][i % 3] as string;
    const cost = parseUsd('0.0125') * BigInt(1 + (i % 7)) + BigInt(i); // down to the femto-dollar
    const p = pricedEvent({ tenant, eventId: `rev-${i}`, occurredAt: new Date(now - (2 + i) * HOUR).toISOString(), userId: `u${i % 4}`, costs: { input: cost }, tokens: { input: 1000 + i } });
    const billed: BilledPrice =
      tenant === 'acme' ? { prices: { input: (cost * 3n) / 2n, request: parseUsd('0.002') }, book: 'acme@1' }
      : tenant === 'globex' ? { prices: { input: (cost * 4n) / 5n }, book: 'globex@1' }
      : { prices: {} };
    rows.push(pricedRow(p, billed));
  }
  return rows;
}

async function api<T>(path: string, params: Record<string, string>): Promise<T> {
  const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`);
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

declare const document: { readonly body: { readonly dataset: Readonly<Record<string, string | undefined>> }; getElementById(id: string): { readonly dataset: Readonly<Record<string, string | undefined>> } | null };

async function refreshed(p: Page, wanted: Record<string, string>): Promise<void> {
  await p.waitForFunction(
    (w) => {
      const main = document.getElementById('dashboard');
      return document.body.dataset.state === 'ready' && Object.entries(w).every(([k, v]) => main?.dataset[k] === v);
    },
    wanted,
    { timeout: 120_000 },
  );
}

async function pageRange(p: Page): Promise<Record<string, string>> {
  const main = p.locator('#dashboard');
  const get = async (k: string): Promise<string> => (await main.getAttribute(`data-${k}`)) ?? '';
  return { from: await get('from'), to: await get('to'), tz: await get('tz'), bucket: await get('bucket') };
}

async function value(p: Page, id: string): Promise<string | null> {
  return p.locator(`#${id}`).getAttribute('data-value');
}

/** The panel against the API: the KPIs equal the summary, the table the breakdown by tenant. */
async function expectPanelMatchesApi(p: Page, tenant: string): Promise<Totals> {
  const r = await pageRange(p);
  const q = { from: r.from!, to: r.to!, tz: r.tz!, ...(tenant ? { tenant } : {}) };
  const { totals } = await api<{ totals: Totals }>('/v1/usage/summary', q);
  expect({ price: await value(p, 'kpi-revenue'), cost_total: await value(p, 'kpi-revenue-cost'), margin: await value(p, 'kpi-margin'), margin_pct: await value(p, 'kpi-margin-pct') }).toEqual({
    price: totals.price,
    cost_total: totals.cost_total,
    margin: totals.margin,
    margin_pct: totals.margin_pct ?? '',
  });
  const { rows } = await api<{ rows: Row[] }>('/v1/usage/breakdown', { ...q, by: 'tenant', sort: 'price', limit: '10' });
  const table = await p.locator('#revenue-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [(tr as unknown as { getAttribute(n: string): string | null }).getAttribute('data-tenant'), ...Array.from((tr as unknown as { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }> }).querySelectorAll('td'), (td) => td.getAttribute('data-value'))]),
  );
  expect(table).toEqual(rows.map((x) => [x.tenant ?? '', x.price, x.cost_total, x.margin, x.margin_pct ?? '']));
  return totals;
}

describeWithChromium('dashboard revenue, cost and margin (issue 16) in headless Chromium', () => {
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tally-dash-revenue-'));
    dirs.push(dataDir);
    store = await createChdbStore({ dataDir, database: 'tally_dash_revenue' });
    await migrate(store, {});
    await insertRows(store.sql, billedEvents());
    app = await createApp({
      logger: silentLogger(),
      metrics: createMetrics({ defaultMetrics: false }),
      health: new HealthState(),
      keyring: new ApiKeyring([]),
      openAccess: true,
      bodyLimitBytes: 1024 * 1024,
      services: { analytics: createAnalyticsService(store) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const launched = await launchChromium({ timezoneId: TZ, width: 1440, height: 1000 });
    browser = launched.context;
    dirs.push(launched.profile);
    page = await browser.newPage();
    page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  }, 300_000);

  it('shows revenue, cost and margin equal to the API, per tenant, and the Margin view of the time chart', { timeout: 300_000 }, async () => {
    await page.goto(`${base}/#range=7d`);
    await refreshed(page, { measure: 'spend' });
    expect(await page.locator('#revenue').isVisible()).toBe(true);
    expect(await page.locator('#measure-margin').isVisible()).toBe(true);
    const all = await expectPanelMatchesApi(page, '');
    expect(parseUsd(all.price)).toBeGreaterThan(0n);
    // Ranked by revenue: acme, globex, then initech (price 0, margin −cost, no percentage).
    expect(await page.locator('#revenue-table tbody tr').evaluateAll((trs) => trs.map((tr) => (tr as unknown as { getAttribute(n: string): string | null }).getAttribute('data-tenant')))).toEqual(['acme', 'globex', 'initech']);

    // The Margin view: three lines, the timeseries' price, cost_total and margin per bucket.
    await page.locator('label:has(input[name=measure][value=margin])').click();
    await refreshed(page, { measure: 'margin' });
    const r = await pageRange(page);
    const ts = await api<{ buckets: string[]; series: { values: Record<string, string>[] }[] }>('/v1/usage/timeseries', { from: r.from!, to: r.to!, tz: r.tz!, bucket: r.bucket!, measure: 'all' });
    const drawn = (await page.evaluate(`(() => {
      const ch = Chart.getChart(document.getElementById('chart-spend'));
      return { type: ch.config.type, labels: ch.data.labels.length, datasets: ch.data.datasets.map((d) => ({ label: d.label, exact: d.exact })) };
    })()`)) as { type: string; labels: number; datasets: { label: string; exact: string[] }[] };
    const values = ts.series[0]?.values ?? [];
    expect(drawn.type).toBe('line');
    expect(drawn.labels).toBe(ts.buckets.length);
    expect(drawn.datasets).toEqual([
      { label: 'Revenue', exact: values.map((v) => String(v.price)) },
      { label: 'Cost', exact: values.map((v) => String(v.cost_total)) },
      { label: 'Margin', exact: values.map((v) => String(v.margin)) },
    ]);
    expect(await page.locator('#h-spend').textContent()).toBe('Revenue, cost and margin over time');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-revenue.png'), fullPage: false });

    // A row filters to its tenant: globex is billed below cost, its margin flagged.
    await page.locator('#revenue-table tr[data-tenant=globex]').click();
    await refreshed(page, { tenant: 'globex', measure: 'margin' });
    const globex = await expectPanelMatchesApi(page, 'globex');
    expect(globex.margin.startsWith('-')).toBe(true);
    expect(globex.margin_pct).toBe('-25.00');
    expect(await page.locator('#kpi-margin').getAttribute('class')).toContain('warn');

    // A tenant without a price book: no panel; the Margin choice stays only while it is the chart's view.
    await page.goto(`${base}/#range=7d&tenant=initech`);
    await page.reload();
    await refreshed(page, { tenant: 'initech', measure: 'spend' });
    const ri = await pageRange(page);
    expect((await api<{ totals: Totals }>('/v1/usage/summary', { from: ri.from!, to: ri.to!, tz: ri.tz!, tenant: 'initech' })).totals.price).toBe('0');
    expect(await page.locator('#revenue').isHidden()).toBe(true);
    expect(await page.locator('#measure-margin').isHidden()).toBe(true);
  });

  it('logged no page errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
