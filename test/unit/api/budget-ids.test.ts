/**
 * Issue 10, item 9: budget ids are per tenant. A tenant-bound admin key names
 * its budgets in its tenant's own namespace, so creating a budget under an id
 * another tenant uses succeeds exactly as for an unused id — the answer
 * cannot reveal another tenant's ids. Inside tally (repository, engine,
 * counters, alerts) such a budget's id is `<tenant>/<id>`, which all-tenant
 * keys see and use; the tenant's own keys see `<id>`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { BudgetEngine, WatchedBudgetSource, createMemoryBudgetRepository, type BudgetRepository } from '../../../src/budgets/index.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { priced } from '../budgets/fixtures.js';

const PLATFORM = 'sk_platform_admin_0123456';
const ACME = 'sk_acme_admin_00123456789';
const ACME_READ = 'sk_acme_read_000123456789';
const GLOBEX = 'sk_globex_admin_0123456789';

let app: FastifyInstance;
let engine: BudgetEngine;
let repository: BudgetRepository;
let source: WatchedBudgetSource;
const now = Date.parse('2026-03-10T12:00:00Z');

beforeEach(async () => {
  repository = createMemoryBudgetRepository();
  source = new WatchedBudgetSource(repository, { pollMs: 60_000 });
  await source.start();
  engine = new BudgetEngine({ counters: new MemoryCounterStore({ clock: () => now }), budgets: source, clock: () => now, estimateCost: () => 1n });
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
    keyring: new ApiKeyring([
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
      { id: 'acme', key: ACME, tenant: 'acme', role: 'admin' },
      { id: 'acme-read', key: ACME_READ, tenant: 'acme', role: 'read' },
      { id: 'globex', key: GLOBEX, tenant: 'globex', role: 'admin' },
    ]),
    services: { budgets: { repository, engine, changed: async () => { await source.refresh(); return null; }, alerts: async () => [] }, quota: engine },
  });
});
afterEach(async () => {
  await app.close();
  await source.stop();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, body?: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
const monthly = (limit: number, extra: Record<string, unknown> = {}) => ({ id: 'monthly', name: 'monthly', metric: 'requests', limit, period: 'monthly', ...extra });
/** An answer without its id: what is left must not differ between an unused id and another tenant's. */
const shape = (res: LightMyRequestResponse): unknown => ({ status: res.statusCode, headers: { backfill: res.headers['tally-backfill'] }, body: { ...res.json(), id: undefined } });

describe('budget ids per tenant', () => {
  it('answers a tenant creating an id another tenant uses exactly as for an unused id', async () => {
    const unused = await call('POST', '/v1/budgets', ACME, monthly(10, { id: 'unused' }));
    const globex = await call('POST', '/v1/budgets', GLOBEX, monthly(99));
    expect(globex.statusCode).toBe(201);
    const acme = await call('POST', '/v1/budgets', ACME, monthly(10));
    expect(acme.statusCode).toBe(201);
    expect(acme.json()).toMatchObject({ id: 'monthly', limit: '10', scope: { tenant: 'acme' } });
    expect(shape(acme)).toEqual(shape(unused));
    expect(JSON.stringify(acme.json())).not.toContain('globex');
    // And the same through PUT (create or replace).
    await call('POST', '/v1/budgets', GLOBEX, monthly(7, { id: 'weekly' }));
    const put = await call('PUT', '/v1/budgets/weekly', ACME, monthly(3, { id: undefined }));
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'weekly', limit: '3' });
  });

  it("keeps each tenant's budget its own: read, replace, status, quota and delete touch only it", async () => {
    await call('POST', '/v1/budgets', GLOBEX, monthly(99));
    await call('POST', '/v1/budgets', ACME, monthly(10));
    expect((await call('GET', '/v1/budgets/monthly', ACME_READ)).json().limit).toBe('10');
    expect((await call('GET', '/v1/budgets/monthly', GLOBEX)).json().limit).toBe('99');
    expect((await call('PUT', '/v1/budgets/monthly', ACME, monthly(11))).json()).toMatchObject({ id: 'monthly', limit: '11' });
    expect((await call('GET', '/v1/budgets/monthly', GLOBEX)).json().limit).toBe('99');
    expect((await call('GET', '/v1/budgets', ACME)).json().budgets.map((b: { id: string; limit: string }) => [b.id, b.limit])).toEqual([['monthly', '11']]);

    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: 'e1', tenant: 'acme', user: 'u', cost: '0.001', at: now - 1000, offset: 1 })] });
    const status = await call('GET', '/v1/budgets/monthly/status', ACME_READ);
    expect(status.json()).toMatchObject({ budget_id: 'monthly', used: '1', limit: '11' });
    const check = (await call('POST', '/v1/quota/check', ACME_READ, { estimate: { requests: 1 } })).json();
    expect(check.budgets.map((b: { budget_id: string }) => b.budget_id)).toEqual(['monthly']);
    const statuses = (await call('GET', '/v1/budgets:status', ACME_READ)).json();
    expect(statuses.statuses.map((b: { budget_id: string }) => b.budget_id)).toEqual(['monthly']);

    expect((await call('DELETE', '/v1/budgets/monthly', ACME)).statusCode).toBe(204);
    expect((await call('GET', '/v1/budgets/monthly', ACME)).json().error.code).toBe('BUDGET_NOT_FOUND');
    expect((await call('GET', '/v1/budgets/monthly', GLOBEX)).json().limit).toBe('99');
  });

  it('shows all-tenant keys the qualified ids, which they use as ids', async () => {
    await call('POST', '/v1/budgets', GLOBEX, monthly(99));
    await call('POST', '/v1/budgets', ACME, monthly(10));
    const ids = (await call('GET', '/v1/budgets', PLATFORM)).json().budgets.map((b: { id: string }) => b.id).sort();
    expect(ids).toEqual(['acme/monthly', 'globex/monthly']);
    expect((await call('GET', '/v1/budgets/acme%2Fmonthly', PLATFORM)).json()).toMatchObject({ id: 'acme/monthly', limit: '10' });
    expect(engine.current().get('acme/monthly')?.budget.scope).toEqual({ tenant: 'acme' });
    expect((await repository.get('globex/monthly')).id).toBe('globex/monthly');
    // A tenant cannot name another namespace.
    expect((await call('GET', '/v1/budgets/globex%2Fmonthly', ACME)).statusCode).toBe(404);
  });

  it('still refuses an id the caller can see: its own, or one an all-tenant key made for it', async () => {
    await call('POST', '/v1/budgets', ACME, monthly(10));
    expect((await call('POST', '/v1/budgets', ACME, monthly(10))).statusCode).toBe(409);
    expect((await call('POST', '/v1/budgets', PLATFORM, monthly(5, { id: 'shared-cap', scope: { tenant: 'acme' } }))).statusCode).toBe(201);
    expect((await call('POST', '/v1/budgets', ACME, monthly(5, { id: 'shared-cap' }))).statusCode).toBe(409);
    // An all-tenant key sees everything: it may not make an id the tenant already uses visible to it.
    const clash = await call('POST', '/v1/budgets', PLATFORM, monthly(5, { scope: { tenant: 'acme' } }));
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.message).toContain('acme/monthly');
    expect((await call('POST', '/v1/budgets', PLATFORM, monthly(5, { scope: { tenant: 'globex' } }))).statusCode).toBe(201);
  });
});
