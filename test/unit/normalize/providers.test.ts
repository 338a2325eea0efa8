import { describe, expect, it } from 'vitest';
import { isKnownProvider, looksAnthropic, PROVIDER_ALIASES, resolveProvider } from '../../../src/core/providers.js';

describe('provider ids', () => {
  it.each([
    ['openai', 'openai'],
    ['OpenAI', 'openai'],
    [' anthropic ', 'anthropic'],
    ['google', 'gemini'],
    ['google_ai_studio', 'gemini'],
    ['gcp.gemini', 'gemini'],
    ['gcp.gen_ai', 'gemini'],
    ['vertex', 'vertex_ai'],
    ['gcp.vertex_ai', 'vertex_ai'],
    ['azure_openai', 'azure'],
    ['azure.ai.openai', 'azure'],
    ['az.ai.openai', 'azure'],
    ['azure.ai.inference', 'azure_ai'],
    ['aws', 'bedrock'],
    ['aws_bedrock', 'bedrock'],
    ['aws.bedrock', 'bedrock'],
    ['x-ai', 'xai'],
    ['x_ai', 'xai'],
    ['grok', 'xai'],
    ['mistral_ai', 'mistral'],
    ['together', 'together_ai'],
    ['fireworks', 'fireworks_ai'],
    ['cohere_chat', 'cohere'],
    ['ibm.watsonx.ai', 'watsonx'],
  ])('%s → %s', (name, id) => {
    expect(resolveProvider(name)).toBe(id);
    expect(isKnownProvider(resolveProvider(name))).toBe(true);
  });

  it('keeps an unknown provider as given, lower-cased — not an error here', () => {
    expect(resolveProvider('My-Inhouse-LLM')).toBe('my-inhouse-llm');
    expect(isKnownProvider('my-inhouse-llm')).toBe(false);
  });

  it('every alias points at a known id', () => {
    for (const [alias, id] of Object.entries(PROVIDER_ALIASES)) {
      expect(alias).toBe(alias.toLowerCase());
      expect(isKnownProvider(id)).toBe(true);
    }
  });

  it('recognises Claude wherever it is served', () => {
    expect(looksAnthropic('bedrock', 'us.anthropic.claude-3-7-sonnet-20250219-v1:0')).toBe(true);
    expect(looksAnthropic('vertex_ai', 'claude-opus-4@20250514')).toBe(true);
    expect(looksAnthropic('openai', 'gpt-4o')).toBe(false);
  });
});
