/**
 * The Kafka producer behind `LogProducer`. A send resolves only when the
 * broker acknowledged every message (acks = all), and otherwise fails within
 * `sendTimeoutMs` — so a caller (HTTP ingest, the SDK recorder, the
 * processor's DLQ) never waits on kafkajs' reconnect loop. In order:
 *
 * 1. Size pre-check: messages are grouped by the partition the default
 *    partitioner will pick, and a partition whose record batch would exceed
 *    the topic's `max.message.bytes` makes the whole send fail with
 *    BATCH_TOO_LARGE before anything is sent. (A produce request carries one
 *    batch per partition; the broker refuses an oversized batch but appends
 *    the other partitions' batches, so without the check part of a refused
 *    request was written.)
 * 2. Circuit breaker: while the log is known to be unavailable, sends fail at
 *    once (LOG_UNAVAILABLE, retriable, `retry_after_seconds`), one probe per
 *    `probeIntervalMs` goes to the broker (see breaker.ts).
 * 3. Deadline: the send (including connecting and the pre-check's metadata
 *    lookup) races `sendTimeoutMs`; past it the caller gets LOG_UNAVAILABLE
 *    (retriable) and the circuit opens. The abandoned request may still be
 *    written: a failed send is "in doubt", never "not written" — callers
 *    retry with the same event ids, and tally drops duplicates by event id.
 *
 * Idempotence. kafkajs' idempotent producer rolls back the sequence numbers
 * of every partition of a request that failed, including partitions the
 * broker appended; the next batch of the same size for such a partition is
 * then acknowledged as a duplicate and never written, and other sizes fail
 * with OUT_OF_ORDER_SEQUENCE_NUMBER for good. By default tally's producer is
 * therefore not idempotent (`idempotent: false`): a retry inside kafkajs can
 * write a record twice, which the stores drop by event id, and an
 * acknowledged record is always in the log. With `idempotent: true`, sends go
 * one at a time and the producer is replaced (new producer id, fresh
 * sequences) after any failed or abandoned send, so no send inherits a
 * rolled-back sequence.
 */
