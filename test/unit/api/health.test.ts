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

describe('readiness probes (issue 10, item 11)', () => {
  it('asks every dependency on /readyz: a failing one makes the process not ready, with its name and error', async () => {
    const health = new HealthState({ cacheMs: 0 });
    let redisUp = true;
    health.addProbe({ name: 'store', check: async () => undefined });
    health.addProbe({ name: 'redis', check: async () => { if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379'); } });
    const a = await app(health);
    const ready = await a.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ ready: true, checks: { store: { ok: true }, redis: { ok: true } } });
    redisUp = false;
    const down = await a.inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ ready: false, checks: { store: { ok: true }, redis: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' } } });
    redisUp = true;
    expect((await a.inject('/readyz')).statusCode).toBe(200);
  });

  it('a probe that only degrades (Redis while every budget fails open) is reported failing but keeps the process ready', async () => {
    const health = new HealthState({ cacheMs: 0 });
    let redisUp = true;
    let allFailOpen = true;
    health.addProbe({ name: 'redis', check: async () => { if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379'); }, degradesOnly: () => allFailOpen });
    const a = await app(health);
    expect((await a.inject('/readyz')).json()).toMatchObject({ ready: true, checks: { redis: { ok: true } } });
    expect((await a.inject('/readyz')).json().checks.redis.degraded).toBeUndefined();
    redisUp = false;
    const degraded = await a.inject('/readyz');
    expect(degraded.statusCode).toBe(200);
    expect(degraded.json()).toMatchObject({ ready: true, checks: { redis: { ok: false, degraded: true, error: 'connect ECONNREFUSED 127.0.0.1:6379' } } });
    expect((await a.inject('/metrics')).body).toContain('tally_ready 1');
    // A budget that fails closed appears: the same failure now makes the process not ready.
    allFailOpen = false;
    const down = await a.inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ ready: false, checks: { redis: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:6379' } } });
    expect(down.json().checks.redis.degraded).toBeUndefined();
    redisUp = true;
    expect((await a.inject('/readyz')).statusCode).toBe(200);
  });

  it('bounds a probe by its timeout, and runs at most one check of a dependency at a time', async () => {
    const health = new HealthState({ timeoutMs: 50, cacheMs: 0 });
    let started = 0;
    let release: () => void = () => undefined;
    // The first check hangs until released; later ones answer at once.
    health.addProbe({ name: 'kafka', check: () => { started++; return started === 1 ? new Promise<void>((resolve) => { release = resolve; }) : Promise.resolve(); } });
    const a = await app(health);
    const [first, second] = await Promise.all([a.inject('/readyz'), a.inject('/readyz')]);
    expect(first.statusCode).toBe(503);
    expect(first.json().checks.kafka.error).toMatch(/did not answer within 50 ms/);
    expect(second.statusCode).toBe(503);
    expect((await a.inject('/readyz')).statusCode).toBe(503);
    expect(started).toBe(1);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect((await a.inject('/readyz')).statusCode).toBe(200);
    expect(started).toBe(2);
  });

  it('answers repeated /readyz from one check per dependency within the cache time', async () => {
    const health = new HealthState({ cacheMs: 60_000 });
    let calls = 0;
    health.addProbe({ name: 'store', check: async () => { calls++; } });
    const a = await app(health);
    for (let i = 0; i < 5; i++) expect((await a.inject('/readyz')).statusCode).toBe(200);
    expect(calls).toBe(1);
  });

  it('keeps a failure a component reported even when the probe of that name passes', async () => {
    const health = new HealthState({ cacheMs: 0 });
    health.addProbe({ name: 'store', check: async () => undefined });
    health.fail('store', new TallyError('STORE_UNAVAILABLE', 'insert failed: disk full'));
    const res = await (await app(health)).inject('/readyz');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.store).toMatchObject({ ok: false, error: 'insert failed: disk full' });
  });
});
