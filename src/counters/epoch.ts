/**
 * Epoch markers: how the counter store notices that it lost its data (Redis
 * flushed, or restarted empty) instead of silently counting from zero again.
 *
 * A marker vouches for the data stored next to it, so it must disappear with
 * that data. Redis loses data per node, and a node holds whole hash slots, so
 * the unit is a **region**:
 *
 * - standalone Redis (and the memory store): one region, `all`, one marker
 *   key `<prefix>epoch`;
 * - Redis Cluster: one region per Redis hash slot (16,384), marker
 *   `<prefix>{<tag>}:epoch` where `<tag>` is a short string that hashes to
 *   that slot. A tenant's Lua calls run in its tag's hash slot and can check
 *   that slot's marker in the same script.
 *
 * A region's marker is written once its counters are known to be complete (a
 * fresh Redis: nothing to rebuild; after a loss: every tenant rebuilt from the
 * analytics store). Besides it, each tenant slot (and the global slot) has a
 * **slot marker** (`<prefix>{t.<tenant>}:epoch`), written when that slot alone
 * was rebuilt: a slot is live when either marker exists. Scripts that count
 * or read for quota decisions refuse (status LOST) in a slot that is not live.
 */

/** The region of a standalone Redis or of the memory store. */
export const ALL_REGIONS = 'all';

/** Redis Cluster hash slots. */
export const HASH_SLOTS = 16_384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with. */
export function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
}

/** The Redis Cluster hash slot of a key (its `{hash tag}` when it has a non-empty one). */
export function hashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % HASH_SLOTS;
}

let regionTags: string[] | undefined;

/** A hash tag (`e.<n>` in base 36) for each Redis hash slot, found once by trying tags in order. */
export function regionTag(slot: number): string {
  if (!regionTags) {
    const tags: string[] = new Array<string>(HASH_SLOTS);
    let left = HASH_SLOTS;
    for (let n = 0; left > 0; n++) {
      const tag = `e.${n.toString(36)}`;
      const s = hashSlot(tag);
      if (tags[s] === undefined) {
        tags[s] = tag;
        left--;
      }
    }
    regionTags = tags;
  }
  const tag = regionTags[slot];
  if (tag === undefined) throw new RangeError(`no hash slot ${slot}`);
  return tag;
}
