import { BudgetEngine, StaticBudgetSource } from '../src/budgets/index.js';
import { MemoryCounterStore } from '../src/counters/memory/store.js';
import { budgetState, connect, subjects } from './quota-data.js';
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:16379';
const subs = subjects();
async function run(name: string, engine: BudgetEngine, n: number): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => { while (i < n) { const s = subs[i++ % subs.length]!; await engine.check(s, { cost: '0.01', tokens: 100 }); } };
  await Promise.all(Array.from({ length: 64 }, worker));
  i = 0;
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: 64 }, worker));
  const c = process.cpuUsage(c0); const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(name, `${Math.round(n / (ms / 1000))}/s`, `cpu ${((c.user + c.system) / n).toFixed(1)} µs/check`);
}
const redis = await connect(url, `probe${process.pid}:`, false);
const e1 = new BudgetEngine({ counters: redis, budgets: new StaticBudgetSource(budgetState()) });
const e2 = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(budgetState()) });
for (let k = 0; k < 2; k++) { await run('redis', e1, 20000); await run('memory', e2, 20000); }
await redis.clear(); await redis.close();
