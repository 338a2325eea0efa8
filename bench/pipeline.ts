/**
 * `npm run bench -- pipeline [--parts stages,partitions,history,latency] [--events N]
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
 *     first stored event on, the processor's peak RSS (run `npm run build` first);
 *   - history: the same drain into an empty store and into one holding
 *     --history events of the same tenants and day, with the processor's
 *     dedupe and with 0.1's lookup of every event (bench/pipeline-history.ts);
 *   - latency: events produced at a fixed 5,000/s for 30 s, on topics of 1
 *     and 4 partitions; for each event, the time from send until it is
 *     visible in a query (polled every 50 ms), and the part of it before
 *     the processor stamped the event; the process's CPU per event and RSS
 *     (`--min-bytes` sets the processor's fetch minBytes, to compare).
 * A run of some parts keeps the other parts' figures of the last run in
 * bench/results/pipeline.json; each part records when it ran and the load
 * average before and after.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
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
import { createClickHouseStore } from '../src/store/clickhouse/store.js';
import type { ChdbStoreOptions } from '../src/store/chdb/store.js';
import { migrate } from '../src/store/migrate.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { fmt, percentile, writeResult } from './results.js';
import { historyRuns } from './pipeline-history.js';
import { stageCosts } from './pipeline-stages.js';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
/** How often the latency run looks for new rows, and how far back (insert time) it looks. */
const POLL_MS = 50;
const LOOK_BACK_MS = 10_000;
const PRODUCER = fileURLToPath(new URL('./pipeline-producer.ts', import.meta.url));

function produce(topic: string, count: number, rate: number, seed: number): Promise<{ seconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', PRODUCER, brokers.join(','), topic, String(count), String(rate), String(seed)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    child.stdout.on('data', (d: Buffer) => (last = d.toString().trim().split('\n').at(-1) ?? last));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(last) as { seconds: number }) : reject(new Error(`producer exited ${code}`))));
  });
}

async function count(store: AnalyticsStore): Promise<number> {
  const [r] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
  return Number(r?.n ?? 0);
}

/** The embedded store, imported when first used: the bench process loads the chDB library (~150 MiB) only for the parts that use it. */
async function createChdbStore(options: ChdbStoreOptions): Promise<AnalyticsStore> {
  const { createChdbStore: open } = await import('../src/store/chdb/store.js');
  return open(options);
}

/** `--min-bytes N`: the processor's fetch minBytes (default: the config's default). */
let minBytesOverride: number | undefined;

async function runProcessor(store: AnalyticsStore, topicPrefix: string, partitions: number) {
  const topics = resolveTopics({ prefix: topicPrefix, raw: { partitions }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
  const log = createKafkaEventLog({ brokers });
  await log.ensureTopics(topicSpecs(topics));
  const config = loadConfig({ env: {}, overrides: { processor: { groupId: `${topicPrefix}proc`, partitionsConsumedConcurrently: partitions, maxBytesPerPartition: 8 * 1024 * 1024, maxSinkBatch: 10_000, ...(minBytesOverride === undefined ? {} : { minBytes: minBytesOverride }) } } });
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
  return { topics, log, processor, consumed, split };
}

interface DistributedFigures {
  readonly store: string;
  readonly events: number;
  /** By partition count: events/s from the processor's start until every event is stored. */
  readonly events_per_second: Record<string, number>;
  /** By partition count: CPU of the `tally processor` process per event, µs (its start-up and the store's process excluded). */
  readonly processor_cpu_us_per_event: Record<string, number>;
  /** By partition count: CPU of the stand-in process per event, µs (what a ClickHouse server would spend instead). */
  readonly store_process_cpu_us_per_event: Record<string, number>;
  readonly processor_rss_mib_max: number;
  readonly measured_at: string;
  readonly load_average_before: number[];
  readonly load_average_after: number[];
}

/** CPU µs of another process so far (user + system, from /proc). */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/** Peak resident set (VmHWM) of another process, MiB. */
function peakRssMib(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** A free TCP port on 127.0.0.1. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * `tally processor` as deployed: the compiled CLI in a process of its own
 * (its default settings; counters on the local Redis), with @clickhouse/client
 * to a store in another process — the chDB HTTP test stand-in here (a real
 * server is not available on this machine) — draining a backlog on 1 and 4
 * partitions. Rate and CPU are taken from the first stored event on, so the
 * process's start-up is not counted; RSS is the process's peak (VmHWM).
 */
async function distributedRuns(events: number, standinDir: string): Promise<DistributedFigures> {
  const before = load();
  if (!existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first: the distributed part runs the compiled `tally processor`');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/standin-process.ts', standinDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().trim().split('\n')[0] ?? '{}') as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`stand-in exited ${code}`)));
  });
  const out = { events_per_second: {} as Record<string, number>, processor_cpu_us_per_event: {} as Record<string, number>, store_process_cpu_us_per_event: {} as Record<string, number> };
  let rssMax = 0;
  try {
    for (const partitions of [1, 4]) {
      const tag = `${Date.now().toString(36)}d${partitions}`;
      const database = `bench_dist_${tag}`;
      const store = await createClickHouseStore({ url, database });
      await migrate(store);
      const topics = resolveTopics({ prefix: `bench${tag}.`, raw: { partitions }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
      const log = createKafkaEventLog({ brokers });
      await log.ensureTopics(topicSpecs(topics));
      await log.close();
      await produce(topics.raw.name, events, 0, partitions);
      const processor = spawn(process.execPath, ['dist/cli/main.js', 'processor'], {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: brokers.join(','), CLICKHOUSE_URL: url, CLICKHOUSE_DATABASE: database,
          TALLY_TOPIC_RAW: topics.raw.name, TALLY_TOPIC_DLQ: topics.dlq.name, TALLY_TOPIC_ALERTS: topics.alerts.name,
          TALLY_GROUP_ID: `bench${tag}proc`, REDIS_URL: redisUrl, TALLY_REDIS_PREFIX: `bench${tag}:`, TALLY_HEALTH_PORT: String(await freePort()),
        },
      });
      const pid = processor.pid as number;
      try {
        while ((await count(store)) === 0) await new Promise((r) => setTimeout(r, 20));
        const t0 = Date.now();
        const cpu0 = processCpuUs(pid);
        const storeCpu0 = processCpuUs(child.pid as number);
        let stored = 0;
        while ((stored = await count(store)) < events) await new Promise((r) => setTimeout(r, 100));
        const secs = (Date.now() - t0) / 1000;
        const cpu = processCpuUs(pid) - cpu0;
        const storeCpu = processCpuUs(child.pid as number) - storeCpu0;
        if (stored !== events) throw new Error(`expected ${events} stored events, found ${stored}`);
        const key = `partitions_${partitions}`;
        out.events_per_second[key] = Math.round(events / secs);
        out.processor_cpu_us_per_event[key] = Math.round(cpu / events);
        out.store_process_cpu_us_per_event[key] = Math.round(storeCpu / events);
        const rss = peakRssMib(pid);
        rssMax = Math.max(rssMax, rss);
        console.log(`  distributed, ${partitions} partition(s): ${fmt(events)} events stored in ${secs.toFixed(1)} s → ${fmt(events / secs)} events/s; per event ${fmt(out.processor_cpu_us_per_event[key] ?? 0)} µs CPU in \`tally processor\`, ${fmt(out.store_process_cpu_us_per_event[key] ?? 0)} µs in the store's process (test stand-in); processor peak RSS ${fmt(rss)} MiB`);
      } finally {
        processor.kill('SIGTERM');
        await new Promise((r) => processor.once('exit', r));
        await store.close();
      }
    }
  } finally {
    child.stdin?.end();
    await new Promise((r) => child.once('exit', r));
  }
  return {
    store: 'chDB ClickHouse-HTTP test stand-in in its own process (not a ClickHouse server), @clickhouse/client adapter',
    events, ...out, processor_rss_mib_max: rssMax,
    measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load(),
  };
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
}

