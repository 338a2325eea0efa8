/**
 * `npm run bench -- queries [--events N] [--runs N] [--before-runs N] [--keep DIR] [--http-port P] [--write-cost] [--plan] [--price | --measures | --only records]`:
 * the analytics queries the dashboard issues, over 10 million events in chDB
 * (and in ClickHouse when CLICKHOUSE_URL is set), before and after issue 13.
 *
 * Load: `INSERT INTO usage_events … SELECT … FROM numbers(offset, 1M)` in
 * chunks, every column derived from the row number with cityHash64 — so the
 * data is deterministic, no rows cross the JS boundary, and the materialized
 * views fill every rollup exactly as live inserts do. Shape: 35 days ending
 * today, 20 tenants (tenant t00 holds 40 % of the events), 2,000 users in t00
 * and 300 in each other tenant, each user with one group, API key, agent and
 * feature, a preferred model (85 %) and a second one (15 %) among 12 models
 * of 5 providers (one unpriced), 2 % errors, 0.5 % cancelled, token counts and
 * exact Decimal costs per class, latencies with 5 % gaps. The load runs with
 * `optimize_on_insert = 0` and `insert_deduplicate = 0`; afterwards the
 * rollups are merged once (OPTIMIZE … FINAL), as background merges would
 * have done on a live store. A kept directory loaded before migration 0011
 * gets its narrow rollups filled by that migration (timed).
 *
 * Measured, per query, for the largest tenant and for all tenants:
 *   - `before`: the plan as it was — every rollup segment from the full
 *     rollup of its grain (the same query objects with the narrow tables
 *     swapped for the full ones) and "up to now" ending at now, with raw
 *     edges (`usage_events FINAL`);
 *   - `after`: the narrowest rollups, "up to now" ending on the quarter hour.
 * The two alternate run by run (ABAB…), so machine load hits both alike.
 * Figures: wall p50/p99 (nearest rank) over `--runs` (default 60) after 3
 * warm-ups, CPU ms per call (process CPU, which includes chDB's threads),
 * rows and bytes read (the engine's statistics of each statement, summed over
 * the statements of a call) and the tables read. Service calls: parsing,
 * SQL, the store and exact JSON conversion are included.
 *
 * Queries: the dashboard's default view for "30 days up to now", as
 * src/dashboard/dashboard.js sends it — summary, the previous period's
 * summary (its six delta measures), spend by model per day (timeseries
 * stacked by model_key), top users (by tenant and user for all tenants), top
 * agents, latency by model, the tenant and user lists of its filters, then
 * the revenue table (the range is billed) and the request log (25 records) —
 * plus by model by day in UTC, Asia/Kolkata and Asia/Kathmandu over 30 whole
 * days (in-process and over HTTP), each page call over HTTP too, and the whole page in the dashboard's order (the first batch at once,
 * then revenue, then the log), in-process and over HTTP (the API on
 * 127.0.0.1, open access). `/v1/budgets:status` (counters) is not measured. With
 * `--write-cost`, also the insert CPU with the views before and after
 * migration 0020 (`writeCost`). With `--plan`, only the engine's estimates
 * of what each query reads (bench/queries-plan.ts, queries-plan.json).
 * With `--price` (issue 16), `before` is today's plan without the price
 * column (`withoutPrice`) and `after` the queries as served, price_total read
 * and summed, plus the revenue panel's call — bench/results/queries-price.json.
 * With `--measures`, `before` is the page's breakdowns asking for every
 * measure and `after` with only the measures each panel shows, as the
 * dashboard asks (`measures=`) — bench/results/queries-measures.json.
 * With `--only records` (issue 13), only the request log: `before` the
 * records read before migration 0019's projection, `after` as served
 * (bench/queries-records.ts) — bench/results/queries-records.json.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAnalyticsService, type AnalyticsService } from '../src/analytics/service.js';
import { createApp } from '../src/api/app.js';
import { ApiKeyring } from '../src/api/auth.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import { ALL_TENANT_ROLLUP, ROLLUPS } from '../src/store/queries/rollup-tables.js';
import { createUsageQueries, recordsQuery, type PlannedRows, type RecordRow, type TenantScope, type UsageQueries } from '../src/store/usage/index.js';
import { parseDateTime64 } from '../src/core/time.js';
import { acquireChdbEngine } from '../src/store/chdb/engine.js';
import { createChdbStore } from '../src/store/chdb/store.js';
import { createClickHouseStore } from '../src/store/clickhouse/store.js';
import type { SqlExecutor, SqlQuery } from '../src/store/executor.js';
import { loadMigrations, migrate } from '../src/store/migrate.js';
import { normalizeParams } from '../src/store/sql.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { queriesPlan } from './queries-plan.js';
import { recordsBeforeProjection } from './queries-records.js';
import { fmt, percentile, writeResult } from './results.js';


/** Model table: [provider, model, model_key ('' = unpriced), input $/token, output $/token, cached $/token]. */
const MODELS: readonly (readonly [string, string, string, string, string, string])[] = [
  ['openai', 'gpt-4o-2024-08-06', 'openai/gpt-4o', '0.0000025', '0.00001', '0.00000125'],
  ['openai', 'gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini', '0.00000015', '0.0000006', '0.000000075'],
  ['openai', 'o3-mini', 'openai/o3-mini', '0.0000011', '0.0000044', '0.00000055'],
  ['openai', 'gpt-4.1', 'openai/gpt-4.1', '0.000002', '0.000008', '0.0000005'],
  ['anthropic', 'claude-3-5-sonnet-20241022', 'anthropic/claude-3-5-sonnet', '0.000003', '0.000015', '0.0000003'],
  ['anthropic', 'claude-3-5-haiku-20241022', 'anthropic/claude-3-5-haiku', '0.0000008', '0.000004', '0.00000008'],
  ['anthropic', 'claude-opus-4', 'anthropic/claude-opus-4', '0.000015', '0.000075', '0.0000015'],
  ['gemini', 'gemini-2.0-flash', 'gemini/gemini-2.0-flash', '0.0000001', '0.0000004', '0.000000025'],
  ['gemini', 'gemini-2.5-pro', 'gemini/gemini-2.5-pro', '0.00000125', '0.00001', '0.00000031'],
  ['mistral', 'mistral-large-latest', 'mistral/mistral-large', '0.000002', '0.000006', '0'],
  ['mistral', 'mistral-small-latest', 'mistral/mistral-small', '0.0000002', '0.0000006', '0'],
  ['openai', 'in-house-ft-7', '', '0', '0', '0'],
];

