import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatUsd, type Money } from '../../../src/core/money.js';
import { buildCatalog } from '../../../src/pricing/catalog.js';
import { fromLiteLlm, isLiteLlmDocument } from '../../../src/pricing/litellm.js';
import { isLosslessObject, parseLosslessJson, type LosslessObject } from '../../../src/core/lossless-json.js';
import { parsePriceText } from '../../../src/pricing/price-files.js';
import { createPricer, type PriceInput } from '../../../src/pricing/pricer.js';
import type { CostBreakdown, PricingResult } from '../../../src/pricing/types.js';
import { usage, type TokenInput, type UsageExtras } from './helpers.js';

const FIXTURE = new URL('./fixtures/litellm-excerpt.json', import.meta.url);
const text = readFileSync(FIXTURE, 'utf8');

function doc(json: string): LosslessObject {
  const d = parseLosslessJson(json);
  if (!isLosslessObject(d)) throw new Error('not an object');
  return d;
}

const conversion = fromLiteLlm(doc(text), 'litellm.json');
const catalog = buildCatalog([conversion.source]);
const pricer = createPricer(catalog);
const AT = '2025-08-01T00:00:00Z';

function price(provider: string, model: string, tokens: TokenInput, extras: UsageExtras = {}, more: Partial<PriceInput> = {}): PricingResult {
  return pricer.price({ provider, model, occurredAt: AT, usage: usage(tokens, extras), ...more });
}

function costs(r: PricingResult): Partial<Record<keyof CostBreakdown, string>> {
  const out: Partial<Record<keyof CostBreakdown, string>> = {};
  for (const [k, v] of Object.entries(r.cost) as [keyof CostBreakdown, Money][]) if (v !== 0n) out[k] = formatUsd(v);
  return out;
}

