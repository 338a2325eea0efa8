/**
 * Prometheus metrics. One registry per process; every instrument is declared
 * here, named `tally_*`, and listed in docs/metrics.md. Components receive the
 * `Metrics` object instead of touching prom-client directly.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export interface Metrics {
  readonly registry: Registry;
  /** Records read from the raw topic, by outcome: priced, unpriced, rejected, duplicate. */
  readonly eventsConsumed: Counter<'outcome'>;
  /** Events accepted by an ingest path, by path: http, sdk, cli. */
  readonly eventsProduced: Counter<'path'>;
  /** Spans received at POST /v1/traces, by outcome: accepted (GenAI usage, ingested), ignored (no GenAI usage), rejected (invalid GenAI span). */
  readonly otlpSpans: Counter<'outcome'>;
  /** Records sent to the DLQ, by error code. */
  readonly dlqRecords: Counter<'code'>;
  /** Events stored without a price, by reason code. */
  readonly unpricedEvents: Counter<'code'>;
  /** Records per processed batch. */
  readonly batchSize: Histogram<string>;
  /** Seconds to validate, normalize and price one batch. */
  readonly processingSeconds: Histogram<string>;
  /** Seconds per sink write, by sink: store, counters, dlq, alerts. */
  readonly sinkSeconds: Histogram<'sink'>;
  /** Failed sink attempts, by sink and error code. */
  readonly sinkErrors: Counter<'sink' | 'code'>;
  /** Consumer lag per partition (high watermark − committed). */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** 1 when the process is ready, 0 when a dependency is failing. */
  readonly ready: Gauge<string>;
  /** Quota checks by result: allowed, denied, error. */
  readonly quotaChecks: Counter<'result'>;
  /** Seconds per quota check or reservation, by operation: check, reserve, settle. */
  readonly quotaSeconds: Histogram<'operation'>;
  /** Budget threshold alerts emitted, by threshold. */
  readonly alertsEmitted: Counter<'threshold'>;
  /** Webhook deliveries by result: ok, retry, failed. */
  readonly webhookDeliveries: Counter<'result'>;
  /** Counter-store regions found without their epoch marker (lost data) whose rebuild this process took on. */
  readonly countersLost: Counter<string>;
  /** Counter-store regions known lost and not yet rebuilt, as this process sees them. */
  readonly countersLostRegions: Gauge<string>;
  /** Slots (tenants, the global slot) rebuilt from the analytics store after a loss, by result: ok, failed. */
  readonly counterRebuilds: Counter<'result'>;
  /** Quota checks, reservations and statuses that read lost counters, by outage policy and outcome: rebuilt, unavailable, open. */
  readonly quotaOutageAnswers: Counter<'policy' | 'outcome'>;
  /** Quota checks and reservations answered while the counter store was unreachable, by the subject's outage policy (fail_open, fail_closed, leases) and outcome: open, lease, unavailable. */
  readonly quotaUnreachableAnswers: Counter<'policy' | 'outcome'>;
  /** 1 while the counter store answers, 0 while it is unreachable, as this process last saw it. */
  readonly counterStoreUp: Gauge<string>;
  /** HTTP requests by route, method and status. */
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  /** Events the processor's dedupe wrote without a lookup (`direct`) or looked up in the store (`verified`). */
  readonly dedupeEvents: Counter<'path'>;
  /** Refills of the processor's recent-id window from the store, and the ids read. */
  readonly dedupeRefills: Counter<string>;
  /** Inserts of new events by the processor's store sink, and the batches they carried (group-insert.ts). */
  readonly storeInserts: Counter<string>;
  readonly storeInsertBatches: Counter<string>;
  /** Events the store counted as new that the counters had already applied: duplicates older than the store's window. */
  readonly dedupeLate: Counter<string>;
  /** HTTP request seconds by route. */
  readonly httpSeconds: Histogram<'route'>;
  /** The store engine's memory, by kind, read from the engine at each scrape once `readEngineMemoryFrom` names a source (`tally start`: chDB in the process). */
  readonly engineMemory: Gauge<'kind'>;
  /** Where `engineMemory` reads from. */
  readEngineMemoryFrom(source: EngineMemorySource): void;
}

/**
 * prom-client's default metrics that are gauges named like counters (`_total`), which
 * `promtool check metrics` refuses; the same numbers are served by type, without the
 * suffix (`tally_nodejs_active_handles{type}` summed is the total).
 */
const TOTAL_NAMED_GAUGES = ['tally_nodejs_active_handles_total', 'tally_nodejs_active_requests_total', 'tally_nodejs_active_resources_total'];