const arr = (i: number): string => `[${MODELS.map((m) => `'${m[i]}'`).join(', ')}]`;
const decArr = (i: number): string => `[${MODELS.map((m) => `toDecimal128('${m[i]}', 15)`).join(', ')}]`;

/** One chunk of generated events, straight into usage_events (the views fill the rollups). */
export function loadSql(): string {
  return `INSERT INTO usage_events (tenant, event_id, occurred_at, received_at, processed_at, user_id, group_id, session_id, agent, feature,
  request_id, api_key_id, provider, model, model_key, usage_shape, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens,
  total_tokens, prompt_tokens, requests, tool_calls, web_search_requests, images, audio_seconds, cost_input, cost_cached_input, cost_output,
  cost_reasoning, cost_request, cost_tool_call, cost_total, cache_savings, price_input, price_request, price_total, price_book_version,
  cost_source, priced, pricing_error, price_version, status, duration_ms, ttft_ms, metadata, row_version, sign)
SELECT tenant, event_id, occurred_at, occurred_at, occurred_at, user_id, group_id, session_id, agent, feature,
  '', api_key_id, provider, model, model_key, 'canonical', input_tokens, cached_input_tokens, output_tokens, reasoning_tokens,
  input_tokens + cached_input_tokens + output_tokens + reasoning_tokens, input_tokens + cached_input_tokens, 1, tool_calls, 0, 0, toDecimal32(0, 3),
  cost_input, cost_cached_input, cost_output, cost_reasoning, toDecimal128(0, 15), cost_tool_call,
  cost_input + cost_cached_input + cost_output + cost_reasoning + cost_tool_call, cache_savings,
  price_input, price_request, price_input + price_request, if(billed, 'bench-book@1', ''),
  if(priced, 'catalog', 'none'), priced, if(priced, '', 'UNKNOWN_MODEL'), if(priced, concat(model_key, '@bench'), ''), status,
  if(h5 % 20 = 0, NULL, 200 + (h5 % 4800) + (h5 % 4) * 0.25), if(h5 % 20 = 1, NULL, 40 + (h5 % 900) * 1.0),
  map('env', if(h5 % 3 = 0, 'dev', 'prod')), 1, 1
FROM
(
  SELECT
    number AS n,
    cityHash64(n, 1) AS h1, cityHash64(n, 2) AS h2, cityHash64(n, 3) AS h3, cityHash64(n, 4) AS h4, cityHash64(n, 5) AS h5,
    if(h1 % 100 < 40, 0, 1 + h1 % 19) AS t,
    if(t = 0, h2 % 2000, h2 % 300) AS u,
    concat('t', leftPad(toString(t), 2, '0')) AS tenant,
    concat('b', toString(n)) AS event_id,
    toDateTime64({start:DateTime64(3, 'UTC')}, 3, 'UTC') + toIntervalMillisecond(h3 % {span_ms:UInt64}) AS occurred_at,
    concat(tenant, '-u', toString(u)) AS user_id,
    concat(tenant, '-g', toString(u % 12)) AS group_id,
    concat(user_id, '-', toString(toDate(occurred_at)), '-', toString(h4 % 3)) AS session_id,
    ['support-bot', 'coder', 'planner', 'summarizer', 'search', 'triage', 'writer', 'reviewer'][1 + u % 8] AS agent,
    ['chat', 'search', 'autocomplete', 'review', 'batch-jobs', 'email'][1 + u % 6] AS feature,
    concat(tenant, '-key-', toString(u % 5)) AS api_key_id,
    if(h4 % 100 < 85, u % 11, (u * 7 + 3) % 12) AS mi,
    ${arr(0)}[mi + 1] AS provider,
    ${arr(1)}[mi + 1] AS model,
    ${arr(2)}[mi + 1] AS model_key,
    model_key != '' AS priced,
    100 + h5 % 4900 AS input_tokens,
    if(h2 % 10 < 3, intDiv(input_tokens, 3), 0) AS cached_input_tokens,
    10 + h3 % 990 AS output_tokens,
    if(mi = 2 OR mi = 6, h4 % 2000, 0) AS reasoning_tokens,
    toUInt32(h1 % 7 = 0) * (1 + h5 % 3) AS tool_calls,
    multiIf(h3 % 1000 < 20, 'error', h3 % 1000 < 25, 'cancelled', 'ok') AS status,
    toDecimal128(input_tokens, 0) * ${decArr(3)}[mi + 1] AS cost_input,
    toDecimal128(cached_input_tokens, 0) * ${decArr(5)}[mi + 1] AS cost_cached_input,
    toDecimal128(output_tokens, 0) * ${decArr(4)}[mi + 1] AS cost_output,
    toDecimal128(reasoning_tokens, 0) * ${decArr(4)}[mi + 1] AS cost_reasoning,
    toDecimal128(tool_calls, 0) * if(priced, toDecimal128('0.003', 15), toDecimal128(0, 15)) AS cost_tool_call,
    toDecimal128(cached_input_tokens, 0) * (${decArr(3)}[mi + 1] - ${decArr(5)}[mi + 1]) AS cache_savings,
    -- Issue 16: half the tenants resell (t00 and t01-t09): input billed at cost × 1.3 plus $0.001 per request.
    t < 10 AS billed,
    if(billed, toDecimal128(cost_input * 13 / 10, 15), toDecimal128(0, 15)) AS price_input,
    if(billed, toDecimal128('0.001', 15), toDecimal128(0, 15)) AS price_request
  FROM numbers({offset:UInt64}, {count:UInt64})
)
SETTINGS insert_deduplicate = 0, optimize_on_insert = 0, parallel_view_processing = 1`;
}


