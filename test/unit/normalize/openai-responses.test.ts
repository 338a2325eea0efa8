import { describe, expect, it } from 'vitest';
import { errors, expectTokens, ok } from './helpers.js';

describe('OpenAI Responses API usage', () => {
  it('input_tokens includes cached_tokens; output_tokens includes reasoning_tokens', () => {
    // response.usage of a gpt-5 call with a warm cache and some reasoning
    const u = ok(
      { input_tokens: 36, input_tokens_details: { cached_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 },
      { model: 'gpt-4.1' },
    );
    expect(u.shape).toBe('openai_responses');
    expectTokens(u, { input: 36, output: 87 });

    const r = ok(
      { input_tokens: 5380, input_tokens_details: { cached_tokens: 4864 }, output_tokens: 1320, output_tokens_details: { reasoning_tokens: 1088 }, total_tokens: 6700 },
      { model: 'gpt-5' },
    );
    expectTokens(r, { input: 516, cached_input: 4864, output: 232, reasoning: 1088 });
    expect(r.prompt_tokens).toBe(5380);
  });

  it('cache_write_tokens are inside input_tokens', () => {
    const u = ok({ input_tokens: 3000, input_tokens_details: { cached_tokens: 1000, cache_write_tokens: 1500 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 3010 });
    expectTokens(u, { input: 500, cached_input: 1000, cache_write_5m: 1500, output: 10 });
  });

  it('details larger than their total are an error naming the detail', () => {
    expect(errors({ input_tokens: 100, input_tokens_details: { cached_tokens: 200 }, output_tokens: 5 })).toEqual([
      { path: 'usage.input_tokens_details.cached_tokens', reason: 'is 200, more than input_tokens (100), which includes it' },
    ]);
    // Issue #11: reasoning beyond output_tokens used to be refused; it is read as outside output_tokens (as xAI reports it), with a warning.
    const r = ok({ input_tokens: 100, output_tokens: 5, output_tokens_details: { reasoning_tokens: 6 } });
    expectTokens(r, { input: 100, output: 5, reasoning: 6 });
    expect(r.warnings?.[0]?.path).toBe('usage.output_tokens_details.reasoning_tokens');
  });

  it('a bare {input_tokens, output_tokens} from a non-Claude model is read as Responses', () => {
    const u = ok({ input_tokens: 10, output_tokens: 20 }, { model: 'gpt-4o' });
    expect(u.shape).toBe('openai_responses');
    expectTokens(u, { input: 10, output: 20 });
  });
});

describe('OpenAI Realtime API usage', () => {
  it('audio and image tokens are inside input_tokens; cached audio is counted once, as cached_input', () => {
    // response.done usage of a gpt-realtime turn
    const u = ok(
      {
        total_tokens: 2410,
        input_tokens: 2170,
        output_tokens: 240,
        input_token_details: {
          text_tokens: 1170,
          audio_tokens: 1000,
          image_tokens: 0,
          cached_tokens: 1600,
          cached_tokens_details: { text_tokens: 1000, audio_tokens: 600, image_tokens: 0 },
        },
        output_token_details: { text_tokens: 40, audio_tokens: 200 },
      },
      { model: 'gpt-realtime' },
    );
    // uncached: text 170, audio 400; cached 1600 (1000 text + 600 audio)
    expectTokens(u, { input: 170, cached_input: 1600, audio_input: 400, output: 40, audio_output: 200 });
    expect(u.unknown_fields).toEqual([]);
  });

  it('cached audio larger than audio is an error', () => {
    const e = errors({ input_tokens: 100, output_tokens: 0, input_token_details: { audio_tokens: 10, cached_tokens: 20, cached_tokens_details: { audio_tokens: 20 } } });
    expect(e[0]?.path).toBe('usage.input_token_details.cached_tokens_details.audio_tokens');
  });
});

describe('OpenAI Images API usage (gpt-image-1)', () => {
  it('splits image tokens into image_input and image_output', () => {
    const u = ok(
      {
        total_tokens: 4300,
        input_tokens: 244,
        output_tokens: 4056,
        input_tokens_details: { text_tokens: 50, image_tokens: 194 },
        output_tokens_details: { text_tokens: 0, image_tokens: 4056 },
      },
      { model: 'gpt-image-1' },
    );
    expectTokens(u, { input: 50, image_input: 194, image_output: 4056 });
  });
});

describe('OpenAI audio transcription usage', () => {
  it('token-billed transcription: audio tokens inside input_tokens', () => {
    const u = ok({ type: 'tokens', input_tokens: 14, input_token_details: { text_tokens: 0, audio_tokens: 14 }, output_tokens: 45, total_tokens: 59 }, { model: 'gpt-4o-transcribe' });
    expectTokens(u, { audio_input: 14, output: 45 });
  });

  it('duration-billed transcription: seconds become audio_seconds', () => {
    const u = ok({ type: 'duration', seconds: 9.75 }, { model: 'whisper-1' });
    expect(u.shape).toBe('openai_responses');
    expectTokens(u, {});
    expect(u.audio_seconds).toBe(9.75);
  });

  it('an unknown usage type is an error', () => {
    expect(errors({ type: 'characters', input_tokens: 3 })).toEqual([{ path: 'usage.type', reason: 'must be "tokens" or "duration" (got "characters")' }]);
  });

  it('negative seconds are an error', () => {
    expect(errors({ type: 'duration', seconds: -3 })).toEqual([{ path: 'usage.seconds', reason: 'must not be negative (got -3)' }]);
  });
});
