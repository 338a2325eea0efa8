/** The counter store: Redis (standalone or Cluster) or memory, chosen by config. */
import { MemoryCounterStore } from './memory/store.js';
import { createRedisCounterStore } from './redis/store.js';
import type { CounterStore } from './types.js';

export { CounterKeys, escapeKeyPart } from './keys.js';
export { MemoryCounterStore } from './memory/store.js';
export { RedisCounterStore, createRedisCounterStore, type RedisCounterStoreOptions } from './redis/store.js';
export { RedisChangeFeed } from '../budgets/redis-changes.js';
export { STATUS, statusError, isStaleBudgets } from './codes.js';
export type * from './types.js';

export interface CounterStoreConfig {
  /** Redis URL; with neither url nor clusterNodes the store is in memory. */
  readonly url?: string;
  /** `host:port` seed nodes of a Redis Cluster; win over url. */
  readonly clusterNodes?: readonly string[];
  /** Key prefix, e.g. `tally` (a `:` is added). */
  readonly keyPrefix?: string;
}

/** Connects the configured counter store (waits for Redis to answer). */
export async function createCounterStore(config: CounterStoreConfig): Promise<CounterStore> {
  const prefix = config.keyPrefix ?? 'tally';
  if (config.clusterNodes && config.clusterNodes.length > 0) {
    const nodes = config.clusterNodes.map((hp) => {
      const cut = hp.lastIndexOf(':');
      return { host: hp.slice(0, cut), port: Number(hp.slice(cut + 1)) };
    });
    return createRedisCounterStore({ clusterNodes: nodes, prefix });
  }
  if (config.url) return createRedisCounterStore({ url: config.url, prefix });
  return new MemoryCounterStore({ prefix });
}