const DAY = 86_400_000;
const CHUNK = 1_000_000;
const QUARTER_HOUR = 900_000;
const round = (v: number): number => Math.round(v * 10) / 10;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The statements a call ran, as executed (after the before-variant's table swap). */
type Capture = SqlQuery[];

/** Reads what a statement read: the engine's statistics of the statement run once more with FORMAT JSON. */
type ReadStats = (q: SqlQuery) => Promise<{ rows: number; bytes: number }>;

/** Narrow and all-tenant rollups (issue 13), each read as the full rollup (same grain) by the plan before issue 13. */
const NARROW = /\busage_rollup_(?:model_all|model|agent|user)\b/g;

/** Every rollup table a statement reads. */
const TABLES = [...new Set(ROLLUPS.map((t) => t.name)), ALL_TENANT_ROLLUP];

/**
 * What `before` is: the plan before issue 13 (default), with `--price` today's plan without the
 * price column of issue 16 (the statements with price_total not read: `withoutPrice`), or with
 * `--measures` the page's breakdowns without `measures=` (every measure summed, as before it existed).
 */
type Baseline = 'issue13' | 'no-price' | 'all-measures' | 'records';

/** A statement as it was before issue 16: no price_total projected from any table, a constant 0 where the measure is summed. */
export function withoutPrice(sql: string): string {
  return sql
    .split('\n')
    .filter((line) => !/^\s*price_total,$/.test(line))
    .join('\n')
    .replaceAll('sum(toDecimal256(price_total, 15)) AS price_total', 'toDecimal256(0, 15) AS price_total');
}

/** An executor that records every query and, for `before`, reads the full rollup of each segment's grain instead of a narrow one (or, `no-price`, reads no price). */
function capturing(sql: SqlExecutor, capture: Capture, before: boolean, baseline: Baseline): SqlExecutor {
  const rewrite = (q: SqlQuery): SqlQuery => (!before || baseline === 'all-measures' || baseline === 'records' ? q : baseline === 'no-price' ? { ...q, sql: withoutPrice(q.sql) } : { ...q, sql: q.sql.replace(NARROW, 'usage_rollup_full') });
  return {
    ...sql,
    query: <Row extends object>(q: SqlQuery): Promise<Row[]> => {
      const r = rewrite(q);
      capture.push(r);
      return sql.query<Row>(r);
    },
  };
}

/** The plan as it was before issue 13: every rollup segment from the full rollup of its grain. */
function beforeUsage(sql: SqlExecutor): UsageQueries {
  const inner = createUsageQueries(sql);
  const swap = <R>(p: PlannedRows<R>): PlannedRows<R> => ({ rows: p.rows, plan: { ...p.plan, segments: p.plan.segments.map((s) => ({ ...s, table: s.table.replace(NARROW, 'usage_rollup_full') })) } });
  return {
    ...inner,
    // Records as before issue 13's two-pass read of every tenant: one FINAL read per window (last day, week, range).
    async records(spec, after) {
      const upper = Math.min(spec.to, after === null ? spec.to : (parseDateTime64(after.occurredAt) ?? Number.NaN) + 1);
      let rows: RecordRow[] = [];
      for (const span of [DAY, 7 * DAY, Number.POSITIVE_INFINITY]) {
        const from = Math.max(spec.from, upper - span);
        rows = await sql.query<RecordRow>(recordsQuery({ ...spec, from }, after));
        if (rows.length > spec.limit || from === spec.from) break;
      }
      return rows;
    },
    summary: async (spec) => swap(await inner.summary(spec)),
    breakdown: async (spec) => swap(await inner.breakdown(spec)),
    timeseries: async (spec) => swap(await inner.timeseries(spec)),
  };
}

interface Variant {
  readonly before: boolean;
  /** The plan before issue 13 (full rollups, raw edges, exact latency): the default `before`. */
  readonly oldPlan: boolean;
  /** The page's extra call when the range is billed (revenue by tenant): both sides, but with `--price` (issue 16's baseline) `after` only. */
  readonly revenue: boolean;
  /** The page's breakdowns ask only for the measures their panels show (`measures=`, as the dashboard does); false: every measure. */
  readonly narrow: boolean;
  readonly svc: AnalyticsService;
  readonly capture: Capture;
  /** The range "30 days up to now" as the dashboard asked for it. */
  readonly last30: { from: string; to: string };
}

function variant(store: AnalyticsStore, before: boolean, now: number, baseline: Baseline = 'issue13'): Variant {
  const capture: Capture = [];
  const sql = capturing(store.sql, capture, before, baseline);
  const oldPlan = before && baseline === 'issue13';
  const usage = oldPlan ? beforeUsage(sql) : before && baseline === 'records' ? recordsBeforeProjection(createUsageQueries(sql), sql) : createUsageQueries(sql);
  const svc = createAnalyticsService({ ...store, usage }, { now: () => now });
  // Before: ending at now (ms), as the dashboard asked; after: at the end of the quarter hour holding now.
  const to = oldPlan ? now : Math.ceil(now / QUARTER_HOUR) * QUARTER_HOUR;
  return { before, oldPlan, revenue: baseline !== 'no-price' || !before, narrow: !before || baseline === 'no-price', svc, capture, last30: { from: new Date(to - 30 * DAY).toISOString(), to: new Date(to).toISOString() } };
}

interface Side {
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerCall: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly statements: number;
  readonly source: string;
}

type Call = (v: Variant) => Promise<unknown>;

function sourceOf(result: unknown): string {
  const seg = (result as { source?: { segments?: readonly { table: string }[] } } | undefined)?.source?.segments;
  return seg === undefined ? 'usage_events' : [...new Set(seg.map((s) => s.table))].join(' + ');
}

async function side(v: Variant, call: Call, stats: ReadStats): Promise<Omit<Side, 'p50' | 'p99' | 'cpuMsPerCall'>> {
  v.capture.length = 0;
  const result = await call(v);
  const statements = [...v.capture];
  let rows = 0;
  let bytes = 0;
  for (const q of statements) {
    const s = await stats(q);
    rows += s.rows;
    bytes += s.bytes;
  }
  const tables = new Set(statements.flatMap((q) => [...q.sql.matchAll(/FROM (usage_\w+)/g)].map((m) => m[1] ?? '')));
  return { rowsRead: rows, bytesRead: bytes, statements: statements.length, source: sourceOf(result) === 'usage_events' ? [...tables].join(' + ') : sourceOf(result) };
}

/** Runs of the before side (`--before-runs`, default all): the old plan costs seconds per call, so a short session measures it fewer times, still alternating with after. */
const BEFORE_RUNS = { value: Number.POSITIVE_INFINITY };

/** Runs `call` on both variants, alternating, and returns the figures of each side. */
async function compare(label: string, runs: number, before: Variant, after: Variant, call: Call, stats: ReadStats): Promise<{ before: Side; after: Side; ratio: { p99: number; cpu: number; rows: number } }> {
  const beforeRuns = Math.min(runs, BEFORE_RUNS.value);
  for (let i = 0; i < 3; i++) {
    if (i < Math.min(3, beforeRuns)) await call(before);
    await call(after);
  }
  const t: [number[], number[]] = [[], []];
  const c: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, v] of [[0, before], [1, after]] as const) {
      if (k === 0 && i >= beforeRuns) continue;
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await call(v);
      t[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      const d = process.cpuUsage(c0);
      c[k].push((d.user + d.system) / 1000);
    }
  }
  const figures = async (k: 0 | 1, v: Variant): Promise<Side> => {
    const sorted = [...t[k]].sort((a, b) => a - b);
    const read = await side(v, call, stats);
    return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), cpuMsPerCall: round(c[k].reduce((s, x) => s + x, 0) / c[k].length), ...read };
  };
  const b = await figures(0, before);
  const a = await figures(1, after);
  const ratio = { p99: round((b.p99 / a.p99) * 10) / 10, cpu: round((b.cpuMsPerCall / a.cpuMsPerCall) * 10) / 10, rows: round((b.rowsRead / Math.max(1, a.rowsRead)) * 10) / 10 };
  console.log(`  ${label.padEnd(46)} p99 ${fmt(b.p99, 1).padStart(8)} → ${fmt(a.p99, 1).padStart(7)} ms   cpu ${fmt(b.cpuMsPerCall, 1).padStart(7)} → ${fmt(a.cpuMsPerCall, 1).padStart(6)} ms   rows ${fmt(b.rowsRead).padStart(10)} → ${fmt(a.rowsRead).padStart(8)}   (${a.source})`);
  return { before: b, after: a, ratio };
}

