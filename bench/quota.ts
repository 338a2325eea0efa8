/**
 * `npm run bench -- quota [--seconds N] [--redis URL]`: quota checks and
 * reserve+settle against the local Redis, measured from SEPARATE
 * load-generator processes (bench/quota-worker.ts), never from the process
 * that owns the data (this one: it seeds the counters and collects results).
 *
 * Scenarios, each for N seconds (default 10; `--only <text>` runs the scenarios whose name has it and
 * merges them into the last results, which keep the others as measured then):
 *   - latency at a fixed 1,000 operations/s (one generator, one at a time);
 *   - maximum throughput with 64 concurrent callers, split over 1, 2 and 4
 *     generator processes (per-process and aggregate figures), and with
 *     ioredis auto-pipelining (commands issued in the same tick share a write);
 *   - the same for reserve + settle (two round trips per operation);
 *   - the same with budget leases (src/budgets/leases.ts): every subject's lease
 *     taken before the run, answers from memory, renewals in the background
 *     (their Redis work is in the Redis CPU column); one caller in one process
 *     is the one-core figure;
 *   - through the HTTP API (bench/quota-api.ts: 1, 2 or 4 API processes, the
 *     generators' requests round-robin over them like a load balancer, leases
 *     off and on in their engines): checks at a fixed 2,000/s and at most,
 *     reserve + settle at 1,000/s (with 2 processes a settle reaches the other
 *     process half the time: leases' grants settled through another process);
 *   - references: Redis PING from the same kind of process (the machine's
 *     round-trip ceiling), checks on the in-memory store (the engine's
 *     own CPU, no Redis), and HTTP checks answered with one fixed answer
 *     (the HTTP path's own cost: no engine, no Redis).
 * Each check reads 3 hard budgets (per user per day, per tenant per month in
 * America/New_York, tokens per user and model per month) for one of 1,000
 * subjects (50 tenants × 20 users), with an estimate.
 * Reported with the client processes' and the Redis server's CPU use, which
 * say what the limit was. Results: bench/results/quota.json.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BudgetEngine, StaticBudgetSource } from '../src/budgets/index.js';
import { budgetState, connect, merge, quantiles, seedEvent, subjects, type Histogram, type WorkerResult, type WorkerTask } from './quota-data.js';
import { fmt, writeResult } from './results.js';

const WORKER = fileURLToPath(new URL('./quota-worker.ts', import.meta.url));
const API = fileURLToPath(new URL('./quota-api.ts', import.meta.url));

/** The API process of an HTTP scenario: its URL, and `stop()` → its CPU seconds. */
interface ApiRun {
  readonly cpuSeconds: number;
  readonly leases: { readonly answered: number; readonly fallbacks: number; readonly renewals: number } | null;
}

function startApi(task: { redisUrl: string; prefix: string; leases: boolean; floor?: boolean }): Promise<{ url: string; mark: () => void; stop: () => Promise<ApiRun> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', API, JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    let done: ((run: ApiRun) => void) | null = null;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        if (line.startsWith('listening ')) {
          resolve({ url: line.slice('listening '.length), mark: () => child.stdin.write('mark\n'), stop: () => new Promise<ApiRun>((r) => { done = r; child.stdin.end(); }) });
        } else if (line.startsWith('{')) done?.(JSON.parse(line) as ApiRun);
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`quota API exited with ${String(code)}`));
    });
  });
}

interface Scenario {
  readonly name: string;
  readonly op: WorkerTask['op'];
  readonly mode: WorkerTask['mode'];
  readonly processes: number;
  readonly callersPerProcess: number;
  readonly rate: number;
  readonly autoPipelining: boolean;
  readonly leases: boolean;
  /** HTTP scenarios: API processes behind the generators' round-robin. Default 1. */
  readonly apis?: number;
  /** HTTP reference: the API answers every check with one answer computed at start (no engine, no Redis). */
  readonly floor?: boolean;
}

