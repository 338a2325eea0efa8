/**
 * `npm run bench -- pipeline [--parts stages,insert-format,anatomy,parallel-views,rollup-layout,partitions,distributed,scale,history,latency,latency-distributed,latency-embedded,memory-processor,memory-embedded,memory-baseline,merge-memory,memory-tuning,memory-allocator,memory-limit,backlog,backlog-embedded] [--events N]
 *   [--history N] [--history-events N] [--latency-only] [--min-bytes N]`: the stream on this machine's
 * Kafka broker (KAFKA_BROKERS, from scripts/services.sh) into the embedded
 * chDB store, with one processor (in this process) and the producer in a
 * separate process; event ids are random UUIDs (not time-ordered). Parts:
 *   - stages: CPU µs per event of each stage of a record (bench/pipeline-stages.ts);
 *   - partitions: a backlog of N events drained by one processor, for topics
 *     of 1, 2 and 4 partitions: events/s from the processor's start until the
 *     last event is stored (produce time excluded); per event the process's
 *     CPU time (every thread, so the chDB engine too), the batch processing
 *     time (validate, normalize, price) and the store write time (wall);
 *   - distributed: the same drain by the compiled `tally processor` in its
 *     own process (default settings, counters on REDIS_URL), with the
 *     @clickhouse/client adapter to a store in another process (the chDB HTTP
 *     test stand-in, bench/standin-process.ts — not a ClickHouse server), 1
 *     and 4 partitions: events/s and CPU per event of both processes from the
 *     first stored event on, the processor's peak RSS (run `npm run build` first;
 *     bench/pipeline-distributed.ts);
 *   - scale: the same with 1, 2 and 4 `tally processor` processes in one
 *     consumer group on a 12-partition backlog of 48 tenants: the group's
 *     events/s, per process, CPU per event and per CPU-second, RSS of each;
 *   - history: the same drain into an empty store and into one holding
 *     --history events (default 20,000,000) of the same tenants and day, with the processor's
 *     dedupe and with 0.1's lookup of every event (bench/pipeline-history.ts);
 *   - latency: events produced at a fixed 5,000/s for 30 s, on topics of 1
 *     and 4 partitions; for each event, the time from send until it is
 *     visible in a query (polled every 50 ms), and the part of it before
 *     the processor stamped the event; the process's CPU per event and RSS
 *     (`--min-bytes` sets the processor's fetch minBytes, to compare);
 *   - latency-distributed: the same timing with `tally processor` in its own
 *     process and the store in another (as `distributed`);
 *   - latency-embedded: `tally start` (compiled) sent 5,000 events/s for 30 s
 *     over HTTP on a fixed schedule, in requests of 100 and of 20 events:
 *     send → 202 (in `tally start` a 202 means stored, so visible), checked
 *     against the analytics API while it runs (bench/pipeline-latency-embedded.ts).
 * Parts run only when named:
 *   - insert-format: the usage_events insert as JSONCompactEachRow vs
 *     RowBinary, same events, alternating: encode CPU µs per event, encode +
 *     insert into chDB (process CPU) per event, and encode + insert over HTTP
 *     into the stand-in in its own process (client and server CPU per event;
 *     bench/pipeline-insert-format.ts);
 *   - anatomy: where an embedded insert's CPU goes — its fixed cost (a 1-row
 *     insert) and cost per row, with every rollup view and as each view is
 *     dropped, and the engine's own counters (bench/pipeline-anatomy.ts);
 *   - parallel-views: the same insert with the rollup views run one after
 *     another and side by side (`parallel_view_processing` 0 and 1),
 *     alternating: wall time and CPU per insert of 500, 2,000 and 5,000 rows
 *     (bench/pipeline-parallel-views.ts);
 *   - rollup-layout: the same inserts into the rollups as laid out before
 *     migration 0023 (a table and a view per shape and grain) and after it
 *     (one per shape), alternating, their sums checked equal
 *     (bench/pipeline-rollup-layout.ts);
 * and (bench/pipeline-memory.ts; `--memory-events N`,
 * default 40,000; `--backlog-events N`, default 1,000,000):
 *   - memory-processor: `tally processor`'s RSS (every second) and CPU per
 *     event under V8's heap defaults, tally's heap growth bound and
 *     --max-old-space-size=192, alternating, as ratios;
 *   - memory-embedded: `tally start`'s RSS idle, under HTTP ingest load and
 *     after, with ClickHouse's cache sizes vs tally's bounded ones;
 *   - memory-baseline: the same load on `tally start` of this checkout and of
 *     a baseline commit (`--baseline REF`, default HEAD~1; built in a
 *     temporary directory), alternating: two versions in one window, as ratios;
 *   - merge-memory: the engine alone under tally start's 5,000-row inserts,
 *     every migration vs usage_events merged as ClickHouse would (0025 set
 *     back) and vs the rollups' 1 MiB compression blocks (0026 set back)
 *     (`--merge-events N`, default 600,000; `--merge-rows N` per insert,
 *     default 5,000; bench/pipeline-merge-memory.ts);
 *   - memory-tuning: the same with glibc's MALLOC_ARENA_MAX=2, with half
 *     the engine's concurrent merges, with ClickHouse's cache sizes, and with
 *     V8's garbage bounded at 20 % of the live heap (heapGrowthPercent);
 *   - memory-limit: `tally start` inside a 600 MB memory cgroup (what a
 *     container's limit enforces; root), 1,000,000 events (`--limit-events N`),
 *     with chDB's jemalloc keeping freed pages 5 s, 1 s and 0, against no
 *     limit: events/s, CPU, the cgroup's peak, OOM kills, pages read back
 *     from disk, events stored (bench/pipeline-memory-limit.ts);
 *   - memory-allocator: the same with chDB's jemalloc keeping freed pages 5 s
 *     (its build's default, tally's), 1 s and 0 (JE_MALLOC_CONF);
 *   - backlog: 1,000,000 events in Kafka before one `tally processor` starts
 *     on them; its RSS every second until they are stored;
 *   - backlog-embedded: 1,000,000 events sent to `tally start` over HTTP as
 *     fast as it takes them; its RSS every second.
 * A run of some parts keeps the other parts' figures of the last run in
 * bench/results/pipeline.json; each part records when it ran and the load
 * average before and after.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createKafkaEventLog } from '../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs } from '../src/eventlog/topics.js';
import { createMetrics } from '../src/core/metrics.js';
import { buildPricer } from '../src/runtime/adapters.js';
import { buildProcessor } from '../src/runtime/processor.js';
import type { ChdbStoreOptions } from '../src/store/chdb/store.js';
import { migrate } from '../src/store/migrate.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { fmt, percentile, writeResult } from './results.js';
import { brokers, count, load, produce, watchVisible } from './pipeline-common.js';
import { distributedLatency, distributedRuns, scaleRuns, startStandin, type DistributedLatencyFigures } from './pipeline-distributed.js';
import { historyRuns } from './pipeline-history.js';
import { mergeMemoryRuns } from './pipeline-merge-memory.js';
import { memoryLimitRuns } from './pipeline-memory-limit.js';
import { ALLOCATOR_VARIANTS, TUNING_VARIANTS, backlogRuns, embeddedBaselineRuns, embeddedMemoryRuns, processorMemoryRuns } from './pipeline-memory.js';
import { stageCosts } from './pipeline-stages.js';
import { insertAnatomy } from './pipeline-anatomy.js';
import { rollupLayoutAB } from './pipeline-rollup-layout.js';
import { insertFormatCosts, processCpuOf } from './pipeline-insert-format.js';
import { parallelViewsAB } from './pipeline-parallel-views.js';
import { embeddedLatencyRun, type EmbeddedLatencyRun } from './pipeline-latency-embedded.js';
import { createClickHouseStore } from '../src/store/clickhouse/store.js';
import { existsSync, readFileSync } from 'node:fs';

/** The embedded store, imported when first used: the bench process loads the chDB library (~150 MiB) only for the parts that use it. */
async function createChdbStore(options: ChdbStoreOptions): Promise<AnalyticsStore> {
  const { createChdbStore: open } = await import('../src/store/chdb/store.js');
  return open(options);
}