/** What each panel of the dashboard asks for (`measures=`; src/dashboard/dashboard.js and revenue.js). */
const PANEL_MEASURES = {
  // The current period's summary: the KPIs, the revenue totals and the cost classes (SUMMARY_MEASURES).
  kpis: 'events,requests,input_tokens,cached_input_tokens,cache_write_5m_tokens,cache_write_1h_tokens,output_tokens,reasoning_tokens,audio_input_tokens,audio_output_tokens,image_input_tokens,image_output_tokens,total_tokens,avg_tokens_per_request,cost_input,cost_cached_input,cost_cache_write_5m,cost_cache_write_1h,cost_output,cost_reasoning,cost_audio_input,cost_audio_output,cost_image_input,cost_image_output,cost_request,cost_tool_call,cost_web_search,cost_audio_second,cost_image,cost_total,cache_savings,price,margin,margin_pct,unpriced_events,error_events',
  ranking: 'cost_total', list: 'events', revenue: 'price,cost_total,margin,margin_pct', deltas: 'cost_total,requests,total_tokens,cache_savings,error_events,unpriced_events' } as const;

/** One API call of the page: its endpoint (`/v1/usage/<endpoint>`, `svc.<endpoint>` in-process) and its query parameters. */
interface PageRequest {
  readonly endpoint: 'summary' | 'breakdown' | 'timeseries' | 'latency' | 'records';
  readonly params: Record<string, string>;
}

/** The page's first batch, made at once, then the calls made after it, in order. */
const FIRST_CALLS = ['summary', 'previous_summary', 'spend_by_model_per_day', 'top_users', 'top_agents', 'latency_by_model', 'tenant_list', 'user_list'] as const;
const LATER_CALLS = ['revenue_by_tenant', 'request_log'] as const;
type PageCallName = (typeof FIRST_CALLS)[number] | (typeof LATER_CALLS)[number];

/**
 * The calls of the dashboard's default view ("30 days up to now"), as src/dashboard/dashboard.js issues them
 * (refresh and loadOptions): the summary, the previous period's summary (the KPIs' deltas), the spend chart,
 * the top users (by tenant and user for all tenants), the top agents, the latency panel and the filters'
 * tenant and user lists at once; then the revenue table (asked for when the range is billed, as t00's and
 * every tenant's is; null when the variant's page does not make it); then the request log.
 * `/v1/budgets:status` (the counter store, not analytics) is not among them.
 */
function pageRequest(name: PageCallName, scope: TenantScope, tz: string, v: Variant): PageRequest | null {
  const q: Record<string, string> = { ...v.last30, tz };
  const only = (measures: string): Record<string, string> => (v.narrow ? { measures } : {});
  switch (name) {
    case 'summary':
      return { endpoint: 'summary', params: { ...q, ...only(PANEL_MEASURES.kpis) } };
    case 'previous_summary':
      // The KPIs' deltas: the same summary over the previous 30 days, with the six measures they compare.
      return { endpoint: 'summary', params: { ...q, from: new Date(Date.parse(v.last30.from) - 30 * DAY).toISOString(), to: v.last30.from, ...only(PANEL_MEASURES.deltas) } };
    case 'spend_by_model_per_day':
      return { endpoint: 'timeseries', params: { ...q, bucket: 'day', measure: 'cost_total', stack_by: 'model_key', limit: '8' } };
    case 'top_users':
      return { endpoint: 'breakdown', params: { ...q, by: scope === null ? 'tenant,user_id' : 'user_id', sort: 'cost_total', limit: '10', ...only(PANEL_MEASURES.ranking) } };
    case 'top_agents':
      return { endpoint: 'breakdown', params: { ...q, by: 'agent', sort: 'cost_total', limit: '10', ...only(PANEL_MEASURES.ranking) } };
    case 'latency_by_model':
      // Before: exact percentiles over raw events; after: the latency rollups (quantiles=histogram, within 1 %).
      return { endpoint: 'latency', params: { ...q, by: 'model_key', ...(v.oldPlan ? {} : { quantiles: 'histogram' }) } };
    case 'tenant_list':
      // The filters' lists (loadOptions): every tenant the key sees (its own for a tenant key), the scope's users.
      return { endpoint: 'breakdown', params: { ...q, by: 'tenant', sort: 'events', limit: '100', ...only(PANEL_MEASURES.list) } };
    case 'user_list':
      return { endpoint: 'breakdown', params: { ...q, by: 'user_id', sort: 'cost_total', limit: '200', ...only(PANEL_MEASURES.list) } };
    case 'revenue_by_tenant':
      return v.revenue ? { endpoint: 'breakdown', params: { ...q, by: 'tenant', sort: 'price', limit: '10', ...only(PANEL_MEASURES.revenue) } } : null;
    case 'request_log':
      return { endpoint: 'records', params: { ...q, limit: '25' } };
  }
}

