/**
 * The engine's memory under `tally start`'s inserts, alone (part `merge-memory`
 * of `npm run bench -- pipeline`): 5,000-row RowBinary inserts of demo events
 * into a migrated chDB store, back to back, in a process of its own per run
 * (RSS is per process), with usage_events merged as migration 0025 sets it
 * (`vertical`: every merge column by column) and as ClickHouse would
 * (`horizontal_below_131072`: the default threshold set back). Every second:
 * the process's RSS, the engine's tracked memory (`MemoryTracking`) and its
 * running merges. Each variant runs twice, alternating. Reports the peaks,
 * the merge algorithms seen, and CPU per event of inserting and merging.
 *
 * `--merge-rows N` sets the rows per insert (default 5,000, one batch;
 * `tally start` groups batches up to processor.maxInsertEvents, 20,000).
 *
 * Run as a script (`node --import tsx bench/pipeline-merge-memory.ts EVENTS
 * THRESHOLD ROWS`), it is one run: it prints its figures as one JSON line.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../src/store/chdb/store.js';
import { EVENT_ROW_COLUMNS } from '../src/store/event-row.js';
import { migrate } from '../src/store/migrate.js';
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { load, rssMib } from './pipeline-common.js';
import { pricedSample } from './pipeline-stages.js';
import { fmt } from './results.js';

/** vertical_merge_algorithm_min_rows_to_activate of each variant: 0025's, and ClickHouse's default. */
const VARIANTS = { vertical: 1, horizontal_below_131072: 131_072 } as const;
type Variant = keyof typeof VARIANTS;

interface MergeMemoryRun {
  readonly seconds: number;
  readonly cpu_us_per_event: number;
  readonly rss_mib_max: number;
  readonly tracked_mib_max: number;
  /** Merge algorithms of usage_events seen running. */
  readonly merges: readonly string[];
}

/** One run in this process: `events` inserted into a fresh store with usage_events' threshold at `threshold`. */
async function oneRun(events: number, threshold: number, rowsPerInsert: number): Promise<MergeMemoryRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-merges-'));
  const store = await createChdbStore({ dataDir, database: 'tally' });
  const probe = await createChdbStore({ dataDir, database: 'tally' }); // its own connection: the inserts' queue it does not wait in
  try {
    await migrate(store);
    await store.sql.command({ sql: `ALTER TABLE usage_events MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = ${threshold}` });
    const sample = pricedSample(rowsPerInsert);
    let rss = Math.round(rssMib(process.pid));
    let tracked = 0;
    const merges = new Set<string>();
    const sampling = setInterval(() => {
      rss = Math.max(rss, Math.round(rssMib(process.pid)));
      void probe.sql
        .query<{ tracked: string; algorithms: string[] }>({
          sql: "SELECT toString((SELECT value FROM system.metrics WHERE metric = 'MemoryTracking')) AS tracked, (SELECT groupArray(toString(merge_algorithm)) FROM system.merges WHERE table = 'usage_events') AS algorithms",
        })
        .then(([r]) => {
          tracked = Math.max(tracked, Number(r?.tracked ?? 0));
          for (const a of r?.algorithms ?? []) merges.add(a);
        })
        .catch(() => undefined);
    }, 1000);
    const t0 = Date.now();
    const c0 = process.cpuUsage();
    for (let done = 0; done < events; done += sample.length) {
      const now = new Date().toISOString();
      for (const p of sample) Object.assign(p.event, { event_id: randomUUID(), occurred_at: now });
      await store.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, encodeUsageEvents(sample, { processedAtMs: Date.now() }));
    }
    const cpu = process.cpuUsage(c0);
    clearInterval(sampling);
    return { seconds: Math.round((Date.now() - t0) / 100) / 10, cpu_us_per_event: Math.round(((cpu.user + cpu.system) / events) * 10) / 10, rss_mib_max: rss, tracked_mib_max: Math.round(tracked / 2 ** 20), merges: [...merges].sort() };
  } finally {
    await probe.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One run in a child process (RSS is the process's). */
function childRun(events: number, threshold: number, rowsPerInsert: number): Promise<MergeMemoryRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pipeline-merge-memory.ts', String(events), String(threshold), String(rowsPerInsert)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as MergeMemoryRun);
      else reject(new Error(`merge-memory run exited ${code}: ${out.slice(-300)}`));
    });
  });
}

/** Both variants, twice, alternating, with inserts of `rowsPerInsert` rows (5,000: a batch; tally start groups up to processor.maxInsertEvents, 20,000). */
export async function mergeMemoryRuns(events: number, rowsPerInsert = 5_000): Promise<Record<string, unknown>> {
  const before = load();
  const names = Object.keys(VARIANTS) as Variant[];
  const runs: Record<string, MergeMemoryRun[]> = {};
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const r = await childRun(events, VARIANTS[name], rowsPerInsert);
      (runs[name] ??= []).push(r);
      console.log(`  merge memory (${name}, inserts of ${fmt(rowsPerInsert)} rows): ${fmt(events)} events in ${r.seconds} s, ${r.cpu_us_per_event} µs CPU/event; peak RSS ${fmt(r.rss_mib_max)} MiB, engine tracked ${fmt(r.tracked_mib_max)} MiB; merges of usage_events seen: ${r.merges.join(', ') || 'none'}`);
    }
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const base = runs.horizontal_below_131072 ?? [];
  const now = runs.vertical ?? [];
  const ratio = (k: 'cpu_us_per_event' | 'rss_mib_max' | 'tracked_mib_max'): number => Math.round((mean(now.map((r) => r[k])) / mean(base.map((r) => r[k]))) * 100) / 100;
  const figures = { events, rows_per_insert: rowsPerInsert, variants: VARIANTS, runs, vertical_over_horizontal: { cpu_us_per_event: ratio('cpu_us_per_event'), rss_mib_max: ratio('rss_mib_max'), tracked_mib_max: ratio('tracked_mib_max') }, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
  console.log(`  merge memory, vertical / horizontal: × ${figures.vertical_over_horizontal.rss_mib_max} peak RSS, × ${figures.vertical_over_horizontal.tracked_mib_max} engine tracked, × ${figures.vertical_over_horizontal.cpu_us_per_event} CPU per event`);
  return figures;
}

if (process.argv[1]?.endsWith('pipeline-merge-memory.ts')) {
  const [events, threshold, rows] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await oneRun(events ?? 600_000, threshold ?? 1, rows ?? 5_000)));
}
