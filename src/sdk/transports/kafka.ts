/**
 * Recorder → event log (Kafka or direct): one `send` per batch through the
 * log's producer, each event a JSON message keyed by its tenant, so one
 * tenant's events stay in one partition, in order. A failed send is retried
 * by the recorder with the same events (same ids): an attempt that was
 * written after all is a duplicate the stores drop by event id.
 */
import type { EventLog, LogMessage } from '../../eventlog/types.js';
import { TOPIC_DEFAULTS } from '../../eventlog/topics.js';
import type { RecordedEvent, UsageTransport } from '../types.js';

/** Closes the producer it made on `close()`; the event log itself stays the caller's. */
export function kafkaTransport(log: EventLog, topic: string = TOPIC_DEFAULTS.raw.name): UsageTransport {
  const producer = log.producer();
  return {
    async send(events: readonly RecordedEvent[]): Promise<void> {
      const messages: LogMessage[] = events.map((event) => ({
        key: event.tenant,
        value: JSON.stringify(event),
        headers: { 'content-type': 'application/json' },
      }));
      await producer.send(topic, messages);
    },
    close: () => producer.close(),
  };
}