/** The store engine's memory in bytes by kind; null for a kind the engine does not report. */
export type EngineMemorySource = () => Promise<Readonly<Record<EngineMemoryKind, number | null>>>;
export type EngineMemoryKind = 'tracked' | 'allocator_allocated' | 'allocator_resident';

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    // prom-client's names start with process_ or nodejs_ already: tally_process_cpu_seconds_total, tally_nodejs_heap_size_used_bytes.
    collectDefaultMetrics({ register: registry, prefix: 'tally_' });
    for (const name of TOTAL_NAMED_GAUGES) registry.removeSingleMetric(name);
  }
  const registers = [registry];
  let engineMemorySource: EngineMemorySource | null = null;
  return {
    registry,
    eventsConsumed: new Counter({ name: 'tally_events_consumed_total', help: 'Records read from the raw topic, by outcome.', labelNames: ['outcome'], registers }),
    eventsProduced: new Counter({ name: 'tally_events_produced_total', help: 'Events accepted for the raw topic, by ingest path.', labelNames: ['path'], registers }),
    otlpSpans: new Counter({ name: 'tally_otlp_spans_total', help: 'Spans received at POST /v1/traces, by outcome: accepted, ignored (no GenAI usage), rejected.', labelNames: ['outcome'], registers }),
    dlqRecords: new Counter({ name: 'tally_dlq_records_total', help: 'Records sent to the dead-letter topic, by error code.', labelNames: ['code'], registers }),
    unpricedEvents: new Counter({ name: 'tally_unpriced_events_total', help: 'Events stored without a price, by reason.', labelNames: ['code'], registers }),
    batchSize: new Histogram({ name: 'tally_batch_size', help: 'Records per processed batch.', buckets: SIZE_BUCKETS, registers }),
    processingSeconds: new Histogram({ name: 'tally_processing_seconds', help: 'Time to validate, normalize and price one batch.', buckets: LATENCY_BUCKETS, registers }),
    sinkSeconds: new Histogram({ name: 'tally_sink_seconds', help: 'Time per sink write.', labelNames: ['sink'], buckets: LATENCY_BUCKETS, registers }),
    sinkErrors: new Counter({ name: 'tally_sink_errors_total', help: 'Failed sink attempts.', labelNames: ['sink', 'code'], registers }),
    consumerLag: new Gauge({ name: 'tally_consumer_lag', help: 'Records behind the high watermark, per partition.', labelNames: ['topic', 'partition'], registers }),
    ready: new Gauge({ name: 'tally_ready', help: '1 when ready, 0 when a dependency is failing.', registers }),
    quotaChecks: new Counter({ name: 'tally_quota_checks_total', help: 'Quota checks by result.', labelNames: ['result'], registers }),
    quotaSeconds: new Histogram({ name: 'tally_quota_seconds', help: 'Quota operation latency.', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers }),
    alertsEmitted: new Counter({ name: 'tally_alerts_emitted_total', help: 'Budget threshold alerts emitted.', labelNames: ['threshold'], registers }),
    webhookDeliveries: new Counter({ name: 'tally_webhook_deliveries_total', help: 'Alert webhook deliveries by result.', labelNames: ['result'], registers }),
    countersLost: new Counter({ name: 'tally_counters_lost_total', help: 'Counter-store regions found without their epoch marker and rebuilt by this process.', registers }),
    countersLostRegions: new Gauge({ name: 'tally_counters_lost_regions', help: 'Counter-store regions known lost and not yet rebuilt.', registers }),
    counterRebuilds: new Counter({ name: 'tally_counters_rebuilt_total', help: 'Counter slots rebuilt from the analytics store after a loss, by result.', labelNames: ['result'], registers }),
    quotaOutageAnswers: new Counter({ name: 'tally_quota_outage_answers_total', help: 'Reads of lost counters answered under the outage policy, by policy and outcome.', labelNames: ['policy', 'outcome'], registers }),
    quotaUnreachableAnswers: new Counter({ name: 'tally_quota_unreachable_answers_total', help: 'Quota checks and reservations answered while the counter store was unreachable, by outage policy and outcome.', labelNames: ['policy', 'outcome'], registers }),
    counterStoreUp: new Gauge({ name: 'tally_counter_store_up', help: '1 while the counter store answers, 0 while it is unreachable.', registers }),
    httpRequests: new Counter({ name: 'tally_http_requests_total', help: 'HTTP requests by route, method and status.', labelNames: ['route', 'method', 'status'], registers }),
    dedupeEvents: new Counter({ name: 'tally_dedupe_events_total', help: 'Events written without a store lookup (direct) or looked up (verified).', labelNames: ['path'], registers }),
    dedupeRefills: new Counter({ name: 'tally_dedupe_window_refills_total', help: 'Refills of the recent-id window from the store.', registers }),
    storeInserts: new Counter({ name: 'tally_store_inserts_total', help: 'Inserts of new events by the processor (several batches written at once go in one).', registers }),
    storeInsertBatches: new Counter({ name: 'tally_store_insert_batches_total', help: 'Batches whose new events those inserts carried.', registers }),
    dedupeLate: new Counter({ name: 'tally_dedupe_late_duplicates_total', help: 'Duplicates older than the dedupe window that the budget counters recognised.', registers }),
    httpSeconds: new Histogram({ name: 'tally_http_request_seconds', help: 'HTTP request latency by route.', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers }),
    engineMemory: new Gauge({
      name: 'tally_engine_memory_bytes',
      help: "The store engine's memory by kind: tracked (its own accounting), allocator_allocated, allocator_resident (jemalloc's pages, freed ones it keeps included).",
      labelNames: ['kind'],
      registers,
      async collect() {
        if (engineMemorySource === null) return;
        this.reset();
        // A scrape must not fail because the store does not answer: the kinds are left out then.
        const memory = await engineMemorySource().catch(() => null);
        for (const [kind, bytes] of Object.entries(memory ?? {})) if (bytes !== null) this.set({ kind }, bytes);
      },
    }),
    readEngineMemoryFrom(source) {
      engineMemorySource = source;
    },
  };
}

/** Seconds since `start` (from process.hrtime.bigint()). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
