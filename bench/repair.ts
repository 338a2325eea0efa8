/**
 * `npm run bench -- repair [--events 1000000,10000000] [--keep DIR]`: what the
 * rollup repair (issue #10, item 1) costs `tally start` at start-up, over a
 * store of N events loaded as the queries benchmark loads them (35 days, 20
 * tenants, 7,700 users, 12 models; rollups merged once):
 *
 *   - clean start: the last checkpoint says the previous run stopped cleanly —
 *     one small read, nothing compared;
 *   - after a crash: 5,000 events processed just now (today's buckets) whose
 *     full rollup rows are missing, every grain (its one view detached around
 *     the insert, migration 0023: what a SIGKILL between chDB's parts
 *     leaves); the repair
 *     compares the buckets of rows processed since the last checkpoint (less
 *     the 2-minute margin) and inserts the differences;
 *   - first start without a checkpoint (a store made before the repair
 *     existed): every bucket within retention compared, one UTC day per query.
 *
 * Wall time and the process's CPU time (chDB runs in-process), each with the
 * machine's load average; results in bench/results/repair.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../src/store/chdb/store.js';
import { migrate } from '../src/store/migrate.js';
import type { RollupComparison } from '../src/store/operations/rollups.js';
import type { AnalyticsStore } from '../src/store/types.js';
import { pricedEvent } from '../test/support/store-fixtures.js';
import { parseUsd } from '../src/core/money.js';
import { load, settle } from './queries.js';
import { fmt, writeResult } from './results.js';

const DAY = 86_400_000;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Timed<T> {
  readonly value: T;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly load1m: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { value, wallMs: Math.round(wallMs), cpuMs: Math.round((cpu.user + cpu.system) / 1000), load1m: Math.round((loadavg()[0] ?? 0) * 10) / 10 };
}

function summary(c: RollupComparison): Record<string, unknown> {
  return { flagged: c.flagged, ...Object.fromEntries(c.tables.map((t) => [t.id, { keys: t.keys, events: Number(t.events) }])) };
}

async function detachedInsert(store: AnalyticsStore, n: number): Promise<void> {
  // A crash between the raw insert and the views' inserts: the full rollup's view (every grain) misses the rows.
  await store.sql.command({ sql: 'DETACH TABLE usage_rollup_full_mv' });
  try {
    const now = Date.now();
    const events = Array.from({ length: n }, (_, i) =>
      pricedEvent({ tenant: `t${String(i % 20).padStart(2, '0')}`, eventId: `crash-${now}-${i}`, userId: `u${i % 300}`, occurredAt: new Date(now - (i % 600) * 1000).toISOString(), tokens: { input: 1000, output: 100 }, costs: { input: parseUsd('0.0025'), output: parseUsd('0.001') } }),
    );
    for (let i = 0; i < events.length; i += 1000) await store.events.insert(events.slice(i, i + 1000));
  } finally {
    await store.sql.command({ sql: 'ATTACH TABLE usage_rollup_full_mv' });
  }
}

async function one(events: number, keep: string | undefined): Promise<Record<string, unknown>> {
  const dataDir = keep ? join(keep, String(events)) : mkdtempSync(join(tmpdir(), 'tally-bench-repair-'));
  const store = await createChdbStore({ dataDir, database: 'bench' });
  try {
    await migrate(store);
    const [have] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM usage_events WHERE event_id LIKE 'b%'" });
    let loadSeconds: number | null = null;
    if (Number(have?.n ?? 0) !== events) {
      const today = Math.floor(Date.now() / DAY) * DAY;
      console.log(`loading ${fmt(events)} events`);
      loadSeconds = Math.round((await load(store, events, today - 35 * DAY, 35 * DAY)).seconds);
    }
    await settle(store);
    const out: Record<string, unknown> = { events, loadSeconds };

    // A consistent store, checkpointed by a clean stop.
    await store.rollups.repair({ since: null });
    await store.rollups.checkpoint('bench', { final: true });
    const clean = await timed(() => store.rollups.lastCheckpoint());
    out.cleanStart = { wallMs: clean.wallMs, cpuMs: clean.cpuMs, load1m: clean.load1m, compared: 'nothing (clean stop)' };
    console.log(`  ${fmt(events)} events: clean start ${clean.wallMs} ms (${clean.cpuMs} ms CPU): last checkpoint read, nothing compared`);

    // A crash: a checkpoint while running, then 5,000 events whose hourly and daily rows are lost.
    const mark = await store.rollups.checkpoint('bench');
    await detachedInsert(store, 5_000);
    const crash = await timed(() => store.rollups.repair({ since: new Date(mark.safeBefore.getTime() - 120_000) }));
    out.afterCrash = { wallMs: crash.wallMs, cpuMs: crash.cpuMs, load1m: crash.load1m, ...summary(crash.value) };
    console.log(`  ${fmt(events)} events: after a crash ${crash.wallMs} ms (${crash.cpuMs} ms CPU) — ${JSON.stringify(summary(crash.value))}`);

    // No checkpoint at all: every bucket within retention.
    const full = await timed(() => store.rollups.repair({ since: null }));
    out.fullCompare = { wallMs: full.wallMs, cpuMs: full.cpuMs, load1m: full.load1m, ...summary(full.value) };
    console.log(`  ${fmt(events)} events: every bucket (no checkpoint) ${full.wallMs} ms (${full.cpuMs} ms CPU) — ${JSON.stringify(summary(full.value))}`);
    return out;
  } finally {
    await store.close();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runRepairBench(args: readonly string[]): Promise<void> {
  const sizes = (flag(args, '--events') ?? '1000000,10000000').split(',').map(Number);
  const keep = flag(args, '--keep');
  const figures: Record<string, unknown> = {};
  const load0 = loadavg()[0] ?? 0;
  for (const n of sizes) figures[String(n)] = await one(n, keep);
  const file = writeResult({
    benchmark: 'repair',
    conditions: {
      data: 'the queries benchmark load: 35 days ending today, 20 tenants, 7,700 users, 12 models; rollups merged once',
      crash: '5,000 events processed just now, their hourly and daily rows missing; margin 2 minutes before the last checkpoint',
      cpu: 'process CPU (user + system) of this process, which runs chDB in-process',
      loadAverage1m: { atStart: Math.round(load0 * 10) / 10, atEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10, note: 'a shared 2-core machine: a load above 2 inflates wall times' },
    },
    figures,
  });
  console.log(`wrote ${file}`);
}
