/**
 * Issue #11 items 2, 3 and 8: LiteLLM keys tally ignored, service-tier
 * fallbacks, and the ambiguous rules (each picked, cited and configurable).
 * Every entry below is written by this test in LiteLLM's format with the
 * provider's list prices; the amounts are computed by hand in the comments.
 * This machine has no web access: the prices were read from the pages named
 * (as of 2025) and could not be re-checked here.
 */
import { describe, expect, it } from 'vitest';
import { formatUsd, type Money } from '../../../src/core/money.js';
import { isLosslessObject, parseLosslessJson, type LosslessObject } from '../../../src/core/lossless-json.js';
import { buildCatalog } from '../../../src/pricing/catalog.js';
import { fromLiteLlm, type LiteLlmImportOptions } from '../../../src/pricing/litellm.js';
import { createPricer, type PriceInput, type PricerOptions } from '../../../src/pricing/pricer.js';
import type { CostBreakdown, PricingResult } from '../../../src/pricing/types.js';
import { normalizeUsage } from '../../../src/normalize/index.js';
import type { NormalizedUsage } from '../../../src/normalize/types.js';
import { usage } from './helpers.js';

function doc(value: unknown): LosslessObject {
  const d = parseLosslessJson(JSON.stringify(value));
  if (!isLosslessObject(d)) throw new Error('not an object');
  return d;
}

function pricerOf(entries: Record<string, unknown>, options: PricerOptions = {}, importOptions: LiteLlmImportOptions = {}): ReturnType<typeof createPricer> {
  return createPricer(buildCatalog([fromLiteLlm(doc(entries), 'litellm.json', importOptions).source]), options);
}

function costs(r: PricingResult): Partial<Record<keyof CostBreakdown, string>> {
  const out: Partial<Record<keyof CostBreakdown, string>> = {};
  for (const [k, v] of Object.entries(r.cost) as [keyof CostBreakdown, Money][]) if (v !== 0n) out[k] = formatUsd(v);
  return out;
}

const AT = '2026-01-15T12:00:00Z';

/**
 * Gemini 2.5 Flash, https://ai.google.dev/gemini-api/docs/pricing: input $0.30 (text/image/video) and
 * $1.00 (audio) per 1M tokens; output (including thinking tokens) $2.50; context caching $0.03
 * (text/image/video) and $0.10 (audio) per 1M tokens. Batch: half of each. Flex values are LiteLLM's
 * (equal to batch); Google's flex page could not be checked here.
 */
const GEMINI_FLASH = {
  'gemini-2.5-flash': {
    litellm_provider: 'gemini', mode: 'chat',
    input_cost_per_token: 3e-7, input_cost_per_audio_token: 1e-6, output_cost_per_token: 2.5e-6, output_cost_per_reasoning_token: 2.5e-6,
    cache_read_input_token_cost: 3e-8, cache_read_input_audio_token_cost: 1e-7,
    input_cost_per_token_flex: 1.5e-7, output_cost_per_token_flex: 1.25e-6, cache_read_input_token_cost_flex: 1.5e-8,
    cache_read_input_audio_token_cost_flex: 5e-8,
  },
};

function gemini(model: string, usageObject: Record<string, unknown>): NormalizedUsage {
  const n = normalizeUsage({ provider: 'gemini', model, tenant: 't', status: 'ok', usage: usageObject });
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return n.usage;
}

describe('item 2: cache_read_input_audio_token_cost (Gemini cached audio is dearer than cached text)', () => {
  // A voice-note prompt: 20,000 prompt tokens (5,000 text + 15,000 audio), 12,000 of them read from an
  // explicit cache (2,000 text + 10,000 audio), 500 output tokens.
  const u = gemini('gemini-2.5-flash', {
    promptTokenCount: 20_000, cachedContentTokenCount: 12_000, candidatesTokenCount: 500, totalTokenCount: 20_500,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5_000 }, { modality: 'AUDIO', tokenCount: 15_000 }],
    cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 2_000 }, { modality: 'AUDIO', tokenCount: 10_000 }],
    candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 500 }],
  });

  it('counts cached audio inside cached_input (classes and total unchanged) and says how many are audio', () => {
    expect(u.tokens).toMatchObject({ input: 3_000, audio_input: 5_000, cached_input: 12_000, output: 500, total: 20_500 });
    expect(u.details).toEqual({ cached_audio_input: 10_000 });
  });

  it('prices the 10,000 cached audio tokens at $0.10/M and the 2,000 cached text tokens at $0.03/M', () => {
    // cached: 2,000 × 0.03e-6 + 10,000 × 0.1e-6 = 0.00006 + 0.001 = 0.00106 (was 12,000 × 0.03e-6 = 0.00036)
    // input 3,000 × 0.3e-6 = 0.0009; audio 5,000 × 1e-6 = 0.005; output 500 × 2.5e-6 = 0.00125; total 0.00821
    const r = pricerOf(GEMINI_FLASH).price({ provider: 'gemini', model: 'gemini-2.5-flash', occurredAt: AT, usage: u });
    expect(costs(r)).toEqual({ input: '0.0009', audio_input: '0.005', cached_input: '0.00106', output: '0.00125' });
    expect(formatUsd(r.total)).toBe('0.00821');
    // savings: 2,000 × (0.30 − 0.03)/M + 10,000 × (1.00 − 0.10)/M = 0.00054 + 0.009
    expect(formatUsd(r.cache_savings)).toBe('0.00954');
  });

  it('uses the flex cached-audio price on the flex tier', () => {
    // cached: 2,000 × 0.015e-6 + 10,000 × 0.05e-6 = 0.00003 + 0.0005 = 0.00053
    const r = pricerOf(GEMINI_FLASH).price({ provider: 'gemini', model: 'gemini-2.5-flash', occurredAt: AT, usage: u, serviceTier: 'flex' });
    expect(formatUsd(r.cost.cached_input)).toBe('0.00053');
  });
});