interface ScenarioResult {
  readonly scenario: string;
  readonly op: string;
  readonly mode: string;
  readonly processes: number;
  readonly callers: number;
  readonly autoPipelining: boolean;
  readonly leases: boolean;
  /** HTTP scenarios: API processes (null otherwise). */
  readonly apiProcesses: number | null;
  /** With leases: share of answers from leases, and lease calls per second (all processes). */
  readonly leaseAnswerShare: number | null;
  readonly leaseCallsPerSecond: number | null;
  readonly opsPerSecond: number;
  readonly perProcessOpsPerSecond: readonly number[];
  readonly latencyMs: ReturnType<typeof quantiles>;
  readonly errors: number;
  readonly refused: number;
  /** CPU of all generator processes, in cores (1.0 = one core busy). */
  readonly clientCpuCores: number;
  /** CPU of the Redis server, in cores. */
  readonly redisCpuCores: number;
  /** Redis's own time per script call (INFO commandstats, evalsha), µs. */
  readonly redisUsecPerScript: number | null;
  /** Redis CPU per operation, µs (Redis CPU seconds / operations). */
  readonly redisCpuUsPerOp: number;
  /** Generator CPU per operation, µs. */
  readonly clientCpuUsPerOp: number;
  /** HTTP scenarios: the API processes' CPU per operation, µs (all of them, from the generators' start to their end: warm-up excluded). */
  readonly apiCpuUsPerOp: number | null;
}

