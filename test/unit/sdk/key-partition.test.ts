/**
 * docs/producing.md's key → partition rule for producers that are not
 * kafkajs: tally keys every event by its tenant, and kafkajs' default
 * partitioner (the one tally's producer uses) puts a key at
 * (murmur2(key) & 0x7fffffff) mod partitions — Kafka's Java rule, which
 * librdkafka names `partitioner=murmur2_random` (its own default,
 * `consistent_random`, is CRC32 and differs). Checked here against kafkajs itself
 * for many keys and partition counts; murmur2 against Kafka's own test vectors
 * is in test/unit/eventlog/topics.test.ts.
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from '../../../src/eventlog/partitioner.js';

function metadata(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
}

const KEYS = [
  'default', 'acme', 'tenant-1', 'Ünïcødé-テナント', 'a', '', 'x'.repeat(300),
  ...Array.from({ length: 2000 }, (_, i) => `tenant-${i.toString(36)}-${(i * 7919).toString(16)}`),
];

/** crc32 (IEEE), what librdkafka's default `consistent_random` partitioner hashes with. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

describe('key → partition (docs/producing.md)', () => {
  it("kafkajs' DefaultPartitioner puts every key where murmur2 mod N says", () => {
    const partitioner = Partitioners.DefaultPartitioner();
    let compared = 0;
    const mismatches: string[] = [];
    for (const count of [1, 3, 6, 12, 50, 101]) {
      const partitionMetadata = metadata(count);
      for (const key of KEYS) {
        if (key === '') continue; // an empty key is no key for kafkajs (spread round-robin)
        const kafkajs = partitioner({ topic: 'tally.usage.raw', partitionMetadata, message: { key, value: '{}' } });
        if (kafkajs !== partitionForKey(key, count)) mismatches.push(`${key} of ${count}: kafkajs ${kafkajs}`);
        compared++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBe(6 * (KEYS.length - 1));
  });

  it("librdkafka's default (consistent_random, crc32) would put most tenants elsewhere: murmur2_random is needed", () => {
    const differ = KEYS.filter((k) => k !== '' && crc32(Buffer.from(k, 'utf8')) % 12 !== partitionForKey(k, 12)).length;
    expect(differ / KEYS.length).toBeGreaterThan(0.8);
  });
});