describe('item 3: a class a service tier does not list falls back to the TIER\'s output price', () => {
  it('bills reasoning on flex at the flex output price ($1.25/M), not the standard reasoning price ($2.50/M)', () => {
    // 1,000 reasoning + 200 output tokens on flex: 1,200 × 1.25e-6 = 0.0015 (was 1,000 × 2.5e-6 + 200 × 1.25e-6 = 0.00275)
    const r = pricerOf(GEMINI_FLASH).price({ provider: 'gemini', model: 'gemini-2.5-flash', occurredAt: AT, usage: usage({ input: 100, output: 200, reasoning: 1_000 }), serviceTier: 'flex' });
    expect(costs(r)).toEqual({ input: '0.000015', output: '0.00025', reasoning: '0.00125' });
  });
});

/**
 * Gemini 2.5 Pro, https://ai.google.dev/gemini-api/docs/pricing: input $1.25 (prompts ≤ 200k tokens)
 * and $2.50 (> 200k); output $10.00 / $15.00. Batch: $0.625 / $1.25 input, $5.00 / $7.50 output.
 * LiteLLM lists the same values for flex; Google's flex prices could not be checked here.
 */
const GEMINI_PRO = {
  'gemini-2.5-pro': {
    litellm_provider: 'gemini', mode: 'chat',
    input_cost_per_token: 1.25e-6, output_cost_per_token: 1e-5,
    input_cost_per_token_above_200k_tokens: 2.5e-6, output_cost_per_token_above_200k_tokens: 1.5e-5,
    input_cost_per_token_flex: 6.25e-7, output_cost_per_token_flex: 5e-6,
    input_cost_per_token_above_200k_tokens_flex: 1.25e-6, output_cost_per_token_above_200k_tokens_flex: 7.5e-6,
    input_cost_per_token_batches: 6.25e-7, output_cost_per_token_batches: 5e-6,
    input_cost_per_token_above_200k_tokens_batches: 1.25e-6, output_cost_per_token_above_200k_tokens_batches: 7.5e-6,
  },
};

describe('item 2: *_above_<N>k_tokens_flex / _priority and *_above_<N>k_tokens_batches', () => {
  const long = usage({ input: 250_000, output: 2_000 });

  it('keeps the long-context price on flex: 250,000 × $1.25/M + 2,000 × $7.50/M = $0.3275 (was $0.16625, about half)', () => {
    const r = pricerOf(GEMINI_PRO).price({ provider: 'gemini', model: 'gemini-2.5-pro', occurredAt: AT, usage: long, serviceTier: 'flex' });
    expect(r.tier).toBe('above_200000');
    expect(costs(r)).toEqual({ input: '0.3125', output: '0.015' });
  });

  it('keeps the long-context batch price where the batch discount is not a flat half', () => {
    // LiteLLM's xAI entries price batch at 0.8 × standard, long-context batch included (values of its
    // grok-4.3 entry; xAI's batch page could not be checked here): input $2.50 / $5.00 above 200k,
    // batch $2.00 / $4.00. 250,000 batch tokens: 250,000 × $4.00/M = $1 (was the standard long price, $1.25).
    const xai = { 'xai/grok-x': { litellm_provider: 'xai', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, input_cost_per_token_batches: 2e-6, output_cost_per_token_batches: 8e-6, input_cost_per_token_above_200k_tokens: 5e-6, input_cost_per_token_above_200k_tokens_batches: 4e-6 } };
    const r = pricerOf(xai).price({ provider: 'xai', model: 'grok-x', occurredAt: AT, usage: usage({ input: 250_000 }), batch: true });
    expect(formatUsd(r.cost.input)).toBe('1');
  });

  it('a service tier without its own long-context key pays the standard long-context price (LiteLLM\'s order)', () => {
    const entries = { m: { litellm_provider: 'openai', input_cost_per_token: 1e-6, output_cost_per_token: 4e-6, input_cost_per_token_priority: 2e-6, input_cost_per_token_above_200k_tokens: 3e-6 } };
    const r = pricerOf(entries).price({ provider: 'openai', model: 'm', occurredAt: AT, usage: usage({ input: 300_000 }), serviceTier: 'priority' });
    expect(formatUsd(r.cost.input)).toBe('0.9'); // 300,000 × 3e-6
  });
});

