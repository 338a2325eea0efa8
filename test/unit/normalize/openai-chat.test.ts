import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

describe('OpenAI Chat Completions usage', () => {
  it('prompt_tokens includes cached_tokens: only the uncached rest is input', () => {
    // gpt-4o-mini with a warm prompt cache (chat.completion usage block)
    const u = ok({
      prompt_tokens: 2006,
      completion_tokens: 300,
      total_tokens: 2306,
      prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    });
    expect(u.shape).toBe('openai_chat');
    expectTokens(u, { input: 86, cached_input: 1920, output: 300 });
    expect(u.prompt_tokens).toBe(2006);
    expect(u.requests).toBe(1);
    expect(u.unknown_fields).toEqual([]);
    expect(u.warnings).toBeUndefined();
  });

  it('completion_tokens includes reasoning_tokens: visible output is the rest', () => {
    // o3-mini answer that thought for 1,024 tokens
    const u = ok(
      {
        prompt_tokens: 75,
        completion_tokens: 1186,
        total_tokens: 1261,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 1024, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      { model: 'o3-mini-2025-01-31' },
    );
    expectTokens(u, { input: 75, output: 162, reasoning: 1024 });
  });

  it('audio tokens sit inside prompt and completion counts (gpt-4o-audio-preview)', () => {
    const u = ok(
      {
        prompt_tokens: 1250,
        completion_tokens: 880,
        total_tokens: 2130,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 1100 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 800, text_tokens: 80 },
      },
      { model: 'gpt-4o-audio-preview' },
    );
    expectTokens(u, { input: 150, audio_input: 1100, output: 80, audio_output: 800 });
  });

  it('predicted-output tokens, accepted or rejected, stay in output', () => {
    const u = ok({
      prompt_tokens: 500,
      completion_tokens: 420,
      total_tokens: 920,
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 300, rejected_prediction_tokens: 60 },
    });
    expectTokens(u, { input: 500, output: 420 });
  });

  it('cache_write_tokens are inside prompt_tokens and become 5-minute writes', () => {
    const u = ok({ prompt_tokens: 194, completion_tokens: 2, total_tokens: 196, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 100, audio_tokens: 0 } });
    expectTokens(u, { input: 94, cache_write_5m: 100, output: 2 });
  });

  it('image_tokens in the details are split into image classes', () => {
    const u = ok({ prompt_tokens: 1800, completion_tokens: 1400, prompt_tokens_details: { image_tokens: 1500 }, completion_tokens_details: { image_tokens: 1290 } });
    expectTokens(u, { input: 300, image_input: 1500, output: 110, image_output: 1290 });
  });

  it('details larger than their total are an error naming the detail', () => {
    const e = errors({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 128 } });
    expect(e).toEqual([{ path: 'usage.prompt_tokens_details.cached_tokens', reason: 'is 128, more than prompt_tokens (100), which includes it' }]);
  });

  // Issue #11 (items 4, 5): these two used to be refused. Reasoning beyond completion_tokens is how xAI
  // reports it (outside completion_tokens); audio overlapping the cache is a cached audio token.
  it('reasoning beyond completion_tokens is read as outside it (a warning); audio beyond the uncached prompt overlaps the cache', () => {
    const r = ok({ prompt_tokens: 100, completion_tokens: 10, completion_tokens_details: { reasoning_tokens: 64, audio_tokens: 0 } });
    expectTokens(r, { input: 100, output: 10, reasoning: 64 });
    expect(r.warnings?.[0]?.path).toBe('usage.completion_tokens_details.reasoning_tokens');
    const both = ok({ prompt_tokens: 100, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 60, audio_tokens: 50 } });
    expectTokens(both, { cached_input: 60, audio_input: 40, output: 10 });
    expect(both.details).toEqual({ cached_audio_input: 10 });
  });

  it('missing and null fields mean zero', () => {
    const u = ok({ prompt_tokens: 12, completion_tokens: null, total_tokens: null, prompt_tokens_details: null, completion_tokens_details: { reasoning_tokens: null } });
    expectTokens(u, { input: 12 });
  });

  it('accepts non-negative integer strings (int64 in JSON)', () => {
    const u = ok({ prompt_tokens: '1200', completion_tokens: '34', prompt_tokens_details: { cached_tokens: '1024' } });
    expectTokens(u, { input: 176, cached_input: 1024, output: 34 });
  });

  it('negative, fractional and non-numeric counts are errors naming the path', () => {
    expect(errors({ prompt_tokens: -5, completion_tokens: 1.5, prompt_tokens_details: { cached_tokens: 'lots', audio_tokens: true } })).toEqual([
      { path: 'usage.prompt_tokens', reason: 'must not be negative (got -5)' },
      { path: 'usage.prompt_tokens_details.cached_tokens', reason: 'must be a whole number or a string of digits (got "lots")' },
      { path: 'usage.prompt_tokens_details.audio_tokens', reason: 'must be a number (got true)' },
      { path: 'usage.completion_tokens', reason: 'must be a whole number of tokens (got 1.5)' },
    ]);
  });

  it('a total that disagrees with its parts is a warning; the parts win', () => {
    const u = ok({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 99 });
    expectTokens(u, { input: 10, output: 5 });
    expect(u.warnings).toEqual([{ path: 'usage.total_tokens', reason: 'is 99, but prompt_tokens + completion_tokens = 15; tally uses the parts' }]);
  });

  it('keeps unknown keys, never fatal', () => {
    const u = ok({ prompt_tokens: 10, completion_tokens: 5, brand_new_counter: 3, prompt_tokens_details: { cached_tokens: 0, video_tokens: 7 } });
    expect(u.unknown_fields).toEqual(['prompt_tokens_details.video_tokens', 'brand_new_counter']);
  });
});

