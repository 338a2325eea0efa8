/**
 * One process of the lease concurrency tests (test/integration/counters/leases.test.ts):
 * its own Redis connection and BudgetEngine with its own leases. Prints
 * `ready`, waits for a line on stdin, runs `callers` concurrent callers that
 * each reserve `perCaller` times (estimate $1, never settled), then returns
 * its leases (`end: "close"`) or exits without returning them (`end: "crash"`),
 * and prints one JSON line: what it was granted, from leases or not.
 */
import { BudgetEngine } from '../../src/budgets/engine.js';
import type { LeaseOptions } from '../../src/budgets/leases.js';
import { parseBudget, type BudgetInput } from '../../src/budgets/model.js';
import { StaticBudgetSource } from '../../src/budgets/source.js';
import { createRedisCounterStore } from '../../src/counters/redis/store.js';

export interface LeaseWorkerTask {
  readonly url?: string;
  readonly cluster?: readonly { host: string; port: number }[];
  readonly prefix: string;
  readonly version: string;
  readonly budgets: readonly BudgetInput[];
  readonly leases: LeaseOptions | null;
  readonly callers: number;
  readonly perCaller: number;
  readonly subject: Readonly<Record<string, string>>;
  readonly end: 'close' | 'crash';
}

export interface LeaseWorkerResult {
  readonly granted: number;
  readonly fromLeases: number;
  readonly answered: number;
  readonly renewals: number;
}

const task = JSON.parse(process.argv[2] ?? '{}') as LeaseWorkerTask;
const counters = await createRedisCounterStore(task.cluster ? { clusterNodes: [...task.cluster], prefix: task.prefix } : { url: task.url ?? '', prefix: task.prefix });
const engine = new BudgetEngine({
  counters,
  budgets: new StaticBudgetSource({ version: task.version, budgets: task.budgets.map((b) => parseBudget(b)), tiers: [], assignments: [] }),
  ...(task.leases ? { leases: task.leases } : {}),
});
process.stdout.write('ready\n');
await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
process.stdin.pause();
let granted = 0;
let fromLeases = 0;
await Promise.all(Array.from({ length: task.callers }, async () => {
  for (let i = 0; i < task.perCaller; i++) {
    const r = await engine.reserve(task.subject, { cost: '1' });
    if (!r.granted) continue;
    granted++;
    if (r.statuses.some((s) => s.used_as_of !== undefined)) fromLeases++;
  }
}));
const stats = engine.leaseStats();
if (task.end === 'close') await engine.close();
const result: LeaseWorkerResult = { granted, fromLeases, answered: stats?.answered ?? 0, renewals: stats?.renewals ?? 0 };
process.stdout.write(`${JSON.stringify(result)}\n`);
if (task.end === 'crash') process.exit(0); // leases not returned: the store expires them
await counters.close();