import type { Kafka, Producer, RetryOptions as KafkaRetryOptions } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import { TallyError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { partitionForKey } from '../partitioner.js';
import type { LogMessage, LogProducer } from '../types.js';
import { recordBatchBytes } from './batch-size.js';
import { CircuitBreaker } from './breaker.js';
import { isProducerStateError, isTooLargeError, mapKafkaError } from './errors.js';
import { toKafkaMessage } from './records.js';
import type { TopicLimits, TopicLimitsCache } from './topic-limits.js';

/** Producer settings the Kafka event log resolves once (see `KafkaEventLogOptions.producer`). */
export interface KafkaProducerSettings {
  readonly idempotent: boolean;
  readonly sendTimeoutMs: number;
  readonly ackTimeoutMs: number;
  readonly probeIntervalMs: number;
  readonly retry: KafkaRetryOptions;
}

/** What the producer needs from the event log that made it. */
export interface KafkaProducerDeps {
  /** The producer's own kafkajs client (short timeouts and retries). */
  readonly kafka: Kafka;
  readonly settings: KafkaProducerSettings;
  readonly limits: TopicLimitsCache;
  readonly logger: Logger;
}

interface Slot {
  readonly producer: Producer;
  readonly ready: Promise<void>;
}

/** Set when a send's deadline passed: work queued behind the idempotent producer's lock is then skipped. */
interface Attempt {
  abandoned: boolean;
}

/** A partition batch over the limit makes the whole send fail before anything is sent. */
export function checkBatchSizes(topic: string, messages: readonly LogMessage[], limits: TopicLimits): void {
  if (limits.partitions <= 0) return; // unknown topic: kafkajs reports it
  const byPartition = new Map<number, LogMessage[]>();
  messages.forEach((m, i) => {
    // kafkajs' default partitioner spreads keyless messages round-robin; count each alone (never less than its real batch's share).
    const partition = m.key === null ? -1 - i : partitionForKey(m.key, limits.partitions);
    byPartition.set(partition, [...(byPartition.get(partition) ?? []), m]);
  });
  for (const [partition, batch] of byPartition) {
    const bytes = recordBatchBytes(batch);
    if (bytes > limits.maxMessageBytes) {
      throw new TallyError(
        'BATCH_TOO_LARGE',
        `send to ${topic}: ${batch.length} message(s) for partition ${partition < 0 ? '(any)' : partition} make a ${bytes}-byte batch, over the topic's max.message.bytes of ${limits.maxMessageBytes}; nothing was sent — send fewer or smaller events at once`,
        { details: { topic, partition: partition < 0 ? null : partition, messages: batch.length, bytes, limit: limits.maxMessageBytes } },
      );
    }
  }
}

export class KafkaLogProducer implements LogProducer {
  private slot: Slot | undefined;
  private readonly retiring = new Set<Promise<void>>();
  /** One send at a time for the idempotent producer. */
  private lock: Promise<unknown> = Promise.resolve();
  private readonly breaker: CircuitBreaker;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly deps: KafkaProducerDeps) {
    this.breaker = new CircuitBreaker(deps.settings.probeIntervalMs);
    this.log = deps.logger.child({ producer: deps.settings.idempotent ? 'idempotent' : 'plain' });
  }

  async send(topic: string, messages: readonly LogMessage[]): Promise<void> {
    if (this.closed) throw new TallyError('SHUTTING_DOWN', 'the producer is closed', { retriable: false });
    if (messages.length === 0) return;
    const what = `send to ${topic}`;
    const gate = this.breaker.admit();
    if (!gate.allowed) {
      throw new TallyError('LOG_UNAVAILABLE', `${what}: the event log is unavailable (no acknowledgement since ${new Date(gate.openSince ?? Date.now()).toISOString()}); nothing was sent, retry in ${gate.retryAfterSeconds} s`, {
        details: { operation: what, reason: 'circuit_open', retry_after_seconds: gate.retryAfterSeconds },
      });
    }
    const attempt: Attempt = { abandoned: false };
    const { sendTimeoutMs } = this.deps.settings;
    const work = this.attempt(topic, messages, attempt);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        attempt.abandoned = true;
        reject(new TallyError('LOG_UNAVAILABLE', `${what}: not acknowledged within ${sendTimeoutMs} ms (the event log may still write it: retry with the same event ids)`, {
          details: { operation: what, reason: 'timeout', timeout_ms: sendTimeoutMs, retry_after_seconds: 1 },
        }));
      }, sendTimeoutMs);
    });
    try {
      await Promise.race([work, deadline]);
      if (this.breaker.open) this.log.info({ topic }, 'the event log acknowledges again; sends flow');
      this.breaker.succeeded(gate.probe);
    } catch (err) {
      const error = mapKafkaError(err, what);
      if (error.code === 'LOG_UNAVAILABLE' && error.retriable && error.details.reason !== 'producer_state') {
        if (!this.breaker.open) this.log.warn({ topic, err: error.message }, `event log unavailable: sends fail at once, one probe every ${this.deps.settings.probeIntervalMs} ms`);
        this.breaker.failed(gate.probe);
        if (attempt.abandoned && this.deps.settings.idempotent) this.retireCurrent('abandoned send');
        if (typeof error.details.retry_after_seconds !== 'number') {
          throw new TallyError(error.code, error.message, { cause: error.cause ?? err, details: { ...error.details, retry_after_seconds: Math.max(1, Math.ceil(this.deps.settings.probeIntervalMs / 1000)) }, retriable: true });
        }
      } else {
        this.breaker.released(gate.probe);
      }
      throw error;
    } finally {
      clearTimeout(timer);
      work.catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const slot = this.slot;
    this.slot = undefined;
    if (slot) this.retire(slot);
    await Promise.allSettled([...this.retiring]);
  }

  private async attempt(topic: string, messages: readonly LogMessage[], attempt: Attempt): Promise<void> {
    checkBatchSizes(topic, messages, await this.deps.limits.get(topic));
    const go = (): Promise<void> => {
      // The caller was already told the send failed: sending now would write behind its back.
      if (attempt.abandoned) throw new TallyError('LOG_UNAVAILABLE', `send to ${topic}: deadline passed before the request went out; nothing was sent`);
      return this.produce(topic, messages);
    };
    if (!this.deps.settings.idempotent) return go();
    const run = this.lock.then(go);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async produce(topic: string, messages: readonly LogMessage[]): Promise<void> {
    const slot = this.current();
    try {
      await slot.ready;
      await slot.producer.send({ topic, acks: -1, timeout: this.deps.settings.ackTimeoutMs, messages: messages.map(toKafkaMessage) });
    } catch (err) {
      if (isTooLargeError(err)) this.deps.limits.invalidate(topic); // the topic's limit changed: read it again
      // A failed send may have been appended in part: an idempotent producer's sequences are now unreliable.
      if (this.deps.settings.idempotent || isProducerStateError(err)) this.retireCurrent(errorMessage(err), slot);
      throw err;
    }
  }

  /** The producer in use, created (and connecting) on first use or after the last one was retired. */
  private current(): Slot {
    if (this.slot) return this.slot;
    const producer = this.deps.kafka.producer({
      idempotent: this.deps.settings.idempotent,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: this.deps.settings.retry,
    });
    const slot: Slot = {
      producer,
      ready: producer.connect().catch((err: unknown) => {
        if (this.slot === slot) this.slot = undefined; // connect again next time
        throw err;
      }),
    };
    slot.ready.catch(() => undefined);
    this.slot = slot;
    return slot;
  }

  private retireCurrent(why: string, slot: Slot | undefined = this.slot): void {
    if (!slot || this.slot !== slot) return;
    this.slot = undefined;
    this.log.info({ why }, 'replacing the idempotent producer (new producer id, fresh sequence numbers)');
    this.retire(slot);
  }

  /** Disconnects a producer in the background (bounded: a dead broker must not hold shutdown). */
  private retire(slot: Slot): void {
    const done = slot.ready
      .then(() => Promise.race([slot.producer.disconnect(), new Promise<void>((resolve) => setTimeout(resolve, 5_000).unref())]))
      .catch(() => undefined)
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }
}
