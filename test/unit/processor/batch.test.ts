import { describe, expect, it, vi } from 'vitest';
import { createBatchHandler, type BatchDeps } from '../../../src/processor/batch.js';
import { readDlqRecord } from '../../../src/processor/dlq.js';
import type { AlertMessage, CounterBatch, StoreWriteResult } from '../../../src/processor/types.js';
import type { BatchContext, LogMessage, LogProducer, LogRecord, RecordBatch } from '../../../src/eventlog/types.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { HealthState } from '../../../src/core/health.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { TallyError } from '../../../src/core/errors.js';
import { type RecordPipeline } from '../../../src/pipeline/types.js';

function record(offset: number, body: unknown): LogRecord {
  return { topic: 'usage.raw', partition: 3, offset: String(offset), key: 'acme', value: Buffer.from(JSON.stringify(body)), headers: { trace: 't' + offset }, timestamp: 0 };
}

function batchOf(records: LogRecord[]): RecordBatch {
  return { topic: 'usage.raw', partition: 3, records, highWatermark: String(records.length) };
}

/** A pipeline double: `{"bad": true}` is rejected, anything else becomes a minimal priced event. */
const pipeline: RecordPipeline = {
  process(r) {
    const body = JSON.parse(r.value.toString()) as { id: string; bad?: boolean };
    if (body.bad) return { ok: false, rejection: { code: 'VALIDATION_FAILED', message: 'model: must not be empty', errors: [{ path: 'model', reason: 'must not be empty' }] } };
    const priced = { event: { event_id: body.id, tenant: 'acme' }, pricing: { priced: true, pricing_error: null }, source: { topic: r.topic, partition: r.partition, offset: r.offset } } as unknown as PricedEvent;
    return { ok: true, priced };
  },
};

function ctx(overrides: Partial<BatchContext> = {}): BatchContext {
  return { heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, signal: new AbortController().signal, ...overrides };
}

interface Harness {
  deps: BatchDeps;
  calls: string[];
  dlq: LogMessage[];
  stored: string[];
  counted: string[];
}

function harness(opts: { storeFailures?: number; poison?: string; crossings?: AlertMessage[] } = {}): Harness {
  const calls: string[] = [];
  const dlq: LogMessage[] = [];
  const stored: string[] = [];
  const counted: string[] = [];
  let failures = opts.storeFailures ?? 0;
  const producer: LogProducer = {
    async send(topic, messages) { calls.push(`send:${topic}`); dlq.push(...messages); },
    async close() {},
  };
  const deps: BatchDeps = {
    pipeline,
    producer,
    health: new HealthState(),
    logger: silentLogger(),
    metrics: createMetrics({ defaultMetrics: false }),
    store: {
      async write(events): Promise<StoreWriteResult> {
        calls.push(`store:${events.length}`);
        if (failures > 0) { failures--; throw new TallyError('STORE_UNAVAILABLE', 'connection refused'); }
        if (opts.poison && events.some((e) => e.event.event_id === opts.poison)) throw new TallyError('STORE_QUERY_FAILED', 'Decimal overflow');
        stored.push(...events.map((e) => e.event.event_id));
        return { counted: events, duplicates: 0, rejected: [] };
      },
    },
    counters: {
      async apply(b: CounterBatch) { calls.push('counters'); counted.push(...b.events.map((e) => e.event.event_id)); return { crossings: opts.crossings ?? [] }; },
    },
    alerts: { async publish(a) { calls.push(`alerts:${a.length}`); } },
  };
  return { deps, calls, dlq, stored, counted };
}

const options = { dlqTopic: 'usage.dlq', maxSinkBatch: 1000, retryInitialDelayMs: 1, retryMaxDelayMs: 2 };

