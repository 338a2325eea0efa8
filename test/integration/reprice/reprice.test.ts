/** `tally reprice` on the real chDB engine: explicit new versions, rollups and FINAL follow, audit row written, idempotent. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptInput, priceAccepted } from '../../../src/pipeline/price-event.js';
import { createPricer, loadCatalog, parsePriceText } from '../../../src/pricing/index.js';
import { reprice } from '../../../src/reprice/service.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-reprice-'));
let store: AnalyticsStore;

const priceFile = (usdPerMillion: string) => parsePriceText(JSON.stringify({
  format: 'tally.prices.v1',
  models: [{ key: 'openai/house-model', prices: [{ effective_from: '2024-01-01', source: 'test', per_million: { input: usdPerMillion, output: usdPerMillion } }] }],
}), 'test-prices.json');
const pricerAt = (usd: string) => createPricer(loadCatalog({ builtins: true, sources: [priceFile(usd)] }));

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: 'reprice_test' });
  await migrate(store);
  const old = pricerAt('1');
  const now = Date.now();
  const events = Array.from({ length: 300 }, (_, i) => {
    const model = i % 3 === 0 ? 'gpt-4o-mini' : 'house-model';
    const accepted = acceptInput({ event_id: `r${i}`, tenant: i % 2 ? 'acme' : 'globex', provider: 'openai', model, occurred_at: new Date(now - i * 60_000).toISOString(), usage: { prompt_tokens: 1000, completion_tokens: 1000 } }, { receivedAt: new Date() });
    if (!accepted.ok) throw new Error(accepted.rejection.message);
    return priceAccepted(old, accepted.event, accepted.usage, { topic: 'usage.raw', partition: 0, offset: String(i) });
  });
  await insertPricedEvents(store, events);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function totals(): Promise<{ final: string; hourly: string; daily: string; rows: string }> {
  const [r] = await store.sql.query<{ final: string; hourly: string; daily: string; rows: string }>({
    sql: `SELECT (SELECT toString(sum(cost_total)) FROM usage_events FINAL WHERE sign = 1) AS final,
                 (SELECT toString(sum(cost_total)) FROM usage_rollup_full WHERE grain = 'hourly') AS hourly,
                 (SELECT toString(sum(cost_total)) FROM usage_rollup_full WHERE grain = 'daily') AS daily,
                 (SELECT toString(count()) FROM usage_events FINAL WHERE sign = 1) AS rows`,
  });
  if (!r) throw new Error('no totals');
  return r;
}

describe('reprice', () => {
  it('writes explicit new versions only for changed prices; rollups and FINAL agree; audit recorded; second run is a no-op', async () => {
    // 200 house-model events at $1/M × 2,000 tokens = $0.002 each, 100 gpt-4o-mini at $0.00075 each.
    expect(await totals()).toEqual({ final: '0.475', hourly: '0.475', daily: '0.475', rows: '300' });
    const range = { from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + 60_000) };

    const dry = await reprice(store, pricerAt('3'), { ...range, dryRun: true });
    expect(dry).toMatchObject({ examined: 300, changed: 200, cost_before: '0.4', cost_after: '1.2', dry_run: true });
    expect((await totals()).final).toBe('0.475');

    const run = await reprice(store, pricerAt('3'), { ...range, priceFiles: ['test-prices.json'] });
    expect(run).toMatchObject({ examined: 300, changed: 200, skipped: 0, cost_before: '0.4', cost_after: '1.2' });
    expect(run.sample[0]).toMatchObject({ model: 'house-model', before: { price_version: 'openai/house-model@2024-01-01', cost: '0.002' }, after: { cost: '0.006' } });
    expect(await totals()).toEqual({ final: '1.275', hourly: '1.275', daily: '1.275', rows: '300' });

    const [audit] = await store.sql.query<{ changed: string; cost_after: string }>({ sql: 'SELECT toString(changed) AS changed, toString(cost_after) AS cost_after FROM usage_reprices' });
    expect(audit).toEqual({ changed: '200', cost_after: '1.2' });

    const again = await reprice(store, pricerAt('3'), range);
    expect(again.changed).toBe(0);
    expect(await totals()).toEqual({ final: '1.275', hourly: '1.275', daily: '1.275', rows: '300' });
  });
});
