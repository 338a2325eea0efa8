/**
 * Tenant isolation of /v1/usage/*: the app built with createApp (keys for
 * tenant acme read, tenant globex read, an all-tenant admin, an acme ingest
 * key) over the analytics service on chDB, holding the fixed data set. For
 * every endpoint and every filter combination — tag filters, crafted session
 * ids, other tenants' user and key ids, cursors minted for globex, quotes in
 * values — acme's key gets acme's rows only, or 403.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { insertRows, priceColumns } from '../../support/price-rows.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { createAnalyticsService } from '../../../src/analytics/service.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { analyticsDataset, billedPrice } from './dataset.js';
import { expectMeasures, select, type Spec } from './expected.js';

const A = 'sk_acme_read_0123456789abcdef';
const B = 'sk_globex_read_0123456789abcd';
const ADMIN = 'sk_platform_admin_0123456789';
const A_INGEST = 'sk_acme_ingest_0123456789abc';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-analytics-iso-'));
const now = Date.now();
const data = analyticsDataset(now);
const events: readonly PricedEvent[] = data.events;
const FROM = new Date(data.all.from).toISOString();
const TO = new Date(data.all.to).toISOString();

let store: AnalyticsStore;
let app: FastifyInstance;

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: 'tally_isolation' });
  await migrate(store, {});
  // With their billed prices (issue 16): price, margin and margin_pct go through the HTTP answers' schemas too.
  await insertRows(store.sql, events.map((p) => ({ ...toEventRow(p), ...priceColumns(billedPrice(p)) })));
  app = await createApp({
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    health: new HealthState(),
    keyring: new ApiKeyring([
      { id: 'acme-read', key: A, tenant: 'acme', role: 'read' },
      { id: 'globex-read', key: B, tenant: 'globex', role: 'read' },
      { id: 'platform', key: ADMIN, tenant: '*', role: 'admin' },
      { id: 'acme-ingest', key: A_INGEST, tenant: 'acme', role: 'ingest' },
    ]),
    openAccess: false,
    bodyLimitBytes: 1024 * 1024,
    services: { analytics: createAnalyticsService(store, { now: () => now }) },
  });
});

afterAll(async () => {
  await app.close();
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Query = Record<string, string | string[]>;

function url(path: string, query: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) qs.append(k, x);
  const text = qs.toString();
  return text ? `${path}?${text}` : path;
}

async function get(path: string, query: Query, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url: url(path, query), headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

/** Filter combinations, several aimed at globex's rows. */
const FILTERS: readonly Query[] = [
  {},
  { user_id: 'u1' }, // user ids exist in both tenants
  { user_id: ['u1', 'u2'], model: 'openai/gpt-4o' },
  { tag: 'env=prod' },
  { tag: ['env=prod', 'team=search'] },
  { tag: "env=prod' OR '1'='1" },
  { tag: 'tenant=globex' },
  { session_id: 'sess-shared' }, // used by acme and globex
  { session_id: 'sess-globex-1' }, // globex only
  { api_key_id: 'key-globex-0' }, // globex's key id
  { api_key_id: ['key-acme-1', 'key-globex-1'], status: ['ok', 'error'] },
  { user_id: "u1' OR tenant = 'globex" },
  { agent: 'coder', group: 'team-1', priced: 'true' },
  { priced: 'false', provider: 'openai' },
  { feature: 'chat', tag: 'env=dev', session_id: ['sess-acme-1', 'sess-globex-2'] },
];

function spec(q: Query, tenant: string | null): Spec {
  const arr = (k: string): string[] | undefined => (q[k] === undefined ? undefined : [q[k]!].flat());
  return {
    from: data.all.from,
    to: data.all.to,
    tenant,
    user_id: arr('user_id'),
    group: arr('group'),
    session_id: arr('session_id'),
    agent: arr('agent'),
    feature: arr('feature'),
    provider: arr('provider'),
    model: arr('model'),
    api_key_id: arr('api_key_id'),
    status: arr('status'),
    priced: q.priced === undefined ? undefined : q.priced === 'true',
    tag: arr('tag'),
  };
}

