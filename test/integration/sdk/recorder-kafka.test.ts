/**
 * The recorder through the Kafka transport to the real broker: every event
 * arrives exactly once, keyed by its tenant, in record order per tenant.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { partitionForKey } from '../../../src/eventlog/partitioner.js';
import type { EventLog } from '../../../src/eventlog/types.js';
import { createUsageRecorder } from '../../../src/sdk/recorder.js';
import { kafkaTransport } from '../../../src/sdk/transports/kafka.js';
import type { RecordedEvent } from '../../../src/sdk/types.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';

describeWith(['kafka'], 'usage recorder → kafka', () => {
  let log: EventLog;
  beforeAll(() => {
    log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: 'tally-recorder-test' });
  });
  afterAll(async () => {
    await log.close();
  });

  it('delivers every event exactly once, keyed by tenant, in order per tenant', async () => {
    const topic = uniqueName('recorder_raw');
    await log.ensureTopics([{ name: topic, partitions: 6 }]);
    const flushes: number[] = [];
    const recorder = createUsageRecorder({ transport: kafkaTransport(log, topic), maxBatchSize: 250, lingerMs: 5, onFlush: (f) => flushes.push(f.events) });
    const tenants = Array.from({ length: 9 }, (_, i) => `tenant-${i}`);
    const ids: string[] = [];
    const total = 5000;
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      ids.push(
        recorder.record({
          tenant: tenants[i % tenants.length],
          provider: 'anthropic',
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: i, output_tokens: 1 },
          metadata: { seq: String(i) },
        }),
      );
    }
    await recorder.close();
    const elapsedMs = Date.now() - started;
    console.log(`recorder → kafka: ${total} events in ${elapsedMs} ms (${Math.round((total / elapsedMs) * 1000)} events/s, ${flushes.length} batches)`);

    const received: { partition: number; key: string | null; event: RecordedEvent }[] = [];
    for await (const r of log.replay({ topic, from: { earliest: true } })) {
      received.push({ partition: r.partition, key: r.key, event: JSON.parse(r.value.toString('utf8')) as RecordedEvent });
    }
    expect(received.length).toBe(total);
    expect(new Set(received.map((r) => r.event.event_id)).size).toBe(total);
    expect(new Set(received.map((r) => r.event.event_id))).toEqual(new Set(ids));
    for (const r of received) {
      expect(r.key).toBe(r.event.tenant);
      expect(r.partition).toBe(partitionForKey(r.event.tenant, 6));
    }
    for (const tenant of tenants) {
      const seqs = received.filter((r) => r.event.tenant === tenant).map((r) => Number(r.event.metadata?.seq));
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  });
});
