/**
 * Issue #11 item 6: Perplexity. Citation tokens are not billed for Sonar,
 * Sonar Pro and Sonar Reasoning Pro (only Sonar Deep Research bills them),
 * and the search fee is ONE request fee chosen by `search_context_size`, not
 * a fee per search query (again except Deep Research, which bills its
 * search queries). Prices, https://docs.perplexity.ai/getting-started/pricing
 * (read as of 2025; this machine cannot reach it to check again):
 *
 *   model                input  output  request fee per 1,000 (low / medium / high)
 *   sonar                $1     $1      $5 / $8 / $12
 *   sonar-pro            $3     $15     $6 / $10 / $14
 *   sonar-reasoning-pro  $2     $8      $6 / $10 / $14
 *   sonar-deep-research  $2     $8      citations $2/M, reasoning $3/M, search queries $5 per 1,000
 *
 * Payloads are Perplexity Chat Completions `usage` objects.
 */
import { describe, expect, it } from 'vitest';
import { formatUsd, type Money } from '../../../src/core/money.js';
import { isLosslessObject, parseLosslessJson } from '../../../src/core/lossless-json.js';
import { buildCatalog } from '../../../src/pricing/catalog.js';
import { fromLiteLlm } from '../../../src/pricing/litellm.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer, type Pricer } from '../../../src/pricing/pricer.js';
import type { CostBreakdown, PricingResult } from '../../../src/pricing/types.js';
import { normalizeUsage } from '../../../src/normalize/index.js';

function priced(pricer: Pricer, model: string, usage: Record<string, unknown>): PricingResult {
  const n = normalizeUsage({ provider: 'perplexity', model, tenant: 't', status: 'ok', usage });
  if (!n.ok) throw new Error(JSON.stringify(n.errors));
  return pricer.price({ provider: 'perplexity', model, occurredAt: '2025-10-01T00:00:00Z', usage: n.usage });
}

function costs(r: PricingResult): Partial<Record<keyof CostBreakdown, string>> {
  const out: Partial<Record<keyof CostBreakdown, string>> = {};
  for (const [k, v] of Object.entries(r.cost) as [keyof CostBreakdown, Money][]) if (v !== 0n) out[k] = formatUsd(v);
  return out;
}

const SONAR = { prompt_tokens: 12, completion_tokens: 315, total_tokens: 327, search_context_size: 'low', citation_tokens: 5_612, num_search_queries: 1 };
const SONAR_PRO = { prompt_tokens: 1_210, completion_tokens: 842, total_tokens: 2_052, search_context_size: 'high', citation_tokens: 9_104, num_search_queries: 2 };
const DEEP = { prompt_tokens: 19, completion_tokens: 6_420, total_tokens: 6_439, citation_tokens: 32_680, num_search_queries: 28, reasoning_tokens: 170_102 };

describe('the built-in catalog', () => {
  const pricer = createPricer(loadCatalog());

  it('sonar: citations free, one low-context request fee: 12 × $1/M + 315 × $1/M + $0.005 = $0.005327', () => {
    const r = priced(pricer, 'sonar', SONAR);
    expect(costs(r)).toEqual({ input: '0.000012', output: '0.000315', request: '0.005' });
    expect(formatUsd(r.total)).toBe('0.005327');
  });

  it('sonar-pro: high context, two searches, one request fee: 1,210 × $3/M + 842 × $15/M + $0.014 = $0.03026', () => {
    const r = priced(pricer, 'sonar-pro', SONAR_PRO);
    expect(costs(r)).toEqual({ input: '0.00363', output: '0.01263', request: '0.014' });
    expect(formatUsd(r.total)).toBe('0.03026');
  });

  it('sonar-reasoning-pro without search_context_size: the low fee (Perplexity\'s default)', () => {
    const r = priced(pricer, 'sonar-reasoning-pro', { prompt_tokens: 100, completion_tokens: 1_000, citation_tokens: 400, num_search_queries: 1 });
    expect(costs(r)).toEqual({ input: '0.0002', output: '0.008', request: '0.006' });
  });

  it('sonar-deep-research bills citations, reasoning and each search query', () => {
    // input: (19 + 32,680) × $2/M = 0.065398; output 6,420 × $8/M = 0.05136; reasoning 170,102 × $3/M = 0.510306;
    // searches 28 × $0.005 = 0.14; total 0.767064
    const r = priced(pricer, 'sonar-deep-research', DEEP);
    expect(costs(r)).toEqual({ input: '0.065398', output: '0.05136', reasoning: '0.510306', web_search: '0.14' });
    expect(formatUsd(r.total)).toBe('0.767064');
  });
});

describe('LiteLLM\'s Perplexity entries (written here with the prices above)', () => {
  const d = parseLosslessJson(JSON.stringify({
    'perplexity/sonar': { litellm_provider: 'perplexity', mode: 'chat', input_cost_per_token: 1e-6, output_cost_per_token: 1e-6, search_context_cost_per_query: { search_context_size_low: 0.005, search_context_size_medium: 0.008, search_context_size_high: 0.012 } },
    'perplexity/sonar-deep-research': { litellm_provider: 'perplexity', mode: 'chat', input_cost_per_token: 2e-6, output_cost_per_token: 8e-6, output_cost_per_reasoning_token: 3e-6, citation_cost_per_token: 2e-6, search_context_cost_per_query: { search_context_size_low: 0.005, search_context_size_medium: 0.005, search_context_size_high: 0.005 } },
  }));
  if (!isLosslessObject(d)) throw new Error('not an object');
  const pricer = createPricer(buildCatalog([fromLiteLlm(d, 'litellm.json').source]));

  it('sonar: $0.005327, not $0.013939 (citations as input plus a medium fee per search query)', () => {
    expect(formatUsd(priced(pricer, 'sonar', SONAR).total)).toBe('0.005327');
  });

  it('sonar-deep-research: $0.767064', () => {
    expect(formatUsd(priced(pricer, 'sonar-deep-research', DEEP).total)).toBe('0.767064');
  });
});
