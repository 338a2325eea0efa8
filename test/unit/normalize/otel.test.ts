import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

describe('OpenTelemetry GenAI usage attributes', () => {
  it('semconv: gen_ai.usage.input_tokens "SHOULD include all types of input tokens, including cached tokens"', () => {
    // cache_read.input_tokens and cache_creation.input_tokens: "The value SHOULD be included in gen_ai.usage.input_tokens."
    const u = ok({
      'gen_ai.usage.input_tokens': 100,
      'gen_ai.usage.cache_read.input_tokens': 50,
      'gen_ai.usage.cache_creation.input_tokens': 25,
      'gen_ai.usage.output_tokens': 180,
    });
    expect(u.shape).toBe('otel');
    expectTokens(u, { input: 25, cached_input: 50, cache_write_5m: 25, output: 180 });
    expect(u.prompt_tokens).toBe(100);
  });

  it('semconv: gen_ai.usage.reasoning.output_tokens "SHOULD be included in gen_ai.usage.output_tokens"', () => {
    const u = ok({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 180, 'gen_ai.usage.reasoning.output_tokens': 50 });
    expectTokens(u, { input: 10, output: 130, reasoning: 50 });
  });

  it('reads gen_ai.usage.reasoning_tokens (OpenLIT, OpenLLMetry) as reasoning.output_tokens, the current name winning', () => {
    expectTokens(ok({ 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 180, 'gen_ai.usage.reasoning_tokens': 50 }), { input: 10, output: 130, reasoning: 50 });
    const both = ok({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 180, 'gen_ai.usage.reasoning.output_tokens': 40, 'gen_ai.usage.reasoning_tokens': 50 });
    expectTokens(both, { input: 10, output: 140, reasoning: 40 });
    expect(both.unknown_fields).toEqual([]);
  });

  // Issue #11 (audit): this used to be refused. It can only mean an instrumentation that copied Anthropic's
  // cache-exclusive input_tokens, so it is read that way, and a warning says so.
  it('cache tokens beyond input_tokens contradict the convention: read as cache-exclusive, with a warning that says so', () => {
    const u = ok({ 'gen_ai.usage.input_tokens': 21, 'gen_ai.usage.cache_read.input_tokens': 2048, 'gen_ai.usage.output_tokens': 393 });
    expectTokens(u, { input: 21, cached_input: 2048, output: 393 });
    expect(u.warnings?.[0]?.path).toBe('usage["gen_ai.usage.cache_read.input_tokens"]');
    expect(u.warnings?.[0]?.reason).toMatch(/SHOULD include them/);
  });

  it('reads the deprecated names and OTLP int64 strings', () => {
    const u = ok({ 'gen_ai.usage.prompt_tokens': '1200', 'gen_ai.usage.completion_tokens': '80', 'gen_ai.usage.cache_read_input_tokens': 1000 });
    expectTokens(u, { input: 200, cached_input: 1000, output: 80 });
  });

  it('keeps other gen_ai.usage.* attributes as unknown fields', () => {
    const u = ok({ 'gen_ai.usage.input_tokens': 1, 'gen_ai.usage.output_tokens': 1, 'gen_ai.usage.cost': 0.01 });
    expect(u.unknown_fields).toEqual(['gen_ai.usage.cost']);
  });

  it('invalid counts are errors naming the attribute', () => {
    expect(errors({ 'gen_ai.usage.input_tokens': -4, 'gen_ai.usage.output_tokens': 2 })).toEqual([{ path: 'usage["gen_ai.usage.input_tokens"]', reason: 'must not be negative (got -4)' }]);
  });
});
