/**
 * Estimates with the prompt counted (issue 15, item 3): `input_tokens` is
 * priced at the model's input price and `max_tokens` at its output price;
 * without `input_tokens`, `max_tokens` keeps its meaning (priced at the
 * dearer of the two, so it bounds any split). Through the engine, the HTTP
 * API's estimate reader and the CLI's flags.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { costEstimator } from '../../../src/budgets/estimate-cost.js';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { resolveEstimate } from '../../../src/budgets/usage.js';
import { estimateOf } from '../../../src/cli/commands/quota.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import { createPricer, loadCatalog } from '../../../src/pricing/index.js';
import { state } from './fixtures.js';

const pricer = createPricer(loadCatalog());
const AT = Date.parse('2026-03-01T00:00:00Z');
const estimate = costEstimator(pricer, () => AT);
const usd = (text: string): bigint => parseUsd(text);

describe('costEstimator: input at the input price, max_tokens at the output price', () => {
  it('gpt-4o ($2.50 in, $10 out per 1M): 1,000 prompt tokens + 500 max_tokens = $0.0075', () => {
    expect(formatUsd(estimate('gpt-4o', 500, {}, 1000))).toBe(formatUsd(usd('0.0075')));
  });

  it('without input_tokens, max_tokens keeps its meaning: the dearer price ($10/M) for every token', () => {
    expect(estimate('gpt-4o', 500, {})).toBe(usd('0.005'));
    expect(estimate('gpt-4o', 0, {}, 1000)).toBe(usd('0.0025'));
  });

  it('an unpriced model is VALIDATION_FAILED at estimate.model', () => {
    expect(() => estimate('no-such-model-xyz', 10, {}, 10)).toThrow(/no price is known/);
  });
});

describe('resolveEstimate with input_tokens', () => {
  const seen: unknown[] = [];
  const fake = (model: string, maxTokens: number, _s: unknown, inputTokens?: number): bigint => {
    seen.push([model, maxTokens, inputTokens]);
    return BigInt(maxTokens) * 10n + BigInt(inputTokens ?? 0);
  };

  it('passes both counts to the estimator; the token estimate is input + max_tokens', async () => {
    seen.length = 0;
    expect(await resolveEstimate({ model: 'm', input_tokens: 120, max_tokens: 30 }, {}, fake)).toEqual({ cost: 420n, tokens: 150n, requests: 1n, price: 0n });
    expect(seen).toEqual([['m', 30, 120]]);
  });

  it('input_tokens alone is estimated too (no output bound: 0 output tokens)', async () => {
    expect(await resolveEstimate({ model: 'm', input_tokens: 7 }, {}, fake)).toEqual({ cost: 7n, tokens: 7n, requests: 1n, price: 0n });
  });

  it('max_tokens alone is unchanged: the estimator gets no input count', async () => {
    seen.length = 0;
    expect(await resolveEstimate({ model: 'm', max_tokens: 30 }, {}, fake)).toEqual({ cost: 300n, tokens: 30n, requests: 1n, price: 0n });
    expect(seen).toEqual([['m', 30, undefined]]);
  });

  it('an explicit cost or tokens wins; a bad count names its field', async () => {
    expect(await resolveEstimate({ model: 'm', input_tokens: 7, cost: '1', tokens: 3 }, {}, fake)).toEqual({ cost: usd('1'), tokens: 3n, requests: 1n, price: 0n });
    await expect(resolveEstimate({ model: 'm', input_tokens: -1 }, {}, fake)).rejects.toMatchObject({ details: { errors: [{ path: 'estimate.input_tokens' }] } });
  });

  it('through the engine: a cost budget refuses what the prompt makes too dear', async () => {
    const engine = new BudgetEngine({
      counters: new MemoryCounterStore({ clock: () => AT }), clock: () => AT, estimateCost: estimate,
      budgets: new StaticBudgetSource(state([{ id: 'c', name: 'c', metric: 'cost', limit: '0.01', period: 'monthly', scope: { tenant: 'acme' } }])),
    });
    expect((await engine.check({ tenant: 'acme' }, { model: 'gpt-4o', max_tokens: 500 })).allowed).toBe(true); // $0.005
    expect((await engine.check({ tenant: 'acme' }, { model: 'gpt-4o', input_tokens: 1000, max_tokens: 500 })).allowed).toBe(true); // $0.0075
    expect((await engine.check({ tenant: 'acme' }, { model: 'gpt-4o', input_tokens: 3001, max_tokens: 250 })).allowed).toBe(false); // $0.0100025
  });
});

describe('the HTTP API estimate', () => {
  it('accepts input_tokens and prices it; refuses it without a model, cost or tokens', async () => {
    const KEY = 'sk_platform_admin_0123456';
    const engine = new BudgetEngine({
      counters: new MemoryCounterStore({ clock: () => AT }), clock: () => AT, estimateCost: estimate,
      budgets: new StaticBudgetSource(state([{ id: 'c', name: 'c', metric: 'cost', limit: '0.01', period: 'monthly', scope: { tenant: 'acme' } }])),
    });
    const app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
      keyring: new ApiKeyring([{ id: 'platform', key: KEY, tenant: '*', role: 'admin' }]), openAccess: false, bodyLimitBytes: 1024 * 1024,
      services: { quota: engine },
    });
    try {
      const post = (estimate: unknown) => app.inject({ method: 'POST', url: '/v1/quota/reserve', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, payload: JSON.stringify({ subject: { tenant: 'acme' }, estimate }) });
      const granted = await post({ model: 'gpt-4o', input_tokens: 1000, max_tokens: 500 });
      expect(granted.statusCode).toBe(200);
      expect(granted.json()).toMatchObject({ granted: true, budgets: [{ budget_id: 'c', reserved: '0.0075' }] });
      expect((await post({ model: 'gpt-4o', input_tokens: 1000, max_tokens: 250 })).statusCode).toBe(429); // 0.0075 + 0.005 > 0.01
      const bad = await post({ input_tokens: 10 });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { errors: [{ path: 'estimate.model' }] } } });
      expect((await post({ model: 'gpt-4o', input_tokens: 1.5 })).statusCode).toBe(400);
    } finally {
      await app.close();
    }
  });
});

describe('the CLI estimate flags', () => {
  it('--input-tokens with --model', () => {
    expect(estimateOf({ model: 'gpt-4o', inputTokens: '1200', maxTokens: '2000' })).toEqual({ model: 'gpt-4o', input_tokens: 1200, max_tokens: 2000 });
    expect(estimateOf({ model: 'gpt-4o', inputTokens: '1200' })).toEqual({ model: 'gpt-4o', input_tokens: 1200 });
    expect(() => estimateOf({ inputTokens: '1200' })).toThrow(/--model/);
    expect(() => estimateOf({ model: 'gpt-4o', inputTokens: 'x' })).toThrow(/whole number/);
  });
});