describe('batch handler', () => {
  it('dead-letters bad records with their bytes and reasons, stores and counts the rest, in that order', async () => {
    const h = harness({ crossings: [{ id: 'b1:2026-11:80', tenant: 'acme', body: {} }] });
    const handle = createBatchHandler(h.deps, options);
    await handle(batchOf([record(10, { id: 'a' }), record(11, { bad: true }), record(12, { id: 'b' })]), ctx());
    expect(h.calls).toEqual(['send:usage.dlq', 'store:2', 'counters', 'alerts:1']);
    expect(h.stored).toEqual(['a', 'b']);
    expect(h.counted).toEqual(['a', 'b']);
    expect(h.dlq).toHaveLength(1);
    const letter = readDlqRecord({ ...record(0, {}), headers: h.dlq[0]!.headers ?? {}, value: h.dlq[0]!.value as Buffer });
    expect(letter.code).toBe('VALIDATION_FAILED');
    expect(letter.errors).toEqual([{ path: 'model', reason: 'must not be empty' }]);
    expect(letter.source).toEqual({ topic: 'usage.raw', partition: 3, offset: '11' });
    expect(letter.value.toString()).toBe('{"bad":true}');
    expect(letter.originalHeaders).toEqual({ trace: 't11' });
  });

  it('retries a failing store without returning (so nothing is committed) and reports not-ready meanwhile', async () => {
    const h = harness({ storeFailures: 3 });
    const readiness: boolean[] = [];
    const origFail = h.deps.health.fail.bind(h.deps.health);
    h.deps.health.fail = (name, err) => { origFail(name, err); readiness.push(h.deps.health.ready()); };
    await createBatchHandler(h.deps, options)(batchOf([record(1, { id: 'a' })]), ctx());
    expect(h.calls.filter((c) => c.startsWith('store'))).toHaveLength(4);
    expect(readiness).toEqual([false, false, false]);
    expect(h.deps.health.ready()).toBe(true);
    expect(h.stored).toEqual(['a']);
  });

  it('abandons the batch uncommitted when the consumer stops during an outage', async () => {
    const h = harness({ storeFailures: 1000 });
    let running = true;
    const handle = createBatchHandler(h.deps, options);
    const done = handle(batchOf([record(1, { id: 'a' })]), ctx({ isRunning: () => running }));
    setTimeout(() => { running = false; }, 20);
    await expect(done).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(h.counted).toEqual([]);
  });

  it('isolates an event the store refuses by bisection and dead-letters only that one', async () => {
    const h = harness({ poison: 'c' });
    const records = ['a', 'b', 'c', 'd', 'e'].map((id, i) => record(i, { id }));
    await createBatchHandler(h.deps, options)(batchOf(records), ctx());
    expect(h.stored.sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(h.counted.sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(h.dlq).toHaveLength(1);
    expect(h.dlq[0]!.value.toString()).toBe('{"id":"c"}');
    expect(h.dlq[0]!.headers?.['tally-dlq-code']).toBe('STORE_QUERY_FAILED');
  });

  it('finishes a healthy batch when the consumer is stopping', async () => {
    const h = harness();
    await createBatchHandler(h.deps, options)(batchOf([record(1, { id: 'a' })]), ctx({ isRunning: () => false }));
    expect(h.stored).toEqual(['a']);
    expect(h.counted).toEqual(['a']);
  });

  it('never commits a batch whose partition was revoked', async () => {
    const h = harness();
    await expect(createBatchHandler(h.deps, options)(batchOf([record(1, { id: 'a' })]), ctx({ isStale: () => true }))).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    expect(h.stored).toEqual([]);
  });

  it('writes large batches in sink-sized chunks', async () => {
    const h = harness();
    const records = Array.from({ length: 25 }, (_, i) => record(i, { id: `e${i}` }));
    await createBatchHandler(h.deps, { ...options, maxSinkBatch: 10 })(batchOf(records), ctx());
    expect(h.calls.filter((c) => c.startsWith('store'))).toEqual(['store:10', 'store:10', 'store:5']);
    expect(h.counted).toHaveLength(25);
  });

  it('keeps heartbeating while it waits to retry a sink, so a long backoff does not cost the partition', async () => {
    vi.useFakeTimers();
    try {
      const h = harness({ storeFailures: 1 });
      let beats = 0;
      const done = createBatchHandler(h.deps, { ...options, retryInitialDelayMs: 8_000, retryMaxDelayMs: 8_000 })(
        batchOf([record(0, { id: 'e0' })]),
        ctx({ heartbeat: async () => { beats++; } }),
      );
      await vi.advanceTimersByTimeAsync(9_000);
      await done;
      expect(h.stored).toEqual(['e0']);
      // The backoff is 4–8 s (jitter): one heartbeat at least every second of it.
      expect(beats).toBeGreaterThanOrEqual(4);
    } finally {
      vi.useRealTimers();
    }
  });
});
