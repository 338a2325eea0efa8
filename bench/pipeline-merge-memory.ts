/**
 * The engine's memory under `tally start`'s inserts, alone (part `merge-memory`
 * of `npm run bench -- pipeline`): 5,000-row RowBinary inserts of demo events
 * into a migrated chDB store, back to back, in a process of its own per run
 * (RSS is per process). The variants: every migration (`now`); usage_events
 * merged as ClickHouse would (`horizontal_below_131072`: 0025's threshold set
 * back); the rollup tables writing 1 MiB compression blocks
 * (`rollups_1mib_blocks`: 0026 set back); ClickHouse's merge selector
 * (`merge_selector_base_5`: 0027 set back). Every 250 ms: the process's RSS, the
 * engine's tracked memory (`MemoryTracking`) and its running merges, with
 * their memory by table. Each variant runs twice, alternating. Reports the
 * peaks, the merge algorithms seen, each table's largest merge, CPU per
 * event of inserting and merging (while the inserts run), and the rows the
 * engine merged per row inserted (every table; `MergedRows`).
 *
 * `--merge-rows N` sets the rows per insert (default 5,000, one batch;
 * `tally start` groups batches up to processor.maxInsertEvents, 20,000).
 *
 * Run as a script (`node --import tsx bench/pipeline-merge-memory.ts EVENTS
 * VARIANT ROWS`), it is one run: it prints its figures as one JSON line.
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

const ROLLUPS = ['usage_rollup_full', 'usage_rollup_model', 'usage_rollup_agent', 'usage_rollup_user', 'usage_rollup_model_all'];

/** What each variant sets back after every migration: the first is the base of the ratios. */
const VARIANTS = {
  now: [],
  horizontal_below_131072: ['ALTER TABLE usage_events MODIFY SETTING vertical_merge_algorithm_min_rows_to_activate = 131072'],
  rollups_1mib_blocks: ROLLUPS.map((t) => `ALTER TABLE ${t} MODIFY SETTING max_compress_block_size = 1048576`),
  merge_selector_base_5: ['usage_events', ...ROLLUPS].map((t) => `ALTER TABLE ${t} MODIFY SETTING merge_selector_base = 5`),
} as const satisfies Record<string, readonly string[]>;
type Variant = keyof typeof VARIANTS;

interface MergeMemoryRun {
  readonly seconds: number;
  readonly cpu_us_per_event: number;
  readonly rss_mib_max: number;
  readonly tracked_mib_max: number;
  /** Merge algorithms seen running, as `table: algorithm`. */
  readonly merges: readonly string[];
  /** The largest memory a running merge of each table was seen to hold, MiB. */
  readonly merge_mib_max: Readonly<Record<string, number>>;
  /** Rows the engine merged (every table) per event inserted, while the inserts ran. */
  readonly merged_rows_per_event: number;
}

