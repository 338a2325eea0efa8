/**
 * What only the direct log does: `send` waits for the handler, rejects with
 * its error, the no-consumer policy, the backlog bound, base offsets and the
 * retention window. The shared contract is in test/integration/log/contract.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { DirectEventLog } from '../../../src/eventlog/direct/log.js';
import type { LogRecord, RecordBatch } from '../../../src/eventlog/types.js';

const msg = (key: string, value: string): { key: string; value: string } => ({ key, value });

async function drain(iterable: AsyncIterable<LogRecord>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of iterable) out.push(r);
  return out;
}

describe('direct event log', () => {
  let log: DirectEventLog;
  afterEach(async () => {
    await log.close();
  });

  it('send resolves only after the running consumer handled the records', async () => {
    log = new DirectEventLog();
    await log.ensureTopics([{ name: 't', partitions: 2 }]);
    const handled: string[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch) => {
      await new Promise((r) => setTimeout(r, 30));
      handled.push(...batch.records.map((r) => r.value.toString()));
    });
    await log.producer().send('t', [msg('a', '1'), msg('b', '2')]);
    expect(handled.sort()).toEqual(['1', '2']);
    await consumer.stop();
  });

  it('send rejects with the handler error; the records come again and are then committed', async () => {
    log = new DirectEventLog({ redeliveryInitialDelayMs: 10, redeliveryMaxDelayMs: 20 });
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    const batches: RecordBatch[] = [];
    const consumer = log.consumer({ groupId: 'g', topics: ['t'] });
    await consumer.run(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) throw new TallyError('STORE_UNAVAILABLE', 'store down');
    });
    await expect(log.producer().send('t', [msg('a', '1')])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    for (let i = 0; i < 100 && batches.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(batches.map((b) => b.records.map((r) => r.offset))).toEqual([['0'], ['0']]);
    await new Promise((r) => setTimeout(r, 10));
    expect((await consumer.lag())[0]).toMatchObject({ committed: '1', lag: 0 });
    await consumer.stop();
  });

  it('with no consumer running, send resolves once appended and a later consumer reads the records', async () => {
    log = new DirectEventLog();
    await log.ensureTopics([{ name: 'dlq', partitions: 1 }]);
    await log.producer().send('dlq', [msg('a', 'x')]);
    const seen: string[] = [];
    const consumer = log.consumer({ groupId: 'late', topics: ['dlq'] });
    await consumer.run(async (batch) => {
      seen.push(...batch.records.map((r) => r.value.toString()));
    });
    for (let i = 0; i < 50 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toEqual(['x']);
    await consumer.stop();
  });

  it('awaitConsumerTopics: send waits until a consumer starts and handles the records', async () => {
    log = new DirectEventLog({ awaitConsumerTopics: ['raw'] });
    await log.ensureTopics([{ name: 'raw', partitions: 3 }]);
    let done = false;
    const sent = log
      .producer()
      .send('raw', [msg('acme', '1')])
      .then(() => {
        done = true;
      });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    const consumer = log.consumer({ groupId: 'processor', topics: ['raw'] });
    await consumer.run(async () => undefined);
    await sent;
    expect(done).toBe(true);
    await consumer.stop();
  });

  it('rejects with a retriable LOG_UNAVAILABLE when the unhandled backlog is full, never dropping silently', async () => {
    log = new DirectEventLog({ awaitConsumerTopics: ['raw'], maxPendingRecords: 3 });
    await log.ensureTopics([{ name: 'raw', partitions: 1 }]);
    const first = log.producer().send('raw', [msg('a', '1'), msg('a', '2'), msg('a', '3')]);
    const error = await log
      .producer()
      .send('raw', [msg('a', '4')])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'LOG_UNAVAILABLE', retriable: true });
    const values: string[] = [];
    const consumer = log.consumer({ groupId: 'p', topics: ['raw'] });
    await consumer.run(async (batch) => {
      values.push(...batch.records.map((r) => r.value.toString()));
    });
    await first;
    expect(values).toEqual(['1', '2', '3']);
    await consumer.stop();
  });

  it('starts offsets at the configured base per partition and keeps them increasing', async () => {
    log = new DirectEventLog({ startOffsets: { raw: { 0: '1000', 1: '5' } } });
    await log.ensureTopics([{ name: 'raw', partitions: 2 }]);
    await log.producer().send('raw', [
      { key: null, value: 'a' },
      { key: null, value: 'b' },
      { key: null, value: 'c' },
    ]);
    const offsets = (await drain(log.replay({ topic: 'raw', from: { earliest: true } }))).map((r) => `${r.partition}:${r.offset}`);
    expect(offsets).toEqual(['0:1000', '0:1001', '1:5']);
    expect(await log.endOffsets('raw')).toEqual([
      { partition: 0, offset: '1002' },
      { partition: 1, offset: '6' },
    ]);
  });

  it('keeps handled records for replay within the retention window only', async () => {
    log = new DirectEventLog({ retainRecordsPerPartition: 100 });
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    for (let i = 0; i < 30; i++) {
      await log.producer().send('t', Array.from({ length: 100 }, (_, j) => msg('k', String(i * 100 + j))));
    }
    const kept = await drain(log.replay({ topic: 't', from: { earliest: true } }));
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(kept.length).toBeLessThan(100 + 1100);
    expect(kept[kept.length - 1]?.offset).toBe('2999');
  });

  it('keeps a topic’s handled records as its own retention says: none for a topic nobody replays, the default for the others', async () => {
    log = new DirectEventLog({ retainRecordsPerPartition: 100, retainByTopic: { raw: 0 }, redeliveryInitialDelayMs: 10, redeliveryMaxDelayMs: 20 });
    await log.ensureTopics([{ name: 'raw', partitions: 1 }, { name: 'alerts', partitions: 1 }]);
    const consumer = log.consumer({ groupId: 'g', topics: ['raw'] });
    let failNext = false;
    await consumer.run(async () => {
      if (failNext) throw new TallyError('STORE_UNAVAILABLE', 'not now');
    });
    for (let i = 0; i < 3; i++) await log.producer().send('raw', Array.from({ length: 50 }, (_, j) => msg('k', String(i * 50 + j))));
    await log.producer().send('alerts', Array.from({ length: 50 }, (_, j) => msg('k', String(j))));
    expect(await drain(log.replay({ topic: 'raw', from: { earliest: true } }))).toEqual([]);
    expect(await drain(log.replay({ topic: 'alerts', from: { earliest: true } }))).toHaveLength(50);
    // Records not handled yet are never dropped, whatever the retention: once handled, they go too.
    failNext = true;
    await expect(log.producer().send('raw', [msg('k', 'late')])).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((await drain(log.replay({ topic: 'raw', from: { earliest: true } }))).map((r) => r.value.toString())).toEqual(['late']);
    failNext = false;
    for (let i = 0; i < 100 && (await drain(log.replay({ topic: 'raw', from: { earliest: true } }))).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await drain(log.replay({ topic: 'raw', from: { earliest: true } }))).toEqual([]);
    await consumer.stop();
  });

  it('a group has one running member at a time', async () => {
    log = new DirectEventLog();
    await log.ensureTopics([{ name: 't', partitions: 1 }]);
    const a = log.consumer({ groupId: 'g', topics: ['t'] });
    await a.run(async () => undefined);
    await expect(log.consumer({ groupId: 'g', topics: ['t'] }).run(async () => undefined)).rejects.toMatchObject({ code: 'CONFLICT' });
    await a.stop();
  });

  it('send to a missing topic, and close with sends waiting, reject clearly', async () => {
    log = new DirectEventLog({ awaitConsumerTopics: ['raw'] });
    await expect(log.producer().send('nope', [msg('a', '1')])).rejects.toMatchObject({ code: 'LOG_UNAVAILABLE', retriable: false });
    await log.ensureTopics([{ name: 'raw', partitions: 1 }]);
    const waiting = log.producer().send('raw', [msg('a', '1')]);
    await log.close();
    await expect(waiting).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });
});
