/**
 * `npm run bench -- wallet [--events 1000000] [--runs 30] [--keep DIR]`: what
 * reading a wallet costs (issue 16 item 2). A wallet's balance and ledger are
 * not stored: each read burns the customer's grants against the billed
 * `price_total` of its current events since its first grant (one query over
 * usage_events FINAL, per UTC day and grant segment, then the burn in
 * TypeScript). Over a store loaded as the queries benchmark loads it (35
 * days, 20 tenants; tenant t00 has 40 % of the events), with three grants on
 * t00 spanning the whole range, this measures `GET …/wallet` (Wallets.state)
 * and `GET …/wallet/ledger` (Wallets.ledger) against the analytics summary of
 * the same tenant and range (rollups) in the same run, as ratios: p50, p99,
 * CPU per call (chDB runs in-process), with the load average.
 *
 * Low-balance alert latency (issue 16 item 2, the alerts part) is measured by
 * `npm run bench -- wallet-alerts` (bench/wallet-alerts.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalyticsService } from '../src/analytics/service.js';
import { Wallets } from '../src/billing/wallet.js';
import { createChdbStore } from '../src/store/chdb/store.js';
import { migrate } from '../src/store/migrate.js';
import { load, settle } from './queries.js';
import { fmt, percentile, writeResult } from './results.js';

const DAY = 86_400_000;

function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

interface Figures {
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerCall: number;
}

export async function runWalletBench(args: readonly string[]): Promise<void> {
  const events = Number(flag(args, '--events') ?? 1_000_000);
  const runs = Number(flag(args, '--runs') ?? 30);
  const keep = flag(args, '--keep');
  const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'tally-bench-wallet-'));
  const store = await createChdbStore({ dataDir, database: 'bench' });
  try {
    await migrate(store);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const start = today - 35 * DAY;
    const [have] = await store.sql.query<{ n: string }>({ sql: "SELECT toString(count()) AS n FROM usage_events WHERE event_id LIKE 'b%'" });
    if (Number(have?.n ?? 0) !== events) {
      await store.sql.command({ sql: 'TRUNCATE TABLE usage_events' });
      await load(store, events, start, 35 * DAY);
      await settle(store);
    }
    const [t00] = await store.sql.query<{ n: string; price: string }>({ sql: "SELECT toString(count()) AS n, toString(sum(price_total)) AS price FROM usage_events WHERE tenant = 't00'" });
    const now = today + 12 * 3_600_000;
    const wallets = new Wallets(store.wallets, { clock: () => now });
    const customer = { tenant: 't00', user: '' };
    if ((await wallets.grants.list(customer)).length === 0) {
      await wallets.grants.add(customer, { id: 'b-purchase', amount: '100000', effective_from: new Date(start).toISOString() });
      await wallets.grants.add(customer, { id: 'b-promo', amount: '50', priority: 1, effective_from: new Date(start + 10 * DAY).toISOString(), expires_at: new Date(start + 20 * DAY).toISOString(), source: 'promotion' });
      await wallets.grants.add(customer, { id: 'b-adjust', amount: '12.5', effective_from: new Date(start + 30 * DAY).toISOString(), source: 'adjustment' });
    }
    const svc = createAnalyticsService(store, { now: () => now });
    const range = { from: new Date(start).toISOString(), to: new Date(now).toISOString() };
    const calls: Record<string, () => Promise<unknown>> = {
      wallet_state: () => wallets.state(customer),
      wallet_ledger: () => wallets.ledger(customer),
      analytics_summary: () => svc.summary(range, 't00'),
    };
    const wall: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
    const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
    for (const call of Object.values(calls)) await call(); // warm
    const load0 = loadavg()[0] ?? 0;
    // Interleaved, so the machine's load changes hit every call alike.
    for (let i = 0; i < runs; i++) {
      for (const [k, call] of Object.entries(calls)) {
        const c0 = process.cpuUsage();
        const t0 = process.hrtime.bigint();
        await call();
        (wall[k] as number[]).push(Number(process.hrtime.bigint() - t0) / 1e6);
        const d = process.cpuUsage(c0);
        (cpu[k] as number[]).push((d.user + d.system) / 1000);
      }
    }
    const figures: Record<string, Figures> = {};
    for (const k of Object.keys(calls)) {
      const sorted = [...(wall[k] as number[])].sort((a, b) => a - b);
      figures[k] = { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), cpuMsPerCall: round((cpu[k] as number[]).reduce((s, x) => s + x, 0) / runs) };
      const f = figures[k] as Figures;
      console.log(`  ${k.padEnd(18)} p50 ${fmt(f.p50, 1).padStart(8)} ms   p99 ${fmt(f.p99, 1).padStart(8)} ms   cpu ${fmt(f.cpuMsPerCall, 1).padStart(8)} ms/call`);
    }
    const base = figures.analytics_summary as Figures;
    const ratios = Object.fromEntries(
      ['wallet_state', 'wallet_ledger'].map((k) => [k, { p50: round((figures[k] as Figures).p50 / base.p50, 1), cpu: round((figures[k] as Figures).cpuMsPerCall / base.cpuMsPerCall, 1) }]),
    );
    const balance = (await wallets.state(customer)).balance;
    const file = writeResult({
      benchmark: 'wallet',
      conditions: {
        events, tenantEvents: Number(t00?.n ?? 0), tenantPrice: t00?.price ?? '0', days: 35, grants: 3, runs, store: 'chDB (in-process)',
        loadAverage1m: { before: round(load0, 1), after: round(loadavg()[0] ?? 0, 1) },
      },
      figures: { ...figures, ratio_vs_analytics_summary: ratios, balance: balance.toString() },
    });
    console.log(`  wallet read vs the analytics summary of the same tenant and range: ${JSON.stringify(ratios)}; load ${fmt(load0, 1)}\n  wrote ${file}`);
  } finally {
    await store.close();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  }
}