/** One run in this process: `events` inserted into a fresh store, migrated, then set as `variant` says. */
async function oneRun(events: number, variant: Variant, rowsPerInsert: number): Promise<MergeMemoryRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-bench-merges-'));
  const store = await createChdbStore({ dataDir, database: 'tally' });
  const probe = await createChdbStore({ dataDir, database: 'tally' }); // its own connection: the inserts' queue it does not wait in
  try {
    await migrate(store);
    for (const sql of VARIANTS[variant]) await store.sql.command({ sql });
    const sample = pricedSample(rowsPerInsert);
    let rss = Math.round(rssMib(process.pid));
    let tracked = 0;
    const merges = new Set<string>();
    const mergeMax: Record<string, number> = {};
    const sampling = setInterval(() => {
      rss = Math.max(rss, Math.round(rssMib(process.pid)));
      void Promise.all([
        probe.sql.query<{ tracked: string }>({ sql: "SELECT toString(value) AS tracked FROM system.metrics WHERE metric = 'MemoryTracking'" }),
        probe.sql.query<{ table: string; algorithm: string; memory: string }>({ sql: 'SELECT table, toString(merge_algorithm) AS algorithm, toString(memory_usage) AS memory FROM system.merges WHERE database = currentDatabase()' }),
      ])
        .then(([[t], running]) => {
          tracked = Math.max(tracked, Number(t?.tracked ?? 0));
          for (const r of running) {
            merges.add(`${r.table}: ${r.algorithm}`);
            mergeMax[r.table] = Math.max(mergeMax[r.table] ?? 0, Math.round(Number(r.memory) / 2 ** 20));
          }
        })
        .catch(() => undefined);
    }, 250);
    const mergedRows = async (): Promise<number> => Number((await probe.sql.query<{ n: string }>({ sql: "SELECT toString(value) AS n FROM system.events WHERE event = 'MergedRows'" }))[0]?.n ?? 0);
    const merged0 = await mergedRows();
    const t0 = Date.now();
    const c0 = process.cpuUsage();
    for (let done = 0; done < events; done += sample.length) {
      const now = new Date().toISOString();
      for (const p of sample) Object.assign(p.event, { event_id: randomUUID(), occurred_at: now });
      await store.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, encodeUsageEvents(sample, { processedAtMs: Date.now() }));
    }
    const cpu = process.cpuUsage(c0);
    clearInterval(sampling);
    const merged = (await mergedRows()) - merged0;
    return { seconds: Math.round((Date.now() - t0) / 100) / 10, cpu_us_per_event: Math.round(((cpu.user + cpu.system) / events) * 10) / 10, rss_mib_max: rss, tracked_mib_max: Math.round(tracked / 2 ** 20), merges: [...merges].sort(), merge_mib_max: mergeMax, merged_rows_per_event: Math.round((merged / events) * 100) / 100 };
  } finally {
    await probe.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One run in a child process (RSS is the process's). */
function childRun(events: number, variant: Variant, rowsPerInsert: number): Promise<MergeMemoryRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/pipeline-merge-memory.ts', String(events), variant, String(rowsPerInsert)], { stdio: ['ignore', 'pipe', 'inherit'] });
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

/** Every variant, twice, alternating, with inserts of `rowsPerInsert` rows (5,000: a batch; tally start groups up to processor.maxInsertEvents, 20,000). */
export async function mergeMemoryRuns(events: number, rowsPerInsert = 5_000): Promise<Record<string, unknown>> {
  const before = load();
  const names = Object.keys(VARIANTS) as Variant[];
  const runs: Record<string, MergeMemoryRun[]> = {};
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) {
      const r = await childRun(events, name, rowsPerInsert);
      (runs[name] ??= []).push(r);
      const largest = Object.entries(r.merge_mib_max).map(([t, mib]) => `${t} ${fmt(mib)}`).join(', ');
      console.log(`  merge memory (${name}, inserts of ${fmt(rowsPerInsert)} rows): ${fmt(events)} events in ${r.seconds} s, ${r.cpu_us_per_event} µs CPU/event, ${r.merged_rows_per_event} rows merged per event; peak RSS ${fmt(r.rss_mib_max)} MiB, engine tracked ${fmt(r.tracked_mib_max)} MiB; largest merge by table (MiB): ${largest || 'none seen'}; algorithms: ${r.merges.join(', ') || 'none'}`);
    }
  }
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const now = runs.now ?? [];
  const ratio = (other: readonly MergeMemoryRun[], k: 'cpu_us_per_event' | 'rss_mib_max' | 'tracked_mib_max'): number => Math.round((mean(now.map((r) => r[k])) / mean(other.map((r) => r[k]))) * 100) / 100;
  const nowOver = Object.fromEntries(
    names.filter((n) => n !== 'now').map((n) => [n, { cpu_us_per_event: ratio(runs[n] ?? [], 'cpu_us_per_event'), rss_mib_max: ratio(runs[n] ?? [], 'rss_mib_max'), tracked_mib_max: ratio(runs[n] ?? [], 'tracked_mib_max') }]),
  );
  for (const [n, r] of Object.entries(nowOver)) console.log(`  merge memory, now / ${n}: × ${r.rss_mib_max} peak RSS, × ${r.tracked_mib_max} engine tracked, × ${r.cpu_us_per_event} CPU per event`);
  return { events, rows_per_insert: rowsPerInsert, variants: VARIANTS, runs, now_over: nowOver, measured_at: new Date().toISOString(), load_average_before: before, load_average_after: load() };
}

if (process.argv[1]?.endsWith('pipeline-merge-memory.ts')) {
  const [events, variant, rows] = process.argv.slice(2);
  if (variant === undefined || !(variant in VARIANTS)) throw new Error(`variant: one of ${Object.keys(VARIANTS).join(', ')}`);
  console.log(JSON.stringify(await oneRun(Number(events), variant as Variant, Number(rows))));
}
