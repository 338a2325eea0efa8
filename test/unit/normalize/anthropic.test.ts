import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

const claude = { provider: 'anthropic', model: 'claude-sonnet-4-5-20250929' };

describe('Anthropic Messages usage', () => {
  it('input_tokens excludes cache reads and writes: each is its own class', () => {
    // second call of a cached conversation: 2,048 tokens read from the cache, 248 written
    const u = ok(
      {
        input_tokens: 21,
        cache_creation_input_tokens: 248,
        cache_read_input_tokens: 2048,
        cache_creation: { ephemeral_5m_input_tokens: 248, ephemeral_1h_input_tokens: 0 },
        output_tokens: 393,
        service_tier: 'standard',
      },
      claude,
    );
    expect(u.shape).toBe('anthropic');
    expectTokens(u, { input: 21, cached_input: 2048, cache_write_5m: 248, output: 393 });
    expect(u.prompt_tokens).toBe(21 + 248 + 2048);
    expect(u.unknown_fields).toEqual([]);
  });

  it('splits cache writes into 5-minute and 1-hour TTLs', () => {
    const u = ok(
      { input_tokens: 50, cache_creation_input_tokens: 10000, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 4000, ephemeral_1h_input_tokens: 6000 }, output_tokens: 120 },
      claude,
    );
    expectTokens(u, { input: 50, cache_write_5m: 4000, cache_write_1h: 6000, output: 120 });
  });

  it('without the split every cache write is a 5-minute write (older responses)', () => {
    const u = ok({ input_tokens: 3, cache_creation_input_tokens: 1800, cache_read_input_tokens: 0, output_tokens: 12 }, { ...claude, model: 'claude-3-5-sonnet-20241022' });
    expectTokens(u, { input: 3, cache_write_5m: 1800, output: 12 });
  });

  it('a split that does not add up is an error', () => {
    expect(errors({ input_tokens: 3, cache_creation_input_tokens: 1800, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 0 }, output_tokens: 1 }, claude)).toEqual([
      { path: 'usage.cache_creation', reason: 'ephemeral_5m_input_tokens (1000) + ephemeral_1h_input_tokens (0) = 1000, but cache_creation_input_tokens is 1800' },
    ]);
  });

  it('null cache counts (the SDK types them number | null) mean zero', () => {
    const u = ok({ input_tokens: 9, output_tokens: 8, cache_creation_input_tokens: null, cache_read_input_tokens: null, cache_creation: null, server_tool_use: null, inference_geo: null, output_tokens_details: null }, claude);
    expectTokens(u, { input: 9, output: 8 });
  });

  it('server_tool_use.web_search_requests counts web searches; web fetches are free and not counted', () => {
    const u = ok({ input_tokens: 6039, output_tokens: 931, cache_read_input_tokens: 0, cache_creation_input_tokens: 0, server_tool_use: { web_search_requests: 2, web_fetch_requests: 1 } }, claude);
    expect(u.web_search_requests).toBe(2);
    expect(u.tool_calls).toBe(0);
  });

  it('thinking is inside output_tokens: all output when not broken out', () => {
    const u = ok({ input_tokens: 300, output_tokens: 4200 }, { ...claude, model: 'claude-opus-4-1' });
    expectTokens(u, { input: 300, output: 4200 });
  });

  it('output_tokens_details.thinking_tokens moves thinking into reasoning; the sum stays output_tokens', () => {
    const u = ok({ input_tokens: 300, output_tokens: 4200, output_tokens_details: { thinking_tokens: 3900 } }, claude);
    expectTokens(u, { input: 300, output: 300, reasoning: 3900 });
    expect(errors({ input_tokens: 1, output_tokens: 10, output_tokens_details: { thinking_tokens: 11 } }, claude)[0]?.path).toBe('usage.output_tokens_details.thinking_tokens');
  });

  it('Claude on Bedrock (InvokeModel) and on Vertex: same usage object, same counts', () => {
    const usage = { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 1500, output_tokens: 250 };
    const direct = ok(usage, claude);
    const bedrock = ok(usage, { provider: 'bedrock', model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' });
    const vertex = ok(usage, { provider: 'vertex_ai', model: 'claude-sonnet-4@20250514' });
    expect(bedrock).toEqual(direct);
    expect(vertex).toEqual(direct);
    expectTokens(direct, { input: 12, cached_input: 1500, output: 250 });
  });

  it('a bare {input_tokens, output_tokens} from Claude is named anthropic', () => {
    expect(ok({ input_tokens: 1, output_tokens: 2 }, claude).shape).toBe('anthropic');
  });

  it('a negative cache read is an error naming it', () => {
    expect(errors({ input_tokens: 1, output_tokens: 2, cache_read_input_tokens: -1 }, claude)).toEqual([{ path: 'usage.cache_read_input_tokens', reason: 'must not be negative (got -1)' }]);
  });
});
