/**
 * Kill test of `tally start` (issue #10, item 1): the real process is
 * SIGKILLed ten times while clients post events and retry every batch that
 * got no answer with the same event ids, until it is answered 202. chDB
 * writes usage_events and each rollup as separate parts, so a kill between
 * them leaves a rollup short; the retry is then a duplicate (202) that never
 * reaches the rollup. The start-up repair must undo that: after every
 * restart, for every tenant, the daily, hourly and 15-minute rollups (read
 * through the analytics API, which names the table it read) equal raw
 * events (`source=raw`) to the femto-dollar, and so do the budget counters
 * (memory counters rebuilt from the store at start, read with a quota
 * check). At the end, stopped gracefully, the store itself is compared key
 * by key (store.rollups.compare) and every acknowledged event id is stored
 * exactly once.
 *
 * What it measured is printed: per kill, what the repair found and how long
 * the start took.
 */
import { afterAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { loadCatalog } from '../../../src/pricing/index.js';
import { provisionalPrices } from '../../../src/pricing/provisional.js';
import { killAllTally, spawnTally, type TallyProcess } from '../../support/processes.js';
import { freePort } from '../../support/ports.js';
import { REPAIRED_ROLLUPS } from '../../../src/store/queries/rollup-tables.js';

const KILLS = 10;
const TENANTS = Array.from({ length: 6 }, (_, i) => `k${i}`);
const MODELS = [
  { provider: 'anthropic', model: 'claude-3-haiku-20240307' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022' },
  { provider: 'acme', model: 'in-house-llm' }, // unpriced: stored with priced = false
];
const EXACT = ['events', 'requests', 'input_tokens', 'output_tokens', 'cached_input_tokens', 'total_tokens', 'unpriced_events', 'error_events', 'tool_calls', 'cost_total', 'cost_input', 'cost_output', 'cost_cached_input', 'cost_tool_call', 'cache_savings'] as const;

const dataDir = mkdtempSync(join(tmpdir(), 'tally-kill-'));
afterAll(() => {
  killAllTally();
  rmSync(dataDir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

interface Client {
  /** Between batches while paused: nothing of this client is in flight. */
  idle: boolean;
  acked: Set<string>;
  batches: number;
  retries: number;
  running: Promise<void>;
}

let seq = 0;
function event(now: number): Json {
  const n = seq++;
  const m = MODELS[n % MODELS.length] as (typeof MODELS)[number];
  return {
    event_id: `kill-${n}`,
    tenant: TENANTS[(n * 7) % TENANTS.length],
    user_id: `u${n % 5}`,
    agent: n % 3 === 0 ? 'planner' : 'chat',
    ...m,
    occurred_at: new Date(now - (n % 600) * 1000).toISOString(),
    usage: { input_tokens: 1000 + (n % 97) * 13, output_tokens: 50 + (n % 31), cache_read_input_tokens: n % 4 === 0 ? 512 : 0 },
    status: n % 17 === 0 ? 'error' : 'ok',
    ...(n % 5 === 0 ? { tool_calls: 1 + (n % 3) } : {}),
    duration_ms: 100 + (n % 1000) * 0.5,
  };
}

async function request(url: string, init?: RequestInit): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: (await res.json()) as Json };
}

/** Posts batches until `stop`; a batch without a 202 (refused connection, reset, 5xx) is sent again, same ids, until it gets one. */
function client(base: string, state: { stop: boolean; paused: boolean }): Client {
  const c: Client = { idle: false, acked: new Set(), batches: 0, retries: 0, running: Promise.resolve() };
  c.running = (async () => {
    while (!state.stop) {
      c.idle = state.paused;
      if (state.paused) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const now = Date.now();
      const batch = Array.from({ length: 40 }, () => event(now));
      for (;;) {
        try {
          const res = await request(`${base}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
          if (res.status === 202) {
            expect(res.body.accepted).toBe(batch.length);
            break;
          }
          if (res.status < 500) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
        } catch (err) {
          if (err instanceof Error && err.message.startsWith('unexpected')) throw err;
        }
        c.retries++;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const e of batch) c.acked.add(String(e.event_id));
      c.batches++;
    }
  })();
  return c;
}

function exact(m: Json): Json {
  return Object.fromEntries(EXACT.map((k) => [k, m[k]]));
}

/** The tables read, a rollup segment as `<table>/<grain>` (every grain of a shape is one table, migration 0023). */
function tables(source: unknown): string[] {
  const segments = (source as { segments: { table: string; grain: string | null }[] }).segments;
  return [...new Set(segments.map((s) => (s.grain === null ? s.table : `${s.table}/${s.grain}`)))];
}

/** Unpriced events (provider acme) count toward cost budgets at their provisional price (issue #11): per token, so their token sums price them exactly. */
const provisional = provisionalPrices(loadCatalog());

/** Every rollup equals raw, per tenant, through the API; and the budget counters equal raw for their period (plus the provisional price of unpriced events). Returns the raw totals. */
async function verify(base: string, from: string, to: string): Promise<{ events: number; cost: string[] }> {
  let events = 0;
  const costs: string[] = [];
  for (const tenant of TENANTS) {
    const q = `tenant=${tenant}&from=${from}&to=${to}`;
    const raw = await request(`${base}/v1/usage/summary?${q}&source=raw`);
    expect(tables(raw.body.source)).toEqual(['usage_events']);
    const rawTotals = exact(raw.body.totals as Json);
    // Through the API: the narrowest rollups the planner picks (issue 13); every rollup table, full
    // and narrow, is compared with raw key by key at the end (store.rollups.compare).
    const daily = await request(`${base}/v1/usage/summary?${q}`);
    expect(tables(daily.body.source)).toEqual(['usage_rollup_model/daily']);
    expect(exact(daily.body.totals as Json), `${tenant}: daily rollup vs raw`).toEqual(rawTotals);
    const users = await request(`${base}/v1/usage/breakdown?${q}&by=user_id&limit=1`);
    expect(tables(users.body.source)).toEqual(['usage_rollup_user/daily']);
    expect(exact(users.body.totals as Json), `${tenant}: by-user rollup vs raw`).toEqual(rawTotals);
    for (const [tz, table] of [['UTC', 'usage_rollup_model/hourly'], ['Asia/Kolkata', 'usage_rollup_model/15m']] as const) {
      const ts = await request(`${base}/v1/usage/timeseries?${q}&bucket=hour&tz=${tz}&measure=all`);
      expect(tables(ts.body.source)).toEqual([table]);
      const series = ts.body.series as { total: Json }[];
      expect(exact(series[0]?.total ?? {}), `${tenant}: ${table} vs raw`).toEqual(rawTotals);
    }
    const check = await request(`${base}/v1/quota/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subject: { tenant } }) });
    const status = (check.body.budgets as Json[])[0] as Json;
    const period = await request(`${base}/v1/usage/summary?tenant=${tenant}&from=${String(status.period_start)}&to=${String(status.resets_at)}&source=raw`);
    const unpriced = (await request(`${base}/v1/usage/summary?tenant=${tenant}&provider=acme&from=${String(status.period_start)}&to=${String(status.resets_at)}&source=raw`)).body.totals as Json;
    expect(unpriced.cost_total, `${tenant}: acme is unpriced`).toBe('0');
    const held = provisional.costOf('acme', { input: BigInt(String(unpriced.input_tokens)), cached_input: BigInt(String(unpriced.cached_input_tokens)), output: BigInt(String(unpriced.output_tokens)) });
    expect(status.used, `${tenant}: counter vs raw`).toBe(formatUsd(parseUsd(String((period.body.totals as Json).cost_total)) + held));
    events += Number(rawTotals.events);
    costs.push(String(rawTotals.cost_total));
  }
  return { events, cost: costs };
}

function repairLine(p: TallyProcess): Json | null {
  const line = p.output().split('\n').find((l) => l.includes('"msg":"rollups repaired') || l.includes('"msg":"rollups checked'));
  return line === undefined ? null : (JSON.parse(line) as Json);
}

it('every rollup equals raw and the counters, to the femto-dollar, after each of ten SIGKILLs of tally start under load with retries', { timeout: 420_000 }, async () => {
  const t0 = Date.now();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { TALLY_DATA_DIR: dataDir, TALLY_PORT: String(port), LOG_LEVEL: 'info', TALLY_API_KEYS: '', CLICKHOUSE_URL: '', REDIS_URL: '' };
  const start = async (): Promise<{ p: TallyProcess; ms: number }> => {
    const s = Date.now();
    const p = spawnTally(['start'], env);
    await p.waitForLog('tally is running', 60_000);
    return { p, ms: Date.now() - s };
  };

  const first = await start();
  let current = first.p;
  for (const tenant of TENANTS) {
    const res = await request(`${base}/v1/budgets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: `month-${tenant}`, name: tenant, metric: 'cost', limit: '1000000', period: 'monthly', scope: { tenant } }) });
    expect(res.status).toBe(201);
  }
  const day = (ms: number): string => new Date(Math.floor(ms / 86_400_000) * 86_400_000).toISOString().slice(0, 10);
  const from = day(t0 - 3_600_000);
  const to = day(t0 + 2 * 86_400_000);

  const state = { stop: false, paused: false };
  const clients = Array.from({ length: 3 }, () => client(base, state));
  const rounds: string[] = [];
  let repairedEvents = 0;
  console.log(`[kill test] first start ${first.ms} ms`);
  for (let kill = 1; kill <= KILLS; kill++) {
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
    current.child.kill('SIGKILL');
    await current.exited;
    const restarted = await start();
    current = restarted.p;
    const repair = repairLine(current);
    // Quiet the clients for the comparison: every 202 so far is stored; unanswered batches wait to be retried.
    state.paused = true;
    while (!clients.every((c) => c.idle)) await new Promise((r) => setTimeout(r, 20));
    const totals = await verify(base, from, to);
    state.paused = false;
    const acked = clients.reduce((s, c) => s + c.acked.size, 0);
    expect(totals.events).toBeGreaterThanOrEqual(acked);
    // Events the repair restored, per rollup table (the full ones, the narrow ones of issue 13, the latency ones).
    const restored = REPAIRED_ROLLUPS.map((id) => [id, (repair?.[id] as Json | undefined)?.events] as const);
    const found = restored.map(([name, events]) => `${name} ${String(events ?? '?')}`).join(', ');
    repairedEvents += restored.reduce((s, [, events]) => s + Number(events ?? 0), 0);
    rounds.push(`kill ${kill}: restart ${restarted.ms} ms (repair ${String(repair?.ms ?? '?')} ms; events restored ${found}); stored ${totals.events}, acknowledged ${acked}`);
    console.log(`[kill test] +${((Date.now() - t0) / 1000).toFixed(1)}s ${rounds.at(-1) ?? ''}`);
  }
  state.stop = true;
  await Promise.all(clients.map((c) => c.running));
  const final = await verify(base, from, to);
  current.child.kill('SIGTERM');
  expect(await current.exited).toBe(0);

  // The store itself, key by key, and every acknowledged id exactly once.
  const store = await createChdbStore({ dataDir: join(dataDir, 'chdb'), database: 'tally' });
  try {
    const compared = await store.rollups.compare({ since: null });
    // Every rollup, the narrow and the latency ones (issue 13) too, equals raw key by key after the kills.
    expect(compared.tables.map((t) => [t.id, t.keys])).toEqual(REPAIRED_ROLLUPS.map((id) => [id, 0]));
    expect(await store.rollups.lastCheckpoint()).toMatchObject({ clean: true, writer: 'tally start' });
    const acked = clients.flatMap((c) => [...c.acked]);
    const [row] = await store.sql.query<{ n: string; distinct_ids: string }>({
      sql: 'SELECT toString(count()) AS n, toString(uniqExact(event_id)) AS distinct_ids FROM usage_events FINAL WHERE sign = 1 AND event_id IN {ids:Array(String)}',
      params: { ids: acked },
    });
    expect(row).toEqual({ n: String(acked.length), distinct_ids: String(acked.length) });
    console.log(
      `[kill test] ${KILLS} SIGKILLs in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${acked.length} events acknowledged, ${final.events} stored, ` +
        `${clients.reduce((s, c) => s + c.retries, 0)} batch retries; the start-up repair restored ${repairedEvents} rollup event rows in all; ` +
        `every rollup = raw = counters after every restart (compare: ${compared.ms} ms over every bucket)`,
    );
  } finally {
    await store.close();
  }
});