/** A page request made in-process, through the variant's service. */
function serve(v: Variant, r: PageRequest | null, scope: TenantScope): Promise<unknown> {
  if (r === null) return Promise.resolve(null);
  return v.svc[r.endpoint](r.params, scope);
}

/** The page's calls in-process, by name: `names` of FIRST_CALLS or LATER_CALLS. */
function callsOf(names: readonly PageCallName[], scope: TenantScope, tz: string): Record<string, Call> {
  return Object.fromEntries(names.map((name) => [name, (v: Variant) => serve(v, pageRequest(name, scope, tz, v), scope)]));
}

/** The whole page in-process, in the dashboard's order: the first batch at once, then each later call. */
async function wholePage(v: Variant, first: Record<string, Call>, later: Record<string, Call>): Promise<unknown[]> {
  const out: unknown[] = await Promise.all(Object.values(first).map((c) => c(v)));
  for (const c of Object.values(later)) out.push(await c(v));
  return out;
}

async function suite(before: Variant, after: Variant, runs: number, today: number, stats: ReadStats, httpBase: string | null): Promise<Record<string, unknown>> {
  const days30 = { from: new Date(today - 30 * DAY).toISOString(), to: new Date(today).toISOString() };
  const out: Record<string, unknown> = {};
  for (const [who, scope] of [['tenant t00 (40 % of events)', 't00'], ['all tenants', null]] as const) {
    const key = scope ?? 'all';
    console.log(` ${who}: dashboard default view, 30 days up to now (browser zone UTC)`);
    const calls = callsOf(FIRST_CALLS, scope, 'UTC');
    const later = callsOf(LATER_CALLS, scope, 'UTC');
    for (const [name, call] of Object.entries({ ...calls, ...later })) out[`${key}.page.${name}`] = await compare(name, runs, before, after, call, stats);
    // The whole page: its calls at once, as the browser sends them; over HTTP when the API is served, else in-process.
    const pageRuns = Math.max(10, Math.ceil(runs / 2));
    if (httpBase !== null) {
      const viaHttp = (v: Variant): Promise<unknown> => httpPage(httpBase, v === before ? 'before' : 'after', scope, v);
      out[`${key}.page.whole_page_http`] = await compare('whole page over HTTP (as the dashboard)', pageRuns, before, after, viaHttp, stats);
      for (const name of [...FIRST_CALLS, ...LATER_CALLS]) {
        const one = (v: Variant): Promise<unknown> => httpCall(httpBase, v === before ? 'before' : 'after', scope, name, v);
        out[`${key}.page_http.${name}`] = await compare(`${name} over HTTP`, runs, before, after, one, stats);
      }
    } else {
      out[`${key}.page.whole_page_in_process`] = await compare('whole page, in-process (as the dashboard)', pageRuns, before, after, (v) => wholePage(v, calls, later), stats);
    }
    console.log(` ${who}: 30 whole UTC days`);
    out[`${key}.summary_30d`] = await compare('summary', runs, before, after, (v) => v.svc.summary(days30, scope), stats);
    out[`${key}.top20_users_30d`] = await compare('top-20 users', runs, before, after, (v) => v.svc.breakdown({ ...days30, by: 'user_id', limit: '20' }, scope), stats);
    for (const tz of ['UTC', 'Asia/Kolkata', 'Asia/Kathmandu']) {
      const byDay: PageRequest = { endpoint: 'breakdown', params: { ...days30, by: 'model_key', bucket: 'day', tz } };
      out[`${key}.breakdown_model_by_day_30d.${tz}`] = await compare(`by model_key by day, ${tz}`, runs, before, after, (v) => serve(v, byDay, scope), stats);
      if (httpBase === null) continue;
      const path = pathOf(byDay, scope);
      out[`${key}.breakdown_model_by_day_30d_http.${tz}`] = await compare(`by model_key by day, ${tz}, over HTTP`, runs, before, after, (v) => httpGet(httpBase, v === before ? 'before' : 'after', path), stats);
    }
  }
  return out;
}

/**
 * `--only records`: the request log and its variants, for the largest tenant and every tenant: the
 * dashboard's first page (25, as src/dashboard/requests.js asks) up to now and up to the data's end, a page
 * of 50, the page after the first one (its cursor), errors only; and a small tenant's first page.
 */
async function recordsSuite(before: Variant, after: Variant, runs: number, today: number, stats: ReadStats): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const cases: [string, TenantScope][] = [['t00', 't00'], ['all', null], ['t07', 't07']];
  // The generated events end at midnight: "up to now" finds none in its last hour. Ending the range where they
  // end is how the log looks while events arrive (its last hour is full).
  const toDataEnd = { from: new Date(today - 30 * DAY).toISOString(), to: new Date(today).toISOString(), tz: 'UTC' };
  for (const [key, scope] of cases) {
    console.log(` ${scope === null ? 'all tenants' : `tenant ${scope}`}: records, 30 days up to now`);
    const q = (v: Variant, extra: Record<string, string>): Record<string, string> => ({ ...v.last30, tz: 'UTC', ...extra });
    out[`${key}.request_log_25`] = await compare('request log, 25', runs, before, after, (v) => v.svc.records(q(v, { limit: '25' }), scope), stats);
    out[`${key}.request_log_25_to_data_end`] = await compare('request log, 25, 30 days to the data\'s end', runs, before, after, (v) => v.svc.records({ ...toDataEnd, limit: '25' }, scope), stats);
    if (key === 't07') continue;
    out[`${key}.request_log_50`] = await compare('request log, 50', runs, before, after, (v) => v.svc.records(q(v, { limit: '50' }), scope), stats);
    const first = await after.svc.records(q(after, { limit: '50' }), scope);
    const cursor = first.next_cursor ?? '';
    out[`${key}.request_log_50_page_2`] = await compare('request log, 50, second page', runs, before, after, (v) => v.svc.records(q(v, { limit: '50', cursor }), scope), stats);
    out[`${key}.request_log_50_errors`] = await compare('request log, 50, status=error', runs, before, after, (v) => v.svc.records(q(v, { limit: '50', status: 'error' }), scope), stats);
  }
  return out;
}

