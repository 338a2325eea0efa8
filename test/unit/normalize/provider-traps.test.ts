/**
 * Issue #11 items 4 and 5, and the audit of every "details exceed the total"
 * refusal in src/normalize/: refuse only what no provider can send. Each
 * payload is the shape the provider returns; amounts use the built-in
 * catalog's list prices, cited per test. (No web access here: the pages
 * were read as of 2025 and could not be re-checked.)
 */
import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../../src/core/money.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import type { NormalizedUsage } from '../../../src/normalize/types.js';
import { errors, expectTokens, ok } from './helpers.js';

const pricer = createPricer(loadCatalog());
const price = (provider: string, model: string, u: NormalizedUsage): string => formatUsd(pricer.price({ provider, model, occurredAt: '2025-09-01T00:00:00Z', usage: u }).total);

describe('item 4: xAI counts reasoning_tokens OUTSIDE completion_tokens (total = prompt + completion + reasoning)', () => {
  // grok-3-mini, Chat Completions (https://docs.x.ai/docs/guides/reasoning shows usage with
  // completion_tokens excluding completion_tokens_details.reasoning_tokens). Prices
  // (https://docs.x.ai/docs/models): $0.30 input, $0.075 cached input, $0.50 output per 1M tokens;
  // reasoning tokens bill as output.
  const usage = {
    prompt_tokens: 32, completion_tokens: 9, total_tokens: 135,
    prompt_tokens_details: { text_tokens: 32, audio_tokens: 0, image_tokens: 0, cached_tokens: 6 },
    completion_tokens_details: { reasoning_tokens: 94, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    num_sources_used: 0,
  };

  it('reads reasoning beyond completion_tokens as reasoning, not a refusal', () => {
    const u = ok(usage, { provider: 'xai', model: 'grok-3-mini' });
    expectTokens(u, { input: 26, cached_input: 6, output: 9, reasoning: 94 });
    expect(u.warnings).toBeUndefined();
    // 26 × 0.3e-6 + 6 × 0.075e-6 + (9 + 94) × 0.5e-6 = 0.0000078 + 0.00000045 + 0.0000515
    expect(price('xai', 'grok-3-mini', u)).toBe('0.00005975');
  });

  it('does not under-bill when reasoning is below completion_tokens: 500 output AND 300 reasoning', () => {
    const u = ok({ prompt_tokens: 1_000, completion_tokens: 500, total_tokens: 1_800, completion_tokens_details: { reasoning_tokens: 300 } }, { provider: 'xai', model: 'grok-3-mini' });
    expectTokens(u, { input: 1_000, output: 500, reasoning: 300 });
    // 1,000 × 0.3e-6 + 800 × 0.5e-6 = 0.0003 + 0.0004 (was 0.0003 + 500 × 0.5e-6: 300 reasoning tokens unbilled)
    expect(price('xai', 'grok-3-mini', u)).toBe('0.0007');
  });

  it('any other provider: reasoning inside completion_tokens, as OpenAI reports it', () => {
    expectTokens(ok({ prompt_tokens: 1_000, completion_tokens: 500, total_tokens: 1_500, completion_tokens_details: { reasoning_tokens: 300 } }), { input: 1_000, output: 200, reasoning: 300 });
  });

  it('another provider that reports reasoning outside (total says so, or reasoning exceeds completion) is read the same way, with a warning', () => {
    const u = ok({ prompt_tokens: 100, completion_tokens: 10, completion_tokens_details: { reasoning_tokens: 64 } }, { provider: 'openrouter', model: 'x-ai/grok-3-mini' });
    expectTokens(u, { input: 100, output: 10, reasoning: 64 });
    expect(u.warnings?.[0]?.path).toBe('usage.completion_tokens_details.reasoning_tokens');
  });
});

describe('item 5: OpenAI image/audio details may overlap cached_tokens', () => {
  // gpt-4o, https://platform.openai.com/docs/pricing: $2.50 input, $1.25 cached input, $10.00 output per
  // 1M tokens; image tokens are input tokens. A second request with the same image: 1,200 prompt tokens
  // (765 of them the image), 1,152 read from the cache — cached + image = 1,917 > 1,200.
  const usage = { prompt_tokens: 1_200, completion_tokens: 100, total_tokens: 1_300, prompt_tokens_details: { cached_tokens: 1_152, image_tokens: 765, audio_tokens: 0 } };

  it('is a valid bill: the overlap (717 cached image tokens) counted once, as cached', () => {
    const u = ok(usage);
    expectTokens(u, { cached_input: 1_152, image_input: 48, output: 100 });
    expect(u.details).toEqual({ cached_image_input: 717 });
    // 1,152 × 1.25e-6 + 48 × 2.5e-6 + 100 × 10e-6 = 0.00144 + 0.00012 + 0.001
    expect(price('openai', 'gpt-4o', u)).toBe('0.00256');
  });

  it('audio overlapping the cache too (gpt-4o-audio-preview): image first, then audio', () => {
    const u = ok({ prompt_tokens: 1_000, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 896, audio_tokens: 400, image_tokens: 0 } });
    expectTokens(u, { cached_input: 896, audio_input: 104, output: 10 });
    expect(u.details).toEqual({ cached_audio_input: 296 });
  });

  it('the Responses API the same way, when it gives no cached_tokens_details', () => {
    const u = ok({ input_tokens: 1_200, output_tokens: 100, input_tokens_details: { cached_tokens: 1_152, image_tokens: 765 } });
    expectTokens(u, { cached_input: 1_152, image_input: 48, output: 100 });
  });

  it('still refuses what no provider can send', () => {
    expect(errors({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 128 } })[0]?.path).toBe('usage.prompt_tokens_details.cached_tokens');
    // reads and writes are disjoint parts of the prompt
    expect(errors({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 50 } })[0]?.path).toBe('usage.prompt_tokens_details.cache_write_tokens');
    // image and audio tokens are disjoint parts of the prompt
    expect(errors({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { audio_tokens: 60, image_tokens: 50 } })[0]?.path).toBe('usage.prompt_tokens_details.image_tokens');
  });
});

