/**
 * The usage recorder: the SDK's producer.
 *
 *   const recorder = createUsageRecorder({ transport: kafkaTransport(log, 'usage.raw') });
 *   recorder.record({ tenant: 'acme', provider: 'openai', model: 'gpt-4o', usage });
 *   await recorder.close(); // on shutdown: sends what is buffered
 *
 * `record` validates synchronously (VALIDATION_FAILED with every field path;
 * bad input never enters the buffer), fills `event_id` (UUIDv7) and
 * `occurred_at`, and buffers. Batches go out when `maxBatchSize` events wait
 * or `lingerMs` after the first of them, one batch at a time in record order
 * (so order per tenant is kept), keyed by tenant. A retriable failure is
 * retried with backoff and jitter; after the retries the events stay buffered
 * and are tried again later. Nothing is dropped silently: the buffer is
 * bounded, and when full `record` throws LOG_UNAVAILABLE (retriable) — the
 * caller decides. Only events the receiver refuses for good (not retriable)
 * leave the buffer unsent, and they are reported to `onError` with their ids.
 */
import { TallyError, isTallyError } from '../core/errors.js';
import type { UsageEventInput } from '../events/schema.js';
import { withRetry } from '../core/retry.js';
import { prepareEvent } from './prepare.js';
import type { EventDefaults, FlushInfo, RecordedEvent, RetryInfo, TransportResult, UsageTransport } from './types.js';

export interface UsageRecorderOptions {
  /** Where batches go: `kafkaTransport(...)` or `httpTransport(...)`. Required. */
  readonly transport: UsageTransport;
  /** Most events in one send. Default 500. */
  readonly maxBatchSize?: number;
  /** How long the first buffered event may wait for a batch to fill, ms. Default 100. */
  readonly lingerMs?: number;
  /** Events accepted but not yet acknowledged. Beyond it `record` throws LOG_UNAVAILABLE (retriable). Default 10,000. */
  readonly maxBufferedEvents?: number;
  /**
   * Retries of one batch on retriable failures (exponential backoff, full
   * jitter). After them the events stay buffered; the next attempt comes after
   * `maxDelayMs`, or sooner on `flush()`. Defaults: 5 retries, 100 ms, 5,000 ms.
   */
  readonly retry?: { readonly retries?: number; readonly initialDelayMs?: number; readonly maxDelayMs?: number };
  /** Fields every event gets unless it sets them (metadata is merged). Default none. */
  readonly defaults?: EventDefaults;
  /** After each acknowledged batch. */
  readonly onFlush?: (info: FlushInfo) => void;
  /** Before each retry wait. */
  readonly onRetry?: (info: RetryInfo) => void;
  /**
   * A batch failed after its retries (the events stay buffered), or events
   * were refused for good (they are gone; their ids say which).
   */
  readonly onError?: (error: TallyError, eventIds: readonly string[]) => void;
  /** Clock, ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

export interface UsageRecorder {
  /** Validates, stamps and buffers one event; returns its `event_id`. Throws VALIDATION_FAILED, EVENT_TOO_LARGE, LOG_UNAVAILABLE (buffer full) or SHUTTING_DOWN (closed). */
  record(event: UsageEventInput): string;
  /** Resolves when every event recorded before the call is acknowledged; rejects if some could not be. */
  flush(): Promise<void>;
  /** Stops accepting events, flushes, closes the transport. Rejects (and keeps the transport open) if events remain unsent; call again to retry. */
  close(): Promise<void>;
  /** Events accepted and not yet acknowledged. */
  readonly buffered: number;
}

interface Entry {
  readonly seq: number;
  readonly event: RecordedEvent;
}

interface FlushWaiter {
  readonly through: number;
  readonly resolve: () => void;
  readonly reject: (err: TallyError) => void;
}