/** `--min-bytes N`: the processor's fetch minBytes (default: the config's default). */
let minBytesOverride: number | undefined;

async function runProcessor(store: AnalyticsStore, topicPrefix: string, partitions: number, maxInsertEvents?: number) {
  const topics = resolveTopics({ prefix: topicPrefix, raw: { partitions }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
  const log = createKafkaEventLog({ brokers });
  await log.ensureTopics(topicSpecs(topics));
  const config = loadConfig({ env: {}, overrides: { processor: { groupId: `${topicPrefix}proc`, partitionsConsumedConcurrently: partitions, maxBytesPerPartition: 8 * 1024 * 1024, maxSinkBatch: 10_000, ...(minBytesOverride === undefined ? {} : { minBytes: minBytesOverride }), ...(maxInsertEvents === undefined ? {} : { maxInsertEvents }) } } });
  const metrics = createMetrics({ defaultMetrics: false });
  const processor = buildProcessor({ config, logger: silentLogger(), metrics, health: new HealthState(), log, store, pricer: buildPricer(config), topics });
  /** Records the processor finished with: stored, unpriced, dead-lettered or dropped as duplicates. */
  const consumed = async (): Promise<number> => (await metrics.eventsConsumed.get()).values.reduce((sum, v) => sum + v.value, 0);
  /** Seconds summed over batches: validate + normalize + price, and the store write (wall time, ack included). */
  const split = async (): Promise<{ processing: number; store: number }> => {
    const sum = (values: readonly { metricName?: string; labels: Record<string, unknown>; value: number }[], sink?: string): number =>
      values.find((v) => v.metricName?.endsWith('_sum') && (sink === undefined || v.labels.sink === sink))?.value ?? 0;
    return { processing: sum((await metrics.processingSeconds.get()).values), store: sum((await metrics.sinkSeconds.get()).values, 'store') };
  };
  /** Store inserts of new events, and the batches they carried (group commit). */
  const inserts = async (): Promise<{ inserts: number; batches: number }> => ({
    inserts: (await metrics.storeInserts.get()).values.reduce((a, v) => a + v.value, 0),
    batches: (await metrics.storeInsertBatches.get()).values.reduce((a, v) => a + v.value, 0),
  });
  return { topics, log, processor, consumed, split, inserts };
}

interface LatencyFigures {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly events: number;
  /** send → the processor stamped the event (Kafka, fetch wait, queueing behind the partition's earlier batch). */
  readonly send_to_processor: { readonly p50_ms: number; readonly p99_ms: number };
  /** CPU of this process (processor, chDB engine and the poller) per event, µs. */
  readonly cpu_us_per_event: number;
  /** The processor's fetch minBytes in this run. */
  readonly min_bytes: number;
  /** Store inserts of new events, and batches per insert (group commit). */
  readonly inserts: number;
  readonly batches_per_insert: number;
}

/** Events produced at a fixed rate; for each, the time from send until a query sees it. */
async function latencyRun(store: AnalyticsStore, partitions: number, maxInsertEvents?: number): Promise<{ figures: LatencyFigures; rssMax: number }> {
  const rate = 5_000;
  const seconds = 30;
  const { topics, log, processor, inserts } = await runProcessor(store, `bench${Date.now().toString(36)}lat${partitions}.`, partitions, maxInsertEvents);
  await processor.start();
  const cpu0 = process.cpuUsage();
  let rssMax = 0;
  let done = false;
  void produce(topics.raw.name, rate * seconds, rate, 99).then(() => (done = true));
  const { latencies, toProcessor } = await watchVisible(store, rate * seconds, () => done, () => (rssMax = Math.max(rssMax, process.memoryUsage().rss)));
  const cpu = process.cpuUsage(cpu0);
  const ins = await inserts();
  await processor.stop();
  await log.close();
  const figures: LatencyFigures = {
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    events: latencies.length,
    send_to_processor: { p50_ms: percentile(toProcessor, 50), p99_ms: percentile(toProcessor, 99) },
    cpu_us_per_event: Math.round((cpu.user + cpu.system) / latencies.length),
    min_bytes: minBytesOverride ?? loadConfig({ env: {}, overrides: {} }).processor.minBytes,
    inserts: ins.inserts,
    batches_per_insert: ins.inserts === 0 ? 0 : Math.round((ins.batches / ins.inserts) * 100) / 100,
  };
  console.log(`  latency at ${fmt(rate)} events/s for ${seconds} s, ${partitions} partition(s): produce → visible p50 ${fmt(figures.p50_ms)} ms, p99 ${fmt(figures.p99_ms)} ms (${fmt(figures.events)} events)`);
  console.log(`      of which send → stamped by the processor: p50 ${fmt(figures.send_to_processor.p50_ms)} ms, p99 ${fmt(figures.send_to_processor.p99_ms)} ms (the rest is the insert and the poll)`);
  console.log(`      CPU of the process per event (processor, engine, poller): ${fmt(figures.cpu_us_per_event)} µs; fetch minBytes ${fmt(figures.min_bytes)}; ${fmt(figures.inserts)} store inserts, ${figures.batches_per_insert} batches each`);
  return { figures, rssMax };
}

const PARTS = ['stages', 'insert-format', 'anatomy', 'parallel-views', 'rollup-layout', 'group', 'partitions', 'distributed', 'scale', 'history', 'latency', 'latency-distributed', 'latency-embedded', 'memory-processor', 'memory-embedded', 'memory-baseline', 'merge-memory', 'memory-tuning', 'memory-allocator', 'memory-limit', 'backlog', 'backlog-embedded'] as const;
/** Parts run only when named in --parts (long runs, or measured on their own). */
const ON_REQUEST: ReadonlySet<Part> = new Set(['insert-format', 'anatomy', 'parallel-views', 'rollup-layout', 'group', 'memory-processor', 'memory-embedded', 'memory-baseline', 'merge-memory', 'memory-tuning', 'memory-allocator', 'memory-limit', 'backlog', 'backlog-embedded']);
type Part = (typeof PARTS)[number];


/** The figures of an earlier run, so a run of some parts (`--parts`) keeps the others'. */
function earlierFigures(): Record<string, unknown> {
  const file = fileURLToPath(new URL('./results/pipeline.json', import.meta.url));
  if (!existsSync(file)) return {};
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { figures?: Record<string, unknown> }).figures ?? {};
  } catch {
    return {};
  }
}

