/**
 * `tally start` inside a memory limit (part `memory-limit` of
 * `npm run bench -- pipeline`; `--limit-events N`, default 1,000,000): the
 * 600 MB of issue 12 as a container enforces it, not as RSS reads it. Without
 * a limit the kernel leaves the pages of libchdb.so's code resident (~224 MiB,
 * file-backed: the page cache, reclaimable) and chDB's jemalloc keeps freed
 * pages for 5 s, so RSS under a backlog reads 766–807 MiB on a machine with
 * memory to spare. Under a limit the kernel reclaims the page cache first;
 * what it cannot reclaim (no swap) is the anonymous memory, and a process
 * whose anonymous memory reaches the limit is killed.
 *
 * Each variant runs `tally start` in a cgroup of its own (bench/memory-cgroup.ts;
 * the page cache dropped before each run, so the library's pages are charged
 * to it) or without a limit, with chDB's allocator returning freed pages after
 * 5 s (its build's default), 1 s (tally's default since this bench) or at
 * once (`JE_MALLOC_CONF`); 4 senders post 5,000-event requests, each waiting
 * for its 202 (stored). Recorded per run: events/s, CPU µs per event, the
 * cgroup's highest anonymous memory (what the kernel cannot reclaim) and
 * peak charge (the limit itself once the page cache fills it), OOM kills, pages faulted in from disk, the process's
 * RSS (which can exceed the limit: a page is charged to the cgroup that first
 * read it, and node's own binary is mapped by this bench's process too) and
 * its anonymous part, and the events the store holds afterwards (every one sent, or the run
 * says how many are missing). Two runs of each, in alternating order.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, sleep, statusMib } from './pipeline-common.js';
import { processCpuUs } from './pipeline-distributed.js';
import { EMBEDDED_PER_REQUEST, EMBEDDED_SENDERS, sampleRss, sendEvents, startEmbedded, stop, storedEvents } from './pipeline-memory.js';
import { createMemoryCgroup, dropPageCache, memoryCgroupUnavailable, type CgroupFigures } from './memory-cgroup.js';
import { fmt } from './results.js';

/** 600 MB, issue 12's bound for `tally start` (572 MiB). */
export const LIMIT_BYTES = 600_000_000;

interface LimitVariant {
  /** The cgroup's limit in bytes; null runs without one. */
  readonly limitBytes: number | null;
  readonly env: NodeJS.ProcessEnv;
}

export const LIMIT_VARIANTS: Record<string, LimitVariant> = {
  no_limit_decay_5s: { limitBytes: null, env: { JE_MALLOC_CONF: 'dirty_decay_ms:5000' } },
  no_limit_decay_1s: { limitBytes: null, env: { JE_MALLOC_CONF: 'dirty_decay_ms:1000' } },
  limit_600mb_decay_5s: { limitBytes: LIMIT_BYTES, env: { JE_MALLOC_CONF: 'dirty_decay_ms:5000' } },
  limit_600mb_decay_1s: { limitBytes: LIMIT_BYTES, env: { JE_MALLOC_CONF: 'dirty_decay_ms:1000' } },
  limit_600mb_decay_0: { limitBytes: LIMIT_BYTES, env: { JE_MALLOC_CONF: 'dirty_decay_ms:0' } },
};

interface LimitRun {
  readonly events_per_second: number;
  readonly cpu_us_per_event: number;
  readonly seconds: number;
  readonly rss_mib_max: number;
  /** The process's anonymous resident memory, highest sample (RssAnon), MiB. */
  readonly rss_anon_mib_max: number;
  /** The cgroup's figures; null without a limit. */
  readonly cgroup: CgroupFigures | null;
  /** Events the store holds after the run (raw usage_events, every tenant). */
  readonly stored: number;
  /** Why the run ended early (the process died, a request was refused), or null. */
  readonly failed: string | null;
}

