/**
 * One batch of one partition, in an order that makes loss impossible:
 *   1. validate, normalize, price every record (bad ones become dead letters);
 *   2. send dead letters to the DLQ and wait for the ack;
 *   3. write the priced events to the analytics store (idempotent, deduped);
 *   4. apply them to the counters (fenced by offset), then publish crossings;
 *   5. return — only now may the event log commit the batch's offsets.
 * A failing sink is retried with backoff for as long as the consumer runs,
 * with heartbeats, and the process reports not-ready meanwhile; nothing is
 * committed until every step acknowledged. A record the store refuses on its
 * own (not an outage) is isolated by bisection and dead-lettered, so one bad
 * value can never stop a partition.
 */
import { TallyError, errorMessage, isRetriable, isTallyError } from '../core/errors.js';
import type { HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import type { BatchContext, BatchHandler, LogMessage, LogProducer, LogRecord, RecordBatch } from '../eventlog/types.js';
import type { Metrics } from '../core/metrics.js';
import { secondsSince } from '../core/metrics.js';
import type { PricedEvent } from '../pipeline/types.js';
import { backoffDelay, sleep } from '../core/retry.js';
import { dlqMessage } from './dlq.js';
import type { AlertPublisher, CounterSink, EventStoreSink, StoreWriteResult } from './types.js';
import { type Rejection } from '../events/types.js';
import { type RecordPipeline } from '../pipeline/types.js';

export interface BatchDeps {
  readonly pipeline: RecordPipeline;
  readonly store: EventStoreSink;
  readonly counters?: CounterSink;
  readonly alerts?: AlertPublisher;
  readonly producer: LogProducer;
  readonly health: HealthState;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock?: () => Date;
}

export interface BatchOptions {
  readonly dlqTopic: string;
  /** Most events written to the sinks in one step. */
  readonly maxSinkBatch: number;
  /** Backoff of sink retries. */
  readonly retryInitialDelayMs?: number;
  readonly retryMaxDelayMs?: number;
}

interface Pair {
  readonly record: LogRecord;
  readonly priced: PricedEvent;
}

/** Longest sleep between heartbeats while a sink is retried (kafkajs sends one at most every heartbeat interval). */
export const HEARTBEAT_SLICE_MS = 1_000;

/**
 * Sleeps `ms` while telling the group this member is alive: a backoff longer
 * than the session timeout (10 s by default) must not make the coordinator
 * give the partition away in the middle of a sink outage.
 */
async function waitAlive(ms: number, ctx: BatchContext): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    await ctx.heartbeat().catch(() => undefined);
    const left = end - Date.now();
    if (left <= 0 || ctx.signal.aborted) return;
    await sleep(Math.min(left, HEARTBEAT_SLICE_MS), ctx.signal);
  }
}

