/**
 * What each process asks on /readyz (core/health.ts runs the probes, bounded
 * and cached): every dependency it needs, by name.
 *
 *   store   the analytics store answers a ping           (every process)
 *   redis   Redis answers a PING, every master of a Cluster (when Redis is configured)
 *   kafka   the raw topic's end offsets can be read — the brokers answer
 *           and every partition has a leader             (tally api, tally processor)
 *
 * `tally start` has only the store: its event log and counters are in the
 * process. The processor also reports its sinks and its consumer as it works
 * (processor/batch.ts, processor.ts).
 */
import type { HealthState, ReadinessProbe } from '../core/health.js';
import type { CounterStore, RedisCounterStore } from '../counters/index.js';
import type { EventLog } from '../eventlog/types.js';
import type { AnalyticsStore } from '../store/types.js';

export function storeProbe(store: Pick<AnalyticsStore, 'ping'>): ReadinessProbe {
  return { name: 'store', check: () => store.ping() };
}

/** Redis (or every Cluster master) answers; null for in-memory counters, which need no probe. */
export function redisProbe(counters: CounterStore): ReadinessProbe | null {
  if (counters.kind !== 'redis') return null;
  const redis = counters as RedisCounterStore;
  return { name: 'redis', check: () => redis.ping() };
}

/** The brokers answer for the raw topic (metadata and the leaders' offsets): what producing and consuming need. */
export function kafkaProbe(log: Pick<EventLog, 'endOffsets'>, rawTopic: string): ReadinessProbe {
  return {
    name: 'kafka',
    check: async () => {
      const offsets = await log.endOffsets(rawTopic);
      if (offsets.length === 0) throw new Error(`topic ${rawTopic} has no partitions`);
    },
  };
}

/** Adds the probes a process needs (nulls skipped). */
export function addReadinessProbes(health: HealthState, probes: readonly (ReadinessProbe | null)[]): void {
  for (const probe of probes) if (probe !== null) health.addProbe(probe);
}
