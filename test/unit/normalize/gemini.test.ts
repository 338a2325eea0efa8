import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

const gemini = { provider: 'gemini', model: 'gemini-2.5-flash' };

describe('Gemini / Vertex usageMetadata', () => {
  it('thoughtsTokenCount sits outside candidatesTokenCount: thoughts are reasoning, candidates are output', () => {
    // generateContent response of gemini-2.5-flash with thinking on
    const u = ok(
      {
        promptTokenCount: 11,
        candidatesTokenCount: 356,
        totalTokenCount: 1208,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 11 }],
        thoughtsTokenCount: 841,
      },
      gemini,
    );
    expect(u.shape).toBe('gemini');
    expectTokens(u, { input: 11, output: 356, reasoning: 841 });
    expect(u.warnings).toBeUndefined();
  });

  it('promptTokenCount includes cachedContentTokenCount', () => {
    const u = ok(
      {
        promptTokenCount: 34021,
        candidatesTokenCount: 512,
        totalTokenCount: 34533,
        cachedContentTokenCount: 32768,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 34021 }],
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 32768 }],
        candidatesTokensDetails: [{ modality: 'TEXT', tokenCount: 512 }],
      },
      { provider: 'vertex_ai', model: 'gemini-2.5-pro' },
    );
    expectTokens(u, { input: 1253, cached_input: 32768, output: 512 });
    expect(u.prompt_tokens).toBe(34021);
  });

  it('accepts snake_case from SDK dicts', () => {
    const u = ok({ prompt_token_count: 100, candidates_token_count: 20, thoughts_token_count: 30, cached_content_token_count: 40, total_token_count: 150, traffic_type: 'ON_DEMAND' }, gemini);
    expectTokens(u, { input: 60, cached_input: 40, output: 20, reasoning: 30 });
    expect(u.unknown_fields).toEqual([]);
  });

  it('accepts the usage wrapped as {usageMetadata: …} (camel or snake), with its neighbours', () => {
    const camel = ok({ usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 }, modelVersion: 'gemini-2.0-flash', responseId: 'abc' }, gemini);
    const snake = ok({ usage_metadata: { prompt_token_count: 10, candidates_token_count: 5, total_token_count: 15 } }, gemini);
    expectTokens(camel, { input: 10, output: 5 });
    expect(snake.tokens).toEqual(camel.tokens);
  });

  it('toolUsePromptTokenCount is input outside promptTokenCount', () => {
    // grounding with Google Search feeds results back as tool-use prompt
    const u = ok({ promptTokenCount: 15, candidatesTokenCount: 420, toolUsePromptTokenCount: 3120, thoughtsTokenCount: 0, totalTokenCount: 3555 }, gemini);
    expectTokens(u, { input: 3135, output: 420 });
  });

  it('per-modality details split audio and image into their classes', () => {
    const u = ok(
      {
        promptTokenCount: 2100,
        candidatesTokenCount: 60,
        totalTokenCount: 2160,
        promptTokensDetails: [
          { modality: 'TEXT', tokenCount: 42 },
          { modality: 'AUDIO', tokenCount: 800 },
          { modality: 'IMAGE', tokenCount: 1032 },
          { modality: 'VIDEO', tokenCount: 226 },
        ],
      },
      gemini,
    );
    // VIDEO is billed at the text/image/video input price: it stays input
    expectTokens(u, { input: 268, audio_input: 800, image_input: 1032, output: 60 });
  });

  it('cached audio stays cached_input; only uncached audio is audio_input', () => {
    const u = ok(
      {
        promptTokenCount: 5000,
        cachedContentTokenCount: 4000,
        candidatesTokenCount: 10,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: 1000 }, { modality: 'AUDIO', tokenCount: 4000 }],
        cacheTokensDetails: [{ modality: 'TEXT', tokenCount: 500 }, { modality: 'AUDIO', tokenCount: 3500 }],
      },
      gemini,
    );
    expectTokens(u, { input: 500, cached_input: 4000, audio_input: 500, output: 10 });
  });

  it('image output (gemini-2.5-flash-image) is image_output', () => {
    const u = ok(
      { promptTokenCount: 7, candidatesTokenCount: 1290, totalTokenCount: 1297, candidatesTokensDetails: [{ modality: 'IMAGE', tokenCount: 1290 }], promptTokensDetails: [{ modality: 'TEXT', tokenCount: 7 }] },
      { ...gemini, model: 'gemini-2.5-flash-image' },
    );
    expectTokens(u, { input: 7, image_output: 1290 });
  });

  it('Live API responseTokenCount reads as candidates, with audio output', () => {
    const u = ok({ promptTokenCount: 300, responseTokenCount: 900, totalTokenCount: 1200, responseTokensDetails: [{ modality: 'AUDIO', tokenCount: 900 }] }, gemini);
    expectTokens(u, { input: 300, audio_output: 900 });
  });

  it('totalTokenCount is cross-checked, never trusted over the parts', () => {
    const u = ok({ promptTokenCount: 10, candidatesTokenCount: 5, thoughtsTokenCount: 7, totalTokenCount: 15 }, gemini);
    expectTokens(u, { input: 10, output: 5, reasoning: 7 });
    expect(u.tokens.total).toBe(22);
    expect(u.warnings).toEqual([{ path: 'usage.totalTokenCount', reason: 'is 15, but prompt + candidates + thoughts + tool-use prompt = 22; tally uses the parts' }]);
  });

  it('cached content larger than the prompt is an error', () => {
    expect(errors({ promptTokenCount: 10, cachedContentTokenCount: 11, candidatesTokenCount: 0 }, gemini)).toEqual([
      { path: 'usage.cachedContentTokenCount', reason: 'is 11, more than promptTokenCount (10), which includes it' },
    ]);
  });

  it('a bad modality entry is an error with its index', () => {
    expect(errors({ promptTokenCount: 10, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }, { modality: 'AUDIO', tokenCount: -5 }] }, gemini)).toEqual([
      { path: 'usage.promptTokensDetails[1].tokenCount', reason: 'must be a non-negative whole number (got -5)' },
    ]);
  });

  it('a prompt with no candidates yet (blocked prompt) is fine', () => {
    expectTokens(ok({ promptTokenCount: 8, totalTokenCount: 8 }, gemini), { input: 8 });
  });
});
