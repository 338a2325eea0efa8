/**
 * `npm run bench -- queries [--events N] [--runs N] [--keep DIR]`: latency of
 * the analytics service over 10 million events in chDB (and in ClickHouse
 * when CLICKHOUSE_URL is set).
 *
 * Load: `INSERT INTO usage_events … SELECT … FROM numbers(offset, 1M)` in
 * chunks, every column derived from the row number with cityHash64 — so the
 * data is deterministic, no rows cross the JS boundary, and the materialized
 * views fill the 15-minute, hourly and daily rollups exactly as live inserts
 * do. Shape: 35 days ending today, 20 tenants (tenant t00 holds 40 % of the
 * events), 2,000 users in t00 and 300 in each other tenant, each user with
 * one group, API key, agent and feature, a preferred model (85 %) and a
 * second one (15 %) among 12 models of 5 providers (one unpriced), 2 %
 * errors, 0.5 % cancelled, token counts and exact Decimal costs per class,
 * latencies with 5 % gaps. The load runs with `optimize_on_insert = 0`
 * (parts are summed by the merge instead of at insert: the same sums) and
 * `insert_deduplicate = 0`; afterwards the rollups are merged once
 * (OPTIMIZE … FINAL), as background merges would have done on a live store.
 *
 * Measured (each `--runs` times, default 100, at least 50, after 3 warm-ups; p99 is the
 * nearest-rank percentile, i.e. the slowest run at 50 runs; service calls, so
 * parsing, SQL, the store and exact JSON conversion are all included):
 *   - summary, last 30 whole UTC days                      (daily rollup)
 *   - breakdown by model_key by day, 30 days               (daily rollup)
 *   - top-20 users, 30 days                                (daily rollup)
 * for the largest tenant and for all tenants; plus the same summary over
 * "the last 30 days up to now" (rollups + raw edges) and by model by day in
 * Asia/Kolkata (15-minute rollup), to show the cost of those paths; and an
 * experiment with a daily rollup by model only (see modelRollupExperiment).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalyticsService, type AnalyticsService } from '../src/analytics/service.js';
import { parseBreakdown, parseSummary } from '../src/analytics/inputs.js';
import { breakdownResult } from '../src/analytics/results/breakdown.js';
import { summaryResult } from '../src/analytics/results/summary.js';
import { breakdownSpec, summarySpec } from '../src/analytics/specs.js';
import { MEASURE_NAMES } from '../src/store/queries/measures.js';
import { breakdownQuery, summaryQuery, type BreakdownStoreRow, type SummaryRow, type TenantScope } from '../src/store/usage/index.js';
import { createChdbStore } from '../src/store/chdb/store.js';
import { createClickHouseStore } from '../src/store/clickhouse/store.js';
import { migrate } from '../src/store/migrate.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { fmt, percentile, writeResult } from './results.js';

const DAY = 86_400_000;
const CHUNK = 1_000_000;

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
  cost_reasoning, cost_request, cost_tool_call, cost_total, cache_savings, cost_source, priced, pricing_error, price_version, status,
  duration_ms, ttft_ms, metadata, row_version, sign)
SELECT tenant, event_id, occurred_at, occurred_at, occurred_at, user_id, group_id, session_id, agent, feature,
  '', api_key_id, provider, model, model_key, 'canonical', input_tokens, cached_input_tokens, output_tokens, reasoning_tokens,
  input_tokens + cached_input_tokens + output_tokens + reasoning_tokens, input_tokens + cached_input_tokens, 1, tool_calls, 0, 0, toDecimal32(0, 3),
  cost_input, cost_cached_input, cost_output, cost_reasoning, toDecimal128(0, 15), cost_tool_call,
  cost_input + cost_cached_input + cost_output + cost_reasoning + cost_tool_call, cache_savings,
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
    toDecimal128(cached_input_tokens, 0) * (${decArr(3)}[mi + 1] - ${decArr(5)}[mi + 1]) AS cache_savings
  FROM numbers({offset:UInt64}, {count:UInt64})
)
SETTINGS insert_deduplicate = 0, optimize_on_insert = 0, parallel_view_processing = 1`;
}

interface Measured {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly source: string;
}

async function measure(label: string, runs: number, call: () => Promise<{ source?: { segments: readonly { table: string }[] } }>, sourceLabel?: string): Promise<Measured> {
  let last: { source?: { segments: readonly { table: string }[] } } = {};
  for (let i = 0; i < 3; i++) last = await call();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await call();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const source = sourceLabel ?? ([...new Set((last.source?.segments ?? []).map((s) => s.table))].join(' + ') || 'usage_events');
  const m = { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)), mean: round(times.reduce((s, t) => s + t, 0) / times.length), min: round(times[0] ?? 0), max: round(times.at(-1) ?? 0), runs, source };
  console.log(`  ${label.padEnd(52)} p50 ${fmt(m.p50, 1).padStart(7)} ms   p99 ${fmt(m.p99, 1).padStart(7)} ms   (${source})`);
  return m;
}

const round = (v: number): number => Math.round(v * 10) / 10;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function count(store: AnalyticsStore): Promise<number> {
  const [row] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
  return Number(row?.n ?? 0);
}

export async function load(store: AnalyticsStore, events: number, start: number, spanMs: number): Promise<{ seconds: number; rollupRows: Record<string, number> }> {
  const t0 = Date.now();
  for (let offset = 0; offset < events; offset += CHUNK) {
    const n = Math.min(CHUNK, events - offset);
    await store.sql.command({ sql: loadSql(), params: { start: new Date(start), span_ms: spanMs, offset, count: n } });
    process.stderr.write(`  loaded ${fmt(offset + n)} / ${fmt(events)} events (${fmt((Date.now() - t0) / 1000, 1)} s)\n`);
  }
  for (const table of ['usage_rollup_15m', 'usage_rollup_hourly', 'usage_rollup_daily']) await store.sql.command({ sql: `OPTIMIZE TABLE ${table} FINAL` });
  const seconds = (Date.now() - t0) / 1000;
  const rollupRows: Record<string, number> = {};
  for (const table of ['usage_rollup_15m', 'usage_rollup_hourly', 'usage_rollup_daily']) {
    const [r] = await store.sql.query<{ n: string }>({ sql: `SELECT toString(count()) AS n FROM ${table}` });
    rollupRows[table] = Number(r?.n ?? 0);
  }
  return { seconds, rollupRows };
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

async function suite(svc: AnalyticsService, runs: number, today: number): Promise<Record<string, Measured>> {
  const days30 = { from: new Date(today - 30 * DAY).toISOString(), to: new Date(today).toISOString() };
  const out: Record<string, Measured> = {};
  for (const [who, scope] of [['tenant t00 (40 % of events)', 't00'], ['all tenants', null]] as const) {
    const s: TenantScope = scope;
    const key = scope ?? 'all';
    console.log(` ${who}`);
    out[`${key}.summary_30d`] = await measure('summary, 30 days', runs, () => svc.summary(days30, s));
    out[`${key}.breakdown_model_by_day_30d`] = await measure('breakdown by model_key by day, 30 days', runs, () => svc.breakdown({ ...days30, by: 'model_key', bucket: 'day' }, s));
    out[`${key}.top20_users_30d`] = await measure('top-20 users, 30 days', runs, () => svc.breakdown({ ...days30, by: 'user_id', limit: '20' }, s));
    out[`${key}.summary_last_30d_to_now`] = await measure('summary, last 30 days up to now (raw edges)', runs, () => svc.summary({}, s));
    out[`${key}.breakdown_model_by_day_30d_kolkata`] = await measure('by model_key by day in Asia/Kolkata (15m rollup)', runs, () => svc.breakdown({ ...days30, by: 'model_key', bucket: 'day', tz: 'Asia/Kolkata' }, s));
  }
  return out;
}

/**
 * An experiment, not the product: a daily rollup without the per-user
 * dimensions (user, group, agent, feature, API key), built here from the
 * daily rollup, read by the same query objects with the table name swapped —
 * what a dimension-reduced rollup would buy the summary and by-model views.
 */