function asTallyError(err: unknown): TallyError {
  if (isTallyError(err)) return err;
  return new TallyError('LOG_UNAVAILABLE', `transport failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err, retriable: false });
}

class Recorder implements UsageRecorder {
  private readonly queue: Entry[] = [];
  private seq = 0;
  /** Events with seq <= dueThrough are sent without waiting for the batch to fill. */
  private dueThrough = 0;
  /** Every event with seq <= settledThrough was acknowledged or refused for good. */
  private settledThrough = 0;
  private waiters: FlushWaiter[] = [];
  private running: Promise<void> | undefined;
  private linger: NodeJS.Timeout | undefined;
  private pausedUntil = 0;
  private resume: NodeJS.Timeout | undefined;
  private closed = false;
  private transportClosed = false;
  /** Lowered after BATCH_TOO_LARGE, back to maxBatchSize after a success. */
  private batchSize: number;
  private readonly maxBatchSize: number;
  private readonly lingerMs: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;

  constructor(private readonly options: UsageRecorderOptions) {
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 500);
    this.batchSize = this.maxBatchSize;
    this.lingerMs = Math.max(0, options.lingerMs ?? 100);
    this.maxBuffered = Math.max(this.maxBatchSize, options.maxBufferedEvents ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  get buffered(): number {
    return this.queue.length;
  }

  record(input: UsageEventInput): string {
    if (this.closed) throw new TallyError('SHUTTING_DOWN', 'the usage recorder is closed', { retriable: false });
    const event = prepareEvent(input, this.options.defaults ?? {}, this.now());
    if (this.queue.length >= this.maxBuffered) {
      throw new TallyError('LOG_UNAVAILABLE', `usage recorder buffer is full: ${this.queue.length} events wait for acknowledgement; retry later`, {
        details: { buffered: this.queue.length, limit: this.maxBuffered },
      });
    }
    this.queue.push({ seq: ++this.seq, event });
    if (this.queue.length >= this.batchSize) this.kick();
    else this.linger ??= setTimeout(() => this.lingerElapsed(), this.lingerMs);
    return event.event_id;
  }

  flush(): Promise<void> {
    if (this.settledThrough >= this.seq) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => {
      this.waiters.push({ through: this.seq, resolve, reject });
    });
    this.dueThrough = this.seq;
    this.pausedUntil = 0; // a flush tries now, even during a pause after failures
    this.kick();
    return done;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.transportClosed) return;
    this.transportClosed = true;
    clearTimeout(this.linger);
    clearTimeout(this.resume);
    await this.options.transport.close();
  }

  private lingerElapsed(): void {
    this.linger = undefined;
    this.dueThrough = this.seq;
    this.kick();
  }

  private kick(): void {
    this.running ??= this.pump().finally(() => {
      this.running = undefined;
      if (this.due()) this.kick();
    });
  }

  private due(): boolean {
    const head = this.queue[0];
    if (!head || this.now() < this.pausedUntil) return false;
    return this.queue.length >= this.batchSize || head.seq <= this.dueThrough;
  }

  /** Sends batches while some are due; one at a time, in record order. */
  private async pump(): Promise<void> {
    while (this.due()) {
      const batch = this.queue.slice(0, this.batchSize);
      const outcome = await this.sendBatch(batch);
      if (outcome === 'retry-later') return;
    }
    const head = this.queue[0];
    if (head && !this.linger && this.now() >= this.pausedUntil) this.linger = setTimeout(() => this.lingerElapsed(), this.lingerMs);
  }

  private async sendBatch(batch: readonly Entry[]): Promise<'sent' | 'retry-later'> {
    const events = batch.map((e) => e.event);
    const started = this.now();
    const retry = this.options.retry ?? {};
    let attempts = 0;
    try {
      const result = await withRetry(
        async () => {
          attempts++;
          try {
            return (await this.options.transport.send(events)) ?? {};
          } catch (err) {
            throw asTallyError(err);
          }
        },
        {
          retries: retry.retries ?? 5,
          initialDelayMs: retry.initialDelayMs ?? 100,
          maxDelayMs: retry.maxDelayMs ?? 5_000,
          onRetry: (error, attempt, delayMs) => this.options.onRetry?.({ error: asTallyError(error), attempt, delayMs, events: events.length }),
        },
      );
      this.acknowledged(batch, result, attempts, started);
      return 'sent';
    } catch (err) {
      const error = asTallyError(err);
      if (error.code === 'BATCH_TOO_LARGE' && batch.length > 1) {
        this.batchSize = Math.max(1, Math.floor(batch.length / 2)); // split and send again
        return 'sent';
      }
      if (error.retriable) {
        this.report(error, events);
        this.failWaiters(error, 'kept');
        this.pauseAfterFailure();
        return 'retry-later';
      }
      this.queue.splice(0, batch.length);
      this.report(error, events);
      this.failWaiters(error, 'dropped');
      this.settle(batch[batch.length - 1]?.seq ?? 0);
      return 'sent';
    }
  }

  private acknowledged(batch: readonly Entry[], result: TransportResult, attempts: number, started: number): void {
    this.queue.splice(0, batch.length);
    this.batchSize = this.maxBatchSize;
    const rejected = result.rejected ?? [];
    for (const item of rejected) {
      const entry = batch[item.index];
      if (!entry) continue;
      const error = new TallyError('VALIDATION_FAILED', `the receiver refused event ${entry.event.event_id}`, {
        details: { index: item.index, event_id: entry.event.event_id, errors: item.errors },
      });
      this.options.onError?.(error, [entry.event.event_id]);
    }
    this.options.onFlush?.({ events: batch.length, attempts, durationMs: this.now() - started, rejected: rejected.length });
    this.settle(batch[batch.length - 1]?.seq ?? 0);
  }

  private settle(through: number): void {
    this.settledThrough = Math.max(this.settledThrough, through);
    const pending: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.through <= this.settledThrough) waiter.resolve();
      else pending.push(waiter);
    }
    this.waiters = pending;
  }

  /** Waiters whose events include a failed batch reject now; `what` says whether those events are still buffered. */
  private failWaiters(error: TallyError, what: 'kept' | 'dropped'): void {
    const firstFailed = this.settledThrough + 1;
    const pending: FlushWaiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.through >= firstFailed) {
        const message =
          what === 'kept'
            ? `flush incomplete: ${this.queue.length} events remain buffered and will be tried again (${error.message})`
            : `flush incomplete: events were refused (${error.message})`;
        waiter.reject(new TallyError(error.code, message, { cause: error, details: { ...error.details, buffered: this.queue.length }, retriable: error.retriable }));
      } else pending.push(waiter);
    }
    this.waiters = pending;
  }

  private report(error: TallyError, events: readonly RecordedEvent[]): void {
    this.options.onError?.(error, events.map((e) => e.event_id));
  }

  private pauseAfterFailure(): void {
    const delay = this.options.retry?.maxDelayMs ?? 5_000;
    this.pausedUntil = this.now() + delay;
    clearTimeout(this.resume);
    this.resume = setTimeout(() => {
      this.resume = undefined;
      this.pausedUntil = 0;
      this.dueThrough = this.seq; // whatever waited during the pause is due now
      this.kick();
    }, delay);
    this.resume.unref(); // a process that exits without close() is not held open by a broken transport
  }
}

/** Creates a usage recorder; see the module comment for the delivery guarantees. */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  return new Recorder(options);
}
