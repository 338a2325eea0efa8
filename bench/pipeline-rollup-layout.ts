/**
 * The rollup layout, before and after migration 0023 (issue 12), part
 * `rollup-layout` of `npm run bench -- pipeline`: the same RowBinary inserts
 * of usage_events, as the processor sends them, into two databases of one
 * embedded engine, alternating within each round:
 *
 *   - `per_grain`: migrated up to 0022 — a rollup table and a view per shape
 *     and grain (12 views);
 *   - `per_shape`: migrated to this version — one table and one view per
 *     shape holding every grain (5 views).
 *
 * Timed as process CPU (the engine's threads, merges included): the fixed
 * cost (the mean of 8 one-row inserts) and the cost per row ((a 5,000-row
 * insert − a 1-row insert) / 4,999), the median over the rounds. After the
 * rounds, every grain of every rollup is checked to hold the same sums in
 * both layouts (it throws otherwise): the layouts differ in cost only.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../src/store/chdb/store.js';
import { migrate, MIGRATIONS_DIR } from '../src/store/migrate.js';
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { EVENT_ROW_COLUMNS } from '../src/store/event-row.js';
import { ALL_TENANT_ROLLUP, ROLLUPS } from '../src/store/queries/rollup-tables.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { median, processCpuUs } from './cpu-time.js';
import { pricedSample } from './pipeline-stages.js';
import { fmt } from './results.js';

const ONE_ROW_INSERTS = 8;
const BIG = 5_000;
const LAYOUTS = ['per_grain', 'per_shape'] as const;
type Layout = (typeof LAYOUTS)[number];

export interface LayoutCost {
  readonly views: number;
  /** CPU of one 1-row insert, ms. */
  readonly one_row_ms: number;
  /** CPU per row beyond the first, µs. */
  readonly per_row_us: number;
  /** CPU per row of a 5,000-row insert, all included, µs. */
  readonly rows_5000_us_per_row: number;
}

export interface LayoutFigures {
  readonly rounds: number;
  readonly by_layout: Readonly<Record<Layout, LayoutCost>>;
  /** per_shape over per_grain. */
  readonly one_row_ratio: number;
  readonly per_row_ratio: number;
  readonly rows_5000_ratio: number;
  /** Rollups (shape and grain) whose sums were checked equal in both layouts. */
  readonly rollups_checked: number;
}

/** The table of the layout before 0023 that held a rollup's grain. */
function perGrainTable(shape: string, grain: string): string {
  return shape === 'full' ? `usage_rollup_${grain}` : `usage_rollup_${shape}_${grain}`;
}

async function viewCount(store: AnalyticsStore): Promise<number> {
  const [r] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'" });
  return Number(r?.n ?? 0);
}

/** Throws unless every grain of every rollup holds the same sums in both layouts. */
async function checkSameSums(perGrain: AnalyticsStore, perShape: AnalyticsStore): Promise<number> {
  const sums = 'toString(sum(events)) AS e, toString(sum(cost_total)) AS c, toString(sum(total_tokens)) AS t, toString(sum(duration_ms_count)) AS d';
  for (const t of ROLLUPS) {
    const [a] = await perGrain.sql.query({ sql: `SELECT ${sums} FROM ${perGrainTable(t.shape, t.grain)}` });
    const [b] = await perShape.sql.query({ sql: `SELECT ${sums} FROM ${t.name} WHERE grain = '${t.grain}'` });
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`bench: ${t.id} differs between the layouts: ${JSON.stringify(b)} vs ${JSON.stringify(a)}`);
  }
  for (const grain of ['15m', 'hourly', 'daily']) {
    const [a] = await perGrain.sql.query({ sql: `SELECT ${sums} FROM ${perGrainTable('model_all', grain)}` });
    const [b] = await perShape.sql.query({ sql: `SELECT ${sums} FROM ${ALL_TENANT_ROLLUP} WHERE grain = '${grain}'` });
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`bench: model_all_${grain} differs between the layouts: ${JSON.stringify(b)} vs ${JSON.stringify(a)}`);
  }
  return ROLLUPS.length + 3;
}