async function limitRun(name: string, variant: LimitVariant, events: number): Promise<LimitRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-limit-'));
  if (variant.limitBytes !== null) dropPageCache();
  const cgroup = variant.limitBytes === null ? null : createMemoryCgroup(`tally-bench-${process.pid}-${name}`, variant.limitBytes);
  const { child, url } = await startEmbedded(dataDir, variant.env, '.', cgroup?.procsFile);
  let failed: string | null = null;
  child.once('exit', (code, signal) => (failed ??= `tally start exited (${signal ?? `code ${String(code)}`})`));
  try {
    const pid = child.pid as number;
    await sleep(2000);
    const rss = sampleRss(pid);
    let rssAnon = 0;
    const anon = setInterval(() => {
      cgroup?.sample();
      try {
        rssAnon = Math.max(rssAnon, statusMib(pid, 'RssAnon'));
      } catch {
        // the process has exited
      }
    }, 500);
    const t0 = Date.now();
    const cpu0 = processCpuUs(pid);
    try {
      await sendEvents(url, events, EMBEDDED_SENDERS, EMBEDDED_PER_REQUEST);
    } catch (err) {
      failed ??= err instanceof Error ? err.message : String(err);
    }
    const seconds = (Date.now() - t0) / 1000;
    const cpu = failed === null ? processCpuUs(pid) - cpu0 : Number.NaN;
    const samples = rss.stop();
    clearInterval(anon);
    cgroup?.sample();
    const stored = failed === null ? await storedEvents(url) : Number.NaN;
    return {
      events_per_second: Math.round(events / seconds),
      cpu_us_per_event: Math.round(cpu / events),
      seconds: Math.round(seconds * 10) / 10,
      rss_mib_max: samples.reduce((a, b) => Math.max(a, b), 0),
      rss_anon_mib_max: Math.round(rssAnon),
      cgroup: cgroup?.figures() ?? null,
      stored,
      failed,
    };
  } finally {
    await stop(child);
    await cgroup?.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every variant, twice, in alternating order; per variant its runs and the means' ratios to the first variant. */
export async function memoryLimitRuns(events: number): Promise<Record<string, unknown>> {
  const why = memoryCgroupUnavailable();
  if (why !== null) throw new Error(`part memory-limit: ${why}`);
  const before = load();
  const names = Object.keys(LIMIT_VARIANTS);
  const runs: Record<string, LimitRun[]> = {};
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const r = await limitRun(name, LIMIT_VARIANTS[name] as LimitVariant, events);
      (runs[name] ??= []).push(r);
      const c = r.cgroup;
      console.log(
        `  memory limit, tally start (${name}): ${r.failed ?? `${fmt(events)} events in ${r.seconds} s → ${fmt(r.events_per_second)} events/s, ${fmt(r.cpu_us_per_event)} µs CPU/event, ${fmt(r.stored)} stored`}; RSS max ${fmt(r.rss_mib_max)} MiB (anonymous ${fmt(r.rss_anon_mib_max)})` +
          (c === null ? '' : `; cgroup: anonymous memory max ${fmt(c.anon_mib_max)} MiB, peak charge ${fmt(c.peak_mib)} MiB, ${c.oom_kills} OOM kills, ${fmt(c.major_faults)} pages read back from disk`),
      );
    }
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const base = runs[names[0] ?? ''] ?? [];
  const ratio = (rs: readonly LimitRun[], k: 'events_per_second' | 'cpu_us_per_event'): number => Math.round((mean(rs.map((r) => r[k])) / mean(base.map((r) => r[k]))) * 100) / 100;
  const byVariant = Object.fromEntries(Object.entries(runs).map(([name, rs]) => [name, {
    runs: rs,
    completed: rs.every((r) => r.failed === null && r.stored === events),
    events_per_second_ratio_to_no_limit_decay_5s: ratio(rs, 'events_per_second'),
    cpu_us_per_event_ratio_to_no_limit_decay_5s: ratio(rs, 'cpu_us_per_event'),
  }]));
  return { events, limit_bytes: LIMIT_BYTES, senders: EMBEDDED_SENDERS, events_per_request: EMBEDDED_PER_REQUEST, page_cache_dropped_before_limited_runs: true, variants: LIMIT_VARIANTS, by_variant: byVariant, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}
