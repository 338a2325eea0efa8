/**
 * One partition of the direct (in-process) log: records with contiguous,
 * monotonically increasing offsets, starting at a base offset. Old records are
 * evicted from the front once handled and outside the retention window.
 */
import type { LogMessage, LogRecord } from '../types.js';

const EVICT_CHUNK = 1024;

export class PartitionLog {
  private records: LogRecord[] = [];
  /** Offset of `records[0]` (equals `next` when empty). */
  private firstOffset: bigint;
  private nextOffset: bigint;

  constructor(
    readonly topic: string,
    readonly partition: number,
    base: bigint,
  ) {
    this.firstOffset = base;
    this.nextOffset = base;
  }

  /** The oldest offset still held. */
  get first(): bigint {
    return this.firstOffset;
  }

  /** The offset the next record gets (the high watermark). */
  get next(): bigint {
    return this.nextOffset;
  }

  get size(): number {
    return this.records.length;
  }

  append(message: LogMessage, now: number): LogRecord {
    const record: LogRecord = {
      topic: this.topic,
      partition: this.partition,
      offset: this.nextOffset.toString(),
      key: message.key,
      value: typeof message.value === 'string' ? Buffer.from(message.value, 'utf8') : message.value,
      headers: { ...(message.headers ?? {}) },
      timestamp: message.timestamp ?? now,
    };
    this.records.push(record);
    this.nextOffset++;
    return record;
  }

  /** Up to `maxRecords` records from `from` (clamped to what is held), at most `maxBytes` of values but at least one record. */
  read(from: bigint, maxRecords: number, maxBytes = Number.POSITIVE_INFINITY): LogRecord[] {
    const start = Number((from < this.firstOffset ? this.firstOffset : from) - this.firstOffset);
    const out: LogRecord[] = [];
    let bytes = 0;
    for (let i = start; i < this.records.length && out.length < maxRecords; i++) {
      const record = this.records[i];
      if (record === undefined) break;
      bytes += record.value.length;
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(record);
    }
    return out;
  }

  /** The first offset whose record has `timestamp >= ts`, or `next` when none. */
  offsetForTimestamp(ts: number): bigint {
    const index = this.records.findIndex((r) => r.timestamp >= ts);
    return index < 0 ? this.nextOffset : this.firstOffset + BigInt(index);
  }

  /**
   * Drops records below `handledBelow` beyond the newest `retain` of them
   * (in chunks, so up to ~1,000 more may stay): unhandled records (at or above
   * `handledBelow`) are never dropped.
   */
  evict(handledBelow: bigint, retain: number): void {
    const windowStart = this.nextOffset - BigInt(retain);
    const keepFrom = handledBelow < windowStart ? handledBelow : windowStart;
    if (keepFrom <= this.firstOffset) return;
    const drop = Number(keepFrom - this.firstOffset);
    // Drop in chunks so that a commit per batch does not copy the window each time.
    if (drop < EVICT_CHUNK && drop < this.records.length) return;
    this.records = this.records.slice(drop);
    this.firstOffset = keepFrom;
  }
}