export async function rollupLayoutAB(dataDir: string, rounds = 5): Promise<LayoutFigures> {
  const before0023 = mkdtempSync(join(tmpdir(), 'tally-bench-migrations-0022-'));
  for (const f of readdirSync(MIGRATIONS_DIR).filter((n) => n.endsWith('.sql') && n < '0023')) copyFileSync(join(MIGRATIONS_DIR, f), join(before0023, f));
  const stores: Record<Layout, AnalyticsStore> = {
    per_grain: await createChdbStore({ dataDir, database: 'bench_layout_per_grain' }),
    per_shape: await createChdbStore({ dataDir, database: 'bench_layout_per_shape' }),
  };
  try {
    await migrate(stores.per_grain, { dir: before0023 });
    await migrate(stores.per_shape);
    const sample = pricedSample(BIG);
    const processedAtMs = Date.now();
    const one = encodeUsageEvents(sample.slice(0, 1), { processedAtMs });
    const big = encodeUsageEvents(sample, { processedAtMs });
    const insert = (s: AnalyticsStore, data: Buffer): Promise<void> => s.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, data);
    for (const layout of LAYOUTS) for (let i = 0; i < 3; i++) await insert(stores[layout], one);
    const samples: Record<Layout, { ones: number[]; bigs: number[] }> = { per_grain: { ones: [], bigs: [] }, per_shape: { ones: [], bigs: [] } };
    for (let r = 0; r < rounds; r++) {
      // Alternate which layout goes first, so neither always inherits the other's merges.
      for (const layout of r % 2 === 0 ? LAYOUTS : [...LAYOUTS].reverse()) {
        const s = stores[layout];
        samples[layout].ones.push((await processCpuUs(async () => {
          for (let i = 0; i < ONE_ROW_INSERTS; i++) await insert(s, one);
        })) / ONE_ROW_INSERTS);
        samples[layout].bigs.push(await processCpuUs(() => insert(s, big)));
      }
    }
    const cost = async (layout: Layout): Promise<LayoutCost> => {
      const oneUs = median(samples[layout].ones);
      const bigUs = median(samples[layout].bigs);
      return { views: await viewCount(stores[layout]), one_row_ms: round1(oneUs / 1000), per_row_us: round1((bigUs - oneUs) / (BIG - 1)), rows_5000_us_per_row: round1(bigUs / BIG) };
    };
    const byLayout = { per_grain: await cost('per_grain'), per_shape: await cost('per_shape') };
    const checked = await checkSameSums(stores.per_grain, stores.per_shape);
    const ratio = (k: keyof Omit<LayoutCost, 'views'>): number => Math.round((byLayout.per_shape[k] / byLayout.per_grain[k]) * 100) / 100;
    const figures: LayoutFigures = { rounds, by_layout: byLayout, one_row_ratio: ratio('one_row_ms'), per_row_ratio: ratio('per_row_us'), rows_5000_ratio: ratio('rows_5000_us_per_row'), rollups_checked: checked };
    console.log(`  rollup layout (chDB, RowBinary, CPU of the process; median of ${rounds} alternating rounds):`);
    for (const layout of LAYOUTS) {
      const c = byLayout[layout];
      console.log(`      ${layout.padEnd(9)} (${c.views} views): a 1-row insert ${fmt(c.one_row_ms)} ms, then ${c.per_row_us} µs per row; a 5,000-row insert ${c.rows_5000_us_per_row} µs per row`);
    }
    console.log(`      per_shape / per_grain: × ${figures.one_row_ratio} fixed, × ${figures.per_row_ratio} per row, × ${figures.rows_5000_ratio} for a 5,000-row insert; the sums of all ${checked} rollups equal in both`);
    return figures;
  } finally {
    for (const s of Object.values(stores)) await s.close();
    rmSync(before0023, { recursive: true, force: true });
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
