import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../src/eventlog/partitioner.js';
import { TOPIC_DEFAULTS, resolveTopics, topicSpecs } from '../../../src/eventlog/topics.js';

describe('topics', () => {
  it('defaults: usage.raw 12, usage.dlq 3 (30-day retention), usage.alerts 3', () => {
    const t = resolveTopics();
    expect(t.raw).toMatchObject({ name: 'usage.raw', partitions: 12 });
    expect(t.dlq).toMatchObject({ name: 'usage.dlq', partitions: 3, config: { 'retention.ms': String(30 * 86_400_000) } });
    expect(t.alerts).toMatchObject({ name: 'usage.alerts', partitions: 3 });
    expect(topicSpecs(t).map((s) => s.name)).toEqual(['usage.raw', 'usage.dlq', 'usage.alerts']);
    expect(TOPIC_DEFAULTS.raw.partitions).toBe(12);
  });

  it('a prefix applies to default names; an explicit name is used as given', () => {
    const t = resolveTopics({ prefix: 'prod.', dlq: { name: 'dead-letters', partitions: 1, config: { 'retention.ms': '1000' } }, raw: { replicationFactor: 3 } });
    expect(t.raw).toMatchObject({ name: 'prod.usage.raw', partitions: 12, replicationFactor: 3 });
    expect(t.dlq).toMatchObject({ name: 'dead-letters', partitions: 1, config: { 'retention.ms': '1000' } });
    expect(t.alerts.name).toBe('prod.usage.alerts');
  });

  it('rejects a partition count below 1 with CONFIG_INVALID naming the field', () => {
    expect(() => resolveTopics({ raw: { partitions: 0 } })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    try {
      resolveTopics({ alerts: { partitions: 1.5 } });
    } catch (err) {
      expect(err).toMatchObject({ details: { errors: [{ path: 'topics.alerts.partitions' }] } });
    }
  });
});

describe('partitioner', () => {
  it("matches Kafka's murmur2 on known vectors (Java client test values)", () => {
    // Values from Apache Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ];
    for (const [text, expected] of cases) expect(murmur2(Buffer.from(text))).toBe(expected);
  });

  it('is stable: the same key always gives the same partition, spread over all of them', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(`tenant-${i}`, 12);
      expect(partitionForKey(`tenant-${i}`, 12)).toBe(p);
      seen.add(p);
    }
    expect(seen.size).toBe(12);
  });
});
