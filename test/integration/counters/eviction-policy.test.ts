/**
 * Issue 10, item 13: a Redis that may evict keys would lose counters (period
 * totals, reservations, alert marks, offset fences) without a trace. The
 * Redis counter store reads `maxmemory-policy` when it connects — on every
 * master of a Cluster — and refuses anything but `noeviction`, or, when told
 * to (`redis.unsafeEvictionPolicy: warn`), logs an error and runs. Redis
 * servers of the test's own (the shared ones must not be reconfigured).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createRedisCounterStore } from '../../../src/counters/redis/store.js';
import { createLogger, silentLogger } from '../../../src/core/logger.js';
import { loadConfig } from '../../../src/config/load.js';
import { createCounterStore } from '../../../src/runtime/adapters.js';
import { TallyError } from '../../../src/core/errors.js';
import { redisServerAvailable, startOwnCluster, startOwnRedis, type OwnRedis } from '../../support/redis-server.js';
import { servicesRequired } from '../../support/services.js';

if (!redisServerAvailable() && servicesRequired()) throw new Error('eviction policy tests need redis-server on PATH (TALLY_REQUIRE_SERVICES=1)');
const describeRedis = redisServerAvailable() ? describe : describe.skip;

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => { level: number; msg: string }[] } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _enc, done) { text += chunk.toString(); done(); } });
  return { logger: createLogger({ level: 'info', destination: stream }), lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

describeRedis('Redis eviction policy, checked at connect', () => {
  let plain: OwnRedis;
  let cluster: OwnRedis[] = [];

  beforeAll(async () => {
    plain = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru', '--maxmemory', '64mb']);
    cluster = await startOwnCluster();
  }, 60_000);
  afterAll(async () => {
    await plain?.stop();
    for (const n of cluster) await n.stop();
  });

  it('refuses a Redis whose maxmemory-policy is not noeviction, saying how to fix it', async () => {
    const err = await createRedisCounterStore({ url: `redis://127.0.0.1:${plain.port}` }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(TallyError);
    expect(err).toMatchObject({ code: 'COUNTERS_EVICTION_POLICY', details: { nodes: [{ node: `127.0.0.1:${plain.port}`, policy: 'allkeys-lru' }] } });
    expect((err as TallyError).message).toMatch(/maxmemory-policy noeviction/);
    expect((err as TallyError).message).toMatch(/unsafeEvictionPolicy/);
  });

  it('is what a process gets from its config: refuse by default, warn when configured', async () => {
    const config = loadConfig({ env: { REDIS_URL: `redis://127.0.0.1:${plain.port}` } });
    expect(config.redis.unsafeEvictionPolicy).toBe('refuse');
    await expect(createCounterStore(config.redis)).rejects.toMatchObject({ code: 'COUNTERS_EVICTION_POLICY' });
    const warned = loadConfig({ env: { REDIS_URL: `redis://127.0.0.1:${plain.port}`, TALLY_REDIS_UNSAFE_EVICTION: 'warn' } });
    const store = await createCounterStore({ ...warned.redis, logger: silentLogger() });
    await store.close();
  });

  it('runs with a loud error log when told to warn, and quietly with noeviction', async () => {
    const { logger, lines } = capturedLogger();
    const store = await createRedisCounterStore({ url: `redis://127.0.0.1:${plain.port}`, unsafeEvictionPolicy: 'warn', logger });
    await store.close();
    expect(lines()).toEqual([expect.objectContaining({ level: 50, msg: expect.stringContaining('allkeys-lru') })]);
    await plain.client.config('SET', 'maxmemory-policy', 'noeviction');
    const ok = await createRedisCounterStore({ url: `redis://127.0.0.1:${plain.port}`, logger });
    await ok.close();
    expect(lines()).toHaveLength(1);
  });

  it('checks every master of a Cluster: one evicting master is enough to refuse', async () => {
    const [a, b] = cluster as [OwnRedis, OwnRedis];
    const seeds = [{ host: '127.0.0.1', port: a.port }];
    const ok = await createRedisCounterStore({ clusterNodes: seeds });
    await ok.close();
    await b.client.config('SET', 'maxmemory-policy', 'volatile-lru');
    const err = await createRedisCounterStore({ clusterNodes: seeds }).then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'COUNTERS_EVICTION_POLICY', details: { nodes: [{ node: `127.0.0.1:${b.port}`, policy: 'volatile-lru' }] } });
  });
});
