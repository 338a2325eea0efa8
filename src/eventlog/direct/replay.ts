/**
 * Replay for the direct log: the retained records of a topic from a start
 * position up to the end offsets captured when `replay` is called, partition
 * after partition, each in offset order. Records evicted meanwhile (a reader
 * slower than the retention window) are skipped, as Kafka's retention would.
 */
import { TallyError } from '../../core/errors.js';
import type { DirectTopic } from './consumer.js';
import type { LogRecord, ReplayOptions } from '../types.js';

interface Range {
  readonly partition: number;
  readonly start: bigint;
  readonly end: bigint;
}

function ranges(topic: DirectTopic, options: ReplayOptions): Range[] {
  const { from } = options;
  const count = topic.partitions.length;
  const unknown = (options.partitions ?? []).filter((p) => !Number.isInteger(p) || p < 0 || p >= count);
  if (unknown.length > 0) {
    throw new TallyError('NOT_FOUND', `topic ${topic.name} has no partition ${unknown.join(', ')}`, { details: { topic: topic.name, partitions: unknown } });
  }
  const wanted = options.partitions ? new Set(options.partitions) : undefined;
  const out: Range[] = [];
  for (const log of topic.partitions) {
    if (wanted && !wanted.has(log.partition)) continue;
    let start = 'earliest' in from ? log.first : 'offset' in from ? BigInt(from.offset) : log.offsetForTimestamp(from.timestamp);
    if (start < log.first) start = log.first;
    if (start < log.next) out.push({ partition: log.partition, start, end: log.next });
  }
  return out;
}

export function directReplay(topic: DirectTopic | undefined, options: ReplayOptions): AsyncIterable<LogRecord> {
  // Captured now, at the call: records appended later are not part of this replay.
  let captured: { ranges: Range[] } | { error: TallyError };
  try {
    if (!topic) throw new TallyError('LOG_UNAVAILABLE', `topic ${options.topic} does not exist`, { retriable: false });
    captured = { ranges: ranges(topic, options) };
  } catch (err) {
    captured = { error: err instanceof TallyError ? err : new TallyError('VALIDATION_FAILED', `replay of ${options.topic}: ${String(err)}`, { cause: err }) };
  }
  return (async function* read(): AsyncGenerator<LogRecord> {
    if ('error' in captured) throw captured.error;
    for (const range of captured.ranges) {
      const log = topic?.partitions[range.partition];
      let next = range.start;
      partition: while (log && next < range.end) {
        // Read in chunks so that records evicted meanwhile are skipped rather than held.
        const chunk = log.read(next, Math.min(1000, Number(range.end - next)));
        if (chunk.length === 0) break;
        for (const record of chunk) {
          const offset = BigInt(record.offset);
          if (offset >= range.end) break partition;
          next = offset + 1n;
          yield record;
        }
      }
    }
  })();
}
