import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { TallyError } from '../../../src/core/errors.js';

async function app(health = new HealthState()) {
  return createApp({
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    health,
    keyring: new ApiKeyring([]),
    openAccess: false,
    bodyLimitBytes: 1024,
    services: {},
  });
}

describe('health routes', () => {
  it('is live, and ready only while no dependency fails', async () => {
    const health = new HealthState();
    const a = await app(health);
    expect((await a.inject('/healthz')).json()).toEqual({ ok: true });
    expect((await a.inject('/readyz')).statusCode).toBe(200);
    health.fail('store', new TallyError('STORE_UNAVAILABLE', 'connection refused'));
    const notReady = await a.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ ready: false, checks: { store: { ok: false, error: 'connection refused', failures: 1 } } });
    health.ok('store');
    expect((await a.inject('/readyz')).statusCode).toBe(200);
  });

  it('serves Prometheus metrics including readiness and request counts', async () => {
    const a = await app();
    await a.inject('/healthz');
    const res = await a.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.body).toContain('tally_ready 1');
    expect(res.body).toMatch(/tally_http_requests_total\{route="\/healthz",method="GET",status="200"\} 1/);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await (await app()).inject('/v1/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /v1/nope', details: {} } });
  });
});
