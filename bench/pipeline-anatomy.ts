/**
 * Where an embedded insert's CPU goes (issue 12), part `anatomy` of
 * `npm run bench -- pipeline`: the RowBinary insert of usage_events into a
 * migrated chDB store, as the processor sends it, timed as process CPU (the
 * engine's threads included):
 *
 *   - the fixed cost: an insert of 1 row, and the marginal cost per row:
 *     (an insert of 5,000 rows − the 1-row insert) / 4,999;
 *   - with no view, with every view, and with each view that reads
 *     usage_events alone (and then with the views chained to its table —
 *     model_all_* read the model_* tables), all sets alternating within each
 *     round, the views created from their own CREATE statements; a view's
 *     share is its set's cost over no view's;
 *   - (fewer, wider rollups were measured here against the three overall
 *     views; migration 0023 built them: part `rollup-layout` compares the
 *     two layouts, bench/pipeline-rollup-layout.ts);
 *   - what the engine reports per 1-row insert with every view (system.events
 *     deltas): analysis, plan and pipeline building, bytes of I/O buffers.
 *
 * Each figure is the median over `rounds` of the mean of 8 one-row inserts and
 * of one 5,000-row insert. The answer this part gives: how much of an
 * insert is fixed (independent of its rows) and which views it comes from —
 * what fewer, wider rollups would save (docs/storage.md, "Where an insert's
 * time goes").
 */
import { encodeUsageEvents } from '../src/store/rowbinary/usage-events.js';
import { EVENT_ROW_COLUMNS } from '../src/store/event-row.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { median, processCpuUs } from './cpu-time.js';
import { pricedSample } from './pipeline-stages.js';
import { fmt } from './results.js';

const ONE_ROW_INSERTS = 8;
const BIG = 5_000;

/** Engine counters read per 1-row insert (system.events). */
const ENGINE_EVENTS = ['QueryAnalysisMicroseconds', 'QueryPlanBuildMicroseconds', 'QueryPlanOptimizeMicroseconds', 'QueryPipelineBuildMicroseconds', 'InsertQueryTimeMicroseconds', 'IOBufferAllocBytes', 'FileOpen'] as const;

export interface InsertCost {
  /** CPU of one 1-row insert, ms. */
  readonly one_row_ms: number;
  /** CPU per row beyond the first, µs. */
  readonly per_row_us: number;
  /** CPU per row of a 5,000-row insert, all included, µs. */
  readonly rows_5000_us_per_row: number;
}

export interface AnatomyFigures {
  readonly all_views: InsertCost;
  readonly views: number;
  /** Each view that reads usage_events, alone, over no view; and what the views chained to its table add on top. */
  readonly by_view: readonly { readonly view: string; readonly chained: readonly string[]; readonly one_row_ms: number; readonly per_row_us: number; readonly chained_one_row_ms: number; readonly chained_per_row_us: number }[];
  /** usage_events and its projection alone. */
  readonly no_views: InsertCost;
  /** Of the fixed cost: the part that depends on the views, percent. */
  readonly views_share_of_fixed_pct: number;
  readonly engine_per_one_row_insert: Record<string, number>;
}

async function engineEvents(store: AnalyticsStore): Promise<Map<string, number>> {
  const rows = await store.sql.query<{ event: string; value: string }>({ sql: 'SELECT event, toString(value) AS value FROM system.events' });
  return new Map(rows.map((r) => [r.event, Number(r.value)]));
}

