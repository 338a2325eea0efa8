/**
 * The pipeline bench's memory parts (issue 12 item 4), each process's RSS
 * read from /proc every second:
 *   - memory-processor: the compiled `tally processor` draining a backlog
 *     (as `distributed`), with the V8 heap settings compared in one run as
 *     ratios: V8's defaults (TALLY_HEAP_GROWTH_PERCENT=0), the growth bound
 *     tally sets by default, `--max-old-space-size=192`, and a larger young
 *     generation (`--max-semi-space-size` 32 and 64 MiB) (NODE_OPTIONS);
 *   - memory-embedded: the compiled `tally start` taking events through its
 *     HTTP ingest (1,000 per request, 4 senders), with the engine's server
 *     settings compared: ClickHouse's defaults vs tally's bounded ones
 *     (memory-tuning: glibc's MALLOC_ARENA_MAX=2, which only the environment
 *     can set, and half the engine's concurrent merges);
 *     RSS idle before and after the load, the peak under it, events/s, CPU;
 *   - backlog: 1,000,000 events produced into Kafka first, then one
 *     `tally processor` started on them (default settings): its RSS every
 *     second until the backlog is drained; and 1,000,000 events sent to
 *     `tally start` by 4 senders of 5,000 events per request, as fast as it takes them (the
 *     embedded log is direct: a 202 waits until the events are stored, so
 *     senders are held back instead of events queueing in memory).
 * Run `npm run build` first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoEvents } from '../src/demo/traffic.js';
import { CLICKHOUSE_SERVER_DEFAULTS } from '../src/store/chdb/engine.js';
import { count, load, produce, rssMib, sleep, statusMib } from './pipeline-common.js';
import { freePort, groupStable, processCpuUs, setUp, startProcessor, type Standin } from './pipeline-distributed.js';
import { checkoutOf } from './pricing-stages.js';
import { fmt } from './results.js';

const maxOf = (xs: readonly number[]): number => xs.reduce((a, b) => Math.max(a, b), 0);

/** Samples a process's RSS every second until stopped. */
export function sampleRss(pid: number): { max(): number; stop(): number[] } {
  const samples: number[] = [];
  const read = (): void => {
    try {
      const mib = rssMib(pid);
      if (mib > 0) samples.push(Math.round(mib)); // 0 (no VmRSS yet) right after the spawn
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, 1000);
  return { max: () => maxOf(samples), stop: () => (clearInterval(timer), read(), samples) };
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise((r) => (child.once('exit', r), child.kill('SIGTERM')));
}

export interface ProcessorMemoryRun {
  readonly events_per_second: number;
  readonly processor_cpu_us_per_event: number;
  readonly rss_mib_max: number;
  readonly seconds: number;
}

/** One `tally processor` draining `events` produced after its group is stable; RSS every second. */
async function processorDrain(standin: Standin, name: string, events: number, env: NodeJS.ProcessEnv): Promise<ProcessorMemoryRun> {
  const setup = await setUp(standin, name, 4);
  const proc = await startProcessor(standin, setup, env);
  try {
    const pid = proc.pid as number;
    await groupStable(setup, 1);
    const rss = sampleRss(pid);
    const t0 = Date.now();
    const cpu0 = processCpuUs(pid);
    await produce(setup.topics.raw.name, events, 0, 4);
    while ((await count(setup.store)) < events) await sleep(200);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = processCpuUs(pid) - cpu0;
    return { events_per_second: Math.round(events / seconds), processor_cpu_us_per_event: Math.round(cpu / events), rss_mib_max: maxOf(rss.stop()), seconds: Math.round(seconds * 10) / 10 };
  } finally {
    await stop(proc);
    await setup.store.close();
  }
}

/** The heap settings compared for `tally processor`: name → environment. */
export const PROCESSOR_HEAP_VARIANTS: Record<string, NodeJS.ProcessEnv> = {
  v8_defaults: { TALLY_HEAP_GROWTH_PERCENT: '0' },
  growth_50: { TALLY_HEAP_GROWTH_PERCENT: '50' },
  growth_100: { TALLY_HEAP_GROWTH_PERCENT: '100' },
  max_old_space_192: { TALLY_HEAP_GROWTH_PERCENT: '0', NODE_OPTIONS: '--max-old-space-size=192' },
  // A larger young generation: fewer batch objects survive into the old generation (less GC), for more memory.
  growth_50_semi_32: { TALLY_HEAP_GROWTH_PERCENT: '50', NODE_OPTIONS: '--max-semi-space-size=32' },
  growth_50_semi_64: { TALLY_HEAP_GROWTH_PERCENT: '50', NODE_OPTIONS: '--max-semi-space-size=64' },
};

/** Each heap variant drains `events`, twice in alternating order; figures per variant (the better of two for rate, the worse for RSS) and ratios to V8's defaults. */
export async function processorMemoryRuns(standin: Standin, events: number): Promise<Record<string, unknown>> {
  const before = load();
  const runs: Record<string, ProcessorMemoryRun[]> = {};
  const names = Object.keys(PROCESSOR_HEAP_VARIANTS);
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const r = await processorDrain(standin, `m${name.slice(0, 3)}${(runs[name]?.length ?? 0)}`, events, PROCESSOR_HEAP_VARIANTS[name] ?? {});
      (runs[name] ??= []).push(r);
      console.log(`  memory, tally processor (${name}): ${fmt(events)} events in ${r.seconds} s → ${fmt(r.events_per_second)} events/s, ${fmt(r.processor_cpu_us_per_event)} µs CPU/event, RSS max ${fmt(r.rss_mib_max)} MiB`);
    }
  }
  const summary: Record<string, unknown> = {};
  const base = runs.v8_defaults ?? [];
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  for (const [name, rs] of Object.entries(runs)) {
    summary[name] = {
      runs: rs,
      rss_mib_max: maxOf(rs.map((r) => r.rss_mib_max)),
      cpu_us_per_event_ratio_to_v8_defaults: Math.round((mean(rs.map((r) => r.processor_cpu_us_per_event)) / mean(base.map((r) => r.processor_cpu_us_per_event))) * 100) / 100,
      events_per_second_ratio_to_v8_defaults: Math.round((mean(rs.map((r) => r.events_per_second)) / mean(base.map((r) => r.events_per_second))) * 100) / 100,
    };
  }
  return { events, partitions: 4, variants: PROCESSOR_HEAP_VARIANTS, by_variant: summary, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}