describe('audit: other "more than the total" refusals', () => {
  it('OpenTelemetry: cache tokens beyond input_tokens mean an instrumentation copied Anthropic\'s cache-exclusive input_tokens: read that way, with a warning', () => {
    // Anthropic's own usage for this request: input_tokens 21, cache_read_input_tokens 2048, output_tokens 393.
    const u = ok({ 'gen_ai.usage.input_tokens': 21, 'gen_ai.usage.cache_read.input_tokens': 2048, 'gen_ai.usage.output_tokens': 393 }, { provider: 'anthropic', model: 'claude-sonnet-4-20250514' });
    expectTokens(u, { input: 21, cached_input: 2048, output: 393 });
    expect(u.warnings?.[0]?.reason).toMatch(/read as excluding them/);
  });

  it('OpenTelemetry: reasoning beyond output_tokens is read as outside it (xAI), with a warning', () => {
    const u = ok({ 'gen_ai.usage.input_tokens': 32, 'gen_ai.usage.output_tokens': 9, 'gen_ai.usage.reasoning.output_tokens': 94 }, { provider: 'xai', model: 'grok-3-mini' });
    expectTokens(u, { input: 32, output: 9, reasoning: 94 });
  });

  it('AI SDK v5: reasoningTokens beyond outputTokens (the xAI provider passes xAI\'s counts through) is read as outside, with a warning', () => {
    const u = ok({ inputTokens: 32, outputTokens: 9, reasoningTokens: 94 }, { provider: 'xai', model: 'grok-3-mini' });
    expectTokens(u, { input: 32, output: 9, reasoning: 94 });
  });
});