export async function runPipelineBench(args: readonly string[]): Promise<void> {
  const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const events = Number(option('--events') ?? '') || 100_000;
  const latencyOnly = args.includes('--latency-only');
  if (option('--min-bytes') !== undefined) minBytesOverride = Number(option('--min-bytes'));
  const parts = new Set<Part>(latencyOnly ? ['latency'] : ((option('--parts')?.split(',') ?? PARTS.filter((p) => !ON_REQUEST.has(p))) as Part[]));
  const memoryEvents = Number(option('--memory-events') ?? '') || 40_000;
  const backlogEvents = Number(option('--backlog-events') ?? '') || 1_000_000;
  // Issue 12, item 3: the second drain runs against at least 20 million stored events of the same tenants and day.
  const history = Number(option('--history') ?? '') || 20_000_000;
  const historyEvents = Number(option('--history-events') ?? '') || 50_000;
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-pipeline-'));
  const figures: Record<string, unknown> = { ...earlierFigures() };
  console.log(`pipeline benchmark: Kafka ${brokers.join(',')} → processor → chDB (${dataDir}); parts ${[...parts].join(', ')}; load average ${load().join(' ')}`);
  try {
    let db = 0;
    const throughput: Record<string, number> = {};
    const costPerEvent: Record<string, { cpu_us: number; process_us: number; store_write_us: number }> = {};
    let store: AnalyticsStore | undefined;
    if (parts.has('stages')) {
      const before = load();
      const stages = await stageCosts(async (name) => {
        const s = await createChdbStore({ dataDir, database: `bench_${name}` });
        await migrate(s);
        return s;
      });
      figures.cost_per_event_by_stage_us = { ...stages.stages, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
      figures.insert_cpu_us_by_rows_per_insert = stages.insert_by_size;
      const s = stages.stages;
      const without = s.decode + s.validate + s.normalize + s.price + s.encode;
      const withBook = s.decode + s.validate + s.normalize + s.price + s.bill + s.encode_billed;
      figures.price_books = {
        note: 'issue 16: the processor stamping every event with its customer\'s price (a 5-rule book per tenant) vs no book, same records, same run',
        bill_us: s.bill, price_stage_ratio: Math.round(((s.price + s.bill) / s.price) * 100) / 100,
        encode_ratio: Math.round((s.encode_billed / s.encode) * 100) / 100,
        record_cpu_us_without_book: Math.round(without * 10) / 10, record_cpu_us_with_book: Math.round(withBook * 10) / 10,
        record_ratio: Math.round((withBook / without) * 1000) / 1000,
      };
    }
    if (parts.has('anatomy')) {
      const before = load();
      const s = await createChdbStore({ dataDir, database: 'bench_anatomy' });
      try {
        await migrate(s);
        figures.insert_anatomy = { ...(await insertAnatomy(s)), measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
      } finally {
        await s.close();
      }
    }
    if (parts.has('parallel-views')) {
      const before = load();
      const s = await createChdbStore({ dataDir, database: 'bench_parallel_views' });
      try {
        await migrate(s);
        console.log('parallel views (chDB, RowBinary inserts, alternating):');
        figures.parallel_views = { ...(await parallelViewsAB(s)), measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
      } finally {
        await s.close();
      }
    }
    if (parts.has('rollup-layout')) {
      const before = load();
      figures.rollup_layout = { ...(await rollupLayoutAB(join(dataDir, 'rollup-layout'))), measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
    }
    if (parts.has('insert-format')) {
      const before = load();
      const standin = await startStandin(join(dataDir, 'standin-insert-format'), false);
      try {
        const f = await insertFormatCosts(
          async (name) => {
            const s = await createChdbStore({ dataDir, database: `bench_${name}` });
            await migrate(s);
            return s;
          },
          async (name) => {
            const s = await createClickHouseStore({ url: standin.url, database: `bench_${name}` });
            await migrate(s);
            return { store: s, serverCpuUs: () => processCpuOf(standin.pid) };
          },
        );
        figures.insert_format = { ...f, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
      } finally {
        await standin.close();
      }
    }
    const loadBefore = load();
    for (const partitions of parts.has('partitions') ? [1, 2, 4] : []) {
      await store?.close();
      store = await createChdbStore({ dataDir, database: `bench_${db++}` });
      await migrate(store);
      const prefix = `bench${Date.now().toString(36)}p${partitions}.`;
      const { topics, log, processor, consumed, split } = await runProcessor(store, prefix, partitions);
      const produced = await produce(topics.raw.name, events, 0, partitions);
      const t0 = Date.now();
      const cpu0 = process.cpuUsage();
      await processor.start();
      while ((await consumed()) < events) await new Promise((r) => setTimeout(r, 100));
      if ((await count(store)) !== events) throw new Error(`expected ${events} stored events, found ${await count(store)}`);
      const secs = (Date.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const { processing, store: storeSeconds } = await split();
      const cost = { cpu_us: (cpu.user + cpu.system) / events, process_us: (processing * 1e6) / events, store_write_us: (storeSeconds * 1e6) / events };
      throughput[`partitions_${partitions}`] = Math.round(events / secs);
      costPerEvent[`partitions_${partitions}`] = { cpu_us: Math.round(cost.cpu_us), process_us: Math.round(cost.process_us), store_write_us: Math.round(cost.store_write_us) };
      console.log(`  ${partitions} partition(s): ${fmt(events)} events stored in ${secs.toFixed(1)} s → ${fmt(events / secs)} events/s (backlog produced in ${produced.seconds.toFixed(1)} s)`);
      console.log(`      per event: ${fmt(cost.cpu_us)} µs CPU in the process (all threads, chDB included); ${fmt(cost.process_us)} µs validate+normalize+price; ${fmt(cost.store_write_us)} µs store write (wall)`);
      await processor.stop();
      await log.close();
    }
    const stageFigures = figures.cost_per_event_by_stage_us as Record<string, number> | undefined;
    const one = costPerEvent.partitions_1;
    // The rest is one run's drain minus the same run's stages: figures of two runs, at two loads, can subtract to less than 0.
    if (parts.has('partitions') && !parts.has('stages')) {
      delete figures.fetch_commit_and_rest_us;
      console.log('      (the rest of the drain beyond the stages is given when --parts names both stages and partitions)');
    }
    if (parts.has('stages') && stageFigures && one) {
      const sum = ['decode', 'validate', 'normalize', 'price', 'encode', 'insert', 'dedupe'].reduce((a, k) => a + (stageFigures[k] ?? 0), 0);
      figures.fetch_commit_and_rest_us = Math.round(one.cpu_us - sum);
      console.log(`      the rest of the 1-partition drain's ${fmt(one.cpu_us)} µs/event beyond the stages (${fmt(sum)} µs): ${fmt(one.cpu_us - sum)} µs — kafkajs fetch, decode and commit, the batch loop, the engine's merges`);
    }
    if (parts.has('partitions')) {
      figures.throughput_eventsPerSecond = throughput;
      figures.cost_per_event_microseconds = costPerEvent;
      figures.partitions_run = { measured_at: new Date().toISOString(), load_average_before: loadBefore, load_average_after: load() };
    }
    await store?.close();

    if (parts.has('distributed') || parts.has('scale') || parts.has('latency-distributed')) {
      const standin = await startStandin(join(dataDir, 'standin'));
      try {
        if (parts.has('distributed')) figures.distributed = await distributedRuns(events, standin);
        if (parts.has('scale')) figures.scale_out = await scaleRuns(events, standin);
        if (parts.has('latency-distributed')) {
          const before = load();
          const byPartitions: Record<string, DistributedLatencyFigures> = {};
          for (const partitions of [1, 4]) byPartitions[`partitions_${partitions}`] = await distributedLatency(standin, partitions);
          figures.distributed_latency_at_5000_per_second = { ...byPartitions, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
        }
      } finally {
        await standin.close();
      }
    }

    if (parts.has('latency-embedded')) {
      const before = load();
      const byRequest: Record<string, EmbeddedLatencyRun> = {};
      for (const perRequest of [100, 20]) byRequest[`events_per_request_${perRequest}`] = await embeddedLatencyRun(5_000, 30, perRequest);
      figures.embedded_latency_at_5000_per_second = { ...byRequest, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
    }

    if (parts.has('memory-processor') || parts.has('backlog')) {
      const standin = await startStandin(join(dataDir, 'standin-memory'));
      try {
        if (parts.has('memory-processor')) figures.memory_processor = await processorMemoryRuns(standin, memoryEvents);
        if (parts.has('backlog')) figures.backlog_processor = (await backlogRuns(standin, backlogEvents, { processor: true, embedded: false })).processor;
      } finally {
        await standin.close();
      }
    }
    if (parts.has('memory-embedded')) figures.memory_embedded = await embeddedMemoryRuns(memoryEvents);
    if (parts.has('memory-baseline')) {
      // One key per baseline commit (HEAD~1 named by its hash, which does not move): comparisons with two versions stay side by side.
      const baseline = execFileSync('git', ['rev-parse', '--short=7', option('--baseline') ?? 'HEAD~1'], { encoding: 'utf8' }).trim();
      figures[`memory_embedded_baseline_${baseline}`] = await embeddedBaselineRuns(memoryEvents, baseline);
    }
    if (parts.has('merge-memory')) {
      const rows = Number(option('--merge-rows') ?? '') || 5_000;
      figures[rows === 5_000 ? 'merge_memory' : `merge_memory_rows_${rows}`] = await mergeMemoryRuns(Number(option('--merge-events') ?? '') || 600_000, rows);
    }
    if (parts.has('memory-tuning')) figures.memory_embedded_tuning = await embeddedMemoryRuns(memoryEvents, TUNING_VARIANTS);
    if (parts.has('memory-allocator')) figures.memory_embedded_allocator = await embeddedMemoryRuns(memoryEvents, ALLOCATOR_VARIANTS);
    if (parts.has('memory-limit')) figures.memory_limit = await memoryLimitRuns(Number(option('--limit-events') ?? '') || 1_000_000);
    if (parts.has('backlog-embedded')) figures.backlog_embedded = (await backlogRuns(undefined, backlogEvents, { processor: false, embedded: true })).embedded;

    if (parts.has('history')) {
      const before = load();
      const h = await historyRuns(
        async (name) => {
          const s = await createChdbStore({ dataDir, database: `bench_${name}` });
          await migrate(s);
          return s;
        },
        brokers, historyEvents, history, (topic, n, seed) => produce(topic, n, 0, seed),
      );
      figures.with_history = { ...h, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
    }

    if (parts.has('group')) {
      // Group commit (processor/group-insert.ts) against every batch inserted on its own (maxInsertEvents 1), alternating, 4 partitions at 5,000/s.
      const before = load();
      const runs: Record<string, LatencyFigures[]> = { grouped: [], alone: [] };
      for (let round = 0; round < 2; round++) {
        for (const variant of round % 2 === 0 ? (['alone', 'grouped'] as const) : (['grouped', 'alone'] as const)) {
          store = await createChdbStore({ dataDir, database: `bench_${db++}` });
          await migrate(store);
          console.log(`  group commit A/B, round ${round + 1}: ${variant}`);
          runs[variant]?.push((await latencyRun(store, 4, variant === 'alone' ? 1 : undefined)).figures);
          await store.close();
        }
      }
      const med = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
      const cpu = (v: string): number => med((runs[v] ?? []).map((f) => f.cpu_us_per_event));
      const p99 = (v: string): number => med((runs[v] ?? []).map((f) => f.p99_ms));
      figures.group_commit = {
        runs, cpu_ratio_grouped_to_alone: Math.round((cpu('grouped') / cpu('alone')) * 100) / 100, p99_ratio_grouped_to_alone: Math.round((p99('grouped') / p99('alone')) * 100) / 100,
        measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load(),
      };
      console.log(`  group commit vs alone (4 partitions, 5,000/s): CPU per event × ${fmt(cpu('grouped') / cpu('alone'), 2)}, produce → visible p99 × ${fmt(p99('grouped') / p99('alone'), 2)}`);
    }

    const latency: Record<string, LatencyFigures> = {};
    let rssMax = 0;
    for (const partitions of parts.has('latency') ? [1, 4] : []) {
      store = await createChdbStore({ dataDir, database: `bench_${db++}` });
      await migrate(store);
      const run = await latencyRun(store, partitions);
      latency[`partitions_${partitions}`] = run.figures;
      rssMax = Math.max(rssMax, run.rssMax);
      await store.close();
    }
    if (parts.has('latency')) {
      figures.latency_at_5000_per_second = latency;
      figures.processor_rss_mib_max = Math.round(rssMax / 2 ** 20);
      console.log(`  RSS of the processor process (with the chDB engine): max ${fmt(rssMax / 2 ** 20)} MiB`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (latencyOnly) return console.log('--latency-only: a diagnostic run; results not written');
  const file = writeResult({
    benchmark: 'pipeline',
    conditions: {
      events, broker: 'Apache Kafka 3.9.2, single KRaft node on this machine', store: 'chDB (embedded ClickHouse 26.7), same process as the processor',
      processor: 'one process; producer in a separate process; maxSinkBatch 10000; partitionsConsumedConcurrently = partitions',
      event_ids: 'random UUIDs (not time-ordered), as provider response ids are',
      parts: [...parts],
      machine_note: '2 vCPUs shared by broker, producer, processor and chDB',
    },
    figures,
  });
  console.log(`written to ${file}`);
}