/** Every endpoint's answer for tenant acme equals acme's own rows under the filter. */
async function expectOnlyAcme(filter: Query, key: string, tenantParam: Query): Promise<void> {
  const q = { from: FROM, to: TO, ...filter, ...tenantParam };
  const mine = select(events, spec(filter, 'acme'));
  const where = JSON.stringify(filter);

  const summary = await get('/v1/usage/summary', q, key);
  expect(summary.status, where).toBe(200);
  expectMeasures(summary.body.totals as object, mine, `summary ${where}`);

  const breakdown = await get('/v1/usage/breakdown', { ...q, by: 'tenant,user_id', limit: '1000' }, key);
  expect(breakdown.status).toBe(200);
  for (const row of breakdown.body.rows as { tenant: string }[]) expect(row.tenant, where).toBe('acme');
  expectMeasures(breakdown.body.totals as object, mine, `breakdown ${where}`);

  const series = await get('/v1/usage/timeseries', { ...q, stack_by: 'tenant', measure: 'events' }, key);
  expect(series.status).toBe(200);
  const keys = (series.body.series as { key: string }[]).map((s) => s.key);
  expect(keys, where).toEqual(mine.length === 0 ? [] : ['acme']);

  const records = await get('/v1/usage/records', { ...q, limit: '1000' }, key);
  expect(records.status).toBe(200);
  const got = (records.body.records as { tenant: string; event_id: string }[]);
  expect(got.every((r) => r.tenant === 'acme'), where).toBe(true);
  expect(got.map((r) => r.event_id).sort()).toEqual(mine.map((e) => e.event.event_id).sort());

  const latency = await get('/v1/usage/latency', q, key);
  expect(latency.status).toBe(200);
  expect((latency.body.totals as { events: number }).events, where).toBe(mine.length);

  for (const id of ['sess-shared', 'sess-globex-1', 'sess-acme-2']) {
    const session = await get(`/v1/usage/sessions/${encodeURIComponent(id)}`, q, key);
    const inScope = mine.filter((e) => e.event.session_id === id);
    if (inScope.length === 0) {
      expect(session.status, `${where} ${id}`).toBe(404);
    } else {
      expect(session.status).toBe(200);
      expect(session.body.tenants).toEqual(['acme']);
      expectMeasures(session.body.totals as object, inScope, `session ${id} ${where}`);
    }
  }
}

const ENDPOINTS = ['/v1/usage/summary', '/v1/usage/breakdown?by=model_key', '/v1/usage/timeseries', '/v1/usage/records', '/v1/usage/sessions/sess-shared', '/v1/usage/latency'];

