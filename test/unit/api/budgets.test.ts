/**
 * The budgets and quota API over in-memory counters and repository (no
 * services): validation, tenant isolation, statuses, 429 + Retry-After,
 * reserve/settle, and that every route is in the OpenAPI document.
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
import { openBackend, warningTexts } from '../../../src/cli/commands/budgets-backend.js';
import { dimensionsOf } from '../../../src/cli/commands/budgets.js';

const PLATFORM = 'sk_platform_admin_0123456';
const ACME = 'sk_acme_admin_00123456789';
const ACME_READ = 'sk_acme_read_000123456789';
const GLOBEX = 'sk_globex_admin_0123456789';

let app: FastifyInstance;
let engine: BudgetEngine;
let repository: BudgetRepository;
let source: WatchedBudgetSource;
let now = Date.parse('2026-03-10T12:00:00Z');

beforeEach(async () => {
  now = Date.parse('2026-03-10T12:00:00Z');
  repository = createMemoryBudgetRepository();
  source = new WatchedBudgetSource(repository, { pollMs: 60_000 });
  await source.start();
  engine = new BudgetEngine({ counters: new MemoryCounterStore({ clock: () => now }), budgets: source, clock: () => now, estimateCost: () => 5_000_000_000_000n });
  app = await createApp({
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    health: new HealthState(),
    keyring: new ApiKeyring([
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
      { id: 'acme', key: ACME, tenant: 'acme', role: 'admin' },
      { id: 'acme-read', key: ACME_READ, tenant: 'acme', role: 'read' },
      { id: 'globex', key: GLOBEX, tenant: 'globex', role: 'admin' },
    ]),
    openAccess: false,
    bodyLimitBytes: 1024 * 1024,
    services: {
      budgets: { repository, engine, changed: async () => { await source.refresh(); return null; }, alerts: async () => [] },
      quota: engine,
    },
  });
});
afterEach(async () => {
  await app.close();
  await source.stop();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, key: string, body?: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

const spend = async (tenant: string, user: string, cost: string, offset: number): Promise<void> => {
  await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: `e${offset}`, tenant, user, cost, at: now - 1000, offset })] });
};

describe('budgets CRUD', () => {
  it('creates, lists, reads, replaces and deletes; lists every validation mistake with its path', async () => {
    const bad = await call('POST', '/v1/budgets', PLATFORM, { name: '', metric: 'money', limit: '-1', period: 'rolling', scope: { user: 'a*' }, colour: 'red' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('BUDGET_INVALID');
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['', 'metric', 'name']);
    const cross = await call('POST', '/v1/budgets', PLATFORM, { name: 'x', metric: 'cost', limit: '-1', period: 'rolling', scope: { user: 'a*' } });
    expect(cross.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['limit', 'scope.user', 'window']);
    expect((await call('POST', '/v1/budgets', PLATFORM, { id: 'tier:free:x', name: 'x', metric: 'cost', limit: '1', period: 'daily' })).json().error.details.errors).toEqual([{ path: 'id', reason: expect.stringMatching(/reserved/) }]);

    const created = await call('POST', '/v1/budgets', PLATFORM, { id: 'acme-month', name: 'Acme', metric: 'cost', limit: '100.50', period: 'monthly', timezone: 'America/New_York', scope: { tenant: 'acme' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 'acme-month', limit: '100.5', enforcement: 'hard', thresholds: [50, 80, 100], approaching: 80 });
    expect((await call('POST', '/v1/budgets', PLATFORM, { id: 'acme-month', name: 'again', metric: 'cost', limit: '1', period: 'daily' })).statusCode).toBe(409);
    expect((await call('GET', '/v1/budgets/acme-month', ACME_READ)).json().name).toBe('Acme');
    expect((await call('GET', '/v1/budgets', PLATFORM)).json().budgets.map((b: { id: string }) => b.id)).toEqual(['acme-month']);
    const put = await call('PUT', '/v1/budgets/acme-month', PLATFORM, { name: 'Acme', metric: 'cost', limit: '200', period: 'monthly', scope: { tenant: 'acme' } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: 'acme-month', limit: '200', timezone: 'UTC' });
    expect((await call('DELETE', '/v1/budgets/acme-month', ACME_READ)).statusCode).toBe(403);
    expect((await call('DELETE', '/v1/budgets/acme-month', PLATFORM)).statusCode).toBe(204);
    expect((await call('GET', '/v1/budgets/acme-month', PLATFORM)).statusCode).toBe(404);
  });
});

describe('wallet budgets', () => {
  it('a customer\'s wallet budget (kept by tally from its grants) is refused to PUT and DELETE with 409, and says what to do instead; a price budget is shown in USD', async () => {
    await repository.put('wallet-abc', { id: 'wallet-abc', name: 'Wallet of acme', metric: 'price', limit: '0', period: 'monthly', scope: { tenant: 'acme' }, thresholds: [], alert_below: ['1.50', '10'], metadata: { 'tally.wallet': 'true' } });
    expect((await call('GET', '/v1/budgets/wallet-abc', ACME_READ)).json()).toMatchObject({ metric: 'price', limit: '0', alert_below: ['10', '1.5'] });
    const put = await call('PUT', '/v1/budgets/wallet-abc', PLATFORM, { name: 'mine now', metric: 'price', limit: '1000', period: 'monthly', scope: { tenant: 'acme' } });
    expect([put.statusCode, put.json().error.code]).toEqual([409, 'CONFLICT']);
    expect(put.json().error.message).toMatch(/wallet\/alerts/);
    expect((await call('DELETE', '/v1/budgets/wallet-abc', PLATFORM)).statusCode).toBe(409);
    expect((await call('GET', '/v1/budgets/wallet-abc', PLATFORM)).json().limit).toBe('0');
    // alert_below is for money budgets only, each amount named when wrong.
    const bad = await call('POST', '/v1/budgets', PLATFORM, { name: 'x', metric: 'tokens', limit: 5, period: 'daily', alert_below: ['1'] });
    expect(bad.json().error.details.errors).toEqual([{ path: 'alert_below', reason: expect.stringMatching(/cost and price/) }]);
    const amounts = await call('POST', '/v1/budgets', PLATFORM, { name: 'x', metric: 'cost', limit: 5, period: 'daily', alert_below: ['1', 'lots', '-2'] });
    expect(amounts.json().error.details.errors.map((e: { path: string }) => e.path)).toEqual(['alert_below[1]', 'alert_below[2]']);
  });
});

describe('tenant isolation', () => {
  it('a key bound to acme cannot read, create, check or reserve for globex, and never sees shared amounts', async () => {
    expect((await call('POST', '/v1/budgets', GLOBEX, { id: 'g', name: 'g', metric: 'requests', limit: 10, period: 'daily' })).json().scope).toEqual({ tenant: 'globex' });
    const forged = await call('POST', '/v1/budgets', ACME, { id: 'a-forged', name: 'x', metric: 'requests', limit: 10, period: 'daily', scope: { tenant: 'globex' } });
    expect(forged.statusCode).toBe(403);
    expect((await call('POST', '/v1/budgets', ACME, { id: 'a-each', name: 'x', metric: 'requests', limit: 10, period: 'daily', scope: { tenant: '*' } })).statusCode).toBe(403);
    expect((await call('POST', '/v1/budgets', ACME, { id: 'a', name: 'a', metric: 'cost', limit: '10', period: 'daily', scope: { user: '*' } })).statusCode).toBe(201);
    expect((await call('POST', '/v1/budgets', PLATFORM, { id: 'shared', name: 'platform cap', metric: 'cost', limit: '1000', period: 'daily' })).statusCode).toBe(201);

    expect((await call('GET', '/v1/budgets/g', ACME)).statusCode).toBe(404);
    expect((await call('GET', '/v1/budgets/g/status', ACME)).statusCode).toBe(404);
    expect((await call('GET', '/v1/budgets/shared', ACME)).statusCode).toBe(404);
    expect((await call('DELETE', '/v1/budgets/g', ACME)).statusCode).toBe(404);
    expect((await call('GET', '/v1/budgets', ACME)).json().budgets.map((b: { id: string }) => b.id)).toEqual(['a']);
    // Budget ids are per tenant (issue 10, item 9): acme's PUT of globex's id makes acme's own budget, as for an unused id; globex's is untouched.
    expect((await call('PUT', '/v1/budgets/g', ACME, { name: 'mine now', metric: 'requests', limit: 1, period: 'daily' })).json()).toMatchObject({ id: 'g', name: 'mine now', scope: { tenant: 'acme' } });
    expect((await call('GET', '/v1/budgets/g', GLOBEX)).json()).toMatchObject({ id: 'g', name: 'g', limit: '10' });
    expect((await call('DELETE', '/v1/budgets/g', ACME)).statusCode).toBe(204);
    expect((await call('GET', '/v1/budgets/g', GLOBEX)).statusCode).toBe(200);
    expect((await call('GET', '/v1/budgets?tenant=globex', ACME)).statusCode).toBe(403);
    expect((await call('GET', '/v1/budgets:status?tenant=globex', ACME)).statusCode).toBe(403);
    expect((await call('POST', '/v1/quota/check', ACME, { subject: { tenant: 'globex' } })).statusCode).toBe(403);
    expect((await call('POST', '/v1/quota/reserve', ACME, { subject: { tenant: 'globex' }, estimate: { cost: '1' } })).statusCode).toBe(403);

    await spend('acme', 'bob', '2', 1);
    await spend('globex', 'eve', '7', 2);
    const check = await call('POST', '/v1/quota/check', ACME, { subject: { user_id: 'bob' } });
    expect(check.statusCode).toBe(200);
    const byId = Object.fromEntries(check.json().budgets.map((s: { budget_id: string }) => [s.budget_id, s]));
    expect(byId.a).toMatchObject({ used: '2', shared: false, subject: { user_id: 'bob' } });
    expect(byId.shared).toMatchObject({ used: null, remaining: null, percentage: null, shared: true, limit: '1000' });
    expect(byId.g).toBeUndefined();
    const platform = await call('POST', '/v1/quota/check', PLATFORM, { subject: { tenant: 'acme', user_id: 'bob' } });
    expect(platform.json().budgets.find((s: { budget_id: string }) => s.budget_id === 'shared')).toMatchObject({ used: '9', shared: true });

    const r = await call('POST', '/v1/quota/reserve', GLOBEX, { estimate: { requests: 1 } });
    expect(r.json().granted).toBe(true);
    const settle = await call('POST', '/v1/quota/settle', ACME, { reservation_id: r.json().reservation_id });
    expect(settle.statusCode).toBe(404);
    expect(settle.json().error.code).toBe('RESERVATION_NOT_FOUND');
    expect((await call('POST', '/v1/quota/settle', GLOBEX, { reservation_id: r.json().reservation_id })).json()).toMatchObject({ status: 'released' });
  });

  it('tiers and assignments are changed by all-tenant keys only', async () => {
    const tier = { budgets: [{ key: 'daily', metric: 'cost', limit: '1', period: 'daily' }], default: true };
    expect((await call('PUT', '/v1/tiers/free', ACME, tier)).statusCode).toBe(403);
    const put = await call('PUT', '/v1/tiers/free', PLATFORM, tier);
    expect(put.statusCode).toBe(200);
    expect(put.json().budgets[0]).toMatchObject({ id: 'tier:free:daily', scope: { tenant: '*', user_id: '*' } });
    expect((await call('PUT', '/v1/tiers/premium', PLATFORM, { budgets: [{ key: 'daily', metric: 'cost', limit: '50', period: 'daily' }] })).statusCode).toBe(200);
    expect((await call('PUT', '/v1/users/bob/tier', ACME, { tier: 'premium' })).statusCode).toBe(403);
    expect((await call('PUT', '/v1/users/bob/tier', PLATFORM, { tier: 'premium' })).json().error.details.errors).toEqual([{ path: 'tenant', reason: expect.any(String) }]);
    expect((await call('PUT', '/v1/users/bob/tier', PLATFORM, { tier: 'gold', tenant: 'acme' })).statusCode).toBe(400);
    expect((await call('PUT', '/v1/users/bob/tier', PLATFORM, { tier: 'premium', tenant: 'acme' })).json()).toEqual({ tenant: 'acme', user_id: 'bob', tier: 'premium', assigned: true });
    expect((await call('GET', '/v1/users/bob/tier', ACME_READ)).json()).toEqual({ tenant: 'acme', user_id: 'bob', tier: 'premium', assigned: true });
    expect((await call('GET', '/v1/users/amy/tier', ACME_READ)).json()).toEqual({ tenant: 'acme', user_id: 'amy', tier: 'free', assigned: false });
    await spend('acme', 'bob', '3', 1);
    const status = await call('GET', '/v1/budgets/tier:premium:daily/status?user_id=bob', ACME_READ);
    expect(status.json()).toMatchObject({ used: '3', limit: '50' });
    const all = await call('GET', '/v1/budgets:status?user_id=bob', ACME_READ);
    expect(all.json().statuses.map((s: { budget_id: string }) => s.budget_id)).toEqual(['tier:premium:daily']);
    expect((await call('DELETE', '/v1/users/bob/tier?tenant=acme', PLATFORM)).statusCode).toBe(204);
    expect((await call('GET', '/v1/budgets:status?user_id=bob', ACME_READ)).json().statuses.map((s: { budget_id: string }) => s.budget_id)).toEqual(['tier:free:daily']);
    expect((await call('GET', '/v1/tiers', ACME_READ)).json().tiers.map((t: { name: string }) => t.name)).toEqual(['free', 'premium']);
  });
});

describe('statuses and quota', () => {
  beforeEach(async () => {
    await call('POST', '/v1/budgets', PLATFORM, { id: 'per-user', name: 'per user', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: '*', user: '*' } });
    await call('POST', '/v1/budgets', PLATFORM, { id: 'acme-month', name: 'acme', metric: 'cost', limit: '8', period: 'monthly', scope: { tenant: 'acme' } });
    await call('POST', '/v1/budgets', PLATFORM, { id: 'soft', name: 'soft', metric: 'requests', limit: 1, period: 'daily', enforcement: 'soft', scope: { tenant: 'acme' } });
  });

  it('reports statuses; a per-user budget needs the user', async () => {
    await spend('acme', 'bob', '7', 1);
    const need = await call('GET', '/v1/budgets/per-user/status?tenant=acme', PLATFORM);
    expect(need.statusCode).toBe(400);
    expect(need.json().error.details.errors).toEqual([{ path: 'subject.user_id', reason: expect.stringMatching(/per user/) }]);
    const s = await call('GET', '/v1/budgets/per-user/status?user_id=bob', ACME_READ);
    expect(s.json()).toMatchObject({ budget_id: 'per-user', used: '7', limit: '10', remaining: '3', percentage: 70, exceeded: false, approaching: false, period_start: '2026-03-10T00:00:00.000Z', resets_at: '2026-03-11T00:00:00.000Z' });
    expect(s.json()).not.toHaveProperty('blocking'); // a status, not a check
    expect((await call('GET', '/v1/budgets/per-user/status?user_id=bob&colour=red', ACME_READ)).json().error.details.errors).toEqual([{ path: 'colour', reason: expect.stringMatching(/unknown/) }]);
    const all = await call('GET', '/v1/budgets:status', PLATFORM);
    expect(all.json().statuses.map((x: { budget_id: string }) => x.budget_id).sort()).toEqual(['acme-month', 'soft']);
  });

  it('answers 429 with Retry-After (the latest blocking reset), every status, exceeded and each blocking budget', async () => {
    await spend('acme', 'bob', '7.5', 1);
    const ok = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'bob' }, estimate: { cost: '0.25' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ allowed: true, exceeded: ['soft'], blocking: [], retry_after_seconds: null });
    const refused = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'bob' }, estimate: { cost: '2.6' } });
    expect(refused.statusCode).toBe(429);
    const monthEnd = (Date.parse('2026-04-01T00:00:00Z') - now) / 1000;
    expect(refused.headers['retry-after']).toBe(String(monthEnd));
    expect(refused.json()).toMatchObject({
      error: { code: 'QUOTA_EXCEEDED', details: { retry_after_seconds: monthEnd, blocking: ['acme-month', 'per-user'] } },
      allowed: false,
      exceeded: ['acme-month', 'per-user', 'soft'],
      blocking: [
        { budget_id: 'acme-month', resets_at: '2026-04-01T00:00:00.000Z', retry_after_seconds: monthEnd },
        { budget_id: 'per-user', resets_at: '2026-03-11T00:00:00.000Z', retry_after_seconds: 12 * 3600 },
      ],
      retry_after_seconds: monthEnd,
    });
    expect(refused.json().budgets).toHaveLength(3);
    const bad = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'bob', user: 'amy', colour: 'red' }, estimate: { cost: 2, max_tokens: 5, sizes: 1 } });
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['estimate.cost', 'estimate.sizes']);
    const bad2 = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'bob', user: 'amy', colour: 'red' } });
    expect(bad2.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['subject.colour', 'subject.user']);
    expect((await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'bob' }, estimate: { model: 'gpt-4o', max_tokens: 1000 } })).json().budgets[0].used).toBe('7.5');
  });

  it('reserves and settles; a refusal is 429 and holds nothing; an expired or unknown reservation is 404', async () => {
    const a = await call('POST', '/v1/quota/reserve', ACME_READ, { subject: { user_id: 'bob' }, estimate: { cost: '6' }, ttl_seconds: 30 });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ granted: true, reservation_id: expect.stringMatching(/^r1\./), expires_at: new Date(now + 30_000).toISOString() });
    expect((await call('GET', '/v1/budgets/acme-month/status', ACME_READ)).json()).toMatchObject({ used: '0', reserved: '6', remaining: '2' });
    const b = await call('POST', '/v1/quota/reserve', ACME_READ, { subject: { user_id: 'amy' }, estimate: { cost: '3' } });
    expect(b.statusCode).toBe(429);
    expect(b.json()).toMatchObject({ granted: false, reservation_id: null, blocking: [{ budget_id: 'acme-month' }] });
    expect(Number(b.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('GET', '/v1/budgets/acme-month/status', ACME_READ)).json().reserved).toBe('6');
    const settled = await call('POST', '/v1/quota/settle', ACME_READ, { reservation_id: a.json().reservation_id });
    expect(settled.json()).toEqual({ reservation_id: a.json().reservation_id, status: 'released' });
    expect((await call('POST', '/v1/quota/settle', ACME_READ, { reservation_id: a.json().reservation_id })).json().status).toBe('already');
    const c = await call('POST', '/v1/quota/reserve', ACME_READ, { subject: { user_id: 'bob' }, estimate: { cost: '1' }, ttl_seconds: 1 });
    now += 2000;
    const expired = await call('POST', '/v1/quota/settle', ACME_READ, { reservation_id: c.json().reservation_id });
    expect(expired.statusCode).toBe(404);
    expect(expired.json().error).toMatchObject({ code: 'RESERVATION_NOT_FOUND', details: { state: 'expired' } });
    expect((await call('POST', '/v1/quota/settle', ACME_READ, { reservation_id: 'nope' })).statusCode).toBe(404);
    expect((await call('POST', '/v1/quota/settle', ACME_READ, {})).json().error.details.errors).toEqual([{ path: 'reservation_id', reason: expect.any(String) }]);
    expect((await call('POST', '/v1/quota/reserve', ACME_READ, { subject: {}, ttl_seconds: -1 })).statusCode).toBe(400);
  });
});

describe('one vocabulary: scopes and subjects in the event names', () => {
  const perUser = { name: 'per user', metric: 'cost', limit: '10', period: 'daily' } as const;
  const warningOf = (r: LightMyRequestResponse): string[] => [r.headers.warning ?? []].flat().map(String);

  it('a budget scoped {tenant, user_id} counts a user\'s events and reports its status, without warnings', async () => {
    const created = await call('POST', '/v1/budgets', PLATFORM, { id: 'pu', ...perUser, scope: { tenant: 'acme', user_id: '*' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(created.headers.warning).toBeUndefined();
    await spend('acme', 'bob', '2.5', 1);
    await spend('acme', 'amy', '1', 2);
    const status = await call('GET', '/v1/budgets/pu/status?user_id=bob', ACME_READ);
    expect(status.json()).toMatchObject({ budget_id: 'pu', used: '2.5', remaining: '7.5', subject: { user_id: 'bob' } });
    expect(status.headers.warning).toBeUndefined();
    const check = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user_id: 'amy' }, estimate: { cost: '1' } });
    expect(check.json()).toMatchObject({ allowed: true, budgets: [{ budget_id: 'pu', used: '1', subject: { user_id: 'amy' } }] });
    expect(check.json()).not.toHaveProperty('warnings');
    expect((await call('GET', '/v1/budgets/pu', ACME_READ)).json().scope).toEqual({ tenant: 'acme', user_id: '*' });
  });

  it('the legacy user and api_key still work, each use answered with a Warning: 299 header', async () => {
    const created = await call('POST', '/v1/budgets', ACME, { id: 'old', ...perUser, scope: { user: '*', api_key: 'k1' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().scope).toEqual({ tenant: 'acme', user_id: '*', api_key_id: 'k1' });
    expect(warningOf(created)).toEqual([
      '299 - "scope.user: user is deprecated, write user_id (user is read until tally 0.3)"',
      '299 - "scope.api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)"',
    ]);
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: 'k', tenant: 'acme', user: 'bob', apiKey: 'k1', cost: '4', at: now - 1000, offset: 1 })] });

    const status = await call('GET', '/v1/budgets/old/status?user=bob', ACME_READ);
    expect(status.json()).toMatchObject({ used: '4', subject: { user_id: 'bob' } });
    expect(warningOf(status)).toEqual(['299 - "user: user is deprecated, write user_id (user is read until tally 0.3)"']);
    const all = await call('GET', '/v1/budgets:status?user=bob&api_key=k1', ACME_READ);
    expect(all.json().statuses.map((x: { budget_id: string }) => x.budget_id)).toEqual(['old']);
    expect(all.json().warnings).toEqual(['user: user is deprecated, write user_id (user is read until tally 0.3)', 'api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)']);
    expect(warningOf(all)).toHaveLength(2);

    const check = await call('POST', '/v1/quota/check', ACME_READ, { subject: { user: 'bob', api_key: 'k1' }, estimate: { cost: '7' } });
    expect(check.statusCode).toBe(429);
    expect(check.json()).toMatchObject({ allowed: false, budgets: [{ budget_id: 'old', used: '4', subject: { user_id: 'bob' } }], warnings: [expect.stringMatching(/^subject\.user: /), expect.stringMatching(/^subject\.api_key: /)] });
    expect(warningOf(check)).toEqual([expect.stringMatching(/^299 - "subject\.user: /), expect.stringMatching(/^299 - "subject\.api_key: /)]);
    const reserve = await call('POST', '/v1/quota/reserve', ACME_READ, { subject: { user: 'bob', api_key: 'k1' }, estimate: { cost: '1' } });
    expect(reserve.json()).toMatchObject({ granted: true, warnings: [expect.stringMatching(/^subject\.user: /), expect.stringMatching(/^subject\.api_key: /)] });

    const put = await call('PUT', '/v1/budgets/old', ACME, { ...perUser, scope: { user: '*' } });
    expect(put.json().scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(warningOf(put)).toEqual([expect.stringMatching(/^299 - "scope\.user: /)]);
    const tier = await call('PUT', '/v1/tiers/free', PLATFORM, { budgets: [{ key: 'daily', metric: 'cost', limit: '1', period: 'daily', scope: { api_key: '*' } }] });
    expect(tier.json().budgets[0].scope).toEqual({ tenant: '*', user_id: '*', api_key_id: '*' });
    expect(warningOf(tier)).toEqual([expect.stringMatching(/^299 - "budgets\[0\]\.scope\.api_key: /)]);
  });

  it('the CLI over HTTP (--url) sends user_id and prints the API\'s warnings', async () => {
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const warnings: string[] = [];
    const backend = await openBackend({ url, apiKey: PLATFORM }, { rebuild: false, warn: (t) => warnings.push(t) });
    expect((await backend.create({ id: 'new', ...perUser, scope: { tenant: 'acme', user_id: '*' } }, true)).budget.scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(warnings).toEqual([]);
    expect((await backend.create({ id: 'old', ...perUser, scope: { tenant: 'acme', user: '*' } }, true)).budget.scope).toEqual({ tenant: 'acme', user_id: '*' });
    expect(warnings).toEqual(['scope.user: user is deprecated, write user_id (user is read until tally 0.3)']);
    await spend('acme', 'bob', '6', 1);
    const bob = dimensionsOf({ tenant: 'acme', user: 'bob' });
    expect(await backend.status('new', bob)).toMatchObject({ used: '6', subject: { user_id: 'bob' } });
    expect((await backend.statuses(bob)).map((x) => [x.budget_id, x.subject])).toEqual([['new', { user_id: 'bob' }], ['old', { user_id: 'bob' }]]);
    expect((await backend.check(bob, { cost: '5' })).exceeded).toEqual(['new', 'old']);
    expect(warnings).toHaveLength(1);
    await backend.close();
    expect(warningTexts('299 - "a: x", 299 - "say \\"hi\\" \\\\ ok"')).toEqual(['a: x', 'say "hi" \\ ok']);
    expect(warningTexts(null)).toEqual([]);
  });

  it('both names of one dimension are a field error', async () => {
    const both = await call('POST', '/v1/budgets', PLATFORM, { ...perUser, scope: { tenant: 'acme', user: '*', user_id: '*' } });
    expect(both.statusCode).toBe(400);
    expect(both.json().error).toMatchObject({ code: 'BUDGET_INVALID', details: { errors: [{ path: 'scope.user', reason: 'give user_id only (user is its deprecated name)' }] } });
  });

  it('the OpenAPI document lists the event names and marks the legacy ones deprecated', async () => {
    type Schema = { properties: Record<string, { deprecated?: boolean }>; description?: string };
    type Op = { parameters?: { name: string; deprecated?: boolean }[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, Schema> } }> }; responses: Record<string, { content?: Record<string, { schema: { properties: Record<string, Schema> } }> }> };
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, Op>> };
    const create = doc.paths['/v1/budgets']?.post as Op;
    const inputScope = create.requestBody?.content['application/json']?.schema.properties.scope as Schema;
    expect(Object.keys(inputScope.properties)).toEqual(['tenant', 'user_id', 'group', 'model', 'provider', 'agent', 'feature', 'api_key_id', 'user', 'api_key']);
    expect(Object.entries(inputScope.properties).filter(([, p]) => p.deprecated).map(([n]) => n)).toEqual(['user', 'api_key']);
    const outputScope = create.responses['201']?.content?.['application/json']?.schema.properties.scope as Schema;
    expect(Object.keys(outputScope.properties)).toEqual(['tenant', 'user_id', 'group', 'model', 'provider', 'agent', 'feature', 'api_key_id']);
    const tierScope = (doc.paths['/v1/tiers/{name}']?.put?.requestBody?.content['application/json']?.schema.properties.budgets as unknown as { items: { properties: { scope: Schema } } }).items.properties.scope;
    expect(Object.entries(tierScope.properties).filter(([, p]) => p.deprecated).map(([n]) => n)).toEqual(['user', 'api_key']);
    const subject = doc.paths['/v1/quota/check']?.post?.requestBody?.content['application/json']?.schema.properties.subject as Schema;
    expect(Object.entries(subject.properties).filter(([, p]) => p.deprecated).map(([n]) => n)).toEqual(['user', 'api_key']);
    expect(subject.properties.user_id?.deprecated).toBeUndefined();
    const query = doc.paths['/v1/budgets:status']?.get?.parameters ?? [];
    expect(query.filter((q) => q.deprecated).map((q) => q.name)).toEqual(['user', 'api_key']);
    expect(query.filter((q) => !q.deprecated).map((q) => q.name)).toEqual(['tenant', 'user_id', 'group', 'model', 'provider', 'agent', 'feature', 'api_key_id']);
  });
});

describe('OpenAPI document', () => {
  it('documents every budgets and quota route that is registered', async () => {
    const doc = (await app.inject('/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)));
    const registered = app.tallyRoutes.map((r) => r.replace(/\/:([a-z_]+)/g, '/{$1}').replace('::', ':')).filter((r) => /\/v1\/(budgets|tiers|users|quota)/.test(r));
    expect(registered.length).toBe(17); // 16, and GET /v1/budgets/{id}/alerts (issue 17)
    for (const r of registered) expect(documented.has(r), r).toBe(true);
    const check = doc.paths['/v1/quota/check']?.post as { responses: Record<string, { headers?: Record<string, unknown> }>; description: string };
    expect(check.responses['429']?.headers?.['retry-after']).toBeDefined();
    expect(check.description).toMatch(/LATEST reset/);
  });
});
