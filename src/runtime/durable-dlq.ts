/**
 * The embedded mode's dead-letter queue, kept in the store (issue #10,
 * item 2). The direct event log holds usage.dlq in process memory only;
 * this wraps it so that every message sent to the DLQ topic is first written
 * to `store.deadLetters`, and the send resolves only once it is stored — so
 * the processor commits a batch only after its dead letters are durable, as
 * with Kafka. `tally replay --from-dlq --embedded` re-processes them.
 */
import type { EventLog, LogMessage, LogProducer } from '../eventlog/types.js';
import { DLQ_HEADERS, readDlqRecord } from '../processor/dlq.js';
import type { DeadLetter } from '../store/operations/dead-letters.js';
import type { AnalyticsStore } from '../store/types.js';

let unknownSource = 0;

/** A DLQ message as a stored dead letter. */
export function letterOf(message: LogMessage, dlqTopic: string): DeadLetter {
  const value = typeof message.value === 'string' ? Buffer.from(message.value, 'utf8') : message.value;
  const headers = { ...(message.headers ?? {}) };
  const entry = readDlqRecord({ topic: dlqTopic, partition: 0, offset: '0', key: message.key, value, headers, timestamp: message.timestamp ?? Date.now() });
  const failedAt = entry.failedAt === null ? Date.now() : Date.parse(entry.failedAt);
  return {
    // Every letter the processor writes names its source record; one that does not gets a position of its own.
    source: entry.source ?? { topic: '', partition: -1, offset: String(Date.now() * 1000 + unknownSource++) },
    failedAt: new Date(Number.isFinite(failedAt) ? failedAt : Date.now()),
    code: entry.code,
    message: entry.message,
    errors: headers[DLQ_HEADERS.errors] ?? '[]',
    key: message.key,
    value,
    headers,
  };
}

/** `log`, with every message sent to `dlqTopic` stored in `store.deadLetters` before the send resolves. */
export function withDurableDeadLetters(log: EventLog, dlqTopic: string, store: Pick<AnalyticsStore, 'deadLetters'>): EventLog {
  return {
    kind: log.kind,
    ensureTopics: (topics) => log.ensureTopics(topics),
    consumer: (options) => log.consumer(options),
    replay: (options) => log.replay(options),
    endOffsets: (topic) => log.endOffsets(topic),
    close: () => log.close(),
    producer(): LogProducer {
      const inner = log.producer();
      return {
        async send(topic, messages) {
          if (topic === dlqTopic) await store.deadLetters.write(messages.map((m) => letterOf(m, dlqTopic)));
          await inner.send(topic, messages);
        },
        close: () => inner.close(),
      };
    },
  };
}
