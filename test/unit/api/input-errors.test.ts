/**
 * Issue 10, item 7, outside ingest: every mistake is a 4xx naming the field
 * as the caller wrote it — reservation TTLs, repeated keys and wrong media
 * types in budget bodies, and analytics times far from today (read as the
 * year written, never as 19xx) or with impossible offsets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { createAnalyticsService } from '../../../src/analytics/service.js';
import { BudgetEngine, WatchedBudgetSource, createMemoryBudgetRepository } from '../../../src/budgets/index.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { formatDateTime64, utcMs } from '../../../src/core/time.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import type { SummarySpec } from '../../../src/store/usage/index.js';

let app: FastifyInstance;
let source: WatchedBudgetSource;
const specs: SummarySpec[] = [];

/** A store whose summary records what it was asked and answers no rows. */
const store = { usage: { summary: async (spec: SummarySpec) => { specs.push(spec); return { rows: [], plan: { segments: [], rawReason: null } }; } } } as unknown as AnalyticsStore;

beforeEach(async () => {
  specs.length = 0;
  const now = Date.parse('2026-03-10T12:00:00Z');
  const repository = createMemoryBudgetRepository();
  source = new WatchedBudgetSource(repository, { pollMs: 60_000 });
  await source.start();
  const engine = new BudgetEngine({ counters: new MemoryCounterStore({ clock: () => now }), budgets: source, clock: () => now, estimateCost: () => 1n });
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 1024 * 1024,
    services: {
      analytics: createAnalyticsService(store, { now: () => now }),
      budgets: { repository, engine, changed: async () => { await source.refresh(); return null; }, alerts: async () => [] },
      quota: engine,
    },
  });
});
afterEach(async () => {
  await app.close();
  await source.stop();
});

const post = (url: string, payload: string, type = 'application/json'): Promise<LightMyRequestResponse> => app.inject({ method: 'POST', url, headers: { 'content-type': type }, payload });
const budget = { id: 'b1', name: 'b', metric: 'requests', limit: 10, period: 'daily' };

describe('quota reserve', () => {
  it('refuses a TTL too short to hold anything on ttl_seconds, the field the caller sent', async () => {
    const res = await post('/v1/quota/reserve', JSON.stringify({ subject: { tenant: 'acme' }, estimate: { requests: 1 }, ttl_seconds: 1e-9 }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.errors).toEqual([{ path: 'ttl_seconds', reason: expect.stringContaining('0.001') }]);
    expect((await post('/v1/quota/reserve', JSON.stringify({ subject: { tenant: 'acme' }, estimate: { requests: 1 }, ttl_seconds: 0.001 }))).statusCode).toBe(200);
  });
});

describe('budget bodies', () => {
  it('refuses a repeated key with its path, and a body that is not JSON with 415', async () => {
    const repeated = await post('/v1/budgets', '{"id":"b1","name":"b","metric":"requests","limit":10,"limit":1000000,"period":"daily"}');
    expect(repeated.statusCode).toBe(400);
    expect(repeated.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: { errors: [{ path: 'limit', reason: expect.stringMatching(/repeated/) }] } });
    const plain = await post('/v1/budgets', JSON.stringify(budget), 'text/plain');
    expect(plain.statusCode).toBe(415);
    expect(plain.json().error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', details: { content_type: 'text/plain', accepted: ['application/json'] } });
    expect((await app.inject({ method: 'GET', url: '/v1/budgets' })).json().budgets).toEqual([]);
  });

  it('keeps a "__proto__" key an ordinary key: refused as unknown, nothing polluted', async () => {
    const res = await post('/v1/budgets', '{"id":"b2","name":"b","metric":"requests","limit":10,"period":"daily","__proto__":{"polluted":true}}');
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('analytics times', () => {
  const summary = (query: string): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url: `/v1/usage/summary?${query}` });

  it('reads a date in years 1–99 as that year, not 19xx, and binds it as such', async () => {
    for (const [from, year] of [['0099-12-01', 99], ['0001-01-01', 1], ['0099-12-01T00:00:00Z', 99]] as const) {
      const res = await summary(`from=${from}&to=2026-01-01`);
      expect(res.statusCode, from).toBe(200);
      const spec = specs.at(-1);
      expect(spec?.from, from).toBe(utcMs(year, from.startsWith('0099') ? 12 : 1, 1));
      expect(formatDateTime64(spec?.from ?? 0).slice(0, 10), from).toBe(from.slice(0, 10));
    }
  });

  it('refuses impossible offsets and dates with the field that has them', async () => {
    for (const bad of ['2026-01-01T00:00:00+99:00', '2026-01-01T00:00:00+24:00', '2026-02-30', '0000-01-01']) {
      const res = await summary(`from=${encodeURIComponent(bad)}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.details.errors, bad).toEqual([expect.objectContaining({ path: 'from' })]);
    }
  });
});