describe('item 2: search_context_cost_per_query by search context size', () => {
  // OpenAI, https://platform.openai.com/docs/pricing (web search tool, gpt-4o): $30.00 / $35.00 / $50.00 per
  // 1,000 calls for low / medium / high search context. The usage object does not say the size: medium.
  const entries = { 'gpt-4o-search-preview': { litellm_provider: 'openai', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5, search_context_cost_per_query: { search_context_size_low: 0.03, search_context_size_medium: 0.035, search_context_size_high: 0.05 } } };
  it('bills each search at the medium price when the size is not reported', () => {
    const r = pricerOf(entries).price({ provider: 'openai', model: 'gpt-4o-search-preview', occurredAt: AT, usage: usage({ input: 1_000, output: 300 }, { web_search_requests: 2 }) });
    expect(costs(r)).toEqual({ input: '0.0025', output: '0.003', web_search: '0.07' });
  });
});

describe('item 8: a prompt of exactly a tier\'s threshold', () => {
  // xAI, https://docs.x.ai/docs/models (grok-4): $3.00 / $15.00 per 1M tokens, $6.00 / $30.00 for long
  // context; LiteLLM reads xAI's threshold as inclusive (≥ 128k). Anthropic bills the long-context price
  // when the prompt EXCEEDS 200k (https://docs.anthropic.com/en/docs/build-with-claude/context-windows).
  const entries = {
    'xai/grok-4': { litellm_provider: 'xai', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, input_cost_per_token_above_128k_tokens: 6e-6, output_cost_per_token_above_128k_tokens: 3e-5 },
    'claude-sonnet-4-20250514': { litellm_provider: 'anthropic', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5, input_cost_per_token_above_200k_tokens: 6e-6, output_cost_per_token_above_200k_tokens: 2.25e-5 },
  };
  const at = (p: ReturnType<typeof createPricer>, provider: string, model: string, input: number): PricingResult => p.price({ provider, model, occurredAt: AT, usage: usage({ input }) });

  it('xAI: exactly 128,000 prompt tokens pay the long-context price (inclusive, as LiteLLM reads xAI)', () => {
    const p = pricerOf(entries);
    expect(formatUsd(at(p, 'xai', 'grok-4', 128_000).total)).toBe('0.768'); // 128,000 × 6e-6
    expect(formatUsd(at(p, 'xai', 'grok-4', 127_999).total)).toBe('0.383997'); // 127,999 × 3e-6
  });

  it('Anthropic: exactly 200,000 prompt tokens pay the base price (strictly above)', () => {
    expect(formatUsd(at(pricerOf(entries), 'anthropic', 'claude-sonnet-4-20250514', 200_000).total)).toBe('0.6'); // 200,000 × 3e-6
  });

  it('is configurable: inclusiveThresholds [] reads every threshold as "above"', () => {
    expect(formatUsd(at(pricerOf(entries, {}, { inclusiveThresholds: [] }), 'xai', 'grok-4', 128_000).total)).toBe('0.384');
  });
});

describe('item 8: OpenAI batch × cached tokens', () => {
  // OpenAI, https://platform.openai.com/docs/pricing (gpt-4.1): input $2.00, cached input $0.50, output
  // $8.00 per 1M tokens; Batch API: input $1.00, output $4.00 (50 % off). The batch list gives no
  // separate cached price for this model: the three readings differ.
  const entries = { 'gpt-4.1': { litellm_provider: 'openai', input_cost_per_token: 2e-6, cache_read_input_token_cost: 5e-7, output_cost_per_token: 8e-6, input_cost_per_token_batches: 1e-6, output_cost_per_token_batches: 4e-6 } };
  const run = (options: PricerOptions): string => formatUsd(pricerOf(entries, options).price({ provider: 'openai', model: 'gpt-4.1', occurredAt: AT, usage: usage({ input: 10_000, cached_input: 100_000, output: 1_000 }), batch: true }).cost.cached_input);

  it('stacks by default: 100,000 cached × $0.25/M = $0.025', () => expect(run({})).toBe('0.025'));
  it('batch_input: 100,000 × $1.00/M = $0.1', () => expect(run({ batchCache: { openai: 'batch_input' } })).toBe('0.1'));
  it('standard_cached (LiteLLM\'s rule): 100,000 × $0.50/M = $0.05', () => expect(run({ batchCache: { openai: 'standard_cached' } })).toBe('0.05'));
});

