/**
 * The pipeline bench's out-of-process parts: the compiled `tally processor`
 * as deployed (its default settings, counters on REDIS_URL), with
 * @clickhouse/client to a store in another process — the chDB HTTP test
 * stand-in (bench/standin-process.ts), not a ClickHouse server, which this
 * machine cannot run. Run `npm run build` first.
 *   - distributedRuns: a backlog drained by one processor on 1 and 4 partitions;
 *   - scaleRuns: a backlog on 12 partitions drained by 1, 2 and 4 processor
 *     processes in one consumer group;
 *   - distributedLatency: events produced at 5,000/s for 30 s, each timed from
 *     its send until a query on the store sees it.
 * The processors start first; once their consumer group is stable the
 * events are produced as fast as the producer can, and rates and CPU are
 * taken from that moment until every event is stored (start-up and
 * rebalances excluded); CPU per event is the processors' own
 * (user + system from /proc), the stand-in's separately; RSS is each
 * processor's peak (VmHWM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaEventLog } from '../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs, type Topics } from '../src/eventlog/topics.js';
import { createClickHouseStore } from '../src/store/clickhouse/store.js';
import { migrate } from '../src/store/migrate.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { brokers, count, load, produce, sleep, statusMib, watchVisible } from './pipeline-common.js';
import { fmt, percentile } from './results.js';

/** A V8 old-space cap, compared with the processor's own heap growth bound (README "Capacity"). */
export const HEAP_CAP = '--max-old-space-size=192';

const STORE_NOTE = 'chDB ClickHouse-HTTP test stand-in in its own process (not a ClickHouse server), @clickhouse/client adapter';

/** CPU µs of another process so far (user + system, from /proc). */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime
  return (ticks * 1e6) / 100; // USER_HZ is 100 on Linux
}