describe('LiteLLM import', () => {
  it('is detected by its field names', () => {
    expect(isLiteLlmDocument(doc(text))).toBe(true);
    expect(isLiteLlmDocument(doc('{"format": "tally.prices.v1", "models": []}'))).toBe(false);
    expect(isLiteLlmDocument(doc('{"a": {"b": 1}}'))).toBe(false);
  });

  it('maps entries to tally keys by litellm_provider', () => {
    expect([...catalog.entries.keys()].sort()).toEqual([
      'anthropic/claude-3-5-sonnet-20241022',
      'anthropic/claude-sonnet-4-20250514',
      'azure/gpt-4o',
      'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0',
      'cohere/command-r',
      'cohere/rerank-v3.5',
      'gemini/gemini-1.5-pro',
      'gemini/gemini-2.5-flash',
      'openai/dall-e-3',
      'openai/gpt-4o',
      'openai/gpt-4o-audio-preview',
      'openai/gpt-image-1',
      'openai/o3',
      'openai/text-embedding-3-small',
      'openai/whisper-1',
      'openrouter/anthropic/claude-3.5-sonnet',
      'vertex_ai/claude-3-5-sonnet-v2@20241022',
    ]);
    // Issue #11: the report names every skipped entry and why (the duplicate used to be a bare warning).
    expect(conversion.report.skipped).toEqual([
      { entry: 'openai/gpt-4o', reason: 'duplicate', detail: 'means openai/gpt-4o, as gpt-4o does (kept gpt-4o)' },
      { entry: '256-x-256/dall-e-2', reason: 'unsupported_only', detail: 'its prices are only in keys tally does not price: input_cost_per_pixel, output_cost_per_pixel' },
    ]);
    expect(conversion.skipped).toBe(2);
  });

  it('warns about duplicates and price fields tally does not use', () => {
    // Issue #11: each unpriced key says why; input_cost_per_image on an embedding entry (dropped silently before) is reported.
    expect(conversion.source.warnings).toEqual([
      'litellm.json: field input_cost_per_character is not priced by tally (1 entry): per-character prices (TTS, legacy Vertex PaLM/Gemini 1.5): no character unit',
      'litellm.json: field input_cost_per_image (non-image modes) is not priced by tally (1 entry): per input image outside image generation: image tokens are priced instead',
      'litellm.json: field input_cost_per_pixel is not priced by tally (1 entry): per-pixel image prices; events do not carry the image size',
      'litellm.json: field output_cost_per_pixel is not priced by tally (1 entry): per-pixel image prices; events do not carry the image size',
      'litellm.json: entry openai/gpt-4o skipped (duplicate): means openai/gpt-4o, as gpt-4o does (kept gpt-4o)',
      'litellm.json: entry 256-x-256/dall-e-2 skipped (unsupported_only): its prices are only in keys tally does not price: input_cost_per_pixel, output_cost_per_pixel',
    ]);
    expect(catalog.warnings).toEqual(conversion.source.warnings);
  });

  it('prices input, output, cache reads, web search, batch and priority (gpt-4o)', () => {
    const tokens = { input: 1_000_000, cached_input: 1_000_000, output: 1_000_000 };
    expect(costs(price('openai', 'gpt-4o', tokens, { web_search_requests: 2 }))).toEqual({ input: '2.5', cached_input: '1.25', output: '10', web_search: '0.07' });
    expect(costs(price('openai', 'gpt-4o', tokens, {}, { batch: true }))).toEqual({ input: '1.25', cached_input: '0.625', output: '5' });
    expect(costs(price('openai', 'gpt-4o', tokens, {}, { serviceTier: 'priority' }))).toEqual({ input: '4.25', cached_input: '2.125', output: '17' });
  });

  it('prices flex (o3)', () => {
    expect(costs(price('openai', 'o3', { input: 1_000_000, cached_input: 1_000_000, output: 1_000_000, reasoning: 1_000_000 }, {}, { serviceTier: 'flex' }))).toEqual({
      input: '1', cached_input: '0.25', output: '4', reasoning: '4',
    });
  });

  it('prices both cache-write durations (claude-3-5-sonnet)', () => {
    const r = price('anthropic', 'claude-3-5-sonnet-20241022', { input: 10_000, output: 5_000, cache_write_5m: 1_000_000, cache_write_1h: 1_000_000, cached_input: 1_000_000 });
    expect(costs(r)).toEqual({ input: '0.03', output: '0.075', cache_write_5m: '3.75', cache_write_1h: '6', cached_input: '0.3' });
  });

  it('reads every *_above_<N>k_tokens field as a tier', () => {
    const r = price('anthropic', 'claude-sonnet-4-20250514', { input: 150_000, cached_input: 50_000, cache_write_5m: 10_000, output: 10_000 });
    expect(r.tier).toBe('above_200000');
    expect(costs(r)).toEqual({ input: '0.9', cached_input: '0.03', cache_write_5m: '0.075', output: '0.225' });
    const g = price('gemini', 'gemini-1.5-pro', { input: 128_001, output: 1_000 });
    expect(g.tier).toBe('above_128000');
    expect(costs(g)).toEqual({ input: '0.3200025', output: '0.01' });
    expect(price('gemini', 'gemini-1.5-pro', { input: 128_000 }).tier).toBeNull();
  });

  it('prices reasoning, audio and image tokens', () => {
    expect(costs(price('gemini', 'gemini-2.5-flash', { audio_input: 1_000_000, reasoning: 1_000_000, cached_input: 1_000_000 }))).toEqual({
      audio_input: '1', reasoning: '2.5', cached_input: '0.075',
    });
    expect(costs(price('openai', 'gpt-4o-audio-preview', { audio_input: 1_000, audio_output: 1_000 }))).toEqual({ audio_input: '0.1', audio_output: '0.2' });
    expect(costs(price('openai', 'gpt-image-1', { input: 1_000, image_input: 1_000, image_output: 1_000 }))).toEqual({ input: '0.005', image_input: '0.01', image_output: '0.04' });
  });

  it('prices images, audio seconds and rerank queries as units', () => {
    expect(costs(price('openai', 'dall-e-3', {}, { images: 3 }))).toEqual({ image: '0.12' });
    expect(costs(price('openai', 'whisper-1', {}, { audio_seconds: 90 }))).toEqual({ audio_second: '0.009' });
    expect(costs(price('cohere', 'rerank-v3.5', {}, { requests: 4 }))).toEqual({ request: '0.008' });
  });

  it('infers a 50% batch discount for classes without a batch price', () => {
    expect(costs(price('openai', 'text-embedding-3-small', { input: 1_000_000 }, {}, { batch: true }))).toEqual({ input: '0.01' });
  });

  it('resolves host-specific ids to their own entries', () => {
    expect(price('vertex_ai', 'claude-3-5-sonnet-v2@20241022', { input: 1 }).model_key).toBe('vertex_ai/claude-3-5-sonnet-v2@20241022');
    expect(price('bedrock', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', { input: 1 }).model_key).toBe('bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0');
    expect(price('openrouter', 'anthropic/claude-3.5-sonnet', { input: 1 }).model_key).toBe('openrouter/anthropic/claude-3.5-sonnet');
    expect(costs(price('azure', 'gpt-4o', { input: 1_000_000 }))).toEqual({ input: '2.75' });
    expect(price('cohere', 'command-r', { input: 1 }).model_key).toBe('cohere/command-r');
  });

  it('is in force from the beginning of time unless told otherwise', () => {
    expect(pricer.price({ provider: 'openai', model: 'o3', occurredAt: '1999-01-01T00:00:00Z', usage: usage({ input: 1 }) }).price_version).toBe('openai/o3@1970-01-01');
    const dated = createPricer(buildCatalog([parsePriceText(text, 'litellm.json', { litellmEffectiveFrom: '2025-06-01' })]));
    const before = dated.price({ provider: 'openai', model: 'o3', occurredAt: '2025-05-31T23:59:59Z', usage: usage({ input: 1 }) });
    expect(before.pricing_error?.code).toBe('NO_PRICE_IN_FORCE');
    expect(dated.price({ provider: 'openai', model: 'o3', occurredAt: '2025-06-01T00:00:00Z', usage: usage({ input: 1 }) }).price_version).toBe('openai/o3@2025-06-01');
  });

  it('keeps decimals such as 1.5e-07 exact', () => {
    const c = buildCatalog([fromLiteLlm(doc('{"tiny": {"litellm_provider": "openai", "input_cost_per_token": 1.5e-07, "output_cost_per_token": 3.3e-07}}'), 'x.json').source]);
    const r = createPricer(c).price({ provider: 'openai', model: 'tiny', occurredAt: AT, usage: usage({ input: 7, output: 3 }) });
    expect(r.cost.input).toBe(1_050_000_000n);
    expect(formatUsd(r.total)).toBe('0.00000204');
  });

  // Issue #11: an unusable value skips its entry alone (it used to reject the whole file), naming the entry,
  // the field and why; 1.6666666666666667e-06 (a price finer than a femto-dollar) is now read exactly.
  it.each([
    ['{"m": {"litellm_provider": "openai", "output_cost_per_token": "cheap"}}', 'output_cost_per_token: must be a decimal number'],
    ['{"m": {"litellm_provider": "openai", "output_cost_per_token": true}}', 'output_cost_per_token: must be a decimal number'],
    ['{"m": {"litellm_provider": "openai", "search_context_cost_per_query": {"search_context_size_medium": "x"}}}', 'search_context_cost_per_query.search_context_size_medium: must be a decimal number'],
    ['{"m": {"litellm_provider": "openai", "input_cost_per_token": -1e-06}}', 'input_cost_per_token: must not be negative'],
    ['{"m": {"litellm_provider": "openai", "input_cost_per_token_above_200k_tokens": 1e-31}}', 'input_cost_per_token_above_200k_tokens: 1e-31 has more than 30 decimals of USD; tally keeps prices exact to 10⁻³⁰ USD'],
  ])('skips %s alone, naming the entry, the field and why', (json, detail) => {
    const withGood = JSON.stringify({ ...JSON.parse(json), good: { litellm_provider: 'openai', input_cost_per_token: 1e-6 } });
    const c = fromLiteLlm(doc(withGood), 'prices/litellm.json');
    expect(c.report.skipped).toEqual([{ entry: 'm', reason: 'invalid_value', detail }]);
    expect(c.source.models.map((m) => m.key)).toEqual(['openai/good']);
    expect(c.source.warnings).toContain(`prices/litellm.json: entry m skipped (invalid_value): ${detail}`);
  });

  it('reads a price finer than a femto-dollar exactly', () => {
    const c = buildCatalog([fromLiteLlm(doc('{"m": {"litellm_provider": "openai", "input_cost_per_token": 1.6666666666666667e-06}}'), 'x.json').source]);
    const r = createPricer(c).price({ provider: 'openai', model: 'm', occurredAt: AT, usage: usage({ input: 3 }) });
    expect(formatUsd(r.cost.input)).toBe('0.000005'); // 3 × 1.6666666666666667e-06 = 0.0000050000000000000001
  });
});
