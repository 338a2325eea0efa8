/**
 * The API process of the quota benchmark's HTTP scenarios: tally's Fastify
 * app with the quota routes only, over the parent's Redis counters, with or
 * without budget leases, with or without ioredis auto-pipelining (argv[2], JSON
 * `{redisUrl, prefix, leases, autoPipelining?, floor?}`; `floor`: checks answered
 * with one answer computed at start — the HTTP path without engine and Redis). Prints
 * `listening <url>`, then one JSON line with its CPU seconds when stdin closes (counted from a
 * `mark` line on stdin, sent when the generators start, else from listening).
 */
import { createApp } from '../src/api/app.js';
import { ApiKeyring } from '../src/api/auth.js';
import { BudgetEngine, StaticBudgetSource } from '../src/budgets/index.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';
import type { QuotaApiService } from '../src/api/services.js';
import { budgetState, connect, subjects } from './quota-data.js';

const task = JSON.parse(process.argv[2] ?? '{}') as { redisUrl: string; prefix: string; leases: boolean; autoPipelining?: boolean; floor?: boolean };
const counters = await connect(task.redisUrl, task.prefix, task.autoPipelining ?? false);
const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(budgetState()), ...(task.leases ? { leases: {} } : {}) });
// floor: every check answered with one answer computed at start (no engine, no Redis): what the HTTP path alone costs.
const fixed = task.floor ? await engine.check(subjects()[0] ?? {}, { cost: '0.001' }) : null;
const quota: QuotaApiService = fixed ? { check: async () => fixed, reserve: (s, e, o) => engine.reserve(s, e, o), settle: (id, a, o) => engine.settle(id, a, o), current: () => engine.current() } : engine;
const app = await createApp({
  logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
  keyring: new ApiKeyring([]), openAccess: true, bodyLimitBytes: 1024 * 1024, services: { quota },
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
// CPU from `mark` (a line on stdin: the generators' run starts) to the end, so warm-up and start-up are not counted.
let cpu0 = process.cpuUsage();
process.stdout.write(`listening ${url}\n`);
process.stdin.resume();
process.stdin.on('data', (d: Buffer) => {
  if (d.toString().includes('mark')) cpu0 = process.cpuUsage();
});
process.stdin.on('end', () => {
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, leases: engine.leaseStats() })}\n`);
  void app.close().then(() => engine.close()).then(() => counters.close()).then(() => process.exit(0));
});