/** The page's usage calls over HTTP against the API of `which` variant (see serveVariants), in the dashboard's order: the first batch at once, then revenue, then the request log. */
/** The API path of a page request, with the tenant scope as the `tenant` parameter. */
function pathOf(r: PageRequest, scope: TenantScope): string {
  return `/v1/usage/${r.endpoint}?${new URLSearchParams({ ...r.params, ...(scope === null ? {} : { tenant: scope }) }).toString()}`;
}

/** GET `path` from the `which` app; the parsed JSON of a 200, else throws. */
async function httpGet(base: string, which: 'before' | 'after', path: string): Promise<unknown> {
  const res = await fetch(`${base}/${which}${path}`);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** The whole page over HTTP, in the dashboard's order: the first batch at once, then each later call. */
async function httpPage(base: string, which: 'before' | 'after', scope: TenantScope, v: Variant): Promise<unknown> {
  const out: unknown[] = await Promise.all(FIRST_CALLS.map((name) => httpCall(base, which, scope, name, v)));
  for (const name of LATER_CALLS) out.push(await httpCall(base, which, scope, name, v));
  return out;
}

/** One of the page's calls over HTTP (null when the variant's page does not make it). */
async function httpCall(base: string, which: 'before' | 'after', scope: TenantScope, name: PageCallName, v: Variant): Promise<unknown> {
  const r = pageRequest(name, scope, 'UTC', v);
  return r === null ? null : httpGet(base, which, pathOf(r, scope));
}

/** Two API apps (before / after) on one port, behind path prefixes, open access on 127.0.0.1. */
async function serveVariants(variants: { readonly before: Variant; readonly after: Variant }, port: number): Promise<{ base: string; close: () => Promise<void> }> {
  const apps: FastifyInstance[] = [];
  const prefixes: Record<string, FastifyInstance> = {};
  for (const which of ['before', 'after'] as const) {
    const v = variants[which];
    const app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
      keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 1024, services: { analytics: v.svc },
    });
    await app.ready();
    apps.push(app);
    prefixes[which] = app;
  }
  const server = createServer((req, res) => {
    const m = /^\/(before|after)(\/.*)$/.exec(req.url ?? '');
    const app = m ? prefixes[m[1] ?? ''] : undefined;
    if (!m || app === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    req.url = m[2];
    app.routing(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const a of apps) await a.close();
    },
  };
}

/** Statistics of a statement on chDB: run once more through a session of the same engine, FORMAT JSON. */
function chdbStats(dataDir: string, database: string): { stats: ReadStats; close: () => Promise<void> } {
  const engine = acquireChdbEngine(dataDir);
  const session = engine.connect();
  let used = false;
  return {
    stats: async (q) => {
      if (!used) {
        await session.queryAsync(`USE ${database}`, { format: 'TabSeparated' });
        used = true;
      }
      const params = normalizeParams(q.params);
      const r = Object.keys(params).length > 0 ? await session.queryBindAsync(q.sql, params, { format: 'JSON' }) : await session.queryAsync(q.sql, { format: 'JSON' });
      const s = (r.json<{ statistics?: { rows_read?: number; bytes_read?: number } }>().statistics ?? {});
      return { rows: Number(s.rows_read ?? 0), bytes: Number(s.bytes_read ?? 0) };
    },
    close: async () => {
      session.close();
      await engine.release();
    },
  };
}

/**
 * What the rollups' views and the records projection cost an insert: CPU
 * per `INSERT … SELECT` block of generated events into two scratch databases
 * in one engine, one migrated without 0020 (the by-model rollups without
 * histograms and the six latency views and tables: 18 views) and one with
 * every migration (12 views), the latter also with its `records_by_time`
 * projection (0019) not written (`materialize_projections_on_insert = 0`),
 * alternating, in one run — blocks of 100 events (a group commit's size,
 * where the views' fixed cost dominates) and of 100,000 (per event).
 * `--write-cost` runs it alone.
 */