describe('item 8: a documented cache discount absent from the price file', () => {
  // Anthropic, https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#pricing: cache reads
  // 0.1 × and 5-minute writes 1.25 × the base input price. Claude Sonnet 4: input $3 → reads $0.30,
  // writes $3.75 per 1M tokens.
  const entries = { 'claude-sonnet-4-x': { litellm_provider: 'anthropic', input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 } };
  it('applies Anthropic\'s multipliers when the entry lists no cache prices', () => {
    const r = pricerOf(entries).price({ provider: 'anthropic', model: 'claude-sonnet-4-x', occurredAt: AT, usage: usage({ input: 100, cached_input: 50_000, cache_write_5m: 10_000 }) });
    expect(costs(r)).toEqual({ input: '0.0003', cached_input: '0.015', cache_write_5m: '0.0375' });
  });

  it('bills cache reads at the input price for a provider without a documented rule (never below the truth)', () => {
    const r = pricerOf({ m: { litellm_provider: 'mistral', input_cost_per_token: 4e-7, output_cost_per_token: 2e-6 } }).price({ provider: 'mistral', model: 'm', occurredAt: AT, usage: usage({ cached_input: 10_000 }) });
    expect(formatUsd(r.cost.cached_input)).toBe('0.004');
  });
});

describe('item 3: Anthropic usage.service_tier', () => {
  // Claude Sonnet 4 (built-in catalog), https://docs.anthropic.com/en/docs/about-claude/pricing: input $3,
  // output $15, cache reads $0.30, 5-minute writes $3.75 per 1M tokens; the Batch API is 50 % off, and the
  // prompt-caching multipliers stack with it. A Message Batches result says `service_tier: "batch"`.
  const body = { input_tokens: 1_200, cache_read_input_tokens: 30_000, cache_creation_input_tokens: 2_000, output_tokens: 800, service_tier: 'batch' };

  it('prices a usage that says batch at the batch prices, caching stacked: $0.01605 (was $0.0321)', async () => {
    const { loadCatalog } = await import('../../../src/pricing/price-files.js');
    const n = normalizeUsage({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', tenant: 't', status: 'ok', usage: body });
    if (!n.ok) throw new Error('not normalized');
    expect(n.usage.service_tier).toBe('batch');
    const input: PriceInput = { provider: 'anthropic', model: 'claude-sonnet-4-20250514', occurredAt: AT, usage: n.usage };
    const r = createPricer(loadCatalog()).price(input);
    // 1,200 × 1.5e-6 + 30,000 × 0.15e-6 + 2,000 × 1.875e-6 + 800 × 7.5e-6 = 0.0018 + 0.0045 + 0.00375 + 0.006
    expect(costs(r)).toEqual({ input: '0.0018', cached_input: '0.0045', cache_write_5m: '0.00375', output: '0.006' });
    expect(formatUsd(r.total)).toBe('0.01605');
  });

  it('prices usage.service_tier "priority" with the price\'s priority tier (here a contract price file)', () => {
    const p = createPricer(buildCatalog([{ name: 'contract.json', models: [{ key: 'anthropic/claude-sonnet-4', prices: [{ effective_from: '2025-01-01', source: 'contract', per_million: { input: '3', output: '15' }, service_tiers: { priority: { per_million: { input: '4.5', output: '22.5' } } } }] }] }]));
    const n = normalizeUsage({ provider: 'anthropic', model: 'claude-sonnet-4', tenant: 't', status: 'ok', usage: { input_tokens: 1_000, output_tokens: 1_000, service_tier: 'priority' } });
    if (!n.ok) throw new Error('not normalized');
    expect(formatUsd(p.price({ provider: 'anthropic', model: 'claude-sonnet-4', occurredAt: AT, usage: n.usage }).total)).toBe('0.027'); // 1,000 × 4.5e-6 + 1,000 × 22.5e-6
  });

  it('the event\'s own service_tier wins over the usage\'s', () => {
    const n = normalizeUsage({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', tenant: 't', status: 'ok', usage: body });
    if (!n.ok) throw new Error('not normalized');
    return import('../../../src/pricing/price-files.js').then(({ loadCatalog }) => {
      const r = createPricer(loadCatalog()).price({ provider: 'anthropic', model: 'claude-sonnet-4-20250514', occurredAt: AT, usage: n.usage, serviceTier: 'standard' });
      expect(formatUsd(r.total)).toBe('0.0321');
    });
  });
});
