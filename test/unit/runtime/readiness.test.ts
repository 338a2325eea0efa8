/** The probes each process adds to /readyz (issue 10, item 11): what each asks, and that a failure is reported, not thrown past the probe. */
import { describe, expect, it } from 'vitest';
import { HealthState } from '../../../src/core/health.js';
import { TallyError } from '../../../src/core/errors.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { kafkaProbe, redisProbe, storeProbe } from '../../../src/runtime/readiness.js';

describe('readiness probes', () => {
  it('kafka: the raw topic has partitions whose offsets the brokers give; a refusal or an empty topic is failing', async () => {
    let answer: () => Promise<{ partition: number; offset: string }[]> = async () => [{ partition: 0, offset: '12' }];
    const health = new HealthState({ cacheMs: 0 });
    health.addProbe(kafkaProbe({ endOffsets: (topic) => { expect(topic).toBe('usage.raw'); return answer(); } }, 'usage.raw'));
    expect((await health.probe()).checks.kafka).toMatchObject({ ok: true });
    answer = async () => { throw new TallyError('LOG_UNAVAILABLE', 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'); };
    expect(await health.probe()).toMatchObject({ ready: false, checks: { kafka: { ok: false, error: expect.stringContaining('ECONNREFUSED') } } });
    answer = async () => [];
    expect((await health.probe()).checks.kafka).toMatchObject({ ok: false, error: 'topic usage.raw has no partitions' });
  });

  it('store: a ping; redis: only for Redis counters (memory counters need none)', async () => {
    let pings = 0;
    expect(storeProbe({ ping: async () => { pings++; } }).name).toBe('store');
    await storeProbe({ ping: async () => { pings++; } }).check(new AbortController().signal);
    expect(pings).toBe(1);
    expect(redisProbe(new MemoryCounterStore())).toBeNull();
  });
});
