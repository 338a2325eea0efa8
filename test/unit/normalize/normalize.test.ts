import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeUsage, usageRejection } from '../../../src/normalize/index.js';
import { errors, event, expectTokens, ok } from './helpers.js';
import { TOKEN_CLASSES } from '../../../src/core/classes.js';

describe('normalizeUsage', () => {
  it('an empty usage object is zeros with shape empty (a cancelled call is still an event)', () => {
    const u = ok({}, { status: 'cancelled' });
    expect(u.shape).toBe('empty');
    expectTokens(u, {});
    expect(u).toMatchObject({ requests: 1, prompt_tokens: 0, reported_cost: null, unknown_fields: [] });
  });

  it('a usage object with no key tally reads is an error, not a silent $0', () => {
    const e = errors({ tokens_in: 10, tokens_out: 5 });
    expect(e).toHaveLength(1);
    expect(e[0]?.path).toBe('usage');
    expect(e[0]?.reason).toMatch(/not a usage object tally recognises \(keys: tokens_in, tokens_out\)/);
  });

  it('event-level counts take precedence over usage-derived ones', () => {
    const usage = { input_tokens: 10, output_tokens: 2, server_tool_use: { web_search_requests: 3 } };
    const u = ok(usage, { model: 'claude-sonnet-4-5', provider: 'anthropic', web_search_requests: 5, tool_calls: 2, images: 1, audio_seconds: 3.5 });
    expect(u).toMatchObject({ web_search_requests: 5, tool_calls: 2, images: 1, audio_seconds: 3.5 });
    expect(ok({ input: 1, tool_calls: 9 }, { tool_calls: 0 }).tool_calls).toBe(0);
  });

  it('the result does not share state between calls', () => {
    const a = ok({ prompt_tokens: 100, completion_tokens: 10, brand_new: 1 });
    const b = ok({ prompt_tokens: 1, completion_tokens: 1 });
    expect(a.unknown_fields).toEqual(['brand_new']);
    expect(b.unknown_fields).toEqual([]);
    expect(a.tokens.total).toBe(110);
  });

  it('usageRejection makes a USAGE_INVALID rejection with every error', () => {
    const e = errors({ prompt_tokens: -1, completion_tokens: -2 });
    const r = usageRejection(e);
    expect(r.code).toBe('USAGE_INVALID');
    expect(r.errors).toHaveLength(2);
    expect(r.message).toBe('usage.prompt_tokens: must not be negative (got -1) (and 1 more)');
  });
});

const KEYS = [
  // every key any shape reads, so random objects reach every normalizer
  'prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_tokens_details', 'completion_tokens_details', 'cached_tokens',
  'cache_write_tokens', 'audio_tokens', 'image_tokens', 'reasoning_tokens', 'text_tokens', 'prompt_cache_hit_tokens',
  'prompt_cache_miss_tokens', 'cost', 'cache_creation', 'ephemeral_5m_input_tokens', 'ephemeral_1h_input_tokens',
  'server_tool_use', 'web_search_requests', 'citation_tokens', 'num_search_queries', 'num_sources_used', 'prompt_audio_seconds',
  'input_tokens', 'output_tokens', 'input_tokens_details', 'output_tokens_details', 'input_token_details', 'output_token_details',
  'cached_tokens_details', 'type', 'seconds', 'cache_creation_input_tokens', 'cache_read_input_tokens', 'thinking_tokens',
  'usageMetadata', 'promptTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'cachedContentTokenCount',
  'toolUsePromptTokenCount', 'totalTokenCount', 'promptTokensDetails', 'cacheTokensDetails', 'candidatesTokensDetails',
  'modality', 'tokenCount', 'inputTokens', 'outputTokens', 'totalTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens',
  'cacheDetails', 'ttl', 'billed_units', 'tokens', 'meta', 'search_units', 'images', 'input', 'cached_input', 'output',
  'reasoning', 'audio_input', 'image_output', 'requests', 'total', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.reasoning.output_tokens', 'something_else', '__proto__',
];

const leaf = fc.oneof(
  fc.nat({ max: 5000 }),
  fc.integer({ min: -100, max: 100 }),
  fc.double({ noNaN: false }),
  fc.constantFrom(null, undefined, true, 'AUDIO', 'IMAGE', 'TEXT', '5m', '1h', 'duration', 'tokens', '123', '-4', '1e3', ''),
  fc.string({ maxLength: 6 }),
  fc.constant(Number.MAX_SAFE_INTEGER),
);

const { usage: usageArb } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('usage'), fc.array(tie('value'), { maxLength: 3 })),
  usage: fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 8 }),
}));

describe('normalizeUsage properties', () => {
  it('never throws: random usage objects give ok or field errors', () => {
    fc.assert(
      fc.property(usageArb, fc.constantFrom('claude-sonnet-4', 'gpt-4o', 'gemini-2.5-pro'), (usage, model) => {
        const out = normalizeUsage(event(usage as Record<string, unknown>, { model }));
        if (!out.ok) {
          expect(out.errors.length).toBeGreaterThan(0);
          for (const e of out.errors) expect(e.path.startsWith('usage')).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('every ok result: classes are whole and ≥ 0, total is their sum, prompt_tokens the input side', () => {
    fc.assert(
      fc.property(usageArb, (usage) => {
        const out = normalizeUsage(event(usage as Record<string, unknown>));
        if (!out.ok) return;
        const t = out.usage.tokens;
        let sum = 0;
        for (const c of TOKEN_CLASSES) {
          expect(Number.isSafeInteger(t[c]) && t[c] >= 0).toBe(true);
          sum += t[c];
        }
        expect(t.total).toBe(sum);
        expect(out.usage.prompt_tokens).toBe(t.input + t.cached_input + t.cache_write_5m + t.cache_write_1h + t.audio_input + t.image_input);
        for (const n of [out.usage.requests, out.usage.tool_calls, out.usage.web_search_requests, out.usage.images]) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
        expect(out.usage.audio_seconds >= 0 && Number.isFinite(out.usage.audio_seconds)).toBe(true);
        if (out.usage.reported_cost !== null) expect(out.usage.reported_cost).toMatch(/^\d+(\.\d+)?([eE][+-]?\d+)?$/);
      }),
      { numRuns: 3000 },
    );
  });

  it('well-formed OpenAI chat usage always normalizes and keeps prompt_tokens', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), (a, b, c, d) => {
        const [cached, prompt] = a <= b ? [a, b] : [b, a];
        const [reasoning, completion] = c <= d ? [c, d] : [d, c];
        const u = ok({ prompt_tokens: prompt, completion_tokens: completion, prompt_tokens_details: { cached_tokens: cached }, completion_tokens_details: { reasoning_tokens: reasoning } });
        expect(u.prompt_tokens).toBe(prompt);
        expect(u.tokens.total).toBe(prompt + completion);
        expect(u.tokens.cached_input).toBe(cached);
        expect(u.tokens.reasoning).toBe(reasoning);
      }),
    );
  });
});