async function modelRollupExperiment(store: AnalyticsStore, runs: number, today: number): Promise<Record<string, unknown>> {
  const table = 'exp_rollup_daily_model';
  const keys = 'tenant, bucket, provider, model_key, model, status, priced';
  await store.sql.command({ sql: `DROP TABLE IF EXISTS ${table}` });
  await store.sql.command({
    sql: `CREATE TABLE ${table} ENGINE = SummingMergeTree ORDER BY (${keys}) AS SELECT ${keys}, '' AS user_id, '' AS group_id, '' AS agent, '' AS feature, '' AS api_key_id, ${MEASURE_NAMES.map((m) => `sum(${m}) AS ${m}`).join(', ')} FROM usage_rollup_daily GROUP BY ${keys}`,
  });
  const [rows] = await store.sql.query<{ n: string }>({ sql: `SELECT toString(count()) AS n FROM ${table}` });
  const days30 = { from: new Date(today - 30 * DAY).toISOString(), to: new Date(today).toISOString() };
  const swap = <Q extends { sql: string }>(q: Q): Q => ({ ...q, sql: q.sql.replaceAll('usage_rollup_daily', table) });
  const out: Record<string, unknown> = { table, rows: Number(rows?.n ?? 0) };
  console.log(` experiment: daily rollup by model only (${fmt(Number(rows?.n ?? 0))} rows instead of the per-user daily rollup)`);
  for (const scope of ['t00', null] as const) {
    const sq = parseSummary(days30);
    const s = swap(summaryQuery(summarySpec(sq, scope)));
    out[`${scope ?? 'all'}.summary_30d`] = await measure(`${scope ?? 'all tenants'}: summary, 30 days`, runs, async () => summaryResult(await store.sql.query<SummaryRow>(s), sq, s.plan), table);
    const bq = parseBreakdown({ ...days30, by: 'model_key', bucket: 'day' });
    const b = swap(breakdownQuery(breakdownSpec(bq, scope)));
    out[`${scope ?? 'all'}.breakdown_model_by_day_30d`] = await measure(`${scope ?? 'all tenants'}: by model_key by day, 30 days`, runs, async () => breakdownResult(await store.sql.query<BreakdownStoreRow>(b), bq, b.plan), table);
  }
  await store.sql.command({ sql: `DROP TABLE IF EXISTS ${table}` });
  return out;
}

