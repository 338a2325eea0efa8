/**
 * The rollup views run one after another or side by side
 * (`parallel_view_processing` 0 against 1), part `parallel-views` of
 * `npm run bench -- pipeline`: RowBinary inserts of `usage_events` into a
 * migrated chDB store, as the processor sends them, of 500, 2,000 and 5,000
 * rows, the two settings alternating (their order swapped every round), each
 * insert timed as wall time (what the processor waits for before it commits)
 * and as CPU of the process (every
 * thread: the engine's). Each insert carries rows of its own (a new
 * `processed_at`), so no insert is dropped as a repeat of an earlier block.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_ROW_COLUMNS } from '../src/store/event-row.js';
import { rowBinaryFileInsert } from '../src/store/chdb/file-insert.js';
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { INSERT_SETTINGS } from '../src/store/settings.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { median } from './cpu-time.js';
import { pricedSample } from './pipeline-stages.js';
import { fmt } from './results.js';

export const PARALLEL_VIEW_SIZES = [500, 2_000, 5_000] as const;
const VARIANTS = [0, 1] as const;

interface Timed {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export interface ParallelViewsBySize {
  readonly rows: number;
  /** Medians per insert, views one after another (0) and side by side (1). */
  readonly sequential: Timed;
  readonly parallel: Timed;
  readonly wall_ratio_parallel_over_sequential: number;
  readonly cpu_ratio_parallel_over_sequential: number;
}

export interface ParallelViewsFigures {
  readonly rounds: number;
  readonly by_rows: readonly ParallelViewsBySize[];
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

export async function parallelViewsAB(store: AnalyticsStore, rounds = 10): Promise<ParallelViewsFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-bench-parallel-views-'));
  const target = `${store.sql.database}.usage_events`;
  let stamp = Date.now();
  let n = 0;
  /** One insert of `rows` new rows with the setting at `parallel`; its wall and process CPU. */
  const insert = async (rows: readonly ReturnType<typeof pricedSample>[number][], parallel: 0 | 1): Promise<Timed> => {
    const file = join(dir, `rows-${n++}.bin`);
    writeFileSync(file, encodeUsageEvents(rows, { processedAtMs: stamp++ }));
    const sql = rowBinaryFileInsert(target, EVENT_ROW_COLUMNS, file, { ...INSERT_SETTINGS, parallel_view_processing: parallel });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await store.sql.command({ sql });
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(c0);
    rmSync(file);
    return { wallMs, cpuMs: (c.user + c.system) / 1000 };
  };
  try {
    const byRows: ParallelViewsBySize[] = [];
    for (const size of PARALLEL_VIEW_SIZES) {
      const sample = pricedSample(size, 300 + size);
      for (const v of VARIANTS) await insert(sample, v); // warm: the first insert of a size reads the parts' metadata
      const samples: Record<(typeof VARIANTS)[number], Timed[]> = { 0: [], 1: [] };
      for (let r = 0; r < rounds; r++) {
        for (const v of r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) samples[v].push(await insert(sample, v));
      }
      const med = (v: 0 | 1): Timed => ({ wallMs: r1(median(samples[v].map((s) => s.wallMs))), cpuMs: r1(median(samples[v].map((s) => s.cpuMs))) });
      const sequential = med(0);
      const parallel = med(1);
      const row: ParallelViewsBySize = {
        rows: size,
        sequential,
        parallel,
        wall_ratio_parallel_over_sequential: r2(parallel.wallMs / sequential.wallMs),
        cpu_ratio_parallel_over_sequential: r2(parallel.cpuMs / sequential.cpuMs),
      };
      byRows.push(row);
      console.log(
        `  ${fmt(size).padStart(5)}-row insert, median of ${rounds}: views one after another ${fmt(sequential.wallMs)} ms wall, ${fmt(sequential.cpuMs)} ms CPU · side by side ${fmt(parallel.wallMs)} ms wall (× ${row.wall_ratio_parallel_over_sequential}), ${fmt(parallel.cpuMs)} ms CPU (× ${row.cpu_ratio_parallel_over_sequential})`,
      );
    }
    return { rounds, by_rows: byRows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
