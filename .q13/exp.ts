import { createChdbStore } from '../src/store/chdb/store.js';
import { acquireChdbEngine } from '../src/store/chdb/engine.js';
import { migrate } from '../src/store/migrate.js';
import { normalizeParams } from '../src/store/sql.js';
import { summaryQuery } from '../src/store/usage/index.js';

const dataDir = '/tmp/q13/data10m';
const DAY = 86_400_000;
const t0 = Date.now();
const store = await createChdbStore({ dataDir, database: 'bench' });
const m = await migrate(store, {});
console.log('migrate', JSON.stringify(m.applied), (Date.now() - t0) / 1000, 's');
for (const t of ['usage_rollup_15m','usage_rollup_hourly','usage_rollup_daily','usage_rollup_model_15m','usage_rollup_model_hourly','usage_rollup_model_daily','usage_rollup_agent_hourly','usage_rollup_agent_daily','usage_rollup_user_daily']) {
  const [r] = await store.sql.query<{ n: string }>({ sql: `SELECT toString(count()) AS n FROM ${t}` });
  console.log(t, r?.n);
}
const engine = acquireChdbEngine(dataDir);
const session = engine.connect();
await session.queryAsync('USE bench', { format: 'TabSeparated' });
async function run(label: string, sql: string, params: Record<string, unknown>) {
  let best = Infinity; let rows = 0; let bytes = 0; let out = '';
  for (let i = 0; i < 5; i++) {
    const c0 = process.cpuUsage();
    const r = await session.queryBindAsync(sql, normalizeParams(params), { format: 'JSONEachRow' });
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / 1000);
    rows = r.rowsRead; bytes = r.bytesRead; out = r.text().slice(0, 80);
  }
  console.log(label.padEnd(40), 'cpu ms', best.toFixed(1), 'rows', rows, 'bytes', bytes, out);
}
const today = Math.floor(Date.now() / DAY) * DAY;
const from = today - 30 * DAY + 12 * 3_600_000 + 7 * 60_000 + 33_123;
const to = today - 30 * DAY + 12 * 3_600_000 + 15 * 60_000;
for (const scope of ['t00', null]) {
  const q = summaryQuery({ scope, filters: {}, from, to, tz: 'UTC', source: 'auto' });
  await run(`raw sliver FINAL ${scope}`, q.sql, q.params);
  const alt = q.sql.replace('FROM usage_events FINAL\nWHERE ', `FROM usage_events FINAL\nWHERE (tenant, toDate(occurred_at), event_id) IN (SELECT tenant, toDate(occurred_at), event_id FROM usage_events WHERE ${scope === null ? '' : 'tenant = {tenant:String} AND '}occurred_at >= {s0_from:DateTime64(3, 'UTC')} AND occurred_at < {s0_to:DateTime64(3, 'UTC')})\n  AND `);
  await run(`raw sliver key-prefilter FINAL ${scope}`, alt, q.params);
  const nofinal = q.sql.replace('FROM usage_events FINAL', 'FROM usage_events');
  await run(`raw sliver no FINAL (wrong) ${scope}`, nofinal, q.params);
}
session.close();
await engine.release();
await store.close();
