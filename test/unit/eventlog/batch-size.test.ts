/**
 * The producer's size pre-check computes the record batch kafkajs will send
 * for a partition; compared here with kafkajs' own encoder (its v2 record
 * batch), byte for byte, across the varint boundaries.
 */
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { TallyError } from '../../../src/core/errors.js';
import { recordBatchBytes, varintBytes } from '../../../src/eventlog/kafka/batch-size.js';
import { checkBatchSizes } from '../../../src/eventlog/kafka/producer.js';
import { partitionForKey } from '../../../src/eventlog/partitioner.js';
import type { LogMessage } from '../../../src/eventlog/types.js';

interface Encoded { readonly buffer: Buffer }
type RecordFn = (r: { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer | string; headers?: Record<string, string> }) => unknown;
const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (b: { records: unknown[]; firstTimestamp: number; maxTimestamp: number }) => Promise<Encoded> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as RecordFn;

/** What kafkajs' produce request (v3+) encodes for one partition, as in produce/v3/request.js. */
async function kafkajsBatchBytes(messages: readonly LogMessage[], now: number): Promise<number> {
  const stamps = messages.flatMap((m) => (m.timestamp === undefined ? [] : [m.timestamp])).sort((a, b) => a - b);
  const first = stamps[0] ?? now;
  const records = messages.map((m, i) =>
    Record({ offsetDelta: i, timestampDelta: (m.timestamp ?? now) - first, key: m.key === null ? null : Buffer.from(m.key), value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) }),
  );
  return (await RecordBatch({ records, firstTimestamp: first, maxTimestamp: stamps[stamps.length - 1] ?? now })).buffer.length;
}

describe('record batch size', () => {
  it('zig-zag varint sizes', () => {
    expect([0, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 31].map(varintBytes)).toEqual([1, 1, 1, 2, 1, 2, 2, 3, 5]);
  });

  it('equals the bytes kafkajs encodes, across sizes, keys, headers and timestamps', async () => {
    const now = 1_767_225_600_000;
    const cases: LogMessage[][] = [
      [{ key: 'k', value: 'hello', headers: { a: 'b' } }],
      [{ key: null, value: Buffer.alloc(0) }],
      Array.from({ length: 200 }, (_, i) => ({ key: `tenant-${i % 7}`, value: 'x'.repeat(i * 37), headers: { 'content-type': 'application/json' } })),
      [63, 64, 127, 128, 8191, 8192, 16383, 16384, 70_000].map((n) => ({ key: 'acme', value: 'é'.repeat(n) })),
      [{ key: 'a', value: 'v', timestamp: now - 5_000 }, { key: 'a', value: 'w', timestamp: now - 3_600_000 }, { key: 'a', value: 'z', timestamp: now }],
    ];
    for (const messages of cases) expect(recordBatchBytes(messages, now)).toBe(await kafkajsBatchBytes(messages, now));
  });

  it('records without a timestamp next to ones with one are never undercounted', async () => {
    const now = 1_767_225_600_000;
    const messages: LogMessage[] = [{ key: 'a', value: 'v', timestamp: now - 86_400_000 }, { key: 'a', value: 'w' }];
    expect(recordBatchBytes(messages, now)).toBeGreaterThanOrEqual(await kafkajsBatchBytes(messages, now + 5_000));
  });
});

describe('checkBatchSizes', () => {
  const limits = { partitions: 4, maxMessageBytes: 10_000 };
  const a = 'tenant-a';
  const b = 'tenant-b';

  it('refuses the whole send when one partition batch is over the limit, naming it', () => {
    expect(partitionForKey(a, 4)).not.toBe(partitionForKey(b, 4));
    const messages: LogMessage[] = [...Array.from({ length: 3 }, () => ({ key: a, value: 'x'.repeat(4_000) })), { key: b, value: 'small' }];
    const error = (() => {
      try {
        checkBatchSizes('usage.raw', messages, limits);
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TallyError);
    expect(error).toMatchObject({ code: 'BATCH_TOO_LARGE', details: { topic: 'usage.raw', partition: partitionForKey(a, 4), messages: 3, limit: 10_000 } });
    expect((error as TallyError).details.bytes).toBe(recordBatchBytes(messages.slice(0, 3)));
  });

  it('lets batches through that fit per partition, even when the request as a whole is larger', () => {
    const messages: LogMessage[] = [{ key: a, value: 'x'.repeat(9_000) }, { key: b, value: 'x'.repeat(9_000) }];
    expect(() => checkBatchSizes('usage.raw', messages, limits)).not.toThrow();
    expect(() => checkBatchSizes('usage.raw', [{ key: a, value: 'x'.repeat(10_000) }], limits)).toThrow(/max.message.bytes of 10000/);
  });
});
