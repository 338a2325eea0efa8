import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

const openai = { provider: 'openai', model: 'gpt-4o' };
const anthropic = { provider: 'anthropic', model: 'claude-sonnet-4-20250514' };
const gemini = { provider: 'gemini', model: 'gemini-2.5-flash' };

describe('Vercel AI SDK usage (result.usage), v4, v5 and v6', () => {
  it('v4 {promptTokens, completionTokens, totalTokens}: prompt is input, completion is output — never read as an empty Bedrock usage', () => {
    const u = ok({ promptTokens: 1000, completionTokens: 500, totalTokens: 1500 }, openai);
    expect(u.shape).toBe('ai_sdk');
    expectTokens(u, { input: 1000, output: 500 });
    expect(u.warnings).toBeUndefined();
  });

  it('v6 inputTokens INCLUDES cache reads and writes; the details split them (OpenAI: cached tokens are reads)', () => {
    const u = ok(
      {
        inputTokens: 3000, inputTokenDetails: { noCacheTokens: 1000, cacheReadTokens: 2000, cacheWriteTokens: 0 },
        outputTokens: 800, outputTokenDetails: { textTokens: 300, reasoningTokens: 500 },
        totalTokens: 3800, reasoningTokens: 500, cachedInputTokens: 2000,
      },
      { provider: 'openai', model: 'o3-mini' },
    );
    expectTokens(u, { input: 1000, cached_input: 2000, output: 300, reasoning: 500 });
    expect(u.unknown_fields).toEqual([]);
  });

  it('v6 with Anthropic: cache writes come out of inputTokens as 5-minute writes', () => {
    const u = ok(
      { inputTokens: 10_000, inputTokenDetails: { noCacheTokens: 25, cacheReadTokens: 4975, cacheWriteTokens: 5000 }, outputTokens: 120, outputTokenDetails: { textTokens: 120 }, totalTokens: 10_120 },
      anthropic,
    );
    expectTokens(u, { input: 25, cached_input: 4975, cache_write_5m: 5000, output: 120 });
  });

  it('v6 without noCacheTokens or textTokens: the rest of the totals is uncached input and visible output', () => {
    const u = ok({ inputTokens: 1200, inputTokenDetails: { cacheReadTokens: 200 }, outputTokens: 90, outputTokenDetails: { reasoningTokens: 40 } }, openai);
    expectTokens(u, { input: 1000, cached_input: 200, output: 50, reasoning: 40 });
  });

  it('v6 details larger than the total that includes them, or parts that do not add up, are errors naming the field', () => {
    expect(errors({ inputTokens: 100, inputTokenDetails: { cacheReadTokens: 150 }, outputTokens: 1, outputTokenDetails: {} }, openai)).toEqual([
      { path: 'usage.inputTokenDetails.cacheReadTokens', reason: 'is 150, more than inputTokens (100), which includes it' },
    ]);
    expect(errors({ inputTokens: 100, inputTokenDetails: { noCacheTokens: 90, cacheReadTokens: 20 }, outputTokens: 1, outputTokenDetails: {} }, openai)).toEqual([
      { path: 'usage.inputTokenDetails', reason: 'noCacheTokens (90) + cacheReadTokens (20) + cacheWriteTokens (0) = 110, but inputTokens is 100' },
    ]);
    expect(errors({ inputTokens: 1, outputTokens: 10, outputTokenDetails: { reasoningTokens: 11 }, inputTokenDetails: {} }, openai)).toEqual([
      { path: 'usage.outputTokenDetails.reasoningTokens', reason: 'is 11, more than outputTokens (10), which includes it' },
    ]);
  });

  it('v5 with OpenAI (and every provider but Anthropic and Bedrock): cachedInputTokens is part of inputTokens, reasoningTokens part of outputTokens', () => {
    const u = ok({ inputTokens: 3000, outputTokens: 800, totalTokens: 3800, reasoningTokens: 500, cachedInputTokens: 2000 }, { provider: 'openai', model: 'o3-mini' });
    expect(u.shape).toBe('ai_sdk');
    expectTokens(u, { input: 1000, cached_input: 2000, output: 300, reasoning: 500 });
  });

  it('v5 with Anthropic: inputTokens EXCLUDES cache reads (cachedInputTokens), as the Anthropic API does; the missing cache writes are a warning', () => {
    const u = ok({ inputTokens: 4532, outputTokens: 222, totalTokens: 4754, cachedInputTokens: 5439 }, anthropic);
    expectTokens(u, { input: 4532, cached_input: 5439, output: 222 });
    expect(u.warnings).toEqual([
      { path: 'usage', reason: 'AI SDK v5 usage does not report Anthropic or Bedrock cache writes (they are in providerMetadata); send the provider usage object to price them' },
    ]);
  });

  it('v5 with Bedrock (including Claude on Bedrock): cache reads are outside inputTokens', () => {
    const u = ok({ inputTokens: 31, outputTokens: 288, totalTokens: 319, cachedInputTokens: 2930 }, { provider: 'bedrock', model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' });
    expectTokens(u, { input: 31, cached_input: 2930, output: 288 });
  });

  it('v5 with Gemini: thoughts are outside outputTokens when totalTokens counts them on top', () => {
    const u = ok({ inputTokens: 100, outputTokens: 50, reasoningTokens: 400, totalTokens: 550 }, gemini);
    expectTokens(u, { input: 100, output: 50, reasoning: 400 });
  });

  it('v5 reasoning inside outputTokens when totalTokens = inputTokens + outputTokens; more reasoning than output is read as outside it', () => {
    const u = ok({ inputTokens: 100, outputTokens: 450, reasoningTokens: 400, totalTokens: 550 }, gemini);
    expectTokens(u, { input: 100, output: 50, reasoning: 400 });
    // Issue #11: this used to be refused; xAI reports reasoning outside the completion, and the AI SDK passes it through.
    const x = ok({ inputTokens: 100, outputTokens: 50, reasoningTokens: 400 }, openai);
    expectTokens(x, { input: 100, output: 50, reasoning: 400 });
    expect(x.warnings?.[0]?.path).toBe('usage.reasoningTokens');
  });

  it('a bare {inputTokens, outputTokens, totalTokens} stays Bedrock Converse (same counts either way); Bedrock cache keys win over AI SDK keys', () => {
    expect(ok({ inputTokens: 10, outputTokens: 5, totalTokens: 15 }, openai).shape).toBe('bedrock_converse');
    const u = ok({ inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 7, reasoningTokens: 3 }, { provider: 'bedrock', model: 'amazon.nova-pro-v1:0' });
    expect(u.shape).toBe('bedrock_converse');
    expect(u.unknown_fields).toEqual(['reasoningTokens']);
  });

  it('missing and null counts are zero; negative or fractional counts are errors with the path', () => {
    expectTokens(ok({ promptTokens: null, completionTokens: 7 }, openai), { output: 7 });
    expect(errors({ promptTokens: -1, completionTokens: 2.5 }, openai)).toEqual([
      { path: 'usage.promptTokens', reason: 'must not be negative (got -1)' },
      { path: 'usage.completionTokens', reason: 'must be a whole number of tokens (got 2.5)' },
    ]);
  });

  it('v4 totalTokens that disagrees with the parts is a warning; the parts win', () => {
    const u = ok({ promptTokens: 10, completionTokens: 5, totalTokens: 99 }, openai);
    expectTokens(u, { input: 10, output: 5 });
    expect(u.warnings?.[0]?.path).toBe('usage.totalTokens');
  });
});
