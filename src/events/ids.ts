/**
 * Event ids: UUIDv7 (RFC 9562), time-ordered so that ids made close together
 * sort together, with 74 random bits. Monotonic within one process and
 * millisecond: the 12-bit counter in rand_a increments.
 */
import { randomFillSync } from 'node:crypto';

let lastMs = -1;
let counter = 0;

/** Random bytes drawn in bulk: one system call per 256 ids instead of one per id. */
const POOL = Buffer.allocUnsafe(16 * 256);
let poolUsed = POOL.length;

function random16(): Buffer {
  if (poolUsed + 16 > POOL.length) {
    randomFillSync(POOL);
    poolUsed = 0;
  }
  const out = Buffer.from(POOL.subarray(poolUsed, poolUsed + 16));
  poolUsed += 16;
  return out;
}

export function uuidv7(now: number = Date.now()): string {
  if (now === lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) now = ++lastMs; // counter wrapped: borrow the next millisecond
  } else {
    lastMs = now;
    counter = random16().readUInt16BE(0) & 0x7ff; // leave headroom below 0xfff
  }
  const bytes = random16();
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = 0x70 | ((counter >> 8) & 0x0f);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuidv7(id: string): boolean {
  return UUID_RE.test(id);
}
