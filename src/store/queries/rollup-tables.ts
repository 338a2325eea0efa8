/**
 * Every rollup: its shape, its grain and the dimensions its key carries
 * besides `tenant`, `grain` and `bucket`. Since migration 0023 each shape is
 * ONE SummingMergeTree table holding every grain of it, keyed by tenant,
 * then `grain` ('15m' | 'hourly' | 'daily'), then the bucket (a
 * DateTime('UTC'), a UTC midnight for days), fed by ONE materialized view
 * from `usage_events` that sums every measure as sign × value at each grain
 * (ARRAY JOIN over the grains): one view per shape costs each insert a
 * fraction of one view per shape and grain (docs/storage.md). Each grain of
 * a table is exact for any filter and grouping over the dimensions it
 * carries; a read names its grain (`grainCondition`).
 *
 * - `full`: every dimension (user, group, agent, feature, provider, model
 *   key, model, API key, status, priced) — answers any filter the rollups
 *   can answer, at 15 minutes, hours and UTC days;
 * - `model`: provider, model key, model, status, priced — the summary, the
 *   spend-by-model timeseries and every by-model/provider/status/tenant
 *   breakdown, at 15 minutes, hours and UTC days;
 * - `agent`: agent and feature — the by-agent/feature/tenant panels, at
 *   hours and UTC days;
 * - `user`: user, group, agent, feature, API key — the top-users panel, at
 *   UTC days.
 *
 * The planner (src/store/usage/plan.ts) reads each segment of a range from
 * the narrowest table of the segment's grain that carries every dimension
 * the query filters or groups by: NARROWEST_FIRST is that order, by measured
 * row counts (docs/analytics.md).
 */
import type { RollupGrain } from './grain.js';

/** The dimension columns of the full rollups, in key order after tenant and bucket. */
export const FULL_DIMENSIONS: readonly string[] = ['user_id', 'group_id', 'agent', 'feature', 'provider', 'model_key', 'model', 'api_key_id', 'status', 'priced'];

export type RollupShape = 'full' | 'model' | 'agent' | 'user';

export interface RollupTable {
  /** The storage table, shared by every grain of the shape. */
  readonly name: string;
  /** `<shape>_<grain>`: this grain of the table, as the rollup compare / repair names and aliases it. */
  readonly id: string;
  readonly shape: RollupShape;
  readonly grain: RollupGrain;
  /** Key columns after tenant, grain and bucket, in table order. */
  readonly dimensions: readonly string[];
}

export const SHAPE_DIMENSIONS: Readonly<Record<RollupShape, readonly string[]>> = {
  full: FULL_DIMENSIONS,
  model: ['provider', 'model_key', 'model', 'status', 'priced'],
  agent: ['agent', 'feature'],
  user: ['user_id', 'group_id', 'agent', 'feature', 'api_key_id'],
};

/** The storage table of a shape (migration 0023). */
export function rollupTableName(shape: RollupShape): string {
  return `usage_rollup_${shape}`;
}

const table = (shape: RollupShape, grain: RollupGrain): RollupTable => ({
  name: rollupTableName(shape),
  id: `${shape}_${grain}`,
  shape,
  grain,
  dimensions: SHAPE_DIMENSIONS[shape],
});

/** Every rollup (shape and grain); the full ones first (as before the narrow ones existed). */
export const ROLLUPS: readonly RollupTable[] = [
  table('full', '15m'),
  table('full', 'hourly'),
  table('full', 'daily'),
  table('model', '15m'),
  table('model', 'hourly'),
  table('model', 'daily'),
  table('agent', 'hourly'),
  table('agent', 'daily'),
  table('user', 'daily'),
];

/**
 * Whether `t` carries the latency histograms `durationMap` and `ttftMap`
 * (migration 0020): the by-model rollups, which answer the latency panel
 * (src/store/usage/latency.ts) and whose histograms the rollup compare /
 * repair checks bin by bin with their sums (queries/histogram-repair.ts).
 */
export function hasHistograms(t: RollupTable): boolean {
  return t.shape === 'model';
}

/** The dimension columns the latency answers can filter by after tenant and bucket: the by-model rollups' key. */
export const LATENCY_ROLLUP_DIMENSIONS: readonly string[] = SHAPE_DIMENSIONS.model;

/** Every rollup `store.rollups` compares with raw events and repairs (by id), in the order it reports them. */
export const REPAIRED_ROLLUPS: readonly string[] = ROLLUPS.map((t) => t.id);

/** The condition that reads one grain of a rollup table: `grain`, the key column after the tenant. */
export function grainCondition(grain: RollupGrain): string {
  return `grain = '${grain}'`;
}

/**
 * Per grain, the shapes in the order the planner tries them: fewest rows
 * first, as measured at 10 million events (bench/queries.ts, docs/analytics.md):
 * daily 16,800 (agent) < 24,643 (model) < 269,500 (user) < 712,582 (full);
 * hourly 334,886 (model) < 403,200 (agent) < 6,009,160 (full);
 * 15 minutes 974,795 (model) < 8,630,840 (full).
 */
export const NARROWEST_FIRST: Readonly<Record<RollupGrain, readonly RollupShape[]>> = {
  daily: ['agent', 'model', 'user', 'full'],
  hourly: ['model', 'agent', 'full'],
  '15m': ['model', 'full'],
};

/** The key of one grain of a rollup table: tenant, bucket, then its dimensions (the table's key without `grain`). */
export function rollupKey(t: RollupTable): string[] {
  return ['tenant', 'bucket', ...t.dimensions];
}

/**
 * The all-tenant rollup (migrations 0018, 0023): the by-model rollup (with
 * its latency histograms since 0020) summed over tenants, keyed by grain and
 * bucket first, fed by a view on the tenant table (so repairs of that table
 * reach it too). It answers only queries that name no tenant and neither
 * filter nor group by one — the admin view across every tenant — from ~20
 * times fewer rows.
 */
export const ALL_TENANT_ROLLUP = 'usage_rollup_model_all';

/**
 * The rollup table a latency answer reads its histograms from: the
 * by-model rollup (migration 0020), across every tenant (`allTenants`,
 * 0018) or per tenant; each segment names its grain.
 */
export function latencyRollupOf(allTenants: boolean): string {
  return allTenants ? ALL_TENANT_ROLLUP : rollupTableName('model');
}

/**
 * The narrowest rollup of `grain` carrying every column in `columns`
 * (dimension columns; `tenant` is in every tenant table). With `allTenants`
 * (the query names no tenant) and no `tenant` among the columns, the
 * all-tenant by-model rollup comes first when it carries them. The full
 * rollup of each grain carries every dimension, so there always is one for
 * dimensions the rollups hold at all.
 */
export function narrowestRollup(grain: RollupGrain, columns: readonly string[], allTenants = false): RollupTable {
  if (allTenants && columns.every((c) => SHAPE_DIMENSIONS.model.includes(c))) {
    return { name: ALL_TENANT_ROLLUP, id: `model_all_${grain}`, shape: 'model', grain, dimensions: SHAPE_DIMENSIONS.model };
  }
  for (const shape of NARROWEST_FIRST[grain]) {
    const t = ROLLUPS.find((r) => r.shape === shape && r.grain === grain);
    if (t !== undefined && columns.every((c) => c === 'tenant' || t.dimensions.includes(c))) return t;
  }
  return table('full', grain);
}