async function writeCost(dataDir: string, rounds: number): Promise<Record<string, unknown>> {
  const beforeDir = mkdtempSync(join(tmpdir(), 'tally-migrations-before-0020-'));
  for (const f of loadMigrations()) if (f.version < 20) writeFileSync(join(beforeDir, f.file), f.text);
  const stores = {
    before_0020: await createChdbStore({ dataDir, database: 'bench_write_cost_before' }),
    after_0020: await createChdbStore({ dataDir, database: 'bench_write_cost_after' }),
  } as const;
  type Schema = keyof typeof stores | 'after_0020_without_projection';
  const schemas: Schema[] = ['before_0020', 'after_0020', 'after_0020_without_projection'];
  const storeOf = (schema: Schema): AnalyticsStore => stores[schema === 'after_0020_without_projection' ? 'after_0020' : schema];
  const projectionOnInsert = (on: boolean): Promise<void> =>
    stores.after_0020.sql.command({ sql: `ALTER TABLE usage_events MODIFY SETTING materialize_projections_on_insert = ${on ? 1 : 0}` });
  const sizes = [100, 100_000] as const;
  const cpu: Record<Schema, Record<number, number[]>> = {
    before_0020: { 100: [], 100_000: [] },
    after_0020: { 100: [], 100_000: [] },
    after_0020_without_projection: { 100: [], 100_000: [] },
  };
  const views: Record<Schema, number> = { before_0020: 0, after_0020: 0, after_0020_without_projection: 0 };
  try {
    await migrate(stores.before_0020, { dir: beforeDir });
    await migrate(stores.after_0020, {});
    for (const schema of schemas) {
      const [r] = await storeOf(schema).sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'" });
      views[schema] = Number(r?.n ?? 0);
    }
    const start = Date.now() - 35 * DAY;
    let offset = 0;
    for (const rows of sizes) {
      const n = rows === 100 ? rounds * 10 : rounds;
      for (let i = 0; i < n; i++) {
        for (const schema of i % 2 === 0 ? schemas : [...schemas].reverse()) {
          const withoutProjection = schema === 'after_0020_without_projection';
          if (withoutProjection) await projectionOnInsert(false);
          const c0 = process.cpuUsage();
          await storeOf(schema).sql.command({ sql: loadSql(), params: { start: new Date(start), span_ms: 35 * DAY, offset, count: rows } });
          const d = process.cpuUsage(c0);
          if (withoutProjection) await projectionOnInsert(true);
          offset += rows;
          cpu[schema][rows]!.push(d.user + d.system);
        }
      }
    }
  } finally {
    for (const store of Object.values(stores)) {
      await store.sql.command({ sql: `DROP DATABASE IF EXISTS ${store.database}` });
      await store.close();
    }
    rmSync(beforeDir, { recursive: true, force: true });
  }
  const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const figures = Object.fromEntries(
    schemas.map((schema) => [
      schema,
      { views: views[schema], cpuMsPerInsertOf100: round(median(cpu[schema][100]!) / 1000), cpuMicrosPerEventOf100000: round(median(cpu[schema][100_000]!) / 100_000) },
    ]),
  ) as Record<Schema, { views: number; cpuMsPerInsertOf100: number; cpuMicrosPerEventOf100000: number }>;
  const over = (a: Schema, b: Schema, rows: number): number => Math.round((median(cpu[a][rows]!) / median(cpu[b][rows]!)) * 1000) / 1000;
  const ratio = { insertOf100: over('after_0020', 'before_0020', 100), perEventOf100000: over('after_0020', 'before_0020', 100_000) };
  const projection = { insertOf100: over('after_0020', 'after_0020_without_projection', 100), perEventOf100000: over('after_0020', 'after_0020_without_projection', 100_000) };
  const out = { rounds, ...figures, afterOverBefore: ratio, withOverWithoutProjection: projection, loadAverage1m: round(loadavg()[0] ?? 0), note: 'median over alternating inserts; INSERT … SELECT from numbers() through usage_events and its views, in the engine' };
  console.log(
    `  insert CPU: ${fmt(figures.before_0020.cpuMsPerInsertOf100, 1)} ms per 100-event insert with ${views.before_0020} views, ${fmt(figures.after_0020.cpuMsPerInsertOf100, 1)} ms with ${views.after_0020} (× ${ratio.insertOf100}); ` +
      `${fmt(figures.before_0020.cpuMicrosPerEventOf100000, 1)} → ${fmt(figures.after_0020.cpuMicrosPerEventOf100000, 1)} µs per event in 100,000-event blocks (× ${ratio.perEventOf100000}); ` +
      `the records projection: × ${projection.insertOf100} per 100-event insert, × ${projection.perEventOf100000} per event in 100,000-event blocks`,
  );
  return out;
}

async function rollupRowCounts(store: AnalyticsStore): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of TABLES) {
    const rows = await store.sql.query<{ grain: string; n: string }>({ sql: `SELECT toString(grain) AS grain, toString(count()) AS n FROM ${name} GROUP BY grain ORDER BY grain` });
    for (const r of rows) out[`${name}.${r.grain}`] = Number(r.n);
  }
  return out;
}

