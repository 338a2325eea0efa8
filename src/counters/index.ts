/** The counter-store port and its two adapters: Redis (standalone or Cluster) and memory. */

export { CounterKeys, escapeKeyPart } from './keys.js';
export { MemoryCounterStore } from './memory/store.js';
export { RedisCounterStore, createRedisCounterStore, type RedisCounterStoreOptions } from './redis/store.js';
export { STATUS, statusError, isStaleBudgets } from './codes.js';
export type * from './types.js';
