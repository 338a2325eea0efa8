/**
 * Issue #11 items 9, 10 and 12 against the real store SQL (chDB) and every
 * counter adapter (memory, Redis, Redis Cluster): after the counters are
 * lost, reconcile rebuilds a model family's counter from all its members,
 * counts unpriced events at their provisional price through the store's
 * `priced = false` sums, and a closed day's late events are brought in from
 * the store when that day is reconciled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { formatUsd } from '../../../src/core/money.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { provisionalPrices } from '../../../src/pricing/provisional.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { uniqueName } from '../../support/services.js';
import { forEachAdapter } from '../counters/adapters.js';
import { priced, state } from '../../unit/budgets/fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-issue11-'));
let store: AnalyticsStore;
const pricer = createPricer(loadCatalog());
const families = createModelFamilies(pricer.catalog, pricer.resolver);
const provisional = provisionalPrices(pricer.catalog);
const NOW = Date.now();
const MINUTE = 60_000;
const TODAY = Math.floor(NOW / 86_400_000) * 86_400_000; // UTC midnight
/** Yesterday 23:30 UTC: with a 1-minute grace, yesterday's counters are gone (unless the suite runs in the first 5 minutes of a UTC day). */
const LATE_AT = TODAY - 30 * MINUTE;
const LATE_OK = NOW - TODAY > 5 * MINUTE;

beforeAll(async () => {
  store = await createChdbStore({ dataDir, database: uniqueName('tally_issue11') });
  await migrate(store);
});
afterAll(async () => {
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const BUDGETS: BudgetInput[] = [
  { id: 'gpt-4o', name: 'gpt-4o family', metric: 'cost', limit: '1000', period: 'monthly', scope: { tenant: '*', model: 'gpt-4o' } },
  { id: 'day', name: 'per tenant per day', metric: 'cost', limit: '1000', period: 'daily', scope: { tenant: '*' } },
];

forEachAdapter('issue #11 budgets over the real store', ({ make }) => {
  let seq = 0;
  const ev = (tenant: string, model: string, cost: string, at = NOW - 60_000, unpriced = false): PricedEvent => {
    seq += 1;
    const key = unpriced ? null : (pricer.resolver.resolve('openai', model)?.entry.key ?? null);
    const e = priced({ id: `i11-${seq}`, tenant, at, offset: seq, model, modelKey: key, provider: 'openai', cost, tokens: { input: 10_000, output: 2_000 } });
    return unpriced ? { ...e, pricing: { ...e.pricing, priced: false, cost_source: 'none', pricing_error: { code: 'UNKNOWN_MODEL', message: 'no price' } } } : e;
  };

  it('rebuilds families, provisional prices and a closed day\'s late events exactly', async () => {
    const counters = await make();
    const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS), { families }), provisionalCost: provisional, graceMs: MINUTE });
    const tenant = `t${seq}-${Math.round(Math.random() * 1e6)}`;
    const events = [
      ev(tenant, 'gpt-4o-2024-08-06', '2'), ev(tenant, 'gpt-4o', '1'), ev(tenant, 'gpt-4o-mini', '4'),
      ev(tenant, 'gpt-6', '0', NOW - 60_000, true),
      ...(LATE_OK ? [ev(tenant, 'gpt-4o-mini', '0.5', LATE_AT)] : []), // yesterday's counters are gone: late
    ];
    await insertPricedEvents(store, events);
    await engine.apply({ topic: `usage.raw.${tenant}`, partition: 0, events });

    const gpt6 = provisional.costOf('openai', { input: 10_000n, output: 2_000n });
    expect(gpt6).toBeGreaterThan(0n);
    const family = await engine.status('gpt-4o', { tenant });
    const day = await engine.status('day', { tenant });
    expect(family.used).toBe('3'); // gpt-4o-2024-08-06 and gpt-4o; not gpt-4o-mini
    expect(day.used).toBe(formatUsd(7_000_000_000_000_000n + gpt6)); // today's 2 + 1 + 4 and gpt-6's provisional cost

    if (LATE_OK) {
      // Yesterday received $0.5 after its counters were gone: the check says so until yesterday is reconciled.
      expect((await engine.check({ tenant })).budgets.find((b) => b.budget_id === 'day')?.late).toMatchObject({ used: '0.5', period_end: new Date(TODAY).toISOString() });
      await engine.reconcile(store, { at: LATE_AT, tenants: [tenant] });
      expect((await engine.check({ tenant })).budgets.find((b) => b.budget_id === 'day')?.late).toBeUndefined();
    }

    await counters.clear();
    await engine.reconcile(store, { tenants: [tenant] });
    expect((await engine.status('gpt-4o', { tenant })).used).toBe(family.used);
    expect((await engine.status('day', { tenant })).used).toBe(day.used);
  });
});