async function redisCpuSeconds(info: () => Promise<string>): Promise<number> {
  const text = await info();
  const get = (k: string): number => Number(new RegExp(`${k}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return get('used_cpu_user') + get('used_cpu_sys');
}

function runWorkers(s: Scenario, base: Omit<WorkerTask, 'op' | 'mode' | 'rate' | 'callers' | 'autoPipelining' | 'leases' | 'seed'>, onStart: () => void = () => undefined): Promise<WorkerResult[]> {
  return new Promise((resolve, reject) => {
    const results: WorkerResult[] = [];
    let ready = 0;
    const children = Array.from({ length: s.processes }, (_, i) => {
      const task: WorkerTask = { ...base, op: s.op, mode: s.mode, rate: s.rate, callers: s.callersPerProcess, autoPipelining: s.autoPipelining, leases: s.leases, seed: 7919 * (i + 1) };
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        while (out.includes('\n')) {
          const line = out.slice(0, out.indexOf('\n'));
          out = out.slice(out.indexOf('\n') + 1);
          if (line === 'ready') {
            ready += 1;
            if (ready === s.processes) {
              const startAt = Date.now() + 200;
              for (const c of children) c.stdin.write(`${startAt}\n`);
              setTimeout(onStart, 200);
            }
          } else if (line.startsWith('{')) {
            results.push(JSON.parse(line) as WorkerResult);
          }
        }
      });
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`quota worker exited with ${code}`));
        else if (results.length === s.processes) resolve(results);
      });
      return child;
    });
  });
}

function readPrevious(): ScenarioResult[] {
  try {
    const file = fileURLToPath(new URL('./results/quota.json', import.meta.url));
    return (JSON.parse(readFileSync(file, 'utf8')) as { figures?: { scenarios?: ScenarioResult[] } }).figures?.scenarios ?? [];
  } catch {
    return [];
  }
}

export async function runQuotaBench(args: readonly string[]): Promise<void> {
  const arg = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const seconds = Number(arg('--seconds') ?? '') || 10;
  const url = arg('--redis') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
  const prefix = `bench_quota_${Date.now().toString(36)}:`;
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);

  // This process owns the data: it seeds the counters the generators read.
  const counters = await connect(url, prefix, false);
  const info = async (): Promise<string> => String(await counters.client.info('all'));
  const redisVersion = /redis_version:(\S+)/.exec(await info())?.[1] ?? '?';
  const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(budgetState()) });
  const pool = subjects();
  for (let i = 0; i < pool.length; i += 250) {
    await engine.apply({ topic: 'bench.raw', partition: 0, events: pool.slice(i, i + 250).map((s, j) => seedEvent(s, i + j)) });
  }
  const check = await engine.check(pool[0] ?? {}, { cost: '0.001' });
  console.log(`quota benchmark: Redis ${redisVersion} at ${url}, ${check.budgets.length} budgets per check, ${pool.length} subjects, ${seconds}s per scenario, generators are separate processes`);

  const only = arg('--only');
  const scenarios: Scenario[] = [];
  const plain = { autoPipelining: false, leases: false };
  for (const op of ['check', 'reserve+settle'] as const) {
    scenarios.push({ name: `${op} at 1,000/s`, op, mode: 'fixed', processes: 1, callersPerProcess: 1, rate: 1000, ...plain });
    for (const p of [1, 2, 4]) scenarios.push({ name: `${op}, 64 callers`, op, mode: 'max', processes: p, callersPerProcess: 64 / p, rate: 0, ...plain });
    scenarios.push({ name: `${op}, 64 callers, auto-pipelining`, op, mode: 'max', processes: 4, callersPerProcess: 16, rate: 0, autoPipelining: true, leases: false });
  }
  // Budget leases: the same operations answered in memory from each subject's lease (renewed in the background).
  const leased = { autoPipelining: false, leases: true };
  for (const op of ['check', 'reserve+settle'] as const) {
    scenarios.push({ name: `${op}, leases, at 1,000/s`, op, mode: 'fixed', processes: 1, callersPerProcess: 1, rate: 1000, ...leased });
    scenarios.push({ name: `${op}, leases, 1 caller (one core)`, op, mode: 'max', processes: 1, callersPerProcess: 1, rate: 0, ...leased });
    for (const p of [1, 2, 4]) scenarios.push({ name: `${op}, leases, 64 callers`, op, mode: 'max', processes: p, callersPerProcess: 64 / p, rate: 0, ...leased });
  }
  // Through the HTTP API (1, 2 or 4 API processes, the generators' requests round-robin over them like a load balancer),
  // leases off and on in the APIs' engines; with 2 processes a reservation's settle reaches the other process half the time.
  for (const leases of [false, true]) {
    const tag = leases ? ', leases' : '';
    const http = { autoPipelining: false, leases };
    scenarios.push({ name: `HTTP check${tag} at 2,000/s`, op: 'http-check', mode: 'fixed', processes: 1, callersPerProcess: 1, rate: 2000, ...http });
    for (const apis of [1, 2, 4]) scenarios.push({ name: `HTTP check${tag}, ${apis} API process${apis > 1 ? 'es' : ''}, 64 callers`, op: 'http-check', mode: 'max', processes: 2, callersPerProcess: 32, rate: 0, apis, ...http });
    scenarios.push({ name: `HTTP reserve+settle${tag} at 1,000/s`, op: 'http-reserve+settle', mode: 'fixed', processes: 1, callersPerProcess: 1, rate: 1000, ...http });
    scenarios.push({ name: `HTTP reserve+settle${tag}, 2 API processes at 1,000/s`, op: 'http-reserve+settle', mode: 'fixed', processes: 1, callersPerProcess: 1, rate: 1000, apis: 2, ...http });
  }
  // References: the machine's Redis round trip alone, and the engine without Redis.
  scenarios.push({ name: 'reference: Redis PING', op: 'ping', mode: 'max', processes: 1, callersPerProcess: 64, rate: 0, ...plain });
  scenarios.push({ name: 'reference: check, memory store', op: 'check-memory', mode: 'max', processes: 1, callersPerProcess: 64, rate: 0, ...plain });
  // The HTTP path alone: the same API process and requests, every check answered with one fixed answer.
  scenarios.push({ name: 'reference: HTTP check, fixed answer', op: 'http-check', mode: 'max', processes: 2, callersPerProcess: 32, rate: 0, floor: true, ...plain });
  if (only) scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => s.name.includes(only)));

  const results: ScenarioResult[] = [];
  console.log(`\n  ${'scenario'.padEnd(44)} ${'procs×callers'.padStart(13)} ${'ops/s'.padStart(9)} ${'per process'.padStart(33)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'client CPU'.padStart(10)} ${'Redis CPU'.padStart(9)} ${'µs/script'.padStart(9)} ${'Redis µs/op'.padStart(11)} ${'leased'.padStart(7)} ${'API µs/op'.padStart(9)}`);
  for (const s of scenarios) {
    await counters.client.config('RESETSTAT');
    const apis = s.op.startsWith('http') ? await Promise.all(Array.from({ length: s.apis ?? 1 }, () => startApi({ redisUrl: url, prefix, leases: s.leases, ...(s.floor ? { floor: true } : {}) }))) : [];
    const cpu0 = await redisCpuSeconds(info);
    const workers = await runWorkers(s, { redisUrl: url, prefix, seconds, ...(apis.length > 0 ? { apiUrls: apis.map((a) => a.url) } : {}) }, () => {
      for (const a of apis) a.mark();
    });
    const cpu1 = await redisCpuSeconds(info);
    const apiRuns = await Promise.all(apis.map((a) => a.stop()));
    const sumLeases = (f: 'answered' | 'fallbacks' | 'renewals'): number => apiRuns.reduce((a, r) => a + (r.leases?.[f] ?? 0), 0);
    const apiRun = apiRuns.length > 0 ? { cpuSeconds: apiRuns.reduce((a, r) => a + r.cpuSeconds, 0), leases: s.leases ? { answered: sumLeases('answered'), fallbacks: sumLeases('fallbacks'), renewals: sumLeases('renewals') } : null } : null;
    const apiCpuSeconds = apiRun ? apiRun.cpuSeconds : null;
    const stats = await info();
    const perCall = /cmdstat_evalsha:.*usec_per_call=([0-9.]+)/.exec(stats)?.[1];
    const histogram: Histogram = {};
    for (const w of workers) merge(histogram, w.histogram);
    const wall = Math.max(...workers.map((w) => w.seconds));
    const ops = workers.reduce((a, w) => a + w.ops, 0);
    // HTTP scenarios: the API's engine holds the leases (its whole run, warm-up included).
    const answered = apiRun ? (apiRun.leases?.answered ?? 0) : workers.reduce((a, w) => a + (w.leases?.answered ?? 0), 0);
    const fallbacks = apiRun ? (apiRun.leases?.fallbacks ?? 0) : workers.reduce((a, w) => a + (w.leases?.fallbacks ?? 0), 0);
    const r: ScenarioResult = {
      scenario: s.name, op: s.op, mode: s.mode, processes: s.processes, callers: s.processes * s.callersPerProcess, autoPipelining: s.autoPipelining,
      leases: s.leases,
      apiProcesses: s.op.startsWith('http') ? (s.apis ?? 1) : null,
      leaseAnswerShare: s.leases ? Math.round((answered / Math.max(1, answered + fallbacks)) * 10_000) / 10_000 : null,
      leaseCallsPerSecond: s.leases ? Math.round((apiRun ? (apiRun.leases?.renewals ?? 0) : workers.reduce((a, w) => a + (w.leases?.renewals ?? 0), 0)) / wall) : null,
      opsPerSecond: Math.round(ops / wall),
      perProcessOpsPerSecond: workers.map((w) => Math.round(w.ops / w.seconds)),
      latencyMs: quantiles(histogram),
      errors: workers.reduce((a, w) => a + w.errors, 0),
      refused: workers.reduce((a, w) => a + w.refused, 0),
      clientCpuCores: Math.round((workers.reduce((a, w) => a + w.cpuSeconds, 0) / wall) * 100) / 100,
      redisCpuCores: Math.round(((cpu1 - cpu0) / wall) * 100) / 100,
      redisUsecPerScript: perCall === undefined ? null : Number(perCall),
      redisCpuUsPerOp: Math.round(((cpu1 - cpu0) / Math.max(1, ops)) * 1e6 * 100) / 100,
      apiCpuUsPerOp: apiCpuSeconds === null ? null : Math.round((apiCpuSeconds / Math.max(1, ops)) * 1e6 * 100) / 100,
      clientCpuUsPerOp: Math.round((workers.reduce((a, w) => a + w.cpuSeconds, 0) / Math.max(1, ops)) * 1e6 * 100) / 100,
    };
    results.push(r);
    console.log(
      `  ${s.name.padEnd(44)} ${`${s.processes}×${s.callersPerProcess}`.padStart(13)} ${fmt(r.opsPerSecond).padStart(9)} ${r.perProcessOpsPerSecond.map((n) => fmt(n)).join(' + ').padStart(33)} ` +
        `${r.latencyMs.p50.toFixed(3).padStart(7)} ${r.latencyMs.p99.toFixed(3).padStart(7)} ${r.clientCpuCores.toFixed(2).padStart(10)} ${r.redisCpuCores.toFixed(2).padStart(9)} ${(r.redisUsecPerScript === null ? '—' : r.redisUsecPerScript.toFixed(1)).padStart(9)} ${r.redisCpuUsPerOp.toFixed(2).padStart(11)} ${(r.leaseAnswerShare === null ? '—' : `${(r.leaseAnswerShare * 100).toFixed(1)}%`).padStart(7)} ${(r.apiCpuUsPerOp === null ? '—' : r.apiCpuUsPerOp.toFixed(1)).padStart(9)}${r.errors > 0 ? `  (${r.errors} errors)` : ''}`,
    );
  }
  await counters.clear();
  await counters.close();

  // `--only`: the scenarios run replace theirs in the last full results (the rest kept as measured then).
  if (only) {
    const previous = readPrevious();
    const ran = new Set(results.map((r) => `${r.scenario}|${r.processes}`));
    // HTTP scenarios measured now replace every earlier HTTP scenario (their names changed with the API-process count).
    const httpRan = results.some((r) => r.op.startsWith('http'));
    results.unshift(...previous.filter((r) => !ran.has(`${r.scenario}|${r.processes}`) && !(httpRan && r.op.startsWith('http'))));
  }
  const best = (op: string, leases = false): ScenarioResult | undefined => results.filter((r) => r.op === op && r.mode === 'max' && r.leases === leases).sort((a, b) => b.opsPerSecond - a.opsPerSecond)[0];
  const fixed = (op: string, leases = false): ScenarioResult | undefined => results.find((r) => r.op === op && r.mode === 'fixed' && r.leases === leases);
  const oneCore = (op: string): ScenarioResult | undefined => results.find((r) => r.op === op && r.leases && r.mode === 'max' && r.callers === 1);
  const redisPerOp = (op: string, leases: boolean): number | undefined => results.find((r) => r.op === op && r.mode === 'max' && r.processes === 4 && r.leases === leases && !r.autoPipelining)?.redisCpuUsPerOp;
  const leaseFigures = (op: string): Record<string, unknown> => {
    const on = redisPerOp(op, true);
    const off = redisPerOp(op, false);
    return {
      oneCore: oneCore(op) ? { opsPerSecond: oneCore(op)?.opsPerSecond, latencyMs: oneCore(op)?.latencyMs, clientCpuUsPerOp: oneCore(op)?.clientCpuUsPerOp } : undefined,
      fixedRate1000: fixed(op, true)?.latencyMs,
      maxOpsPerSecond: best(op, true)?.opsPerSecond,
      maxScenario: best(op, true)?.scenario,
      maxProcesses: best(op, true)?.processes,
      redisCpuUsPerOp4Processes: { leases: on, plain: off, ratio: on !== undefined && off !== undefined && off > 0 ? Math.round((on / off) * 1000) / 1000 : undefined },
    };
  };
  const file = writeResult({
    benchmark: 'quota',
    conditions: {
      redis: `Redis ${redisVersion}, standalone, local (${url})`,
      budgetsPerCheck: check.budgets.length,
      subjects: pool.length,
      estimate: 'cost 0.001 USD',
      secondsPerScenario: seconds,
      generators: 'separate Node processes (bench/quota-worker.ts), each with its own ioredis connection and BudgetEngine; the data owner is the parent process',
      fixedRate: 'open loop: operation i due at start + i/1000 s, sent one at a time',
      note: 'Redis and every generator share the same machine (2 cores) and other work running on it; the CPU columns say which side was the limit; µs/script is Redis INFO commandstats usec_per_call of EVALSHA (wall time inside Redis, inflated when Redis is descheduled)',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg().map((x) => Math.round(x * 100) / 100),
    },
    figures: {
      check: { fixedRate1000: fixed('check')?.latencyMs, maxOpsPerSecond: best('check')?.opsPerSecond, maxScenario: best('check')?.scenario, maxProcesses: best('check')?.processes },
      reserveSettle: { fixedRate1000: fixed('reserve+settle')?.latencyMs, maxOpsPerSecond: best('reserve+settle')?.opsPerSecond, maxScenario: best('reserve+settle')?.scenario, maxProcesses: best('reserve+settle')?.processes },
      leases: { check: leaseFigures('check'), reserveSettle: leaseFigures('reserve+settle') },
      http: Object.fromEntries(results.filter((r) => r.op.startsWith('http') && !r.scenario.startsWith('reference')).map((r) => [r.scenario, { apiProcesses: r.apiProcesses ?? 1, opsPerSecond: r.opsPerSecond, perApiProcessOpsPerSecond: Math.round(r.opsPerSecond / (r.apiProcesses ?? 1)), latencyMs: r.latencyMs, apiCpuUsPerOp: r.apiCpuUsPerOp, redisCpuUsPerOp: r.redisCpuUsPerOp, leaseAnswerShare: r.leaseAnswerShare, errors: r.errors }])),
      scenarios: results,
    },
  });
  console.log(`\nresults written to ${file}`);
}