/**
 * `tally start` (compiled: `root`/dist, this checkout's by default) on a fresh data directory; resolves once it
 * answers. With `cgroupProcs` (a cgroup's `cgroup.procs`), the process joins that cgroup before node starts, so
 * everything it loads is charged there.
 */
export async function startEmbedded(dataDir: string, env: NodeJS.ProcessEnv, root = '.', cgroupProcs?: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const argv = [join(root, 'dist/cli/main.js'), 'start'];
  const [command, args] = cgroupProcs === undefined
    ? [process.execPath, argv]
    : ['sh', ['-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs, process.execPath, ...argv]];
  const child = spawn(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn', TALLY_DATA_DIR: dataDir, TALLY_PORT: String(port), TALLY_API_KEYS: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
    if (child.exitCode !== null) throw new Error(`tally start exited ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { child, url };
    } catch {
      // not listening yet
    }
  }
  throw new Error('tally start did not become ready within 120 s');
}

/** The JSON body of one `POST /v1/events`: `n` demo events with random ids, occurred now. */
export function demoRequestBody(source: ReturnType<typeof demoEvents>, n: number): string {
  const now = new Date().toISOString();
  const batch: unknown[] = [];
  for (let i = 0; i < n; i++) batch.push({ ...(source.next().value as Record<string, unknown>), event_id: randomUUID(), occurred_at: now });
  return JSON.stringify(batch);
}

/** Sends `events` demo events (random ids) to `url` in requests of `perRequest` from `senders` concurrent senders; each waits for its 202. */
export async function sendEvents(url: string, events: number, senders: number, perRequest: number): Promise<void> {
  let next = 0;
  const sender = async (seed: number): Promise<void> => {
    const source = demoEvents({ seed });
    while (next < events) {
      const n = Math.min(perRequest, events - next);
      next += n;
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: demoRequestBody(source, n) });
      if (res.status !== 202) throw new Error(`POST /v1/events answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      await res.arrayBuffer().catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: senders }, (_, i) => sender(i + 1)));
}

/** Events of today in the raw table, every tenant, through the API. */
export async function storedEvents(url: string): Promise<number> {
  const day = new Date().toISOString().slice(0, 10);
  const next = new Date(Date.parse(day) + 2 * 86_400_000).toISOString().slice(0, 10);
  const res = await fetch(`${url}/v1/usage/summary?from=${day}&to=${next}&source=raw`);
  if (!res.ok) throw new Error(`GET /v1/usage/summary answered ${res.status}`);
  const body = (await res.json()) as { totals?: { events?: number | string } };
  return Number(body.totals?.events ?? Number.NaN);
}

export interface EmbeddedMemoryRun {
  readonly events_per_second: number;
  /** CPU of the `tally start` process per event (every thread, the engine's too), µs. */
  readonly cpu_us_per_event: number;
  readonly rss_mib_idle_before: number;
  readonly rss_mib_max: number;
  readonly rss_mib_idle_after: number;
  /** Highest RSS in the 10 s after the last 202: the merges the load set off run on after it. */
  readonly rss_mib_max_after_load: number;
  /** Idle after: what the process's memory is made of (`Anatomy`). */
  readonly idle_after_mib: Anatomy;
  /** The same at the highest of the samples taken every second under load. */
  readonly at_peak_mib: Anatomy | null;
  readonly seconds: number;
  /** Under load, every second. */
  readonly rss_mib_samples: number[];
}

/**
 * What a running `tally start`'s memory is made of, MiB: its RSS, file-backed (code: libchdb.so, node) and
 * anonymous, from /proc; V8's heap in use and total, and memory outside it held by JavaScript objects
 * (Buffers), and the engine's own accounting and its jemalloc's allocated and resident pages
 * (`tally_engine_memory_bytes`; null from a version without it), from its /metrics.
 */
export interface Anatomy {
  readonly rss: number;
  readonly rss_file: number;
  readonly rss_anon: number;
  readonly v8_heap_used: number;
  readonly v8_heap_total: number;
  readonly external: number;
  readonly engine_tracked: number | null;
  readonly engine_allocator_allocated: number | null;
  readonly engine_allocator_resident: number | null;
}

async function anatomyOf(url: string, pid: number): Promise<Anatomy> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mib = (field: string): number => Math.round(statusMib(pid, field));
  const bytes = (series: string): number | null => {
    const m = new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text);
    return m === null ? null : Math.round(Number(m[1]) / 2 ** 20);
  };
  const gauge = (name: string): number => {
    const v = bytes(name);
    if (v === null) throw new Error(`bench: /metrics has no ${name}`);
    return v;
  };
  return {
    rss: mib('VmRSS'), rss_file: mib('RssFile'), rss_anon: mib('RssAnon'),
    v8_heap_used: gauge('tally_nodejs_heap_size_used_bytes'), v8_heap_total: gauge('tally_nodejs_heap_size_total_bytes'), external: gauge('tally_nodejs_external_memory_bytes'),
    engine_tracked: bytes('tally_engine_memory_bytes{kind="tracked"}'),
    engine_allocator_allocated: bytes('tally_engine_memory_bytes{kind="allocator_allocated"}'),
    engine_allocator_resident: bytes('tally_engine_memory_bytes{kind="allocator_resident"}'),
  };
}

