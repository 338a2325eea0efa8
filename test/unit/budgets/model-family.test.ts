/**
 * Issue #11 item 9: a model scope means the model family a user has in
 * mind. `openai/gpt-4o` (or the bare `gpt-4o`) counts gpt-4o and its dated
 * snapshots, which the catalog resolves to their own keys
 * (`openai/gpt-4o-2024-08-06`), and never its siblings (gpt-4o-mini); a
 * scope naming a snapshot counts that snapshot; the resolved family is in
 * the budget's status. Counter keys keep the scope as written.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { FakeStore } from './fake-store.js';
import { priced, state } from './fixtures.js';

const pricer = createPricer(loadCatalog());
const families = createModelFamilies(pricer.catalog, pricer.resolver);
const NOW = Date.now();

const BUDGETS: BudgetInput[] = [
  { id: 'gpt-4o', name: 'gpt-4o family', metric: 'cost', limit: '100', period: 'monthly', scope: { model: 'openai/gpt-4o' } },
  { id: 'bare', name: 'bare id', metric: 'cost', limit: '100', period: 'monthly', scope: { model: 'gpt-4o' } },
  { id: 'snapshot', name: 'one snapshot', metric: 'cost', limit: '100', period: 'monthly', scope: { model: 'openai/gpt-4o-2024-08-06' } },
  { id: 'glob', name: 'glob', metric: 'cost', limit: '100', period: 'monthly', scope: { model: 'openai/gpt-4o*' } },
  { id: 'per-user', name: 'gpt-4o per user', metric: 'cost', limit: '10', period: 'monthly', scope: { tenant: '*', user_id: '*', model: 'gpt-4o' } },
];

let seq = 0;
/** An event as the pipeline prices it: model_key is the catalog's resolution of the reported id. */
function ev(model: string, cost: string): PricedEvent {
  seq += 1;
  const key = pricer.resolver.resolve('openai', model)?.entry.key ?? null;
  return priced({ id: `f${seq}`, at: NOW - 60_000, offset: seq, model, modelKey: key, provider: 'openai', cost, user: seq % 2 === 0 ? 'amy' : 'bob' });
}

describe('model families', () => {
  let engine: BudgetEngine;
  let store: FakeStore;
  let counters: MemoryCounterStore;

  beforeEach(async () => {
    counters = new MemoryCounterStore();
    store = new FakeStore();
    engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS), { families }), resolveModel: (m, p) => pricer.resolver.resolve(p, m)?.entry.key ?? null });
    // What the OpenAI SDK reports: the dated snapshot the alias pointed to, the alias itself, and a sibling.
    const events = [ev('gpt-4o-2024-08-06', '2'), ev('gpt-4o', '1'), ev('gpt-4o-2024-11-20', '0.5'), ev('gpt-4o-mini', '4')];
    await store.events.insertRows(events.map((e) => toEventRow(e)));
    await engine.apply({ topic: 'usage.raw', partition: 0, events });
  });

  it('the snapshots resolve to their own catalog keys (the trap)', () => {
    expect(pricer.resolver.resolve('openai', 'gpt-4o-2024-08-06')?.entry.key).toBe('openai/gpt-4o-2024-08-06');
  });

  it('openai/gpt-4o counts gpt-4o and its snapshots, not gpt-4o-mini: $3.5', async () => {
    expect((await engine.status('gpt-4o')).used).toBe('3.5');
  });

  it('a bare gpt-4o scope means the same family (it used to match nothing)', async () => {
    expect((await engine.status('bare')).used).toBe('3.5');
  });

  it('a scope naming a snapshot counts that snapshot only', async () => {
    expect((await engine.status('snapshot')).used).toBe('2');
  });

  it('the status shows the resolved family', async () => {
    const s = await engine.status('gpt-4o');
    expect(s.model_family).toEqual({
      scope: 'openai/gpt-4o',
      kind: 'family',
      family: 'openai/gpt-4o',
      members: ['openai/gpt-4o', 'openai/gpt-4o-2024-05-13', 'openai/gpt-4o-2024-08-06', 'openai/gpt-4o-2024-11-20'],
    });
    expect((await engine.status('snapshot')).model_family).toMatchObject({ kind: 'snapshot', family: 'openai/gpt-4o-2024-08-06', members: ['openai/gpt-4o-2024-08-06'] });
  });

  it('a glob stays a glob, and its status lists every family it covers, gpt-4o-mini included', async () => {
    const s = await engine.status('glob');
    expect(s.used).toBe('7.5');
    expect(s.model_family?.kind).toBe('pattern');
    expect(s.model_family?.families).toEqual(expect.arrayContaining(['openai/gpt-4o', 'openai/gpt-4o-mini', 'openai/gpt-4o-audio-preview']));
  });

  it('a quota check for the snapshot the SDK reports is held to the family budget', async () => {
    const r = await engine.check({ model: 'gpt-4o-2024-11-20' }, { cost: '97' });
    expect(r.budgets.map((b) => b.budget_id).sort()).toEqual(['bare', 'glob', 'gpt-4o']); // per-user needs a user
    expect(r.exceeded.map((b) => b.budget_id).sort()).toEqual(['bare', 'glob', 'gpt-4o']); // 3.5 + 97 > 100, 7.5 + 97 > 100
  });

  it('reconcile rebuilds a family counter from every member in the store, under the key as written', async () => {
    await counters.clear();
    await engine.reconcile(store);
    expect((await engine.status('gpt-4o')).used).toBe('3.5');
    expect((await engine.status('bare')).used).toBe('3.5');
    expect((await engine.status('snapshot')).used).toBe('2');
    expect((await engine.status('glob')).used).toBe('7.5');
    // per user: bob had the 2 and the 0.5, amy the 1 (and the gpt-4o-mini 4, not in the family)
    expect((await engine.status('per-user', { tenant: 'acme', user_id: 'bob' })).used).toBe('2.5');
    expect((await engine.status('per-user', { tenant: 'acme', user_id: 'amy' })).used).toBe('1');
  });
});