describe('OpenAI-compatible providers', () => {
  it('Azure OpenAI: same shape, same rules', () => {
    const u = ok(
      {
        completion_tokens: 1146,
        completion_tokens_details: { accepted_prediction_tokens: 0, audio_tokens: 0, reasoning_tokens: 1024, rejected_prediction_tokens: 0 },
        prompt_tokens: 2134,
        prompt_tokens_details: { audio_tokens: 0, cached_tokens: 1920 },
        total_tokens: 3280,
      },
      { provider: 'azure', model: 'o4-mini' },
    );
    expectTokens(u, { input: 214, cached_input: 1920, output: 122, reasoning: 1024 });
  });

  it('Mistral: prompt_audio_seconds becomes audio_seconds', () => {
    const u = ok({ prompt_tokens: 2048, completion_tokens: 96, total_tokens: 2144, prompt_audio_seconds: 41 }, { provider: 'mistral', model: 'voxtral-small-latest' });
    expectTokens(u, { input: 2048, output: 96 });
    expect(u.audio_seconds).toBe(41);
  });

  it('Mistral: a null prompt_audio_seconds is zero', () => {
    const u = ok({ prompt_tokens: 20, completion_tokens: 30, total_tokens: 50, prompt_audio_seconds: null }, { provider: 'mistral', model: 'mistral-small-latest' });
    expect(u.audio_seconds).toBe(0);
  });

  it('xAI: cached tokens inside text prompt tokens; Live Search sources are counted as searches', () => {
    const u = ok(
      {
        prompt_tokens: 125,
        completion_tokens: 48,
        total_tokens: 173,
        prompt_tokens_details: { text_tokens: 125, audio_tokens: 0, image_tokens: 0, cached_tokens: 98 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
        num_sources_used: 7,
      },
      { provider: 'xai', model: 'grok-4' },
    );
    expectTokens(u, { input: 27, cached_input: 98, output: 48 });
    expect(u.web_search_requests).toBe(7);
  });

  it('Groq: timing fields are not counts and not unknown', () => {
    const u = ok(
      { queue_time: 0.0374, prompt_tokens: 18, prompt_time: 0.00068, completion_tokens: 556, completion_time: 0.4633, total_tokens: 574, total_time: 0.4640 },
      { provider: 'groq', model: 'llama-3.3-70b-versatile' },
    );
    expectTokens(u, { input: 18, output: 556 });
    expect(u.unknown_fields).toEqual([]);
  });

  it('DeepSeek: prompt_cache_hit_tokens is the cache read, miss is uncached input', () => {
    const u = ok(
      { prompt_tokens: 3240, completion_tokens: 610, total_tokens: 3850, prompt_cache_hit_tokens: 3072, prompt_cache_miss_tokens: 168, completion_tokens_details: { reasoning_tokens: 420 } },
      { provider: 'deepseek', model: 'deepseek-reasoner' },
    );
    expectTokens(u, { input: 168, cached_input: 3072, output: 190, reasoning: 420 });
    expect(u.warnings).toBeUndefined();
  });

  it('DeepSeek: also sends prompt_tokens_details.cached_tokens; both agree, counted once', () => {
    const u = ok(
      { prompt_tokens: 100, completion_tokens: 1, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 36, prompt_tokens_details: { cached_tokens: 64 } },
      { provider: 'deepseek', model: 'deepseek-chat' },
    );
    expectTokens(u, { input: 36, cached_input: 64, output: 1 });
  });

  it('DeepSeek: hit + miss that disagree with prompt_tokens is a warning', () => {
    const u = ok({ prompt_tokens: 100, completion_tokens: 1, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 20 }, { provider: 'deepseek', model: 'deepseek-chat' });
    expect(u.warnings?.[0]?.path).toBe('usage.prompt_cache_miss_tokens');
  });

  it('DeepSeek: a cache hit larger than prompt_tokens is an error at prompt_cache_hit_tokens', () => {
    expect(errors({ prompt_tokens: 10, completion_tokens: 1, prompt_cache_hit_tokens: 64, prompt_cache_miss_tokens: 0 }, { provider: 'deepseek' })[0]?.path).toBe('usage.prompt_cache_hit_tokens');
  });

  it('OpenRouter: cost is the reported cost, as exact decimal text', () => {
    const u = ok(
      {
        prompt_tokens: 194,
        completion_tokens: 2,
        total_tokens: 196,
        cost: 0.00014,
        is_byok: false,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 100, audio_tokens: 0 },
        cost_details: { upstream_inference_cost: null, upstream_inference_prompt_cost: 0.00011, upstream_inference_completions_cost: 0.00003 },
        completion_tokens_details: { reasoning_tokens: 0, image_tokens: 0 },
      },
      { provider: 'openrouter', model: 'anthropic/claude-3.5-haiku' },
    );
    expectTokens(u, { input: 94, cache_write_5m: 100, output: 2 });
    expect(u.reported_cost).toBe('0.00014');
    expect(u.unknown_fields).toEqual([]);
  });

  it('OpenRouter: a tiny cost is still plain decimal text, not 1e-7', () => {
    expect(ok({ prompt_tokens: 1, completion_tokens: 1, cost: 1e-7 }, { provider: 'openrouter' }).reported_cost).toBe('0.0000001');
    expect(ok({ prompt_tokens: 1, completion_tokens: 1, cost: 1.25e-9 }, { provider: 'openrouter' }).reported_cost).toBe('0.00000000125');
    expect(ok({ prompt_tokens: 1, completion_tokens: 1, cost: 0 }, { provider: 'openrouter' }).reported_cost).toBe('0');
  });

  it('OpenRouter: an Anthropic cache_creation split divides the cache writes by TTL', () => {
    const u = ok(
      { prompt_tokens: 1000, completion_tokens: 10, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 800 }, cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 500 } },
      { provider: 'openrouter', model: 'anthropic/claude-sonnet-4.5' },
    );
    expectTokens(u, { input: 200, cache_write_5m: 300, cache_write_1h: 500, output: 10 });
  });

  it('OpenRouter: server_tool_use.web_search_requests counts searches', () => {
    expect(ok({ prompt_tokens: 10, completion_tokens: 10, server_tool_use: { web_search_requests: 3 } }, { provider: 'openrouter' }).web_search_requests).toBe(3);
  });

  it('a negative cost is an error', () => {
    expect(errors({ prompt_tokens: 1, completion_tokens: 1, cost: -0.5 })).toEqual([{ path: 'usage.cost', reason: 'must be a non-negative amount in USD (got -0.5)' }]);
  });

  it('Perplexity: cost object, search queries and top-level reasoning tokens', () => {
    const u = ok(
      {
        prompt_tokens: 19,
        completion_tokens: 1426,
        total_tokens: 1445,
        search_context_size: 'low',
        citation_tokens: 6122,
        num_search_queries: 18,
        reasoning_tokens: 73997,
        cost: { input_tokens_cost: 0.00004, output_tokens_cost: 0.01141, citation_tokens_cost: 0.01224, reasoning_tokens_cost: 0.22199, search_queries_cost: 0.09, total_cost: 0.33568 },
      },
      { provider: 'perplexity', model: 'sonar-deep-research' },
    );
    // Research-phase reasoning (73,997) cannot be inside completion_tokens (1,426): both extras are outside.
    expectTokens(u, { input: 19 + 6122, output: 1426, reasoning: 73997 });
    expect(u.web_search_requests).toBe(18);
    expect(u.reported_cost).toBe('0.33568');
    expect(u.warnings).toBeUndefined();
  });
});