export async function insertAnatomy(store: AnalyticsStore, rounds = 3): Promise<AnatomyFigures> {
  const sample = pricedSample(BIG);
  const processedAtMs = Date.now();
  const one = encodeUsageEvents(sample.slice(0, 1), { processedAtMs });
  const big = encodeUsageEvents(sample, { processedAtMs });
  const insert = (data: Buffer): Promise<void> => store.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, data);
  for (let i = 0; i < 3; i++) await insert(one);

  /** CPU µs of one 1-row insert (mean of ONE_ROW_INSERTS) and of one BIG-row insert. */
  const measure = async (): Promise<{ oneUs: number; bigUs: number }> => {
    const oneUs = (await processCpuUs(async () => {
      for (let i = 0; i < ONE_ROW_INSERTS; i++) await insert(one);
    })) / ONE_ROW_INSERTS;
    return { oneUs, bigUs: await processCpuUs(() => insert(big)) };
  };

  const before = await engineEvents(store);
  for (let i = 0; i < ONE_ROW_INSERTS; i++) await insert(one);
  const after = await engineEvents(store);
  const engine = Object.fromEntries(ENGINE_EVENTS.map((k) => [k, Math.round(((after.get(k) ?? 0) - (before.get(k) ?? 0)) / ONE_ROW_INSERTS)]));

  // Every view's CREATE statement, so that each set of views below can be put in place on its own.
  const defs = await store.sql.query<{ name: string; create: string }>({ sql: "SELECT name, create_table_query AS create FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name" });
  const targetOf = (create: string): string => /\sTO\s+[\w.]*?\.?(\w+)\s/.exec(create)?.[1] ?? '';
  const sourceOf = (create: string): string => /\sFROM\s+[\w]+\.(\w+)/.exec(create)?.[1] ?? '';
  const direct = defs.filter((d) => sourceOf(d.create) === 'usage_events');
  const chainedOf = (view: { create: string }): typeof defs => defs.filter((d) => sourceOf(d.create) === targetOf(view.create));
  const sets: { label: string; views: typeof defs }[] = [
    { label: 'none', views: [] },
    { label: 'all', views: defs },
    ...direct.map((d) => ({ label: d.name, views: [d] })),
    ...direct.filter((d) => chainedOf(d).length > 0).map((d) => ({ label: `${d.name}+chained`, views: [d, ...chainedOf(d)] })),
  ];
  const results = new Map<string, { ones: number[]; bigs: number[] }>();
  for (let r = 0; r < rounds; r++) {
    for (const set of sets) {
      for (const d of defs) await store.sql.command({ sql: `DROP VIEW IF EXISTS ${d.name}` });
      for (const d of set.views) await store.sql.command({ sql: d.create });
      await insert(one);
      const m = await measure();
      const e = results.get(set.label) ?? { ones: [], bigs: [] };
      e.ones.push(m.oneUs);
      e.bigs.push(m.bigUs);
      results.set(set.label, e);
    }
  }
  const cost = (label: string): InsertCost => {
    const e = results.get(label) ?? { ones: [], bigs: [] };
    const oneUs = median(e.ones);
    const bigUs = median(e.bigs);
    return { one_row_ms: round1(oneUs / 1000), per_row_us: round1((bigUs - oneUs) / (BIG - 1)), rows_5000_us_per_row: round1(bigUs / BIG) };
  };
  const all = cost('all');
  const none = cost('none');
  const byView = direct.map((d) => {
    const alone = cost(d.name);
    const withChained = chainedOf(d).length > 0 ? cost(`${d.name}+chained`) : alone;
    return {
      view: d.name, chained: chainedOf(d).map((c) => c.name),
      one_row_ms: round1(alone.one_row_ms - none.one_row_ms), per_row_us: round1(alone.per_row_us - none.per_row_us),
      chained_one_row_ms: round1(withChained.one_row_ms - alone.one_row_ms), chained_per_row_us: round1(withChained.per_row_us - alone.per_row_us),
    };
  });
  for (const d of defs) await store.sql.command({ sql: `DROP VIEW IF EXISTS ${d.name}` });
  for (const d of defs) await store.sql.command({ sql: d.create });
  const share = Math.round(((all.one_row_ms - none.one_row_ms) / all.one_row_ms) * 100);
  console.log(`  insert anatomy (chDB, RowBinary, CPU of the process; median of ${rounds} alternating rounds):`);
  console.log(`      every view (${defs.length}): a 1-row insert ${fmt(all.one_row_ms)} ms, then ${all.per_row_us} µs per row; a 5,000-row insert ${all.rows_5000_us_per_row} µs per row`);
  console.log(`      no view (usage_events and its projection): a 1-row insert ${fmt(none.one_row_ms)} ms, then ${none.per_row_us} µs per row; the views are ${share} % of the fixed cost`);
  for (const v of byView) console.log(`        + ${v.view.padEnd(32)} ${v.one_row_ms.toFixed(1).padStart(6)} ms fixed, ${v.per_row_us.toFixed(1).padStart(5)} µs per row${v.chained.length > 0 ? `; its chained ${v.chained.join(', ')}: ${v.chained_one_row_ms.toFixed(1)} ms, ${v.chained_per_row_us.toFixed(1)} µs per row` : ''}`);
  console.log(`      the engine per 1-row insert (every view): analysis ${fmt(engine.QueryAnalysisMicroseconds ?? 0)} µs, plan ${fmt(engine.QueryPlanBuildMicroseconds ?? 0)} µs, plan optimisation ${fmt(engine.QueryPlanOptimizeMicroseconds ?? 0)} µs, pipeline ${fmt(engine.QueryPipelineBuildMicroseconds ?? 0)} µs of ${fmt(engine.InsertQueryTimeMicroseconds ?? 0)} µs; I/O buffers ${fmt((engine.IOBufferAllocBytes ?? 0) / 2 ** 20)} MiB; ${fmt(engine.FileOpen ?? 0)} files opened`);
  return { all_views: all, views: defs.length, by_view: byView, no_views: none, views_share_of_fixed_pct: share, engine_per_one_row_insert: engine };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
