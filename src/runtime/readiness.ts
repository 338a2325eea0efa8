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
 * process.
 *
 * Redis away while every budget in force fails open (`outage_policy` or
 * `budgets.outagePolicy: open`): `tally api` stays READY, its `redis` check
 * failing with `degraded: true`. Such an API still answers every quota check
 * and reservation (allowed, with an `outage` note), takes events (Kafka) and
 * serves analytics (the store); failing readiness would make load balancers
 * take every API out at once — they share the one Redis — turning "never
 * block on the counter store" into a total outage. With any budget failing
 * closed (or `leases`, closed once its leases expire) the API would answer
 * 503 to those checks, so it is not ready. The processor and `tally start`
 * cannot count events without Redis under any policy: not ready. The processor also reports its sinks and its consumer as it works
 * (processor/batch.ts, processor.ts).
 */
import type { HealthState, ReadinessProbe } from '../core/health.js';
import type { CounterStore, RedisCounterStore } from '../counters/index.js';
import type { EventLog } from '../eventlog/types.js';
import type { AnalyticsStore } from '../store/types.js';

export function storeProbe(store: Pick<AnalyticsStore, 'ping'>): ReadinessProbe {
  return { name: 'store', check: () => store.ping() };
}

/**
 * Redis (or every Cluster master) answers; null for in-memory counters, which need no probe. With `degradesOnly`
 * (tally api: every budget fails open), Redis away is reported but the process stays ready (core/health.ts).
 */
export function redisProbe(counters: CounterStore, degradesOnly?: () => boolean): ReadinessProbe | null {
  if (counters.kind !== 'redis') return null;
  const redis = counters as RedisCounterStore;
  return { name: 'redis', check: () => redis.ping(), ...(degradesOnly ? { degradesOnly } : {}) };
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
