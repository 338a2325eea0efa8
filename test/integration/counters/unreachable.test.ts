/**
 * Issue 14, item 4: a standalone Redis connection that drops makes every
 * counter call fail at once with COUNTERS_UNAVAILABLE, `details.reason:
 * "unreachable"` (not after ioredis' reconnection attempts), the store says
 * it is unreachable, and calls succeed again soon after the connection is
 * back. The shared Redis behind a TCP proxy this test cuts (the shared Redis
 * itself is never touched).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isTallyError } from '../../../src/core/errors.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';

describeWith(['redis'], 'counter store: Redis unreachable [redis]', () => {
  let proxy: TcpProxy;
  let store: RedisCounterStore;
  const read = (): Promise<unknown> => store.read({ now: Date.now(), groups: [{ slot: 'acme', keys: [store.keys.counter({ slot: 'acme', period: 'p', bucket: 'b', dims: [] })] }] });

  beforeAll(async () => {
    const target = new URL(serviceUrl('redis') ?? '');
    proxy = await startTcpProxy(target.hostname, Number(target.port));
    store = await createRedisCounterStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix: uniqueName('unreach') });
  });
  afterAll(async () => {
    await store?.close();
    await proxy?.close();
  });

  it('fails calls at once while the connection is down, says so, and answers again once it is back', { timeout: 30_000 }, async () => {
    const changes: boolean[] = [];
    store.watchReachability((up) => changes.push(up));
    await read();
    expect(store.isReachable()).toBe(true);
    proxy.down();
    const deadline = Date.now() + 5_000;
    while (store.isReachable() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(store.isReachable()).toBe(false);
    expect(store.reachability()).toMatchObject({ reachable: false, since: expect.any(String) });
    const started = process.hrtime.bigint();
    const failed = await read().then(() => null, (err: unknown) => err);
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    expect(isTallyError(failed) && failed.code === 'COUNTERS_UNAVAILABLE' && failed.details.reason === 'unreachable').toBe(true);
    expect(micros, 'no wait for reconnection attempts').toBeLessThan(50_000);
    console.log(`[unreachable] a call while the connection is down failed in ${Math.round(micros)} µs`);
    proxy.up();
    const back = Date.now();
    for (;;) {
      const ok = await read().then(() => true, () => false);
      if (ok) break;
      if (Date.now() - back > 10_000) throw new Error('Redis never answered again');
      await new Promise((r) => setTimeout(r, 20));
    }
    console.log(`[unreachable] answering again ${Date.now() - back} ms after the connection was restored`);
    expect(store.isReachable()).toBe(true);
    expect(changes).toEqual([false, true]);
  });
});
