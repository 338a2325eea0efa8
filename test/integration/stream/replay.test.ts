/** `tally replay` with the real binary against the real broker and a chDB data directory. */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs } from '../../../src/eventlog/topics.js';
import { dlqMessage } from '../../../src/processor/dlq.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { runTally } from '../../support/cli.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';
import { readAll, storedTotals } from './harness.js';

describeWith(['kafka'], 'tally replay', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-replay-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('re-processes raw idempotently, and re-submits dead letters after a fix', { timeout: 120_000 }, async () => {
    const prefix = `${uniqueName('replay')}.`;
    const topics = resolveTopics({ prefix, raw: { partitions: 2 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    const env = {
      KAFKA_BROKERS: kafkaBrokers().join(','), CLICKHOUSE_URL: '', TALLY_DATA_DIR: dataDir,
      TALLY_TOPIC_RAW: topics.raw.name, TALLY_TOPIC_DLQ: topics.dlq.name, TALLY_TOPIC_ALERTS: topics.alerts.name,
    };
    const log = createKafkaEventLog({ brokers: kafkaBrokers() });
    await log.ensureTopics(topicSpecs(topics));
    const producer = log.producer();
    const at = new Date(Date.now() - 60_000).toISOString();
    const event = (id: string) => JSON.stringify({ event_id: id, tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', occurred_at: at, usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } });
    await producer.send(topics.raw.name, [...Array.from({ length: 50 }, (_, i) => ({ key: 'acme', value: event(`r${i}`) })), { key: 'acme', value: '{"model":' }]);
    expect((await runTally(['migrate'], { env })).code).toBe(0);

    const first = await runTally(['replay', '--from-beginning', '--json'], { env });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ mode: 'raw', read: 51, stored_or_already_stored: 50, still_invalid: 1 });
    const again = await runTally(['replay', '--from-offset', '0', '--json'], { env });
    expect(JSON.parse(again.stdout)).toMatchObject({ read: 51, stored_or_already_stored: 50 });

    // A record the store once refused (valid bytes): re-submitted from the DLQ, then processed.
    const refused = { topic: topics.raw.name, partition: 0, offset: '999', key: 'acme', value: Buffer.from(event('late-1')), headers: {}, timestamp: Date.now() };
    await producer.send(topics.dlq.name, [dlqMessage(refused, { code: 'STORE_QUERY_FAILED', message: 'store refused', errors: [] }, new Date()), dlqMessage({ ...refused, value: Buffer.from('{"x":') }, { code: 'INVALID_JSON', message: 'bad', errors: [] }, new Date())]);
    const resubmit = await runTally(['replay', '--from-dlq', '--code', 'STORE_QUERY_FAILED', '--json'], { env });
    expect(JSON.parse(resubmit.stdout)).toMatchObject({ mode: 'from-dlq', read: 2, resubmitted: 1, skipped_by_filter: 1 });
    const raw = await readAll(log, topics.raw.name);
    expect(raw.at(-1)?.value.toString()).toBe(event('late-1'));
    expect(raw.at(-1)?.headers['tally-replayed-from-dlq']).toBe('0');
    expect((await runTally(['replay', '--from-beginning'], { env })).code).toBe(0);

    await producer.close();
    await log.close();
    const store = await createChdbStore({ dataDir: join(dataDir, 'chdb'), database: 'tally' });
    try {
      // 51 events at $0.15 each (1M gpt-4o-mini input tokens).
      expect(await storedTotals(store)).toMatchObject({ rows: 51, events: 51, cost: '7.65' });
    } finally {
      await store.close();
    }
  });
});
