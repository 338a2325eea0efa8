/**
 * The alerts budgets sent (issue 17; migration 0013, store.budgets
 * recordAlerts / alerts, GET /v1/budgets/{id}/alerts) on every adapter: chDB,
 * and the @clickhouse/client adapter (a real server when CLICKHOUSE_URL is
 * set, else the chDB-served stand-in). An alert recorded twice (a batch
 * redelivered after a crash publishes its crossing again, with the same id)
 * is listed once; the list is newest first, in cursor pages, per tenant for a
 * tenant-bound key. The processor path is in test/integration/alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { createMemoryBudgetRepository } from '../../../src/budgets/repository-memory.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { BudgetAlertRow } from '../../../src/store/operations/budgets.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { describeClickHouseAdapter } from '../../support/clickhouse-adapter.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-alerts-store-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const ADMIN = 'alerts-admin-0123456789abcdef';
const ACME = 'alerts-acme-0123456789abcdef';

function alert(id: string, budget: string, tenant: string, crossedAt: string, threshold: number, used = '1'): BudgetAlertRow {
  const body = { type: 'budget.threshold_crossed', alert_id: id, budget_id: budget, budget_name: budget, tenant, subject: {}, metric: 'cost', threshold, used, limit: '10', crossed_at: crossedAt };
  return { alert_id: id, budget_id: budget, tenant, crossed_at: crossedAt, body: JSON.stringify(body) };
}

const A1 = alert('al_1', 'per-tenant', 'acme', '2026-11-30T10:00:00.001Z', 50);
const A2 = alert('al_2', 'per-tenant', 'beta', '2026-11-30T11:00:00.000Z', 50);
const A3 = alert('al_3', 'per-tenant', 'acme', '2026-11-30T12:30:00.250Z', 80);
const A4 = alert('al_4', 'per-tenant', 'acme', '2026-11-30T12:30:00.250Z', 100);
/** al_1 again, as a redelivered batch publishes it: same id, a later crossed_at, another `used`. */
const A1_AGAIN = alert('al_1', 'per-tenant', 'acme', '2026-11-30T10:00:05.000Z', 50, '1.5');
const OTHER = alert('al_9', 'other', 'acme', '2026-11-30T13:00:00.000Z', 50);

function suite(open: (database: string) => Promise<AnalyticsStore>): void {
  let store: AnalyticsStore;
  let app: FastifyInstance;
  let url = '';

  beforeAll(async () => {
    store = await open(`alerts_${process.pid}_${Date.now() % 100_000}`);
    await migrate(store);
    const repository = createMemoryBudgetRepository();
    await repository.create({ id: 'per-tenant', name: 'per tenant', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*' } });
    await repository.create({ id: 'beta-only', name: 'beta', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: 'beta' } });
    app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1 << 20,
      keyring: new ApiKeyring([{ id: 'admin', key: ADMIN, tenant: '*', role: 'admin' }, { id: 'acme', key: ACME, tenant: 'acme', role: 'read' }]),
      services: { budgets: { repository, engine: {} as never, changed: async () => null, alerts: (q) => store.budgets.alerts(q) } },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  const get = async (path: string, key: string): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  const ids = (json: Record<string, unknown>): string[] => (json.alerts as { alert_id: string }[]).map((a) => a.alert_id);

  it('records alerts; one recorded again (a redelivery) is listed once; newest first; per tenant; paged', async () => {
    await store.budgets.recordAlerts([A1, A2, OTHER]);
    await store.budgets.recordAlerts([A3, A4]);
    await store.budgets.recordAlerts([A1_AGAIN]);
    const all = await store.budgets.alerts({ budgetId: 'per-tenant', limit: 10 });
    expect(all.map((r) => r.alert_id)).toEqual(['al_4', 'al_3', 'al_2', 'al_1']);
    expect(all[0]).toEqual(A4);
    // One row for al_1: the later recording (ReplacingMergeTree keyed by the id, read with FINAL).
    expect(all.filter((r) => r.alert_id === 'al_1')).toEqual([A1_AGAIN]);
    expect((await store.budgets.alerts({ budgetId: 'per-tenant', tenant: 'acme', limit: 10 })).map((r) => r.alert_id)).toEqual(['al_4', 'al_3', 'al_1']);
    // Keyset pages: after (crossed_at, id) of the last row; equal times ordered by id.
    const first = await store.budgets.alerts({ budgetId: 'per-tenant', limit: 1 });
    const last = first[0] as BudgetAlertRow;
    expect((await store.budgets.alerts({ budgetId: 'per-tenant', limit: 10, after: { crossed_at: last.crossed_at, alert_id: last.alert_id } })).map((r) => r.alert_id)).toEqual(['al_3', 'al_2', 'al_1']);
    expect(await store.budgets.alerts({ budgetId: 'none', limit: 10 })).toEqual([]);
  });

  it('GET /v1/budgets/{id}/alerts: the bodies, newest first, cursor pages; a tenant-bound key its tenant only', async () => {
    const page1 = await get('/v1/budgets/per-tenant/alerts?limit=3', ADMIN);
    expect(page1.status).toBe(200);
    expect(ids(page1.json)).toEqual(['al_4', 'al_3', 'al_2']);
    expect((page1.json.alerts as unknown[])[0]).toEqual(JSON.parse(A4.body));
    expect(typeof page1.json.next_cursor).toBe('string');
    const page2 = await get(`/v1/budgets/per-tenant/alerts?limit=3&cursor=${String(page1.json.next_cursor)}`, ADMIN);
    expect(ids(page2.json)).toEqual(['al_1']);
    expect((page2.json.alerts as { used: string }[])[0]?.used).toBe('1.5');
    expect(page2.json.next_cursor).toBeNull();
    expect(ids((await get('/v1/budgets/per-tenant/alerts?tenant=beta', ADMIN)).json)).toEqual(['al_2']);

    // A tenant-bound key: its tenant's alerts, whatever it asks for; another tenant's budget is not there.
    expect(ids((await get('/v1/budgets/per-tenant/alerts', ACME)).json)).toEqual(['al_4', 'al_3', 'al_1']);
    expect(ids((await get('/v1/budgets/per-tenant/alerts?tenant=beta', ACME)).json)).toEqual(['al_4', 'al_3', 'al_1']);
    expect((await get('/v1/budgets/beta-only/alerts', ACME)).status).toBe(404);
    expect((await get('/v1/budgets/nope/alerts', ADMIN)).status).toBe(404);
    const bad = await get('/v1/budgets/per-tenant/alerts?cursor=nope&limit=0', ADMIN);
    expect(bad.status).toBe(400);
  });
}

describe('budget alerts: chDB adapter (in-process)', () => {
  suite((database) => createChdbStore({ dataDir, database }));
});

describeClickHouseAdapter('budget alerts', dataDir, (open) => {
  suite(open);
});
