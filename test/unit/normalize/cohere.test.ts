import { describe, expect, it } from 'vitest';
import { expectTokens, ok } from './helpers.js';

const cohere = { provider: 'cohere', model: 'command-a-03-2025' };

describe('Cohere usage', () => {
  it('v2: bills billed_units, not tokens (which include template tokens)', () => {
    const u = ok({ billed_units: { input_tokens: 21, output_tokens: 93 }, tokens: { input_tokens: 186, output_tokens: 93 } }, cohere);
    expect(u.shape).toBe('cohere');
    expectTokens(u, { input: 21, output: 93 });
  });

  it('v2 with cached_tokens: informational, billing still follows billed_units', () => {
    const u = ok({ billed_units: { input_tokens: 1200, output_tokens: 40 }, tokens: { input_tokens: 1400, output_tokens: 40 }, cached_tokens: 1024 }, cohere);
    expectTokens(u, { input: 1200, output: 40 });
    expect(u.unknown_fields).toEqual([]);
  });

  it('v1: the usage may be the whole meta object, or wrap it', () => {
    const meta = { api_version: { version: '1' }, billed_units: { input_tokens: 17, output_tokens: 12 }, tokens: { input_tokens: 215, output_tokens: 12 }, warnings: [] };
    expectTokens(ok(meta, { ...cohere, model: 'command-r-plus' }), { input: 17, output: 12 });
    expectTokens(ok({ meta }, { ...cohere, model: 'command-r-plus' }), { input: 17, output: 12 });
  });

  it('rerank: search_units are billed per search, as requests', () => {
    const u = ok({ billed_units: { search_units: 3 } }, { ...cohere, model: 'rerank-v3.5' });
    expectTokens(u, {});
    expect(u.requests).toBe(3);
  });

  it('embed with images: image tokens and image count', () => {
    const u = ok({ billed_units: { input_tokens: 12, image_tokens: 2716, images: 2 } }, { ...cohere, model: 'embed-v4.0' });
    expectTokens(u, { input: 12, image_input: 2716 });
    expect(u.images).toBe(2);
  });

  it('only tokens given: they are used', () => {
    expectTokens(ok({ tokens: { input_tokens: 5, output_tokens: 6 } }, cohere), { input: 5, output: 6 });
  });
});