/** Peak resident set (VmHWM) of another process, MiB. */
function peakRssMib(pid: number): number {
  return Math.round(statusMib(pid, 'VmHWM'));
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface Standin {
  readonly url: string;
  readonly pid: number;
  close(): Promise<void>;
}

/** The chDB HTTP stand-in in a process of its own. */
export async function startStandin(dataDir: string, needsBuild = true): Promise<Standin> {
  if (needsBuild && !existsSync('dist/cli/main.js')) throw new Error('run `npm run build` first: the distributed parts run the compiled `tally processor`');
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/standin-process.ts', dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString().trim().split('\n')[0] ?? '{}') as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`stand-in exited ${code}`)));
  });
  return {
    url,
    pid: child.pid as number,
    close: async () => {
      child.stdin?.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

export interface Setup {
  readonly store: AnalyticsStore;
  readonly database: string;
  readonly topics: Topics;
  readonly tag: string;
}

/** A fresh database (migrated) and fresh topics of `partitions` partitions. */
export async function setUp(standin: Standin, name: string, partitions: number): Promise<Setup> {
  const tag = `${Date.now().toString(36)}${name}`;
  const database = `bench_dist_${tag}`;
  const store = await createClickHouseStore({ url: standin.url, database });
  await migrate(store);
  const topics = resolveTopics({ prefix: `bench${tag}.`, raw: { partitions }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
  const log = createKafkaEventLog({ brokers });
  await log.ensureTopics(topicSpecs(topics));
  await log.close();
  return { store, database, topics, tag };
}

/** `tally processor` (compiled) on `setup`'s topics and database; every process of one setup joins one consumer group. */
export async function startProcessor(standin: Standin, setup: Setup, extraEnv: NodeJS.ProcessEnv = {}, stdout: 'ignore' | 'pipe' = 'ignore', nodeArgs: readonly string[] = []): Promise<ChildProcess> {
  return spawn(process.execPath, [...nodeArgs, 'dist/cli/main.js', 'processor'], {
    stdio: ['ignore', stdout, 'inherit'],
    env: {
      ...process.env, LOG_LEVEL: 'warn', KAFKA_BROKERS: brokers.join(','), CLICKHOUSE_URL: standin.url, CLICKHOUSE_DATABASE: setup.database,
      TALLY_TOPIC_RAW: setup.topics.raw.name, TALLY_TOPIC_DLQ: setup.topics.dlq.name, TALLY_TOPIC_ALERTS: setup.topics.alerts.name,
      TALLY_GROUP_ID: `bench${setup.tag}proc`, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', TALLY_REDIS_PREFIX: `bench${setup.tag}:`,
      TALLY_HEALTH_PORT: String(await freePort()),
      ...extraEnv,
    },
  });
}

async function stopAll(processes: readonly ChildProcess[]): Promise<void> {
  await Promise.all(processes.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : (p.once('exit', r), p.kill('SIGTERM'))))));
}

interface Drain {
  readonly eventsPerSecond: number;
  /** CPU of all processor processes per event, µs. */
  readonly processorCpuUs: number;
  /** CPU of the stand-in per event, µs. */
  readonly storeCpuUs: number;
  /** Peak RSS of each processor, MiB. */
  readonly rssMib: number[];
  readonly seconds: number;
  /** Seconds the producer took to send the backlog. */
  readonly produceSeconds: number;
}

/** Waits until the consumer group of `setup` is Stable with `members` members (every partition assigned, no rebalance under way). */
export async function groupStable(setup: Setup, members: number): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(200)) {
      const { groups } = await admin.describeGroups([`bench${setup.tag}proc`]);
      const g = groups[0];
      if (g?.state === 'Stable' && g.members.length === members) return;
    }
    throw new Error(`consumer group of ${members} processors did not settle within 120 s`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Starts `processes` processors, waits until their consumer group is stable
 * (every partition assigned, no rebalance under way), then produces `events`
 * (`tenants` > 0: spread over that many) as fast as the producer can, and
 * measures from then until every event is stored. The producer (another
 * process) must outpace the group for the figure to be the group's drain
 * rate: its time is recorded, and a run where it is not well ahead is flagged.
 */
async function drain(standin: Standin, setup: Setup, events: number, processes: number, tenants = 0, nodeArgs: readonly string[] = []): Promise<Drain> {
  const procs: ChildProcess[] = [];
  try {
    for (let i = 0; i < processes; i++) procs.push(await startProcessor(standin, setup, {}, 'ignore', nodeArgs));
    const pids = procs.map((p) => p.pid as number);
    await groupStable(setup, processes);
    const t0 = Date.now();
    const cpu0 = pids.map(processCpuUs);
    const storeCpu0 = processCpuUs(standin.pid);
    const produced = await produce(setup.topics.raw.name, events, 0, processes, tenants);
    let stored = 0;
    while ((stored = await count(setup.store)) < events) await sleep(100);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = pids.reduce((sum, pid, i) => sum + processCpuUs(pid) - (cpu0[i] as number), 0);
    const storeCpu = processCpuUs(standin.pid) - storeCpu0;
    if (stored !== events) throw new Error(`expected ${events} stored events, found ${stored}`);
    return { eventsPerSecond: Math.round(events / seconds), processorCpuUs: Math.round(cpu / events), storeCpuUs: Math.round(storeCpu / events), rssMib: pids.map(peakRssMib), seconds, produceSeconds: produced.seconds };
  } finally {
    await stopAll(procs);
    await setup.store.close();
  }
}

/** How a drain's producer kept up: a warning when it took more than half the drain's time. */
function producerNote(d: Drain): string {
  const note = `backlog produced in ${d.produceSeconds.toFixed(1)} s of ${d.seconds.toFixed(1)} s`;
  return d.produceSeconds > d.seconds / 2 ? `${note} — the producer, not the processors, may be the limit` : note;
}

export interface DistributedFigures {
  readonly store: string;
  readonly events: number;
  /** By partition count: events/s from the first stored event until every event is stored. */
  readonly events_per_second: Record<string, number>;
  /** By partition count: CPU of the `tally processor` process per event, µs. */
  readonly processor_cpu_us_per_event: Record<string, number>;
  /** By partition count: CPU of the stand-in process per event, µs (what a ClickHouse server would spend instead). */
  readonly store_process_cpu_us_per_event: Record<string, number>;
  /** By run: the processor's peak RSS, MiB. */
  readonly processor_rss_mib: Record<string, number>;
  readonly processor_rss_mib_max: number;
  /** The V8 flag of the heap-capped run. */
  readonly heap_cap: string;
  readonly measured_at: string;
  readonly load_average_before: number[];
  readonly load_average_after: number[];
}

/** One `tally processor` draining a backlog on 1 and 4 partitions. */
export async function distributedRuns(events: number, standin: Standin): Promise<DistributedFigures> {
  const before = load();
  const out = { events_per_second: {} as Record<string, number>, processor_cpu_us_per_event: {} as Record<string, number>, store_process_cpu_us_per_event: {} as Record<string, number>, processor_rss_mib: {} as Record<string, number> };
  // The last run caps V8's old space (HEAP_CAP), what docker-compose.yml gave the processor before it bounded its
  // heap growth itself (processor.heapGrowthPercent); the `memory-processor` part compares the two as ratios.
  const runs = [
    { key: 'partitions_1', partitions: 1, nodeArgs: [] as string[] },
    { key: 'partitions_4', partitions: 4, nodeArgs: [] as string[] },
    { key: 'partitions_4_heap_capped', partitions: 4, nodeArgs: [HEAP_CAP] },
  ];
  for (const run of runs) {
    const setup = await setUp(standin, `d${run.partitions}${run.nodeArgs.length}`, run.partitions);
    const d = await drain(standin, setup, events, 1, 0, run.nodeArgs);
    out.events_per_second[run.key] = d.eventsPerSecond;
    out.processor_cpu_us_per_event[run.key] = d.processorCpuUs;
    out.store_process_cpu_us_per_event[run.key] = d.storeCpuUs;
    out.processor_rss_mib[run.key] = Math.max(...d.rssMib);
    const how = run.nodeArgs.length > 0 ? ` (node ${run.nodeArgs.join(' ')})` : '';
    console.log(`  distributed, ${run.partitions} partition(s)${how}: ${fmt(events)} events stored in ${d.seconds.toFixed(1)} s → ${fmt(d.eventsPerSecond)} events/s; per event ${fmt(d.processorCpuUs)} µs CPU in \`tally processor\`, ${fmt(d.storeCpuUs)} µs in the store's process (test stand-in); processor peak RSS ${fmt(Math.max(...d.rssMib))} MiB; ${producerNote(d)}`);
  }
  const rssMax = Math.max(...Object.values(out.processor_rss_mib));
  return { store: STORE_NOTE, events, ...out, processor_rss_mib_max: rssMax, heap_cap: HEAP_CAP, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}

export interface ScaleFigures {
  readonly store: string;
  readonly events: number;
  readonly partitions: number;
  readonly tenants: number;
  /** By process count: the group's events/s, events/s per process, CPU µs per event (all processors), events per processor CPU-second, peak RSS per process. */
  readonly by_processes: Record<string, { events_per_second: number; per_process: number; processor_cpu_us_per_event: number; events_per_cpu_second: number; store_cpu_us_per_event: number; rss_mib: number[]; seconds: number; produce_seconds: number }>;
  readonly measured_at: string;
  readonly load_average_before: number[];
  readonly load_average_after: number[];
}

/** 1, 2 and 4 processor processes in one consumer group on a 12-partition backlog spread over 48 tenants. */
export async function scaleRuns(events: number, standin: Standin, counts: readonly number[] = [1, 2, 4]): Promise<ScaleFigures> {
  const before = load();
  const partitions = 12;
  const tenants = 48;
  const byProcesses: ScaleFigures['by_processes'] = {};
  for (const n of counts) {
    const setup = await setUp(standin, `s${n}`, partitions);
    const d = await drain(standin, setup, events, n, tenants);
    byProcesses[`processes_${n}`] = {
      events_per_second: d.eventsPerSecond,
      per_process: Math.round(d.eventsPerSecond / n),
      processor_cpu_us_per_event: d.processorCpuUs,
      events_per_cpu_second: Math.round(1e6 / Math.max(1, d.processorCpuUs)),
      store_cpu_us_per_event: d.storeCpuUs,
      rss_mib: d.rssMib,
      seconds: Math.round(d.seconds * 10) / 10,
      produce_seconds: Math.round(d.produceSeconds * 10) / 10,
    };
    console.log(`  scale, ${n} processor process(es), ${partitions} partitions: ${fmt(events)} events, ${fmt(d.eventsPerSecond)} events/s (${fmt(d.eventsPerSecond / n)} per process); ${fmt(d.processorCpuUs)} µs processor CPU per event (${fmt(1e6 / Math.max(1, d.processorCpuUs))} events per CPU-second), ${fmt(d.storeCpuUs)} µs in the store's process; peak RSS ${d.rssMib.map((r) => fmt(r)).join(' / ')} MiB; ${producerNote(d)}`);
  }
  return { store: STORE_NOTE, events, partitions, tenants, by_processes: byProcesses, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}

export interface DistributedLatencyFigures {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly events: number;
  readonly send_to_processor: { readonly p50_ms: number; readonly p99_ms: number };
  readonly processor_cpu_us_per_event: number;
  readonly processor_rss_mib: number;
}

/** One `tally processor` with events produced at 5,000/s for 30 s; each timed from send until a query on the store sees it. */
export async function distributedLatency(standin: Standin, partitions: number): Promise<DistributedLatencyFigures> {
  const rate = 5_000;
  const seconds = 30;
  const setup = await setUp(standin, `l${partitions}`, partitions);
  const proc = await startProcessor(standin, setup);
  try {
    const pid = proc.pid as number;
    // The processor joins its group before the clock starts, so the first events do not wait for the rebalance.
    await groupStable(setup, 1);
    const cpu0 = processCpuUs(pid);
    const sentFrom = Date.now();
    let done = false;
    void produce(setup.topics.raw.name, rate * seconds, rate, 99).then(() => (done = true));
    const v = await watchVisible(setup.store, rate * seconds, () => done, () => {}, sentFrom);
    const latencies = v.latencies;
    const figures: DistributedLatencyFigures = {
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
      events: latencies.length,
      send_to_processor: { p50_ms: percentile(v.toProcessor, 50), p99_ms: percentile(v.toProcessor, 99) },
      processor_cpu_us_per_event: Math.round((processCpuUs(pid) - cpu0) / (rate * seconds)),
      processor_rss_mib: peakRssMib(pid),
    };
    console.log(`  distributed latency at ${fmt(rate)} events/s for ${seconds} s, ${partitions} partition(s): produce → visible p50 ${fmt(figures.p50_ms)} ms, p99 ${fmt(figures.p99_ms)} ms (${fmt(figures.events)} events); send → stamped p50 ${fmt(figures.send_to_processor.p50_ms)} ms, p99 ${fmt(figures.send_to_processor.p99_ms)} ms; ${fmt(figures.processor_cpu_us_per_event)} µs processor CPU per event; peak RSS ${fmt(figures.processor_rss_mib)} MiB`);
    return figures;
  } finally {
    await stopAll([proc]);
    await setup.store.close();
  }
}
