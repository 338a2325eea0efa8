/**
 * Budget leases on real Redis and Redis Cluster.
 *
 * - The concurrency test of issue 14: 1,000 concurrent reservations spread
 *   over 4 processes (separate Node processes, each with its own leases)
 *   against a hard budget with room for exactly 50 → exactly 50 granted.
 * - Far from the limit the same 4 processes answer most reservations from
 *   leases; granted never exceeds the room, and once they return their leases
 *   the rest of the room is there to the unit (granted + the rest = the room).
 * - Processes that crash return nothing: their leases hide headroom until the
 *   lease TTL, then exactly the reservations of the one-round-trip path are held.
 * - The lease property (test/unit/budgets/lease-model.ts) with every call going to Redis.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import type { LeaseOptions } from '../../../src/budgets/leases.js';
import { priced, state } from '../../unit/budgets/fixtures.js';
import { leaseAnswers, leaseModelProperty } from '../../unit/budgets/lease-model.js';
import { describeWith, redisClusterNodes, serviceUrl, uniqueName } from '../../support/services.js';
import type { LeaseWorkerResult, LeaseWorkerTask } from '../../support/lease-worker.js';

const WORKER = fileURLToPath(new URL('../../support/lease-worker.ts', import.meta.url));

type Target = { readonly url: string } | { readonly cluster: { host: string; port: number }[] };

function runWorkers(n: number, task: Omit<LeaseWorkerTask, 'url' | 'cluster'>, target: Target): Promise<LeaseWorkerResult[]> {
  return new Promise((resolve, reject) => {
    const results: LeaseWorkerResult[] = [];
    let ready = 0;
    let exited = 0;
    const children = Array.from({ length: n }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify({ ...task, ...target })], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
          const line = out.slice(0, i);
          out = out.slice(i + 1);
          if (line === 'ready' && ++ready === n) for (const c of children) c.stdin.write('go\n');
          else if (line.startsWith('{')) results.push(JSON.parse(line) as LeaseWorkerResult);
        }
      });
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`lease worker exited with ${String(code)}`));
        else if (++exited === n) resolve(results);
      });
      return child;
    });
  });
}

const cap = (limit: string): BudgetInput => ({ id: 'cap', name: 'cap', metric: 'cost', limit, period: 'monthly', scope: { tenant: 'acme' } });
const sum = (rs: readonly LeaseWorkerResult[], f: keyof LeaseWorkerResult): number => rs.reduce((a, r) => a + r[f], 0);

function suite(name: 'redis' | 'redisCluster', target: () => Target): void {
  const opened: RedisCounterStore[] = [];
  afterAll(async () => {
    for (const s of opened.splice(0)) {
      await s.clear();
      await s.close();
    }
  });
  const open = async (prefix: string, purgeLimit = 20): Promise<RedisCounterStore> => {
    const t = target();
    const s = await createRedisCounterStore('url' in t ? { url: t.url, prefix, purgeLimit } : { clusterNodes: t.cluster, prefix, purgeLimit });
    opened.push(s);
    return s;
  };
  /** A budget with `room` dollars left: limit 100 + room, 100 already counted. */
  const setUp = async (room: number): Promise<{ prefix: string; engine: BudgetEngine; budgets: BudgetInput[]; version: string }> => {
    const prefix = `${uniqueName('lease')}:`;
    const st = state([cap(String(100 + room))]);
    const engine = new BudgetEngine({ counters: await open(prefix), budgets: new StaticBudgetSource(st) });
    await engine.apply({ topic: 'usage.raw', partition: 0, events: [priced({ id: 'seed', tenant: 'acme', cost: '100', at: Date.now(), offset: 1 })] });
    return { prefix, engine, budgets: [cap(String(100 + room))], version: st.version };
  };

  it(`[${name}] 1,000 concurrent reservations over 4 processes with leases, room for exactly 50: exactly 50 granted`, async () => {
    const { prefix, engine, budgets, version } = await setUp(50);
    const results = await runWorkers(4, { prefix, version, budgets, leases: {}, callers: 25, perCaller: 10, subject: { tenant: 'acme', user: 'bob' }, end: 'close' }, target());
    console.log(`[${name}] room 50, 4 processes × 250 reservations: granted ${results.map((r) => r.granted).join(' + ')} = ${sum(results, 'granted')} (${sum(results, 'fromLeases')} from leases, ${sum(results, 'renewals')} lease calls)`);
    expect(sum(results, 'granted')).toBe(50);
    expect((await engine.status('cap', { tenant: 'acme' })).reserved).toBe('50');
  }, 60_000);

  it(`[${name}] far from the limit leases answer; granted never exceeds the room, and after the leases are returned the rest is there to the unit`, async () => {
    const { prefix, engine, budgets, version } = await setUp(3000);
    const leases: LeaseOptions = { minOps: 16, headroomFactor: 4 };
    const results = await runWorkers(4, { prefix, version, budgets, leases, callers: 20, perCaller: 60, subject: { tenant: 'acme', user: 'bob' }, end: 'close' }, target());
    const granted = sum(results, 'granted');
    let rest = 0;
    for (;;) {
      const r = await engine.reserve({ tenant: 'acme', user: 'bob' }, { cost: '1' });
      if (!r.granted) break;
      rest++;
    }
    console.log(`[${name}] room 3,000, 4 processes × 1,200 reservations: granted ${granted} (${sum(results, 'fromLeases')} from leases, ${sum(results, 'renewals')} lease calls); after return ${rest} more`);
    expect(sum(results, 'fromLeases')).toBeGreaterThan(granted / 4);
    expect(granted).toBeLessThanOrEqual(3000);
    expect(granted + rest).toBe(3000);
    expect((await engine.status('cap', { tenant: 'acme' })).reserved).toBe('3000');
  }, 60_000);

  it(`[${name}] processes that crash hide headroom until the lease TTL, never longer`, async () => {
    const { prefix, engine, budgets, version } = await setUp(3000);
    const leases: LeaseOptions = { minOps: 16, headroomFactor: 4, ttlMs: 2_000, marginMs: 600, renewMs: 300 };
    const results = await runWorkers(4, { prefix, version, budgets, leases, callers: 10, perCaller: 50, subject: { tenant: 'acme', user: 'bob' }, end: 'crash' }, target());
    const plain = sum(results, 'granted') - sum(results, 'fromLeases');
    const during = await engine.status('cap', { tenant: 'acme' });
    await new Promise((r) => setTimeout(r, 2_500));
    const after = await engine.status('cap', { tenant: 'acme' });
    console.log(`[${name}] crashed: granted ${sum(results, 'granted')} (${sum(results, 'fromLeases')} from leases); reserved right after ${during.reserved}, after the lease TTL ${after.reserved} (= the ${plain} reservations of the one-round-trip path)`);
    expect(Number(during.reserved)).toBeGreaterThanOrEqual(sum(results, 'granted'));
    expect(after.reserved).toBe(String(plain));
  }, 60_000);

  it(`[${name}] the lease property with every call going to Redis`, async () => {
    const before = leaseAnswers.count;
    await leaseModelProperty(async () => {
      // Every expired hold dropped by the final read (the default drops 20 per call: a status may count older ones a little longer).
      const store = await open(`${uniqueName('leasep')}:`, 10_000);
      return { store, done: async () => void (await store.clear()) };
    }, 15, Date.now());
    console.log(`[${name}] lease property: 15 runs, ${leaseAnswers.count - before} answers from leases`);
    expect(leaseAnswers.count - before).toBeGreaterThan(10);
  }, 120_000);
}

describeWith(['redis'], 'budget leases [redis]', () => suite('redis', () => ({ url: serviceUrl('redis') ?? '' })));
describeWith(['redisCluster'], 'budget leases [redisCluster]', () => suite('redisCluster', () => ({ cluster: redisClusterNodes() })));