export async function runQueriesBench(args: readonly string[]): Promise<void> {
  const events = Number(flag(args, '--events') ?? 10_000_000);
  const runs = Math.max(50, Number(flag(args, '--runs') ?? 100));
  const keep = flag(args, '--keep');
  const today = Math.floor(Date.now() / DAY) * DAY;
  const start = today - 35 * DAY;
  const spanMs = 35 * DAY;
  const conditions: Record<string, unknown> = {
    events,
    runsPerQuery: runs,
    warmups: 3,
    range: '30 whole UTC days ending today 00:00 (rollup-backed) unless stated',
    data: '35 days; 20 tenants (t00 = 40 % of events); 7,700 users (one agent, feature, group, key each; two models: 85 % / 15 %); 12 models / 5 providers (one unpriced); 2 % errors, 0.5 % cancelled; rollups merged once after the load',
    measuredAt: 'service calls in-process (parse + SQL + store + exact JSON), no HTTP',
  };
  const figures: Record<string, unknown> = {};

  const startLoad = loadavg()[0] ?? 0;
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'tally-bench-queries-'));
  console.log(`queries benchmark: ${fmt(events)} events, ${runs} runs per query`);
  const chdb = await createChdbStore({ dataDir, database: 'bench' });
  try {
    await migrate(chdb, {});
    const have = await count(chdb);
    const marker = join(dataDir, 'bench-load.json');
    if (have !== events) {
      if (have !== 0) throw new Error(`${dataDir} holds ${have} events, not ${events}; use another --keep directory`);
      console.log(`chDB ${dataDir}: loading`);
      const loadStart = loadavg()[0] ?? 0;
      const loaded = await load(chdb, events, start, spanMs);
      const info = { chdbLoadSeconds: round(loaded.seconds), chdbRollupRows: loaded.rollupRows, loadAverage1mDuringLoad: [round(loadStart), round(loadavg()[0] ?? 0)], loadedAt: new Date().toISOString() };
      writeFileSync(marker, JSON.stringify(info));
      Object.assign(conditions, info);
      console.log(`  load + rollup merge: ${fmt(loaded.seconds, 1)} s; rollup rows ${JSON.stringify(loaded.rollupRows)}`);
    } else {
      console.log(`chDB ${dataDir}: reusing ${fmt(have)} events`);
      if (existsSync(marker)) Object.assign(conditions, JSON.parse(readFileSync(marker, 'utf8')) as Record<string, unknown>, { reusedLoad: true });
    }
    const waited = await settle(chdb);
    conditions.chdbWaitedForMergesSeconds = waited;
    console.log(`chDB (in-process), after ${fmt(waited)} s of background merges settling:`);
    figures.chdb = await suite(createAnalyticsService(chdb), runs, today);
    figures.chdbExperimentModelRollup = await modelRollupExperiment(chdb, runs, today);
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
        for (const t of ['usage_rollup_15m', 'usage_rollup_hourly', 'usage_rollup_daily']) await ch.sql.command({ sql: `TRUNCATE TABLE ${t}` });
        const loaded = await load(ch, events, start, spanMs);
        conditions.clickhouseLoadSeconds = round(loaded.seconds);
        conditions.clickhouseRollupRows = loaded.rollupRows;
      }
      conditions.clickhouseWaitedForMergesSeconds = await settle(ch);
      console.log(`ClickHouse ${new URL(url).host}:`);
      figures.clickhouse = await suite(createAnalyticsService(ch), runs, today);
    } finally {
      await ch.close();
    }
  } else {
    conditions.clickhouse = 'not measured: CLICKHOUSE_URL not set';
  }
  conditions.loadAverage1m = { atStart: round(startLoad), atEnd: round(loadavg()[0] ?? 0), note: 'other processes shared the machine; a load above the core count inflates every figure' };
  const file = writeResult({ benchmark: 'queries', conditions, figures });
  console.log(`results: ${file}`);
}
