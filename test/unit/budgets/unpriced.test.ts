/**
 * Issue #11 item 10: unpriced events counted $0 toward cost budgets, so a
 * hard cost budget could be blown through by a model the catalog does not
 * know yet. Now an unpriced event counts at a provisional price (the
 * dearest the catalog lists for its provider, per token class) until it is
 * repriced; reconcile counts the same from the analytics store, so after a
 * reprice the counter holds the exact price. A budget with `unpriced:
 * "block"` also refuses, when hard, a request for a model tally cannot price.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { parseUsd } from '../../../src/core/money.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { buildCatalog } from '../../../src/pricing/catalog.js';
import { provisionalPrices } from '../../../src/pricing/provisional.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { FakeStore } from './fake-store.js';
import { priced, state } from './fixtures.js';

// The provider's catalog: its dearest input price is $5/M (model b), its dearest output price $20/M (model a).
const catalog = buildCatalog([{ name: 't.json', models: [
  { key: 'openai/a', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '2.5', output: '20' } }] },
  { key: 'openai/b', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '5', output: '15' } }] },
] }]);
const provisional = provisionalPrices(catalog);
const NOW = Date.now();

const BUDGETS: BudgetInput[] = [
  { id: 'acme', name: 'acme', metric: 'cost', limit: '1', period: 'monthly', scope: { tenant: 'acme' } },
  { id: 'acme-block', name: 'acme, unpriced blocked', metric: 'cost', limit: '1000', period: 'monthly', scope: { tenant: 'acme' }, unpriced: 'block' },
];

let seq = 0;
function ev(spec: { model: string; cost?: string; unpriced?: boolean; tokens?: { input?: number; output?: number } }): PricedEvent {
  seq += 1;
  const e = priced({ id: `u${seq}`, at: NOW - 60_000, offset: seq, provider: 'openai', model: spec.model, cost: spec.cost ?? '0', tokens: spec.tokens ?? { input: 100 } });
  if (!spec.unpriced) return e;
  return { ...e, pricing: { ...e.pricing, priced: false, model_key: null, price_version: null, cost_source: 'none', pricing_error: { code: 'UNKNOWN_MODEL', message: 'no price' } } };
}

describe('unpriced events and cost budgets', () => {
  let store: FakeStore;
  let counters: MemoryCounterStore;
  let engine: BudgetEngine;
  const newModel = ev({ model: 'gpt-6', unpriced: true, tokens: { input: 10_000, output: 20_000 } });

  async function process(events: PricedEvent[]): Promise<void> {
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    await engine.apply({ topic: 'usage.raw', partition: 0, events });
  }

  beforeEach(async () => {
    store = new FakeStore();
    counters = new MemoryCounterStore();
    engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS)), provisionalCost: provisional, resolveModel: (m) => (m.startsWith('gpt-6') ? null : `openai/${m}`) });
    await process([ev({ model: 'a', cost: '0.5' }), newModel]);
  });

  it('counts an unknown model at the provider\'s dearest prices: 10,000 × $5/M + 20,000 × $20/M = $0.45 (was $0)', async () => {
    expect((await engine.status('acme', { tenant: 'acme' })).used).toBe('0.95');
    const r = await engine.check({ tenant: 'acme' }, { cost: '0.06' });
    expect(r.allowed).toBe(false); // 0.95 + 0.06 > 1: the new model's spend is not invisible
  });

  it('reconcile counts the same from the store', async () => {
    await counters.clear();
    await engine.reconcile(store);
    expect((await engine.status('acme', { tenant: 'acme' })).used).toBe('0.95');
  });

  it('once repriced, reconcile corrects the counter to the exact price', async () => {
    // tally reprice writes the event's new version (priced at $0.12) and a cancel row of the old one.
    const repriced: PricedEvent = { ...newModel, pricing: { ...newModel.pricing, priced: true, pricing_error: null, model_key: 'openai/gpt-6', cost_source: 'catalog', total: parseUsd('0.12') } };
    const old = toEventRow(newModel);
    await store.events.insertRows([{ ...old, sign: -1, row_version: String(BigInt(old.row_version) + 1n) }, toEventRow(repriced, { rowVersion: BigInt(old.row_version) + 2n, sign: 1 })]);
    await engine.reconcile(store);
    expect((await engine.status('acme', { tenant: 'acme' })).used).toBe('0.62');
  });

  it('unpriced: "block" refuses a request for a model tally cannot price, on a hard budget only', async () => {
    const refused = await engine.check({ tenant: 'acme', model: 'gpt-6-preview' });
    const blocking = refused.budgets.find((b) => b.budget_id === 'acme-block');
    expect(blocking).toMatchObject({ blocking: true, unpriced_model: 'gpt-6-preview' });
    expect(refused.budgets.find((b) => b.budget_id === 'acme')?.blocking).toBe(false);
    expect((await engine.check({ tenant: 'acme', model: 'a' })).budgets.find((b) => b.budget_id === 'acme-block')?.blocking).toBe(false);
  });
});

describe('provisional prices', () => {
  it('are the dearest price per class the catalog lists for the provider, and the dearest of all for a provider it does not know', () => {
    expect(provisional.costOf('openai', { input: 1_000_000n, output: 1_000_000n })).toBe(parseUsd('25'));
    expect(provisional.costOf('acme-llm', { input: 1_000_000n })).toBe(parseUsd('5'));
    expect(provisional.costOf(undefined, { reasoning: 1_000_000n })).toBe(parseUsd('20')); // reasoning falls back to output
  });
});
