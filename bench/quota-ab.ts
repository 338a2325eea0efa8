/**
 * `npx tsx bench/quota-ab.ts <other-checkout> [--seconds N] [--rounds N] [--only engine,memory,http,http-pipelining,http-floor]`:
 * the plain quota check (no leases) of this checkout (B) against another one
 * (A, e.g. an export of main), in alternating rounds (A B, B A, …) on the same
 * seeded Redis counters, so the ratio is fair on a noisy machine:
 *
 *   engine   one generator process, 64 callers, `engine.check` against Redis:
 *            checks/s, the generator's CPU per check, Redis CPU per check and
 *            Redis's own time per script call;
 *   memory   the same on the in-memory counter store: the engine's own CPU;
 *   http     one API process (bench/quota-api.ts of each side) and one
 *            generator (this checkout's) with 64 callers: checks/s and the
 *            API process's CPU per check;
 *   http-pipelining  this checkout's API on both sides: A without, B with
 *            ioredis auto-pipelining (A's checkout is not used);
 *   http-floor  this checkout's API on both sides: A the full check, B every
 *            check answered with one answer computed at start (no engine, no
 *            Redis) — what the HTTP path alone costs.
 *
 * Each side runs its own bench/quota-worker.ts and bench/quota-api.ts, which
 * import that side's src/. Prints the medians per side and B / A; writes nothing.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { BudgetEngine, StaticBudgetSource } from '../src/budgets/index.js';
import { budgetState, connect, seedEvent, subjects, type WorkerResult, type WorkerTask } from './quota-data.js';

interface Round {
  readonly opsPerSecond: number;
  readonly clientCpuUs: number;
  readonly redisCpuUs: number;
  readonly usecPerScript: number;
  readonly apiCpuUs: number;
}

function lines(child: ReturnType<typeof spawn>, on: (line: string) => void): void {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
      on(out.slice(0, i));
      out = out.slice(i + 1);
    }
  });
}

function worker(root: string, task: WorkerTask, onStart: () => void = () => undefined): Promise<WorkerResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bench/quota-worker.ts'), JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'inherit'], cwd: root });
    let result: WorkerResult | null = null;
    lines(child, (line) => {
      if (line === 'ready') {
        child.stdin?.write(`${Date.now() + 100}\n`);
        setTimeout(onStart, 100);
      }
      else if (line.startsWith('{')) result = JSON.parse(line) as WorkerResult;
    });
    child.on('exit', (code) => (code === 0 && result ? ok(result) : fail(new Error(`worker of ${root} exited with ${String(code)}`))));
  });
}

function api(root: string, task: { redisUrl: string; prefix: string; leases: boolean; autoPipelining?: boolean; floor?: boolean }): Promise<{ url: string; mark: () => void; stop: () => Promise<number> }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(root, 'bench/quota-api.ts'), JSON.stringify(task)], { stdio: ['pipe', 'pipe', 'inherit'], cwd: root });
    let done: ((cpu: number) => void) | null = null;
    lines(child, (line) => {
      if (line.startsWith('listening ')) ok({ url: line.slice(10), mark: () => child.stdin?.write('mark\n'), stop: () => new Promise<number>((r) => { done = r; child.stdin?.end(); }) });
      else if (line.startsWith('{')) done?.((JSON.parse(line) as { cpuSeconds: number }).cpuSeconds);
    });
    child.on('exit', (code) => { if (code !== 0) fail(new Error(`API of ${root} exited with ${String(code)}`)); });
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

async function main(): Promise<void> {
  const other = process.argv[2];
  if (!other) throw new Error('usage: bench/quota-ab.ts <other-checkout> [--seconds N] [--rounds N] [--only engine|memory|http]');
  const arg = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
  const seconds = Number(arg('--seconds') ?? '') || 5;
  const rounds = Number(arg('--rounds') ?? '') || 3;
  const kinds = (arg('--only') ?? 'engine,memory,http').split(',');
  const sides = [{ label: 'A', root: resolve(other) }, { label: 'B', root: resolve(new URL('..', import.meta.url).pathname) }] as const;
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
  const prefix = `bench_quota_ab_${Date.now().toString(36)}:`;
  const counters = await connect(url, prefix, false);
  const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(budgetState()) });
  const pool = subjects();
  for (let i = 0; i < pool.length; i += 250) await engine.apply({ topic: 'bench.raw', partition: 0, events: pool.slice(i, i + 250).map((s, j) => seedEvent(s, i + j)) });
  const info = async (): Promise<string> => String(await counters.client.info('all'));
  const redisCpu = (text: string): number => ['used_cpu_user', 'used_cpu_sys'].reduce((a, k) => a + Number(new RegExp(`${k}:([0-9.]+)`).exec(text)?.[1] ?? 0), 0);
  console.log(`quota A/B: A = ${sides[0].root}, B = ${sides[1].root}; ${seconds}s × ${rounds} rounds each, alternating; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const base = { redisUrl: url, prefix, seconds, mode: 'max' as const, rate: 0, callers: 64, autoPipelining: false, leases: false, seed: 7919 };

  for (const kind of kinds) {
    const got: Record<'A' | 'B', Round[]> = { A: [], B: [] };
    for (let r = 0; r < rounds; r++) {
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
        await counters.client.config('RESETSTAT');
        const cpu0 = redisCpu(await info());
        let w: WorkerResult;
        let apiCpu = 0;
        if (kind.startsWith('http')) {
          // http-pipelining: this checkout's API on both sides, A without and B with ioredis auto-pipelining;
          // http-floor: A the full check, B one fixed answer (no engine, no Redis): the HTTP path's own cost.
          const same = kind !== 'http';
          const variant = kind === 'http-pipelining' ? { autoPipelining: side.label === 'B' } : kind === 'http-floor' ? { floor: side.label === 'B' } : {};
          const a = await api(same ? sides[1].root : side.root, { redisUrl: url, prefix, leases: false, ...variant });
          w = await worker(sides[1].root, { ...base, op: 'http-check', apiUrls: [a.url] }, () => a.mark());
          apiCpu = await a.stop();
        } else {
          w = await worker(side.root, { ...base, op: kind === 'memory' ? 'check-memory' : 'check' });
        }
        const stats = await info();
        const ops = Math.max(1, w.ops);
        got[side.label].push({
          opsPerSecond: w.ops / w.seconds,
          clientCpuUs: (w.cpuSeconds / ops) * 1e6,
          redisCpuUs: ((redisCpu(stats) - cpu0) / ops) * 1e6,
          usecPerScript: Number(/cmdstat_evalsha:.*usec_per_call=([0-9.]+)/.exec(stats)?.[1] ?? NaN),
          apiCpuUs: (apiCpu / ops) * 1e6,
        });
      }
    }
    const m = (label: 'A' | 'B', f: keyof Round): number => median(got[label].map((x) => x[f]));
    const fields: (keyof Round)[] = kind.startsWith('http') ? ['opsPerSecond', 'apiCpuUs', 'clientCpuUs', 'redisCpuUs'] : kind === 'memory' ? ['opsPerSecond', 'clientCpuUs'] : ['opsPerSecond', 'clientCpuUs', 'redisCpuUs', 'usecPerScript'];
    console.log(`\n  ${kind}`);
    for (const f of fields) {
      const a = m('A', f);
      const b = m('B', f);
      console.log(`    ${f.padEnd(14)} A ${a.toFixed(1).padStart(9)}   B ${b.toFixed(1).padStart(9)}   B/A ${(b / a).toFixed(3)}   (A ${got.A.map((x) => x[f].toFixed(1)).join(', ')}; B ${got.B.map((x) => x[f].toFixed(1)).join(', ')})`);
    }
  }
  console.log(`\nload after: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  await counters.clear();
  await counters.close();
}

await main();