describe('tenant isolation of /v1/usage/*', () => {
  it("acme's read key sees only acme's rows, for every endpoint and filter combination", async () => {
    for (const filter of FILTERS) await expectOnlyAcme(filter, A, {});
  });

  it("acme's read key naming acme explicitly is the same; naming globex (or anyone else) is 403 on every endpoint", async () => {
    await expectOnlyAcme({ tag: 'env=prod' }, A, { tenant: 'acme' });
    for (const path of ENDPOINTS) {
      for (const tenant of ['globex', 'initech', '*', 'ACME']) {
        const [p, qs] = path.split('?');
        const res = await get(p!, { ...Object.fromEntries(new URLSearchParams(qs ?? '')), tenant }, A);
        expect(res.status, `${path} tenant=${tenant}`).toBe(403);
        expect((res.body.error as { code: string }).code).toBe('FORBIDDEN');
      }
    }
  });

  it('no parameter reaches another tenant: a repeated tenant, misspelt tenant parameters and extra parameters are refused', async () => {
    const twice = await get('/v1/usage/summary', { tenant: ['acme', 'globex'] }, A);
    expect(twice.status).toBe(400);
    for (const name of ['tenants', 'tenant_id', 'scope']) {
      const res = await get('/v1/usage/summary', { [name]: 'globex' }, A);
      expect(res.status, name).toBe(400);
      expect((res.body.error as { details: { errors: { path: string }[] } }).details.errors).toEqual([expect.objectContaining({ path: name })]);
    }
  });

  it("a cursor minted on globex's records moves acme's key only through acme's rows", async () => {
    const page = await get('/v1/usage/records', { from: FROM, to: TO, limit: '5' }, B);
    expect((page.body.records as { tenant: string }[]).every((r) => r.tenant === 'globex')).toBe(true);
    const cursor = page.body.next_cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const res = await get('/v1/usage/records', { from: FROM, to: TO, limit: '1000', cursor }, A);
    expect(res.status).toBe(200);
    const got = res.body.records as { tenant: string; occurred_at: string }[];
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((r) => r.tenant === 'acme')).toBe(true);
    const lastPosition = (page.body.records as { occurred_at: string }[]).at(-1)!.occurred_at;
    expect(got.every((r) => r.occurred_at <= lastPosition)).toBe(true);
    const forged = `r1.${Buffer.from(JSON.stringify(['2099-01-01 00:00:00.000', "x' OR tenant='globex"])).toString('base64url')}`;
    const all = await get('/v1/usage/records', { from: FROM, to: TO, limit: '1000', cursor: forged }, A);
    expect((all.body.records as { tenant: string }[]).every((r) => r.tenant === 'acme')).toBe(true);
    expect((await get('/v1/usage/records', { cursor: 'garbage' }, A)).status).toBe(400);
  });

  it("globex's key sees globex only; the admin key reads one tenant or all of them", async () => {
    const b = await get('/v1/usage/summary', { from: FROM, to: TO }, B);
    expectMeasures(b.body.totals as object, select(events, { from: data.all.from, to: data.all.to, tenant: 'globex' }), 'globex');
    const allTenants = await get('/v1/usage/breakdown', { from: FROM, to: TO, by: 'tenant' }, ADMIN);
    expect((allTenants.body.rows as { tenant: string }[]).map((r) => r.tenant).sort()).toEqual(['acme', 'globex', 'initech']);
    expectMeasures(allTenants.body.totals as object, events, 'all tenants');
    const one = await get('/v1/usage/summary', { from: FROM, to: TO, tenant: 'initech' }, ADMIN);
    expectMeasures(one.body.totals as object, select(events, { from: data.all.from, to: data.all.to, tenant: 'initech' }), 'admin initech');
    const shared = await get('/v1/usage/sessions/sess-shared', {}, ADMIN);
    expect(shared.body.tenants).toEqual(['acme', 'globex', 'initech'].filter((t) => events.some((e) => e.event.tenant === t && e.event.session_id === 'sess-shared')));
  });

  it('needs a read key: none is 401, an ingest key is 403', async () => {
    for (const path of ENDPOINTS) {
      const [p] = path.split('?');
      expect((await get(p!, {})).status, path).toBe(401);
      expect((await get(p!, {}, A_INGEST)).status, path).toBe(403);
    }
  });

  it('documents every /v1/usage route in the OpenAPI document, with parameters and response schemas', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, { parameters?: { name: string }[]; responses: Record<string, { content?: unknown }> }>> };
    const registered = app.tallyRoutes.filter((r) => r.includes('/v1/usage')).map((r) => r.replace(/\/:([a-z_]+)/g, '/{$1}'));
    expect(registered).toHaveLength(6);
    for (const route of registered) {
      const [method, path] = route.split(' ') as [string, string];
      const op = doc.paths[path]?.[method.toLowerCase()];
      expect(op, route).toBeDefined();
      expect(op!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['tenant', 'from', 'to', 'tz', 'user_id', 'tag']));
      expect(op!.responses['200']!.content).toBeDefined();
    }
  });
});
