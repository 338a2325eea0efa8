/**
 * Canonical usage: every provider's usage object maps to these classes, which
 * never overlap, so `total` is always their sum and each class has one price.
 */
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';
import type { FieldError } from '../core/errors.js';

/** Token counts per class plus `total`, which always equals their sum. */
export type TokenCounts = { [K in TokenClass]: number } & { total: number };

/** Which usage shape a usage object was recognised as. */
export const USAGE_SHAPES = [
  'openai_chat',
  'openai_responses',
  'anthropic',
  'gemini',
  'bedrock_converse',
  'ai_sdk',
  'cohere',
  'canonical',
  'otel',
  'empty',
] as const;
export type UsageShape = (typeof USAGE_SHAPES)[number];

/**
 * Priced details: parts of a token class that a provider may bill at their
 * own price. They are counted INSIDE their class (a cached audio token is a
 * cached_input token; a Perplexity citation token is an input token), never
 * beside it, so the ten classes, `total` and every stored column are
 * unchanged; only the price of the part differs. A price that lists no
 * detail price bills the part at its class's price.
 *
 *   cached_audio_input  audio tokens read from a prompt cache (Gemini, OpenAI Realtime)
 *   cached_image_input  image tokens read from a prompt cache
 *   citation_input      Perplexity citation tokens (search results read by the model)
 */
export const DETAIL_CLASSES = ['cached_audio_input', 'cached_image_input', 'citation_input'] as const;
export type DetailClass = (typeof DETAIL_CLASSES)[number];

/** The class each detail is counted in. */
export const DETAIL_PARENT: Readonly<Record<DetailClass, TokenClass>> = {
  cached_audio_input: 'cached_input',
  cached_image_input: 'cached_input',
  citation_input: 'input',
};

/** Counts of priced details; a detail absent is 0. */
export type DetailCounts = Readonly<Partial<Record<DetailClass, number>>>;

export interface NormalizedUsage {
  readonly shape: UsageShape;
  readonly tokens: TokenCounts;
  /** Billable requests; 1 unless the event says otherwise. */
  readonly requests: number;
  readonly tool_calls: number;
  readonly web_search_requests: number;
  readonly images: number;
  /** Seconds of audio billed per second (e.g. transcription), may be fractional. */
  readonly audio_seconds: number;
  /** All input-side tokens of the request; selects a price tier (e.g. above 200k). */
  readonly prompt_tokens: number;
  /** A cost the provider reported inside the usage object (OpenRouter `usage.cost`), as decimal text. */
  readonly reported_cost: string | null;
  /** Parts of classes with a price of their own (see DETAIL_CLASSES); absent when there are none. */
  readonly details?: DetailCounts;
  /**
   * A service tier the usage object itself reports (Anthropic's
   * `usage.service_tier`: `standard`, `priority`, `batch`); the event's own
   * `service_tier` wins when both are given. Absent when the usage names none.
   */
  readonly service_tier?: string;
  /** Perplexity's `search_context_size` (`low`, `medium`, `high`): selects the request fee. Absent when not reported. */
  readonly search_context_size?: string;
  /** Keys of the usage object tally did not interpret; kept with the event, never fatal. */
  readonly unknown_fields: readonly string[];
  /**
   * Inconsistencies that did not stop normalization, e.g. a provider total that
   * disagrees with its parts (the parts win). Absent when there are none.
   */
  readonly warnings?: readonly FieldError[];
}

export function emptyTokens(): TokenCounts {
  return {
    input: 0, cached_input: 0, cache_write_5m: 0, cache_write_1h: 0, output: 0, reasoning: 0,
    audio_input: 0, audio_output: 0, image_input: 0, image_output: 0, total: 0,
  };
}

/** Sets `total` to the sum of the classes and returns the counts. */
export function withTotal(tokens: Omit<TokenCounts, 'total'> & { total?: number }): TokenCounts {
  let total = 0;
  for (const c of TOKEN_CLASSES) total += tokens[c];
  return { ...tokens, total } as TokenCounts;
}

/** The usage of one planned request: `input` prompt tokens and `output` output tokens (quota estimates price these). */
export function plannedUsage(input: number, output: number, requests = 1): NormalizedUsage {
  return {
    shape: 'canonical', tokens: withTotal({ ...emptyTokens(), input, output }), requests, tool_calls: 0, web_search_requests: 0,
    images: 0, audio_seconds: 0, prompt_tokens: input, reported_cost: null, unknown_fields: [],
  };
}
