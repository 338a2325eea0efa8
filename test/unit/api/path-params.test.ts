/**
 * Issue 10, item 6: every id the API accepts can be used in a path. A budget
 * id of 128 characters (the most a budget id may have) is created, read,
 * replaced, asked for its status and deleted; a tier budget's id of 128
 * characters and user ids of 256 characters work as path parameters; a path
 * segment longer than any id, or a malformed one, is answered in the standard
 * error shape.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { MAX_PATH_PARAM_LENGTH } from '../../../src/api/app.js';
import { BudgetEngine, WatchedBudgetSource, createMemoryBudgetRepository } from '../../../src/budgets/index.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';

let app: FastifyInstance;
let source: WatchedBudgetSource;

beforeEach(async () => {
  const now = Date.parse('2026-03-10T12:00:00Z');
  const repository = createMemoryBudgetRepository();
  source = new WatchedBudgetSource(repository, { pollMs: 60_000 });
  await source.start();
  const engine = new BudgetEngine({ counters: new MemoryCounterStore({ clock: () => now }), budgets: source, clock: () => now, estimateCost: () => 1n });
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 1024 * 1024,
    services: { budgets: { repository, engine, changed: async () => { await source.refresh(); return null; }, alerts: async () => [] }, quota: engine },
  });
});
afterEach(async () => {
  await app.close();
  await source.stop();
});

const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) }) });

const budget = (extra: Record<string, unknown> = {}) => ({ name: 'long', metric: 'requests', limit: 10, period: 'daily', scope: { tenant: 'acme' }, ...extra });

describe('path parameters', () => {
  it('reads, replaces, reports and deletes a budget whose id has the longest length allowed (128)', async () => {
    const id = `b${'x'.repeat(127)}`;
    expect((await call('POST', '/v1/budgets', budget({ id }))).statusCode).toBe(201);
    expect((await call('GET', `/v1/budgets/${id}`)).json().id).toBe(id);
    expect((await call('PUT', `/v1/budgets/${id}`, budget({ limit: 20 }))).json().limit).toBe('20');
    expect((await call('GET', `/v1/budgets/${id}/status?tenant=acme`)).json().budget_id).toBe(id);
    expect((await call('DELETE', `/v1/budgets/${id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/budgets/${id}`)).json().error.code).toBe('BUDGET_NOT_FOUND');
  });

  it('takes a tier budget id of 128 characters and a 256-character user id', async () => {
    const tier = 't'.repeat(60);
    const key = 'k'.repeat(62);
    expect((await call('PUT', `/v1/tiers/${tier}`, { budgets: [{ key, metric: 'requests', limit: 5, period: 'daily' }] })).statusCode).toBe(200);
    const tierBudget = `tier:${tier}:${key}`;
    expect(tierBudget).toHaveLength(128);
    const user = 'u'.repeat(256);
    expect((await call('GET', `/v1/budgets/${tierBudget}/status?tenant=acme&user_id=${user}`)).statusCode).toBe(200);
    expect((await call('PUT', `/v1/users/${user}/tier`, { tier, tenant: 'acme' })).json()).toMatchObject({ user_id: user, tier });
  });

  it('answers a longer segment with 414 and a malformed one with 400, in the standard error shape', async () => {
    expect(MAX_PATH_PARAM_LENGTH).toBeGreaterThanOrEqual(256);
    const long = await call('GET', `/v1/budgets/${'x'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`);
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual({ error: { code: 'URI_TOO_LONG', message: expect.stringContaining(String(MAX_PATH_PARAM_LENGTH)), details: { max_length: MAX_PATH_PARAM_LENGTH } } });
    const bad = await call('GET', '/v1/budgets/%E0%A4%A');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({ error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: { errors: [{ path: '(url)', reason: expect.any(String) }] } } });
  });
});
