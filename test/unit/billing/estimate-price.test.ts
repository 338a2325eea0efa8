/**
 * Issue 16: a quota estimate's billed price is the customer's book applied to
 * the call the estimate describes — the same price the processor will give
 * the real event (checked against the book pricing that event).
 */
import { describe, expect, it } from 'vitest';
import { parseUsd } from '../../../src/core/money.js';
import { priceEstimator } from '../../../src/billing/estimate-price.js';
import { plannedUsage } from '../../../src/normalize/types.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { parsePriceBook } from '../../../src/pricing/price-book-schema.js';
import { PriceBookSet, staticPriceBooks } from '../../../src/pricing/price-books.js';

const pricer = createPricer(loadCatalog());
const families = createModelFamilies(pricer.catalog, pricer.resolver);
const AT = Date.parse('2026-11-10T12:00:00Z');
const JAN = '2026-01-01T00:00:00Z';
const set = new PriceBookSet(
  [
    { tenant: 'acme', user: '', version: '1', book: parsePriceBook({ rules: [{ kind: 'markup', percent: '25', effective_from: JAN }, { kind: 'request_fee', effective_from: JAN, amount: '0.001' }] }) },
    { tenant: 'globex', user: '', version: '2', book: parsePriceBook({ rules: [{ kind: 'contract', effective_from: JAN, match: { model: 'gpt-4o' }, per_million: { input: '1', output: '3' } }] }) },
  ],
  '2',
  { families },
);
const estimate = priceEstimator(pricer, staticPriceBooks(set), () => AT);

/** What the processor bills the real call with these tokens. */
function billed(tenant: string, model: string, input: number, output: number): bigint {
  const usage = plannedUsage(input, output);
  const r = pricer.price({ provider: 'openai', model, occurredAt: new Date(AT), usage });
  return set.price(tenant, '', { occurredAtMs: AT, provider: 'openai', model, modelKey: r.model_key, usage, cost: r.cost, costTotal: r.total, costSource: r.cost_source, priced: r.priced })?.total ?? -1n;
}

describe('priceEstimator', () => {
  it('a model with prompt and output tokens: exactly the price of that call under the customer\'s book', () => {
    for (const tenant of ['acme', 'globex']) {
      const got = estimate({ tenant, user: 'bob', provider: 'openai', cost: 0n, requests: 1n, model: 'gpt-4o', inputTokens: 1200, maxTokens: 300 });
      expect(got).toBe(billed(tenant, 'gpt-4o', 1200, 300));
      expect(got).toBeGreaterThan(0n);
    }
    // The contract: 1,200 × $1/M + 300 × $3/M.
    expect(estimate({ tenant: 'globex', user: '', provider: 'openai', cost: 0n, requests: 1n, model: 'gpt-4o', inputTokens: 1200, maxTokens: 300 })).toBe(parseUsd('0.0021'));
  });

  it('max_tokens alone: the dearer of all input and all output, as the cost estimate bounds it', () => {
    const got = estimate({ tenant: 'globex', user: '', provider: 'openai', cost: 0n, requests: 1n, model: 'gpt-4o', maxTokens: 1000 });
    expect(got).toBe(parseUsd('0.003'));
  });

  it('a cost alone: the markup and the request fee apply to it; a customer without a book is billed nothing', () => {
    expect(estimate({ tenant: 'acme', user: '', cost: parseUsd('0.8'), requests: 1n })).toBe(parseUsd('1.001'));
    expect(estimate({ tenant: 'acme', user: '', cost: parseUsd('0.8'), requests: 3n })).toBe(parseUsd('1.003'));
    expect(estimate({ tenant: 'initech', user: '', cost: parseUsd('0.8'), requests: 1n })).toBe(0n);
  });
});
