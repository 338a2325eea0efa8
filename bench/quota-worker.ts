/**
 * One load-generator process of the quota benchmark: its own Redis
 * connection and engine over the parent's counters; runs the task it is
 * given (argv[2]) from `startAt` for `seconds`, and prints one JSON line.
 */
import { Agent, request } from 'node:http';
import { BudgetEngine, StaticBudgetSource } from '../src/budgets/index.js';
import { MemoryCounterStore } from '../src/counters/index.js';
import { budgetState, connect, record, seedEvent, subjects, type Histogram, type WorkerResult, type WorkerTask } from './quota-data.js';

const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
const redis = await connect(task.redisUrl, task.prefix, task.autoPipelining);
const counters = task.op === 'check-memory' ? new MemoryCounterStore({ prefix: task.prefix }) : redis;
const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(budgetState()), ...(task.leases ? { leases: {} } : {}) });
const pool = subjects();
if (task.op === 'check-memory') {
  for (let i = 0; i < pool.length; i += 250) await engine.apply({ topic: 'bench.raw', partition: 0, events: pool.slice(i, i + 250).map((s, j) => seedEvent(s, i + j)) });
}
let rng = task.seed >>> 0 || 1;
const next = (): number => {
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return (rng >>> 0) % pool.length;
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
let refused = 0;
const apis = task.apiUrls ?? [];
let turn = task.seed % Math.max(1, apis.length);
// node:http with keep-alive connections, not fetch: undici's fetch costs the generator ~0.8 ms of CPU per request on
// this machine, which made the generator, not the API, the limit of the HTTP scenarios.
const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, task.callers) });
const targets = apis.map((a) => new URL(a));
const post = (path: string, body: unknown): Promise<Record<string, unknown>> => {
  // Round-robin over the API processes (a load balancer): a reservation and its settle may reach different ones.
  const api = targets[turn++ % Math.max(1, targets.length)];
  if (!api) return Promise.reject(new Error('no API to send to'));
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: api.hostname, port: api.port, path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200 && res.statusCode !== 429) {
          reject(new Error(`${path} answered ${String(res.statusCode)}`));
          return;
        }
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
};
async function op(): Promise<void> {
  const subject = pool[next()] ?? {};
  if (task.op === 'http-check') {
    const r = await post('/v1/quota/check', { subject: { tenant: subject.tenant, user_id: subject.user, model: subject.model }, estimate: { cost: '0.001' } });
    if (r.allowed !== true) refused++;
    return;
  }
  if (task.op === 'http-reserve+settle') {
    const r = await post('/v1/quota/reserve', { subject: { tenant: subject.tenant, user_id: subject.user, model: subject.model }, estimate: { cost: '0.001' } });
    if (r.granted !== true || typeof r.reservation_id !== 'string') {
      refused++;
      return;
    }
    await post('/v1/quota/settle', { reservation_id: r.reservation_id });
    return;
  }
  if (task.op === 'ping') {
    await redis.client.ping();
    return;
  }
  if (task.op === 'check' || task.op === 'check-memory') {
    const r = await engine.check(subject, { cost: '0.001' });
    if (!r.allowed) refused++;
    return;
  }
  const r = await engine.reserve(subject, { cost: '0.001' });
  if (!r.granted || r.reservation_id === null) {
    refused++;
    return;
  }
  await engine.settle(r.reservation_id);
}

for (let i = 0; i < 300; i++) await op(); // warm-up: scripts loaded, plans cached, JIT
if (task.leases && !task.op.startsWith('http')) {
  // Every subject's lease live before the run (a subject's first answer takes the one-round-trip path).
  for (const s of pool) await engine.check(s, { cost: '0.001' });
  await engine.tickLeases();
}
if (task.op.startsWith('http')) {
  // The API's leases: every subject touched once (the API takes their leases), then a moment for them to go live.
  await Promise.all(Array.from({ length: 16 }, async (_, k) => {
    for (let i = k; i < pool.length; i += 16) {
      const s = pool[i] ?? {};
      await post('/v1/quota/check', { subject: { tenant: s.tenant, user_id: s.user, model: s.model }, estimate: { cost: '0.001' } });
    }
  }));
  await sleep(300);
}
refused = 0;
const leases0 = engine.leaseStats();

const histogram: Histogram = {};
let ops = 0;
let errors = 0;
const timed = async (): Promise<void> => {
  const t0 = process.hrtime.bigint();
  try {
    await op();
    record(histogram, process.hrtime.bigint() - t0);
    ops++;
  } catch {
    errors++;
  }
};

// Ready; the parent answers with the common start instant once every worker is ready.
process.stdout.write('ready\n');
const startAt = await new Promise<number>((resolve) => {
  let buf = '';
  process.stdin.on('data', (d: Buffer) => {
    buf += d.toString();
    if (buf.includes('\n')) resolve(Number(buf.trim()));
  });
});
process.stdin.pause();
await sleep(Math.max(0, startAt - Date.now()));
const cpu0 = process.cpuUsage();
const started = performance.now();
const end = started + task.seconds * 1000;
if (task.mode === 'fixed') {
  // Open loop: operation i is due at start + i / rate; late ones are sent at once, one at a time.
  const interval = 1000 / task.rate;
  for (let i = 0; ; ) {
    const now = performance.now();
    if (now >= end) break;
    const due = started + i * interval;
    if (now < due) {
      await sleep(Math.max(0, due - now - 0.05));
      continue;
    }
    await timed();
    i++;
  }
} else {
  await Promise.all(Array.from({ length: task.callers }, async () => {
    while (performance.now() < end) await timed();
  }));
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
const leases1 = engine.leaseStats();
const leases = leases0 && leases1 ? { answered: leases1.answered - leases0.answered, fallbacks: leases1.fallbacks - leases0.fallbacks, renewals: leases1.renewals - leases0.renewals } : null;
agent.destroy();
await engine.close();
await redis.close();
const result: WorkerResult = { pid: process.pid, ops, errors, refused, seconds, histogram, cpuSeconds: (cpu.user + cpu.system) / 1e6, leases };
process.stdout.write(`${JSON.stringify(result)}\n`);