export async function runQueriesBench(args: readonly string[]): Promise<void> {
  const events = Number(flag(args, '--events') ?? 10_000_000);
  const runs = Math.max(10, Number(flag(args, '--runs') ?? 60));
  BEFORE_RUNS.value = Math.max(1, Number(flag(args, '--before-runs') ?? runs));
  const keep = flag(args, '--keep');
  const httpPort = Number(flag(args, '--http-port') ?? 42_000);
  const now = Date.now();
  const today = Math.floor(now / DAY) * DAY;
  const start = today - 35 * DAY;
  const spanMs = 35 * DAY;
  const only = flag(args, '--only');
  if (only !== undefined && only !== 'records') throw new Error(`--only ${only}: only "records" is known`);
  const baseline: Baseline = only === 'records' ? 'records' : args.includes('--price') ? 'no-price' : args.includes('--measures') ? 'all-measures' : 'issue13';
  const conditions: Record<string, unknown> = {
    events,
    runsPerQuery: runs,
    beforeRunsPerQuery: Math.min(runs, BEFORE_RUNS.value),
    warmups: 3,
    ...(baseline === 'no-price'
      ? {
          before: 'issue 16 --price baseline: the same plan (narrowest rollups, quarter-hour end, latency histograms) with price_total neither read nor summed (withoutPrice: a constant 0)',
          after: 'as served: price_total read from every segment and summed exactly (Decimal256), and the revenue panel\'s extra call (breakdown by tenant, sort=price) in the page',
          billed: 'tenants t00-t09 billed (input at cost × 1.3 plus $0.001 per request), t10-t19 not',
        }
      : baseline === 'records'
      ? {
          before: 'records as before migration 0019 (bench/queries-records.ts): windows of a day, a week, the range; a tenant one FINAL read per window, every tenant two passes (keys, then the current versions from the table); projections off',
          after: 'records as served: the records_by_time projection (0019); windows of 15 minutes, an hour, a day, a week, the range; keys from the projection, current versions from the table by key, record columns from the projection by position',
        }
      : baseline === 'all-measures'
      ? {
          before: 'issue 13 --measures baseline: today\'s plan, the page\'s breakdowns without measures= (every measure summed in every branch)',
          after: 'as the dashboard asks: each breakdown with only the measures its panel shows (rankings cost_total, lists events, revenue price/cost/margin); the timeseries sums only its plotted measure in both',
        }
      : {
          before: 'the plan before issue 13: full rollups only, "up to now" ending at now with raw edges (usage_events FINAL); records one FINAL read per window',
          after: 'narrowest rollup per segment, for all tenants the all-tenant rollups (0018) where they carry the columns; "up to now" ending on the quarter hour (rollups only); latency with quantiles=histogram (the latency rollups, all-tenant ones for all tenants; before: exact over raw events); each call with the measures= the dashboard asks for (before: every measure); records of all tenants in two passes (keys without FINAL, then those events)',
        }),
    order: 'before and after alternate run by run',
    data: '35 days; 20 tenants (t00 = 40 % of events); 7,700 users (one agent, feature, group, key each; two models: 85 % / 15 %); 12 models / 5 providers (one unpriced); 2 % errors, 0.5 % cancelled; rollups merged once after the load',
    measuredAt: 'service calls in-process (parse + SQL + store + exact JSON); each page call, the whole page and the by-model-by-day breakdowns also over HTTP (the API on 127.0.0.1)',
    rowsRead: "the engine's rows_read / bytes_read of each statement of a call (granules read), summed",
    cpu: 'process CPU per call (user + system), chDB threads included',
  };
  const figures: Record<string, unknown> = {};

  const startLoad = loadavg()[0] ?? 0;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'tally-bench-queries-'));
  console.log(`queries benchmark: ${fmt(events)} events, ${runs} runs per query and side`);
  const chdb = await createChdbStore({ dataDir, database: 'bench' });
  try {
    // Scratch databases of their own: no dataset to load.
    if (args.includes('--write-cost')) {
      writeResult({ benchmark: 'queries-write-cost', conditions: { events: 'scratch database, generated blocks' }, figures: await writeCost(dataDir, 5) });
      return;
    }
    const m0 = Date.now();
    const migrated = await migrate(chdb, {});
    if (migrated.applied.length > 0) conditions.migrationSeconds = { applied: migrated.applied.map((a) => a.name), seconds: round((Date.now() - m0) / 1000), note: 'on a kept directory: 0011 fills the narrow rollups from the full ones' };
    const have = await count(chdb);
    const marker = join(dataDir, 'bench-load.json');
    if (have !== events) {
      if (have !== 0) throw new Error(`${dataDir} holds ${have} events, not ${events}; use another --keep directory`);
      console.log(`chDB ${dataDir}: loading`);
      const loadStart = loadavg()[0] ?? 0;
      const loaded = await load(chdb, events, start, spanMs);
      const info = { chdbLoadSeconds: round(loaded.seconds), loadAverage1mDuringLoad: [round(loadStart), round(loadavg()[0] ?? 0)], loadedAt: new Date().toISOString() };
      writeFileSync(marker, JSON.stringify(info));
      Object.assign(conditions, info);
      console.log(`  load + rollup merge: ${fmt(loaded.seconds, 1)} s`);
    } else {
      console.log(`chDB ${dataDir}: reusing ${fmt(have)} events`);
      if (existsSync(marker)) Object.assign(conditions, JSON.parse(readFileSync(marker, 'utf8')) as Record<string, unknown>, { reusedLoad: true });
    }
    conditions.chdbWaitedForMergesSeconds = await settle(chdb);
    if (args.includes('--plan')) {
      await queriesPlan(chdb, now);
      return;
    }
    conditions.chdbRollupRows = await rollupRowCounts(chdb);
    console.log(`  rollup rows ${JSON.stringify(conditions.chdbRollupRows)}`);
    const reads = chdbStats(dataDir, 'bench');
    const variants = { before: variant(chdb, true, now, baseline), after: variant(chdb, false, now, baseline) };
    // The range "30 days up to now" each side asked for: on the hour, the rollup edges need no 15-minute table.
    conditions.range = { before: variants.before.last30, after: variants.after.last30 };
    // The request log alone (--only records) is measured in-process only.
    const http = baseline === 'records' ? null : await serveVariants(variants, httpPort);
    try {
      console.log('chDB (in-process): before → after');
      figures.chdb = http === null ? await recordsSuite(variants.before, variants.after, runs, today, reads.stats) : await suite(variants.before, variants.after, runs, today, reads.stats, http.base);
    } finally {
      await http?.close();
      await reads.close();
    }
  } finally {
    await chdb.close();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }

  const url = process.env.CLICKHOUSE_URL;
  if (url) {
    const ch = await createClickHouseStore({ url, database: 'tally_bench_queries', requestTimeoutMs: 600_000 });
    try {
      await migrate(ch, {});
      if ((await count(ch)) !== events) {
        await ch.sql.command({ sql: 'TRUNCATE TABLE usage_events' });
        for (const name of TABLES) await ch.sql.command({ sql: `TRUNCATE TABLE ${name}` });
        const loaded = await load(ch, events, start, spanMs);
        conditions.clickhouseLoadSeconds = round(loaded.seconds);
      }
      conditions.clickhouseWaitedForMergesSeconds = await settle(ch);
      conditions.clickhouseRollupRows = await rollupRowCounts(ch);
      console.log(`ClickHouse ${new URL(url).host}: before → after (rows read not measured on a server here)`);
      figures.clickhouse = await suite(variant(ch, true, now, baseline), variant(ch, false, now, baseline), runs, today, async () => ({ rows: 0, bytes: 0 }), null);
    } finally {
      await ch.close();
    }
  } else {
    conditions.clickhouse = 'not measured: CLICKHOUSE_URL not set';
  }
  conditions.loadAverage1m = { atStart: round(startLoad), atEnd: round(loadavg()[0] ?? 0), note: 'other processes shared the machine; a load above the core count inflates wall times (compare before/after, measured alternately, and CPU and rows)' };
  const file = writeResult({ benchmark: baseline === 'records' ? 'queries-records' : baseline === 'no-price' ? 'queries-price' : baseline === 'all-measures' ? 'queries-measures' : 'queries', conditions, figures });
  console.log(`results: ${file}`);
}

async function count(store: AnalyticsStore): Promise<number> {
  const [row] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
  return Number(row?.n ?? 0);
}

export async function load(store: AnalyticsStore, events: number, start: number, spanMs: number): Promise<{ seconds: number }> {
  const t0 = Date.now();
  for (let offset = 0; offset < events; offset += CHUNK) {
    const n = Math.min(CHUNK, events - offset);
    await store.sql.command({ sql: loadSql(), params: { start: new Date(start), span_ms: spanMs, offset, count: n } });
    process.stderr.write(`  loaded ${fmt(offset + n)} / ${fmt(events)} events (${fmt((Date.now() - t0) / 1000, 1)} s)\n`);
  }
  for (const name of TABLES) await store.sql.command({ sql: `OPTIMIZE TABLE ${name} FINAL` });
  return { seconds: (Date.now() - t0) / 1000 };
}

/** Waits (up to 20 minutes) until no merge runs in the store's database, so queries meet a settled store. */
export async function settle(store: AnalyticsStore): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const [row] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM system.merges WHERE database = currentDatabase()' });
    if (Number(row?.n ?? 0) === 0 || Date.now() - t0 > 20 * 60_000) return round((Date.now() - t0) / 1000);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

