/**
 * The size of the record batch a produce request carries for one partition,
 * computed the way kafkajs encodes it (magic v2, no compression): a 61-byte
 * batch header plus, per record, a varint length, one attribute byte, the
 * zig-zag varint timestamp and offset deltas, the key, the value and the
 * headers. The broker refuses a batch larger than the topic's
 * `max.message.bytes`; comparing this size with it before sending lets the
 * producer refuse such a request before any part of it is written.
 */
import type { LogMessage } from '../types.js';

/** Bytes of a v2 record batch without its records (base offset … record count). */
export const BATCH_HEADER_BYTES = 61;

/** Size of a zig-zag varint (Kafka's signed varint and varlong) of `value`. */
export function varintBytes(value: number): number {
  let zigzag = value >= 0 ? 2 * value : -2 * value - 1;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

function fieldBytes(value: Buffer | string | null): number {
  if (value === null) return varintBytes(-1);
  const length = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
  return varintBytes(length) + length;
}

/**
 * Bytes of one record whose timestamp is `delta` ms after the batch's first
 * timestamp (kafkajs stamps records without one with the time of the
 * request, and takes the earliest given timestamp as the batch's first).
 */
export function recordBytes(message: LogMessage, offsetDelta: number, delta: number): number {
  const headers = Object.entries(message.headers ?? {});
  let body = 1 + varintBytes(delta) + varintBytes(offsetDelta) + fieldBytes(message.key) + fieldBytes(message.value) + varintBytes(headers.length);
  for (const [name, value] of headers) body += fieldBytes(name) + fieldBytes(value);
  return varintBytes(body) + body;
}

/**
 * Bytes of the record batch of `messages` (one partition's share of a send),
 * as encoded at `now`. A record without a timestamp among records with one
 * is stamped a little later than `now` by kafkajs: one byte of margin each,
 * so the result never falls below the real size.
 */
export function recordBatchBytes(messages: readonly LogMessage[], now: number = Date.now()): number {
  const stamps = messages.flatMap((m) => (m.timestamp === undefined ? [] : [m.timestamp]));
  const first = stamps.length > 0 ? Math.min(...stamps) : now;
  let total = BATCH_HEADER_BYTES;
  messages.forEach((m, i) => {
    const stamped = m.timestamp === undefined && stamps.length > 0;
    total += recordBytes(m, i, (m.timestamp ?? now) - first) + (stamped ? 1 : 0);
  });
  return total;
}
