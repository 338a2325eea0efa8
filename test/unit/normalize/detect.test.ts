import { describe, expect, it } from 'vitest';
import { detectShape } from '../../../src/normalize/detect.js';
import type { UsageShape } from '../../../src/normalize/types.js';

const cases: Array<[string, Record<string, unknown>, UsageShape | null, string?, string?]> = [
  ['empty', {}, 'empty'],
  ['chat', { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }, 'openai_chat'],
  ['chat, details only', { prompt_tokens_details: { cached_tokens: 0 } }, 'openai_chat'],
  ['DeepSeek', { prompt_cache_hit_tokens: 1, prompt_cache_miss_tokens: 2 }, 'openai_chat'],
  ['responses', { input_tokens: 1, output_tokens: 2, input_tokens_details: { cached_tokens: 0 } }, 'openai_responses'],
  ['realtime', { input_tokens: 1, output_tokens: 2, input_token_details: {} }, 'openai_responses'],
  ['transcription by duration', { type: 'duration', seconds: 3 }, 'openai_responses'],
  ['anthropic cache', { input_tokens: 1, output_tokens: 2, cache_read_input_tokens: 0 }, 'anthropic'],
  ['anthropic thinking details', { input_tokens: 1, output_tokens: 2, output_tokens_details: { thinking_tokens: 1 } }, 'anthropic'],
  ['bare io, Claude', { input_tokens: 1, output_tokens: 2 }, 'anthropic', 'bedrock', 'anthropic.claude-3-haiku-20240307-v1:0'],
  ['bare io, anthropic provider', { input_tokens: 1, output_tokens: 2 }, 'anthropic', 'anthropic', 'some-model'],
  ['bare io, GPT', { input_tokens: 1, output_tokens: 2 }, 'openai_responses', 'openai', 'gpt-5'],
  ['gemini camel', { promptTokenCount: 1 }, 'gemini'],
  ['gemini snake', { candidates_token_count: 1 }, 'gemini'],
  ['gemini wrapped', { usageMetadata: {} }, 'gemini'],
  ['bedrock', { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, 'bedrock_converse'],
  ['cohere v2', { billed_units: {}, tokens: {} }, 'cohere'],
  ['cohere v1 meta', { meta: { billed_units: {} } }, 'cohere'],
  ['canonical', { input: 1, output: 2 }, 'canonical'],
  ['canonical counts only', { requests: 1 }, 'canonical'],
  ['otel', { 'gen_ai.usage.input_tokens': 1 }, 'otel'],
  ['unrecognised', { foo: 1, bar: 2 }, null],
];

describe('detectShape', () => {
  it.each(cases)('%s', (_name, usage, shape, provider, model) => {
    expect(detectShape(usage, provider, model)).toBe(shape);
  });
});
