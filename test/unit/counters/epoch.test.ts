import { describe, expect, it } from 'vitest';
import { CounterKeys } from '../../../src/counters/keys.js';
import { ALL_REGIONS, HASH_SLOTS, crc16, hashSlot, regionTag } from '../../../src/counters/epoch.js';

describe('epoch regions', () => {
  it('hash slots are Redis Cluster\'s (values from CLUSTER KEYSLOT)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    expect(hashSlot('123456789')).toBe(12739);
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('bar')).toBe(5061);
    expect(hashSlot('{t.acme}:c:x')).toBe(10249);
    expect(hashSlot('tally:{_global}:fence')).toBe(2262);
    expect(hashSlot('{user1000}.following')).toBe(3443);
    expect(hashSlot('a{}b')).toBe(hashSlot('a{}b')); // an empty tag hashes the whole key
  });

  it('every hash slot has a region tag that hashes to it', () => {
    for (const slot of [0, 1, 2262, 10249, HASH_SLOTS - 1]) expect(hashSlot(regionTag(slot))).toBe(slot);
    expect(new Set(Array.from({ length: HASH_SLOTS }, (_, i) => regionTag(i))).size).toBe(HASH_SLOTS);
  });

  it('a slot\'s region marker shares the slot\'s hash slot on a Cluster; standalone has one region', () => {
    const cluster = new CounterKeys('tally', { clustered: true });
    for (const slot of ['acme', 'globex', null, 'a b{c}']) {
      const region = cluster.region(slot);
      expect(hashSlot(cluster.regionMarker(region))).toBe(hashSlot(cluster.fence(slot)));
      expect(hashSlot(cluster.regionLock(region))).toBe(hashSlot(cluster.fence(slot)));
      expect(hashSlot(cluster.slotMarker(slot))).toBe(hashSlot(cluster.fence(slot)));
    }
    const standalone = new CounterKeys('tally');
    expect(standalone.region('acme')).toBe(ALL_REGIONS);
    expect(standalone.regionMarker(ALL_REGIONS)).toBe('tally:epoch');
    expect(standalone.slotMarker('acme')).toBe('tally:{t.acme}:epoch');
  });
});
