/**
 * Issue 16: billing history is changed only on purpose. A cost reprice keeps
 * every event's billed price and price_book_version; `reprice` with price
 * books recomputes the price with the books in force now (cost unchanged),
 * writes explicit new versions (price_total follows in the rollups), records
 * the run in usage_reprices, and a second run changes nothing. An unpriced
 * event with a markup (price 0 there) is fixed by a cost reprice followed by
 * a price-book reprice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUsd } from '../../../src/core/money.js';
import { acceptInput, priceAccepted } from '../../../src/pipeline/price-event.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { createPricer, loadCatalog, parsePriceText, type Pricer } from '../../../src/pricing/index.js';
import { parsePriceBook } from '../../../src/pricing/price-book-schema.js';
import { PriceBookSet } from '../../../src/pricing/price-books.js';
import { reprice } from '../../../src/reprice/service.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-reprice-book-'));
let store: AnalyticsStore;
const NOW = Date.now();
const RANGE = { from: new Date(NOW - 86_400_000), to: new Date(NOW + 60_000) };
const FROM = '2020-01-01T00:00:00Z';

const priceFile = (usdPerMillion: string) =>
  parsePriceText(JSON.stringify({ format: 'tally.prices.v1', models: [{ key: 'openai/house-model', prices: [{ effective_from: '2024-01-01', source: 'test', per_million: { input: usdPerMillion, output: usdPerMillion } }] }] }), 'p.json');
const pricerAt = (usd: string | null): Pricer => createPricer(loadCatalog({ builtins: true, sources: usd === null ? [] : [priceFile(usd)] }));
const books = (pricer: Pricer, percent: string, version: string): PriceBookSet =>
  new PriceBookSet([{ tenant: 'acme', user: '', version, book: parsePriceBook({ rules: [{ kind: 'markup', percent, effective_from: FROM }] }) }], version, { families: createModelFamilies(pricer.catalog, pricer.resolver) });

function priced(pricer: Pricer, set: PriceBookSet, id: string, model: string): PricedEvent {
  const accepted = acceptInput({ event_id: id, tenant: 'acme', provider: 'openai', model, occurred_at: new Date(NOW - 60_000).toISOString(), usage: { prompt_tokens: 1000, completion_tokens: 1000 } }, { receivedAt: new Date() });
  if (!accepted.ok) throw new Error(accepted.rejection.message);
  const p = priceAccepted(pricer, accepted.event, accepted.usage, null);
  const price = set.price('acme', '', { occurredAtMs: Date.parse(p.event.occurred_at), provider: 'openai', model, modelKey: p.pricing.model_key, usage: p.usage, cost: p.pricing.cost, costTotal: p.pricing.total, costSource: p.pricing.cost_source, priced: p.pricing.priced });
  return { ...p, price };
}

async function row(id: string): Promise<Record<string, string>> {
  const [r] = await store.sql.query<Record<string, string>>({
    sql: `SELECT toString(cost_total) AS cost, toString(price_total) AS price, price_book_version AS version, toString(priced) AS priced, toString(price_input) AS price_input
          FROM usage_events FINAL WHERE event_id = {id:String} AND sign = 1`,
    params: { id },
  });
  if (!r) throw new Error(`no row ${id}`);
  return r;
}

async function rollupPrice(): Promise<{ final: string; daily: string }> {
  const [r] = await store.sql.query<{ final: string; daily: string }>({
    sql: `SELECT (SELECT toString(sum(price_total)) FROM usage_events FINAL WHERE sign = 1) AS final, (SELECT toString(sum(price_total)) FROM usage_rollup_full WHERE grain = 'daily') AS daily`,
  });
  if (!r) throw new Error('no totals');
  return r;
}

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: 'reprice_books' });
  await migrate(store);
  // house-model at $1/M (2,000 tokens: $0.002), billed +10 % under version 1; one event the catalog cannot price (yet).
  const old = pricerAt('1');
  const v1 = books(old, '10', '1');
  await insertPricedEvents(store, [priced(old, v1, 'h1', 'house-model'), priced(old, v1, 'h2', 'house-model'), priced(pricerAt(null), v1, 'late-model', 'house-model')]);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('reprice and price books', () => {
  it('a cost reprice keeps the billed price and version; a price-book reprice recomputes the price with the books now, cost unchanged', async () => {
    expect(await row('h1')).toEqual({ cost: '0.002', price: '0.0022', version: 'tenant:1', priced: 'true', price_input: '0.0011' });
    expect(await row('late-model')).toMatchObject({ cost: '0', price: '0', version: 'tenant:1', priced: 'false' });

    // The catalog's price of house-model triples: costs change, prices do not.
    const dearer = pricerAt('3');
    const costs = await reprice(store, dearer, RANGE);
    expect(costs).toMatchObject({ changed: 3 });
    expect(await row('h1')).toEqual({ cost: '0.006', price: '0.0022', version: 'tenant:1', priced: 'true', price_input: '0.0011' });
    expect(await row('late-model')).toMatchObject({ cost: '0.006', price: '0', version: 'tenant:1', priced: 'true' });

    // The books now: +50 % (version 2). Prices follow the current cost; costs stay.
    const run = await reprice(store, dearer, { ...RANGE, costs: false, priceBooks: books(dearer, '50', '2') });
    expect(run).toMatchObject({ examined: 3, changed: 3, cost_before: '0.018', cost_after: '0.018', price_before: '0.0044', price_after: '0.027', price_books: true });
    for (const id of ['h1', 'h2', 'late-model']) expect(await row(id)).toEqual({ cost: '0.006', price: '0.009', version: 'tenant:2', priced: 'true', price_input: '0.0045' });
    expect(await rollupPrice()).toEqual({ final: '0.027', daily: '0.027' });
    const audits = await store.sql.query<Record<string, string>>({ sql: 'SELECT toString(price_books) AS books, toString(price_before) AS before, toString(price_after) AS after FROM usage_reprices ORDER BY started_at' });
    expect(audits).toEqual([{ books: '0', before: '0.0044', after: '0.0044' }, { books: '1', before: '0.0044', after: '0.027' }]);

    const again = await reprice(store, dearer, { ...RANGE, costs: false, priceBooks: books(dearer, '50', '2') });
    expect(again).toMatchObject({ examined: 3, changed: 0 });
    expect(parseUsd((await rollupPrice()).daily)).toBe(parseUsd('0.027'));
  });
});
