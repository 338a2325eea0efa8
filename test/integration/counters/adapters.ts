/**
 * Runs one suite against every counter-store adapter: memory, Redis and Redis
 * Cluster (the latter two only when their services are up — see
 * test/support/services.ts). Each Redis suite gets its own key prefix and
 * deletes its keys afterwards.
 */
import { afterAll, describe } from 'vitest';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import type { CounterStore } from '../../../src/counters/types.js';
import { describeWith, redisClusterNodes, serviceUrl, uniqueName } from '../../support/services.js';

export type AdapterName = 'memory' | 'redis' | 'redisCluster';

export interface AdapterContext {
  readonly name: AdapterName;
  /** A fresh store with its own prefix; closed and cleaned after the suite. */
  make(options?: { prefix?: string; clock?: () => number }): Promise<CounterStore>;
}

export function forEachAdapter(title: string, body: (ctx: AdapterContext) => void): void {
  const opened: CounterStore[] = [];
  const cleanup = (): void => {
    afterAll(async () => {
      for (const s of opened.splice(0)) {
        await s.clear();
        await s.close();
      }
    });
  };
  describe(`${title} [memory]`, () => {
    cleanup();
    body({
      name: 'memory',
      make: async (o) => {
        const s = new MemoryCounterStore({ prefix: o?.prefix ?? `${uniqueName('tm')}:`, clock: o?.clock });
        opened.push(s);
        return s;
      },
    });
  });
  describeWith(['redis'], `${title} [redis]`, () => {
    cleanup();
    body({
      name: 'redis',
      make: async (o) => {
        const s = await createRedisCounterStore({ url: serviceUrl('redis') ?? '', prefix: o?.prefix ?? `${uniqueName('tr')}:` });
        opened.push(s);
        return s;
      },
    });
  });
  describeWith(['redisCluster'], `${title} [redisCluster]`, () => {
    cleanup();
    body({
      name: 'redisCluster',
      make: async (o) => {
        const s = await createRedisCounterStore({ clusterNodes: redisClusterNodes(), prefix: o?.prefix ?? `${uniqueName('tc')}:` });
        opened.push(s);
        return s;
      },
    });
  });
}

export function isRedis(store: CounterStore): store is RedisCounterStore {
  return store.kind === 'redis';
}
