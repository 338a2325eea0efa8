import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

const bedrock = { provider: 'bedrock', model: 'us.anthropic.claude-sonnet-4-20250514-v1:0' };

describe('AWS Bedrock Converse usage', () => {
  it('plain call: inputTokens and outputTokens', () => {
    const u = ok({ inputTokens: 125, outputTokens: 60, totalTokens: 185 }, { provider: 'bedrock', model: 'amazon.nova-pro-v1:0' });
    expect(u.shape).toBe('bedrock_converse');
    expectTokens(u, { input: 125, output: 60 });
    expect(u.warnings).toBeUndefined();
  });

  it('inputTokens EXCLUDES cache reads and writes (AWS: total input = inputTokens + cacheRead + cacheWrite)', () => {
    // first call writes the cached system prompt, the second reads it
    const write = ok({ inputTokens: 25, outputTokens: 310, totalTokens: 25 + 310 + 2930, cacheReadInputTokens: 0, cacheWriteInputTokens: 2930 }, bedrock);
    expectTokens(write, { input: 25, cache_write_5m: 2930, output: 310 });
    const read = ok({ inputTokens: 31, outputTokens: 288, totalTokens: 31 + 288 + 2930, cacheReadInputTokens: 2930, cacheWriteInputTokens: 0 }, bedrock);
    expectTokens(read, { input: 31, cached_input: 2930, output: 288 });
    expect(read.prompt_tokens).toBe(2961);
    expect(read.warnings).toBeUndefined();
  });

  it('cacheDetails splits cache writes by TTL', () => {
    const u = ok(
      { inputTokens: 10, outputTokens: 20, totalTokens: 5030, cacheReadInputTokens: 0, cacheWriteInputTokens: 5000, cacheDetails: [{ ttl: '1h', inputTokens: 3000 }, { ttl: '5m', inputTokens: 2000 }] },
      bedrock,
    );
    expectTokens(u, { input: 10, cache_write_5m: 2000, cache_write_1h: 3000, output: 20 });
  });

  it('cacheDetails that do not add up, or an unknown TTL, are errors', () => {
    expect(errors({ inputTokens: 1, outputTokens: 1, cacheWriteInputTokens: 100, cacheDetails: [{ ttl: '5m', inputTokens: 90 }] }, bedrock)).toEqual([
      { path: 'usage.cacheDetails', reason: 'adds up to 90 tokens, but cacheWriteInputTokens is 100' },
    ]);
    expect(errors({ inputTokens: 1, outputTokens: 1, cacheWriteInputTokens: 100, cacheDetails: [{ ttl: '24h', inputTokens: 100 }] }, bedrock)).toEqual([
      { path: 'usage.cacheDetails[0].ttl', reason: 'must be "5m" or "1h" (got "24h")' },
    ]);
  });

  it('a totalTokens that disagrees with the parts is a warning; the parts win', () => {
    // inputTokens already holding the cache write would double count in totalTokens
    const u = ok({ inputTokens: 4995, outputTokens: 19, totalTokens: 4995 + 19, cacheWriteInputTokens: 4993 }, bedrock);
    expectTokens(u, { input: 4995, cache_write_5m: 4993, output: 19 });
    expect(u.warnings?.[0]?.path).toBe('usage.totalTokens');
  });
});
