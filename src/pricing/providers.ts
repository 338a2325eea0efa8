/**
 * Provider ids as pricing sees them: LiteLLM's names, with the aliases of
 * src/core/providers.ts (one table, a pure data module) — a provider id
 * may reach the pricer from a price file, the CLI or a test as well as from
 * an event, and every path spells it the same way.
 */
import { PROVIDER_ALIASES, resolveProvider } from '../core/providers.js';

/** Lower-cases, trims and maps an alias to its canonical provider id. */
export function canonicalProvider(provider: string): string {
  return resolveProvider(provider);
}

/** The canonical spelling of `id` when `id` is an alias, else undefined. */
export function providerAliasTarget(id: string): string | undefined {
  return PROVIDER_ALIASES[id];
}

/**
 * Model-vendor segments seen in front of a model id (`anthropic/…` in
 * OpenRouter, `meta-llama/…`), mapped to the provider whose list price the
 * model has. A segment not listed here is not treated as a provider.
 */
const VENDOR_SEGMENTS: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  google: 'gemini',
  googleai: 'gemini',
  vertex_ai: 'vertex_ai',
  vertex: 'vertex_ai',
  bedrock: 'bedrock',
  azure: 'azure',
  azure_openai: 'azure',
  openrouter: 'openrouter',
  mistral: 'mistral',
  mistralai: 'mistral',
  cohere: 'cohere',
  xai: 'xai',
  'x-ai': 'xai',
  'meta-llama': 'meta',
  meta: 'meta',
  amazon: 'amazon',
  deepseek: 'deepseek',
  groq: 'groq',
  together_ai: 'together_ai',
  fireworks_ai: 'fireworks_ai',
};

/** The provider a leading path segment names, if it names one. */
export function providerOfSegment(segment: string): string | undefined {
  return VENDOR_SEGMENTS[segment];
}

/** Providers that only host other vendors' models; a vendor segment after them names the model's family. */
export const HOSTING_PROVIDERS: ReadonlySet<string> = new Set(['openrouter', 'azure', 'bedrock', 'vertex_ai', 'groq', 'together_ai', 'fireworks_ai']);

const FAMILY_BY_NAME: ReadonlyArray<readonly [RegExp, string]> = [
  [/^claude/, 'anthropic'],
  [/^(gpt-|chatgpt-|o1|o3|o4|text-embedding-|davinci|babbage|whisper|tts-|dall-e)/, 'openai'],
  [/^(gemini|gemma|text-embedding-004|embedding-001)/, 'gemini'],
  [/^(mistral|open-mistral|open-mixtral|mixtral|codestral|ministral|pixtral|magistral|devstral)/, 'mistral'],
  [/^(command|embed-|rerank-|c4ai-)/, 'cohere'],
  [/^grok/, 'xai'],
  [/^(llama|meta-llama)/, 'meta'],
  [/^nova|^titan/, 'amazon'],
];

/** The vendor whose list price a bare model name suggests (`claude-…` → anthropic), if any. */
export function familyOfModelName(name: string): string | undefined {
  for (const [re, family] of FAMILY_BY_NAME) if (re.test(name)) return family;
  return undefined;
}

/** Bedrock model-id vendor prefixes (`anthropic.claude-…`) → the model family. */
export const BEDROCK_VENDORS: Readonly<Record<string, string>> = {
  anthropic: 'anthropic',
  meta: 'meta',
  amazon: 'amazon',
  mistral: 'mistral',
  cohere: 'cohere',
  ai21: 'ai21',
  deepseek: 'deepseek',
  writer: 'writer',
  qwen: 'qwen',
  openai: 'openai',
  stability: 'stability',
  twelvelabs: 'twelvelabs',
};

/**
 * Where to look when the event's provider has no entry for the model.
 * `family` stands for the model's own vendor (from a `vendor/` or
 * `vendor.` prefix in the id, or from the name: `claude-…` → anthropic).
 * A provider not listed has no fallback: its models must be in the catalog.
 */
export const DEFAULT_PROVIDER_FALLBACKS: Readonly<Record<string, readonly string[]>> = {
  azure: ['openai'],
  openrouter: ['family'],
  bedrock: ['family'],
  vertex_ai: ['family'],
};

/** Search order when an event names no provider and the model id carries none. */
export const ORIGIN_ORDER: readonly string[] = ['openai', 'anthropic', 'gemini', 'mistral', 'cohere', 'xai', 'vertex_ai', 'bedrock'];