/** `anatomyOf` every second; keeps the one taken at the highest RSS. */
function sampleAnatomy(url: string, pid: number): { stop(): Anatomy | null } {
  let peak: Anatomy | null = null;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    anatomyOf(url, pid)
      .then((a) => {
        if (peak === null || a.rss > peak.rss) peak = a;
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, 1000);
  return { stop: () => (clearInterval(timer), peak) };
}

const anatomyText = (a: Anatomy): string =>
  `RSS ${a.rss} = file ${a.rss_file} + anon ${a.rss_anon}; V8 heap ${a.v8_heap_total} (${a.v8_heap_used} used), external ${a.external}; engine tracked ${a.engine_tracked ?? '?'}, jemalloc ${a.engine_allocator_resident ?? '?'} resident (${a.engine_allocator_allocated ?? '?'} allocated)`;

/** `tally start` taking `events` through its HTTP ingest; RSS idle, under load (every second) and idle 10 s after. */
export async function embeddedRun(env: NodeJS.ProcessEnv, events: number, senders: number, perRequest: number, root = '.'): Promise<EmbeddedMemoryRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-mem-'));
  const { child, url } = await startEmbedded(dataDir, env, root);
  try {
    const pid = child.pid as number;
    await sleep(3000);
    const idleBefore = Math.round(rssMib(pid));
    const rss = sampleRss(pid);
    const anatomy = sampleAnatomy(url, pid);
    const t0 = Date.now();
    const cpu0 = processCpuUs(pid);
    await sendEvents(url, events, senders, perRequest);
    const seconds = (Date.now() - t0) / 1000;
    const cpu = processCpuUs(pid) - cpu0;
    const samples = rss.stop();
    const atPeak = anatomy.stop();
    const after = sampleRss(pid);
    await sleep(10_000);
    const afterMax = maxOf(after.stop());
    const idleAfter = await anatomyOf(url, pid);
    if (atPeak !== null) console.log(`    at the highest sample under load: ${anatomyText(atPeak)}`);
    console.log(`    idle after: ${anatomyText(idleAfter)}`);
    return { idle_after_mib: idleAfter, at_peak_mib: atPeak, events_per_second: Math.round(events / seconds), cpu_us_per_event: Math.round(cpu / events), rss_mib_idle_before: idleBefore, rss_mib_max: maxOf(samples), rss_mib_idle_after: Math.round(rssMib(pid)), rss_mib_max_after_load: afterMax, seconds: Math.round(seconds * 10) / 10, rss_mib_samples: samples };
  } finally {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The embedded load: concurrent senders, each waiting for its 202 (stored) before sending the next request of this many events. */
export const EMBEDDED_SENDERS = 4;
export const EMBEDDED_PER_REQUEST = 5000;

/** The engine settings compared for `tally start`: name → environment. */
export const EMBEDDED_VARIANTS: Record<string, NodeJS.ProcessEnv> = {
  clickhouse_defaults: { TALLY_CHDB_SERVER_SETTINGS: Object.entries(CLICKHOUSE_SERVER_DEFAULTS).map(([k, v]) => `${k}=${v}`).join(',') },
  tally_default: {},
};

/**
 * Further settings tried for `tally start`: glibc's malloc arenas (one per
 * thread that allocates, up to 8 per core; only the environment can set them,
 * at the process's start), half the engine's concurrent merges, and
 * ClickHouse's cache sizes (a second A/B of the bounds).
 */
export const TUNING_VARIANTS: Record<string, NodeJS.ProcessEnv> = {
  tally_default: {},
  malloc_arena_max_2: { MALLOC_ARENA_MAX: '2' },
  merges_halved: { TALLY_CHDB_SERVER_SETTINGS: 'background_merges_mutations_concurrency_ratio=1' },
  // V8's garbage bounded at 20 % of the live heap instead of 50 % (processor.heapGrowthPercent): a lower floor, at what CPU?
  heap_growth_20: { TALLY_HEAP_GROWTH_PERCENT: '20' },
  // ClickHouse's cache sizes again, a second A/B of the bounds in another run.
  clickhouse_defaults: { TALLY_CHDB_SERVER_SETTINGS: Object.entries(CLICKHOUSE_SERVER_DEFAULTS).map(([k, v]) => `${k}=${v}`).join(',') },
};

/**
 * The engine's allocator (memory-allocator): how long chDB's jemalloc keeps
 * freed pages (`JE_MALLOC_CONF`, read when the library loads) — its build's
 * 5 s, 1 s (what tally sets since 2026-12-05, src/store/chdb/allocator.ts)
 * and 0 — all with usage_events' 64 KiB
 * compression blocks (migration 0021). 0 returns a merge's pages at once
 * (a lower peak), but every insert then faults its ~50 MiB of buffers in
 * again (docs/operations.md, "Memory").
 */
export const ALLOCATOR_VARIANTS: Record<string, NodeJS.ProcessEnv> = {
  jemalloc_decay_5000: { JE_MALLOC_CONF: 'dirty_decay_ms:5000' },
  jemalloc_decay_1000: { JE_MALLOC_CONF: 'dirty_decay_ms:1000' },
  jemalloc_decay_0: { JE_MALLOC_CONF: 'dirty_decay_ms:0' },
};

/**
 * Each variant (EMBEDDED_VARIANTS, TUNING_VARIANTS or ALLOCATOR_VARIANTS; the first is the base of the ratios)
 * under the same HTTP load, twice in alternating order; `roots` names the checkout whose build a variant runs
 * (this one's when absent).
 */
export async function embeddedMemoryRuns(events: number, variants: Record<string, NodeJS.ProcessEnv> = EMBEDDED_VARIANTS, roots: Readonly<Record<string, string>> = {}): Promise<Record<string, unknown>> {
  const before = load();
  const runs: Record<string, EmbeddedMemoryRun[]> = {};
  const names = Object.keys(variants);
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const r = await embeddedRun(variants[name] ?? {}, events, EMBEDDED_SENDERS, EMBEDDED_PER_REQUEST, roots[name]);
      (runs[name] ??= []).push({ ...r, rss_mib_samples: [] });
      console.log(`  memory, tally start (${name}): ${fmt(events)} events in ${r.seconds} s → ${fmt(r.events_per_second)} events/s, ${fmt(r.cpu_us_per_event)} µs CPU/event; RSS idle ${fmt(r.rss_mib_idle_before)} MiB, max ${fmt(r.rss_mib_max)} MiB, max in the 10 s after ${fmt(r.rss_mib_max_after_load)} MiB, idle after ${fmt(r.rss_mib_idle_after)} MiB`);
    }
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const baseName = names[0] ?? '';
  const base = runs[baseName] ?? [];
  const summary: Record<string, unknown> = {};
  for (const [name, rs] of Object.entries(runs)) {
    summary[name] = {
      runs: rs,
      rss_mib_max: maxOf(rs.map((r) => r.rss_mib_max)),
      rss_mib_max_after_load: maxOf(rs.map((r) => r.rss_mib_max_after_load)),
      [`cpu_us_per_event_ratio_to_${baseName}`]: Math.round((mean(rs.map((r) => r.cpu_us_per_event)) / mean(base.map((r) => r.cpu_us_per_event))) * 100) / 100,
      [`events_per_second_ratio_to_${baseName}`]: Math.round((mean(rs.map((r) => r.events_per_second)) / mean(base.map((r) => r.events_per_second))) * 100) / 100,
    };
  }
  return { events, senders: EMBEDDED_SENDERS, events_per_request: EMBEDDED_PER_REQUEST, variants, by_variant: summary, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}

/** 1,000,000 events into Kafka first, then one `tally processor` (defaults) drains them; and 1,000,000 sent to `tally start`. RSS every second. */
export async function backlogRuns(standin: Standin | undefined, events: number, parts: { processor: boolean; embedded: boolean }): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = { events };
  if (parts.processor) {
    if (standin === undefined) throw new Error('the processor backlog needs the store stand-in');
    const before = load();
    const setup = await setUp(standin, 'backlog', 4);
    try {
      const produced = await produce(setup.topics.raw.name, events, 0, 4);
      console.log(`  backlog: ${fmt(events)} events produced in ${produced.seconds.toFixed(1)} s; starting tally processor`);
      const t0 = Date.now();
      const proc = await startProcessor(standin, setup);
      const pid = proc.pid as number;
      const rss = sampleRss(pid);
      try {
        let stored = 0;
        let lastLog = Date.now();
        while ((stored = await count(setup.store)) < events) {
          if (Date.now() - lastLog > 15_000) {
            lastLog = Date.now();
            console.log(`    ${fmt(stored)} stored after ${((Date.now() - t0) / 1000).toFixed(0)} s; RSS max so far ${fmt(rss.max())} MiB`);
          }
          await sleep(1000);
        }
      } finally {
        await stop(proc);
      }
      const seconds = (Date.now() - t0) / 1000;
      const samples = rss.stop();
      out.processor = { produce_seconds: Math.round(produced.seconds * 10) / 10, drain_seconds: Math.round(seconds * 10) / 10, events_per_second: Math.round(events / seconds), rss_mib_max: maxOf(samples), rss_mib_samples: samples, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
      console.log(`  backlog, tally processor: drained ${fmt(events)} in ${seconds.toFixed(1)} s (${fmt(events / seconds)} events/s, start-up included); RSS max ${fmt(maxOf(samples))} MiB over ${samples.length} samples`);
    } finally {
      await setup.store.close();
    }
  }
  if (parts.embedded) {
    const before = load();
    const r = await embeddedRun({}, events, EMBEDDED_SENDERS, EMBEDDED_PER_REQUEST);
    out.embedded = { ...r, senders: EMBEDDED_SENDERS, events_per_request: EMBEDDED_PER_REQUEST, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
    console.log(`  backlog, tally start: ${fmt(events)} events from ${EMBEDDED_SENDERS} senders in ${r.seconds} s (${fmt(r.events_per_second)} events/s); RSS max ${fmt(r.rss_mib_max)} MiB, idle after ${fmt(r.rss_mib_idle_after)} MiB`);
  }
  return out;
}

/**
 * `tally start` of this checkout against a baseline commit's (memory-baseline): the baseline's sources are
 * built in a temporary directory (`git archive`, this checkout's node_modules), then both run the embedded load
 * twice in alternating order — two versions compared in one window, on a machine whose speed varies by the hour.
 */
export async function embeddedBaselineRuns(events: number, baseline: string): Promise<Record<string, unknown>> {
  const base = checkoutOf(baseline, ['scripts', 'tsconfig.json', 'tsconfig.build.json']);
  try {
    console.log(`  building ${baseline} in ${base.root}`);
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: base.root, stdio: ['ignore', 'ignore', 'inherit'] });
    const variants = { baseline: {}, now: {} };
    return { baseline, ...(await embeddedMemoryRuns(events, variants, { baseline: base.root })) };
  } finally {
    base.remove();
  }
}