/** Events produced at a fixed rate; for each, the time from send until a query sees it. */
async function latencyRun(store: AnalyticsStore, partitions: number): Promise<{ figures: LatencyFigures; rssMax: number }> {
  const rate = 5_000;
  const seconds = 30;
  const { topics, log, processor } = await runProcessor(store, `bench${Date.now().toString(36)}lat${partitions}.`, partitions);
  await processor.start();
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  const toProcessor: number[] = [];
  let rssMax = 0;
  let done = false;
  void produce(topics.raw.name, rate * seconds, rate, 99).then(() => (done = true));
  // Rows are found by processed_at (stamped before the insert) with a look-back, because
  // concurrent partitions' inserts can become visible out of stamp order; ids already seen
  // are skipped. Polling every 50 ms keeps the poller's own scans from crowding the engine.
  const seen = new Set<string>();
  let watermark = 0;
  for (;;) {
    const now = Date.now();
    const rows = await store.sql.query<{ id: string; sent: string; processed: string }>({
      sql: "SELECT event_id AS id, metadata['sent_at'] AS sent, toString(toUnixTimestamp64Milli(processed_at)) AS processed FROM usage_events WHERE processed_at > fromUnixTimestamp64Milli({after:Int64}, 'UTC')",
      params: { after: watermark - LOOK_BACK_MS },
    });
    for (const r of rows) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      latencies.push(now - Number(r.sent));
      toProcessor.push(Number(r.processed) - Number(r.sent));
      watermark = Math.max(watermark, Number(r.processed));
    }
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    if (done && seen.size >= rate * seconds) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const cpu = process.cpuUsage(cpu0);
  await processor.stop();
  await log.close();
  latencies.sort((a, b) => a - b);
  toProcessor.sort((a, b) => a - b);
  const figures: LatencyFigures = {
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    events: latencies.length,
    send_to_processor: { p50_ms: percentile(toProcessor, 50), p99_ms: percentile(toProcessor, 99) },
    cpu_us_per_event: Math.round((cpu.user + cpu.system) / latencies.length),
    min_bytes: minBytesOverride ?? loadConfig({ env: {}, overrides: {} }).processor.minBytes,
  };
  console.log(`  latency at ${fmt(rate)} events/s for ${seconds} s, ${partitions} partition(s): produce → visible p50 ${fmt(figures.p50_ms)} ms, p99 ${fmt(figures.p99_ms)} ms (${fmt(figures.events)} events)`);
  console.log(`      of which send → stamped by the processor: p50 ${fmt(figures.send_to_processor.p50_ms)} ms, p99 ${fmt(figures.send_to_processor.p99_ms)} ms (the rest is the insert and the poll)`);
  console.log(`      CPU of the process per event (processor, engine, poller): ${fmt(figures.cpu_us_per_event)} µs; fetch minBytes ${fmt(figures.min_bytes)}`);
  return { figures, rssMax };
}

const PARTS = ['stages', 'partitions', 'distributed', 'history', 'latency'] as const;
type Part = (typeof PARTS)[number];

const load = (): number[] => loadavg().map((x) => Math.round(x * 100) / 100);

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
  const parts = new Set<Part>(latencyOnly ? ['latency'] : ((option('--parts')?.split(',') ?? PARTS) as Part[]));
  const history = Number(option('--history') ?? '') || 5_000_000;
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
    if (stageFigures && one) {
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

    if (parts.has('distributed')) figures.distributed = await distributedRuns(events, join(dataDir, 'standin'));

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
