/**
 * Replay for the Kafka log: read a topic from a start position up to the end
 * offsets captured when the replay starts, and stop there.
 *
 * kafkajs has no manual partition assignment, so the read runs in a throwaway
 * consumer group (`<groupPrefix>-<uuid>`, alone in its group) that never
 * commits: it seeks every partition to its start when it joins, pauses each
 * partition once it reached its end, and the group is deleted afterwards. No
 * real group's offsets are touched.
 *
 * Records come in offset order within a partition; partitions interleave.
 */
import type { Admin, Kafka, RetryOptions as KafkaRetryOptions } from 'kafkajs';
import { TallyError } from '../../core/errors.js';
import { uuidv7 } from '../../events/ids.js';
import type { Logger } from '../../core/logger.js';
import { Channel } from './channel.js';
import { mapKafkaError } from './errors.js';
import { toLogRecord } from './records.js';
import type { LogRecord, ReplayOptions } from '../types.js';

export interface KafkaReplayDeps {
  readonly kafka: Kafka;
  readonly admin: () => Promise<Admin>;
  readonly logger: Logger;
  readonly retry: KafkaRetryOptions;
  /** Fail when no record arrives for this long although some are still expected. */
  readonly idleTimeoutMs: number;
  /** Prefix of the throwaway group ids. */
  readonly groupPrefix: string;
}

interface Range {
  /** Next offset to deliver. */
  next: bigint;
  /** End offset captured at the start (exclusive). */
  readonly end: bigint;
}

/** Start and end offset per partition; partitions with nothing to read are left out. */
export async function replayRanges(admin: Admin, options: ReplayOptions): Promise<Map<number, Range>> {
  const { topic, from } = options;
  const watermarks = await admin.fetchTopicOffsets(topic);
  const known = new Set(watermarks.map((w) => w.partition));
  const unknown = (options.partitions ?? []).filter((p) => !known.has(p));
  if (unknown.length > 0) {
    throw new TallyError('NOT_FOUND', `topic ${topic} has no partition ${unknown.join(', ')}`, { details: { topic, partitions: unknown } });
  }
  const byTimestamp =
    'timestamp' in from ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, from.timestamp)).map((o) => [o.partition, BigInt(o.offset)])) : undefined;
  const wanted = options.partitions ? new Set(options.partitions) : undefined;
  const ranges = new Map<number, Range>();
  for (const w of watermarks) {
    if (wanted && !wanted.has(w.partition)) continue;
    const low = BigInt(w.low);
    const high = BigInt(w.high);
    let start: bigint;
    if ('earliest' in from) start = low;
    else if ('offset' in from) start = BigInt(from.offset);
    else start = byTimestamp?.get(w.partition) ?? high;
    if (start < low) start = low; // deleted by retention: start at the oldest record kept
    if (start < high) ranges.set(w.partition, { next: start, end: high });
  }
  return ranges;
}

/** Captures the ranges now (at the call) and reads them when iterated. */
export function kafkaReplay(deps: KafkaReplayDeps, options: ReplayOptions): AsyncIterable<LogRecord> {
  const what = `replay ${options.topic}`;
  const ranges = deps
    .admin()
    .then((admin) => replayRanges(admin, options))
    .catch((err: unknown) => {
      throw mapKafkaError(err, what);
    });
  ranges.catch(() => undefined); // rethrown when iterated; never unhandled if nobody iterates
  return read(deps, options, ranges);
}

async function* read(deps: KafkaReplayDeps, options: ReplayOptions, captured: Promise<Map<number, Range>>): AsyncGenerator<LogRecord> {
  const { topic } = options;
  const what = `replay ${topic}`;
  const ranges = await captured;
  if (ranges.size === 0) return;
  const admin = await deps.admin();

  const groupId = `${deps.groupPrefix}-${uuidv7()}`;
  const log = deps.logger.child({ topic, groupId });
  const consumer = deps.kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false, retry: deps.retry });
  const channel = new Channel<LogRecord[]>();
  const open = new Set(ranges.keys());
  let lastActivity = Date.now();
  let readerBusy = false; // time the reader spends on a record is not the log being idle

  consumer.on(consumer.events.GROUP_JOIN, () => {
    // Before the first fetch: every partition starts where the replay (still) has to read.
    for (const [partition, range] of ranges) {
      if (open.has(partition)) consumer.seek({ topic, partition, offset: range.next.toString() });
    }
    const done = [...ranges.keys()].filter((p) => !open.has(p));
    if (done.length > 0) consumer.pause([{ topic, partitions: done }]);
  });
  consumer.on(consumer.events.CRASH, (event) => {
    if (!event.payload.restart) channel.fail(mapKafkaError(event.payload.error, what));
  });
  const watchdog = setInterval(() => {
    if (!readerBusy && Date.now() - lastActivity > deps.idleTimeoutMs) {
      channel.fail(new TallyError('LOG_UNAVAILABLE', `${what}: no record for ${deps.idleTimeoutMs} ms while ${open.size} partition(s) still had records to read`));
    }
  }, Math.min(1000, deps.idleTimeoutMs));
  watchdog.unref();

  try {
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, pause }) => {
          const range = ranges.get(batch.partition);
          if (!range || !open.has(batch.partition)) {
            pause();
            return;
          }
          lastActivity = Date.now();
          const records: LogRecord[] = [];
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset >= range.next && offset < range.end) records.push(toLogRecord(topic, batch.partition, message));
          }
          resolveOffset(batch.lastOffset());
          range.next = BigInt(batch.lastOffset()) + 1n;
          if (range.next >= range.end) {
            open.delete(batch.partition);
            pause();
          }
          if (records.length > 0) await channel.push(records);
          lastActivity = Date.now();
          if (open.size === 0) channel.close();
        },
      });
    } catch (err) {
      throw mapKafkaError(err, what);
    }
    for await (const records of channel) {
      for (const record of records) {
        readerBusy = true;
        yield record;
        readerBusy = false;
        lastActivity = Date.now();
      }
    }
  } finally {
    clearInterval(watchdog);
    channel.drop();
    await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'replay consumer did not disconnect cleanly'));
    await admin.deleteGroups([groupId]).catch((err: unknown) => log.debug({ err }, 'could not delete the replay group'));
  }
}
