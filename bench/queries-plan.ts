/**
 * `npm run bench -- queries --plan [--keep DIR]`: what each query of the
 * dashboard's default view reads, from the engine's estimates rather than a
 * run — `EXPLAIN ESTIMATE` of every statement the service issues (parts,
 * rows and marks per table: the granules the primary key leaves after
 * pruning) on the generated 10-million-event layout of `bench/queries.ts`,
 * plus the layout itself: rows, compressed bytes and rows per tenant-day of
 * every table. docs/analytics.md ("A billion events") scales these to a
 * billion events on a cluster, with its assumptions. Writes
 * bench/results/queries-plan.json.
 */
import { loadavg } from 'node:os';
import { createAnalyticsService } from '../src/analytics/service.js';
import type { SqlExecutor, SqlQuery } from '../src/store/executor.js';
import { createUsageQueries, type TenantScope } from '../src/store/usage/index.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { fmt, writeResult } from './results.js';

const DAY = 86_400_000;
const QUARTER_HOUR = 900_000;

interface Estimate {
  readonly table: string;
  readonly parts: number;
  readonly rows: number;
  readonly marks: number;
}

/** An executor that answers every query with no rows and records `EXPLAIN ESTIMATE` of it instead. */
function estimating(sql: SqlExecutor, out: Estimate[]): SqlExecutor {
  return {
    ...sql,
    query: async <Row extends object>(q: SqlQuery): Promise<Row[]> => {
      const rows = await sql.query<{ table: string; parts: string | number; rows: string | number; marks: string | number }>({ ...q, sql: `EXPLAIN ESTIMATE ${q.sql}` });
      for (const r of rows) out.push({ table: r.table, parts: Number(r.parts), rows: Number(r.rows), marks: Number(r.marks) });
      return [];
    },
  };
}

/** The layout: per table, rows, compressed bytes, bytes per row, and rows per tenant-day (largest tenant, and the mean over tenants). */
async function layout(store: AnalyticsStore): Promise<Record<string, unknown>> {
  const tables = await store.sql.query<{ name: string; rows: string; bytes: string }>({
    sql: "SELECT name, toString(total_rows) AS rows, toString(total_bytes) AS bytes FROM system.tables WHERE database = currentDatabase() AND (name LIKE 'usage_rollup%' OR name LIKE 'usage_latency%' OR name = 'usage_events') AND engine NOT LIKE '%View%' ORDER BY name",
  });
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    const time = t.name === 'usage_events' ? 'toDate(occurred_at)' : 'toDate(bucket)';
    const [d] = await store.sql.query<{ days: string; t00: string; mean: string }>({
      sql: `SELECT toString(uniqExact(${time})) AS days, toString(countIf(tenant = 't00')) AS t00, toString(count() / uniqExact(tenant)) AS mean FROM ${t.name}`,
    });
    const days = Number(d?.days ?? 1);
    out[t.name] = {
      rows: Number(t.rows),
      compressedBytes: Number(t.bytes),
      bytesPerRow: Math.round((Number(t.bytes) / Math.max(1, Number(t.rows))) * 10) / 10,
      rowsPerTenantDay: { t00: Math.round(Number(d?.t00 ?? 0) / days), meanTenant: Math.round(Number(d?.mean ?? 0) / days) },
    };
  }
  return out;
}

export async function queriesPlan(store: AnalyticsStore, now: number): Promise<void> {
  const to = Math.ceil(now / QUARTER_HOUR) * QUARTER_HOUR;
  const last30 = { from: new Date(to - 30 * DAY).toISOString(), to: new Date(to).toISOString(), tz: 'UTC' };
  const estimates: Estimate[] = [];
  const usage = createUsageQueries(estimating(store.sql, estimates));
  const svc = createAnalyticsService({ ...store, usage }, { now: () => now });
  const calls = (scope: TenantScope): Record<string, () => Promise<unknown>> => ({
    summary: () => svc.summary(last30, scope),
    spend_by_model_per_day: () => svc.timeseries({ ...last30, bucket: 'day', measure: 'cost_total', stack_by: 'model_key', limit: '8' }, scope),
    top_users: () => svc.breakdown({ ...last30, by: 'user_id', sort: 'cost_total', limit: '10' }, scope),
    top_agents: () => svc.breakdown({ ...last30, by: 'agent', sort: 'cost_total', limit: '10' }, scope),
    latency_by_model_histogram: () => svc.latency({ ...last30, by: 'model_key', quantiles: 'histogram' }, scope),
    latency_by_model_exact: () => svc.latency({ ...last30, by: 'model_key' }, scope),
    ...(scope === null ? { tenant_list: () => svc.breakdown({ ...last30, by: 'tenant', sort: 'events', limit: '100' }, scope) } : {}),
    kolkata_days_by_model: () => svc.breakdown({ ...last30, tz: 'Asia/Kolkata', by: 'model_key', bucket: 'day' }, scope),
  });
  const figures: Record<string, unknown> = { layout: await layout(store) };
  for (const scope of ['t00', null] as const) {
    for (const [name, call] of Object.entries(calls(scope))) {
      estimates.length = 0;
      await call();
      const byTable: Record<string, { parts: number; rows: number; marks: number }> = {};
      for (const e of estimates) {
        const t = (byTable[e.table] ??= { parts: 0, rows: 0, marks: 0 });
        t.parts += e.parts;
        t.rows += e.rows;
        t.marks += e.marks;
      }
      const rows = estimates.reduce((s, e) => s + e.rows, 0);
      figures[`${scope ?? 'all'}.${name}`] = { rows, marks: estimates.reduce((s, e) => s + e.marks, 0), byTable };
      console.log(`  ${(scope ?? 'all').padEnd(4)} ${name.padEnd(28)} rows ${fmt(rows).padStart(11)}  ${Object.entries(byTable).map(([t, v]) => `${t} ${fmt(v.rows)}`).join(', ')}`);
    }
  }
  const file = writeResult({
    benchmark: 'queries-plan',
    conditions: {
      what: 'EXPLAIN ESTIMATE of every statement the service issues for the dashboard default view ("30 days up to now", ending on the quarter hour) and Kolkata days by model, on the generated layout of bench/queries.ts; rows = rows of the granules left after primary-key pruning',
      range: last30,
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    },
    figures,
  });
  console.log(`results: ${file}`);
}