export function createBatchHandler(deps: BatchDeps, options: BatchOptions): BatchHandler {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger;

  /** Runs one sink write until it succeeds; rethrows non-retriable errors; gives up only when the consumer stops. */
  async function untilDone<T>(sink: string, ctx: BatchContext, write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      // A batch whose partition moved elsewhere is never worth finishing; a stopping
      // consumer still finishes a healthy batch, and abandons one stuck in retries.
      if (ctx.isStale() || (attempt > 1 && !ctx.isRunning())) {
        throw new TallyError('SHUTTING_DOWN', `batch abandoned before the ${sink} write: consumer ${ctx.isStale() ? 'lost the partition' : 'is stopping'}`);
      }
      const started = process.hrtime.bigint();
      try {
        const result = await write();
        deps.metrics.sinkSeconds.observe({ sink }, secondsSince(started));
        deps.health.ok(sink);
        return result;
      } catch (err) {
        if (!isRetriable(err)) throw err;
        const code = isTallyError(err) ? err.code : 'UNKNOWN';
        deps.metrics.sinkErrors.inc({ sink, code });
        deps.health.fail(sink, err);
        const delay = backoffDelay(attempt, { initialDelayMs: options.retryInitialDelayMs ?? 200, maxDelayMs: options.retryMaxDelayMs ?? 10_000 });
        log.warn({ sink, attempt, delayMs: delay, err: errorMessage(err) }, `${sink} write failed; retrying without committing`);
        await waitAlive(delay, ctx);
      }
    }
  }

  /** Writes to the store; a non-retriable refusal is narrowed down by bisection to the events that cause it. */
  async function writeStore(pairs: readonly Pair[], ctx: BatchContext): Promise<StoreWriteResult> {
    try {
      return await untilDone('store', ctx, () => deps.store.write(pairs.map((p) => p.priced)));
    } catch (err) {
      if (isRetriable(err) || (isTallyError(err) && err.code === 'SHUTTING_DOWN')) throw err;
      const only = pairs[0];
      if (pairs.length === 1 && only) {
        const rejection: Rejection = { code: isTallyError(err) ? err.code : 'STORE_QUERY_FAILED', message: `the analytics store refused this event: ${errorMessage(err)}`, errors: [] };
        log.error({ eventId: only.priced.event.event_id, offset: only.record.offset, err: errorMessage(err) }, 'store refused an event; sending it to the DLQ');
        return { counted: [], duplicates: 0, rejected: [{ event: only.priced, rejection }] };
      }
      const mid = Math.ceil(pairs.length / 2);
      const left = await writeStore(pairs.slice(0, mid), ctx);
      const right = await writeStore(pairs.slice(mid), ctx);
      return { counted: [...left.counted, ...right.counted], duplicates: left.duplicates + right.duplicates, rejected: [...left.rejected, ...right.rejected] };
    }
  }

  async function sendDeadLetters(messages: readonly LogMessage[], ctx: BatchContext): Promise<void> {
    if (messages.length === 0) return;
    await untilDone('dlq', ctx, () => deps.producer.send(options.dlqTopic, messages));
  }

  return async function handleBatch(batch: RecordBatch, ctx: BatchContext): Promise<void> {
    if (batch.records.length === 0) return;
    const started = process.hrtime.bigint();
    const now = clock();
    const good: Pair[] = [];
    const dead: LogMessage[] = [];
    for (const record of batch.records) {
      const outcome = deps.pipeline.process(record);
      if (outcome.ok) {
        good.push({ record, priced: outcome.priced });
      } else {
        dead.push(dlqMessage(record, outcome.rejection, now));
        deps.metrics.dlqRecords.inc({ code: outcome.rejection.code });
        deps.metrics.eventsConsumed.inc({ outcome: 'rejected' });
      }
    }
    deps.metrics.processingSeconds.observe(secondsSince(started));
    deps.metrics.batchSize.observe(batch.records.length);

    await sendDeadLetters(dead, ctx);

    for (let i = 0; i < good.length; i += options.maxSinkBatch) {
      const chunk = good.slice(i, i + options.maxSinkBatch);
      const result = await writeStore(chunk, ctx);
      if (result.rejected.length > 0) {
        const byEvent = new Map(chunk.map((p) => [p.priced, p.record]));
        const letters: LogMessage[] = [];
        for (const r of result.rejected) {
          const record = byEvent.get(r.event);
          if (record) letters.push(dlqMessage(record, r.rejection, now));
          deps.metrics.dlqRecords.inc({ code: r.rejection.code });
        }
        await sendDeadLetters(letters, ctx);
      }
      for (const e of result.counted) {
        deps.metrics.eventsConsumed.inc({ outcome: e.pricing.priced ? 'priced' : 'unpriced' });
        if (!e.pricing.priced) deps.metrics.unpricedEvents.inc({ code: e.pricing.pricing_error?.code ?? 'UNKNOWN' });
      }
      if (result.duplicates > 0) deps.metrics.eventsConsumed.inc({ outcome: 'duplicate' }, result.duplicates);

      const counters = deps.counters;
      if (counters && result.counted.length > 0) {
        const { crossings, duplicates } = await untilDone('counters', ctx, () =>
          counters.apply({ topic: batch.topic, partition: batch.partition, events: result.counted }),
        );
        if (duplicates !== undefined && duplicates > 0) {
          deps.metrics.dedupeLate.inc(duplicates);
          log.warn({ topic: batch.topic, partition: batch.partition, duplicates }, 'events older than the dedupe window were stored again; the counters skipped them');
        }
        const alerts = deps.alerts;
        if (alerts && crossings.length > 0) await untilDone('alerts', ctx, () => alerts.publish(crossings));
      }
    }
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    log.debug(
      { topic: batch.topic, partition: batch.partition, firstOffset: first?.offset, lastOffset: last?.offset, records: batch.records.length, deadLetters: dead.length },
      'batch done',
    );
  };
}
