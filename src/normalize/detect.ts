/**
 * Which usage shape a usage object is, from its keys alone (one pass, no
 * allocation). `provider` and `model` only name the one ambiguous case: a bare
 * `{input_tokens, output_tokens}` reads the same as Anthropic or as the
 * OpenAI Responses API, so the shape is `anthropic` for Claude and
 * `openai_responses` otherwise — the counts are identical either way.
 *
 * Precedence, strongest marker first:
 *   gen_ai.*                                              → otel
 *   usageMetadata, promptTokenCount, candidatesTokenCount… → gemini
 *   cacheReadInputTokens, cacheWriteInputTokens, cacheDetails → bedrock_converse
 *   promptTokens, completionTokens, inputTokenDetails,
 *   outputTokenDetails, cachedInputTokens, reasoningTokens → ai_sdk (Vercel AI SDK)
 *   inputTokens, outputTokens, totalTokens only           → bedrock_converse
 *   prompt_tokens, completion_tokens, prompt_cache_hit_tokens… → openai_chat
 *   billed_units, meta, tokens                            → cohere
 *   input_tokens_details, output_token_details, type=duration → openai_responses
 *   cache_read_input_tokens, cache_creation, server_tool_use,
 *   output_tokens_details.thinking_tokens                 → anthropic
 *   input, cached_input, output, reasoning, requests…     → canonical
 *   input_tokens / output_tokens / total_tokens only      → anthropic | openai_responses
 *   no keys                                               → empty
 * Nothing recognised → null (an error: tally will not price what it cannot read).
 */
import { looksAnthropic } from '../core/providers.js';
import type { UsageShape } from './types.js';

const OTEL = 1;
const GEMINI = 2;
const BEDROCK = 4;
const CHAT = 8;
const COHERE = 16;
const RESPONSES = 32;
const ANTHROPIC = 64;
const CANONICAL = 128;
const WEAK_IO = 256;
const AI_SDK = 512;
/** inputTokens / outputTokens / totalTokens: Bedrock Converse and the AI SDK share them. */
const CAMEL_IO = 1024;

const MARKER_LIST: ReadonlyArray<readonly [string, number]> = [
  ['usageMetadata', GEMINI], ['usage_metadata', GEMINI],
  ['promptTokenCount', GEMINI], ['prompt_token_count', GEMINI],
  ['candidatesTokenCount', GEMINI], ['candidates_token_count', GEMINI],
  ['cachedContentTokenCount', GEMINI], ['cached_content_token_count', GEMINI],
  ['thoughtsTokenCount', GEMINI], ['thoughts_token_count', GEMINI],
  ['toolUsePromptTokenCount', GEMINI], ['tool_use_prompt_token_count', GEMINI],
  ['totalTokenCount', GEMINI], ['total_token_count', GEMINI],
  ['responseTokenCount', GEMINI], ['response_token_count', GEMINI],
  ['promptTokensDetails', GEMINI], ['candidatesTokensDetails', GEMINI],
  ['inputTokens', CAMEL_IO], ['outputTokens', CAMEL_IO], ['totalTokens', CAMEL_IO],
  ['cacheReadInputTokens', BEDROCK], ['cacheWriteInputTokens', BEDROCK], ['cacheDetails', BEDROCK],
  ['promptTokens', AI_SDK], ['completionTokens', AI_SDK], ['inputTokenDetails', AI_SDK], ['outputTokenDetails', AI_SDK],
  ['cachedInputTokens', AI_SDK], ['reasoningTokens', AI_SDK],
  ['prompt_tokens', CHAT], ['completion_tokens', CHAT],
  ['prompt_tokens_details', CHAT], ['completion_tokens_details', CHAT],
  ['prompt_cache_hit_tokens', CHAT], ['prompt_cache_miss_tokens', CHAT],
  ['billed_units', COHERE], ['meta', COHERE], ['tokens', COHERE],
  ['input_tokens_details', RESPONSES], ['output_tokens_details', RESPONSES],
  ['input_token_details', RESPONSES], ['output_token_details', RESPONSES],
  ['cache_read_input_tokens', ANTHROPIC], ['cache_creation_input_tokens', ANTHROPIC],
  ['cache_creation', ANTHROPIC], ['server_tool_use', ANTHROPIC],
  ['input', CANONICAL], ['cached_input', CANONICAL], ['cache_write_5m', CANONICAL], ['cache_write_1h', CANONICAL],
  ['output', CANONICAL], ['reasoning', CANONICAL], ['audio_input', CANONICAL], ['audio_output', CANONICAL],
  ['image_input', CANONICAL], ['image_output', CANONICAL], ['requests', CANONICAL], ['tool_calls', CANONICAL],
  ['web_search_requests', CANONICAL], ['images', CANONICAL], ['audio_seconds', CANONICAL],
  ['input_tokens', WEAK_IO], ['output_tokens', WEAK_IO], ['total_tokens', WEAK_IO],
];
/** Key → marker flag, as a null-prototype dictionary (faster to probe than a Map). */
const MARKERS = Object.create(null) as Record<string, number | undefined>;
for (const [key, flag] of MARKER_LIST) MARKERS[key] = flag;

/** Anthropic's `output_tokens_details` has `thinking_tokens`; OpenAI's has `reasoning_tokens`. */
function isAnthropicOutputDetails(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>).thinking_tokens !== undefined;
}

/** The shape of a usage object, or null when no key is one tally reads. */
export function detectShape(usage: Record<string, unknown>, provider?: string, model?: string): UsageShape | null {
  let flags = 0;
  let keys = 0;
  for (const key in usage) {
    keys++;
    const f = MARKERS[key];
    if (f === RESPONSES && key === 'output_tokens_details' && isAnthropicOutputDetails(usage[key])) flags |= ANTHROPIC;
    else if (f !== undefined) flags |= f;
    else if (key.startsWith('gen_ai.')) flags |= OTEL;
  }
  if (keys === 0) return 'empty';
  if (flags & OTEL) return 'otel';
  if (flags & GEMINI) return 'gemini';
  if (flags & BEDROCK) return 'bedrock_converse';
  if (flags & AI_SDK) return 'ai_sdk';
  if (flags & CAMEL_IO) return 'bedrock_converse';
  if (flags & CHAT) return 'openai_chat';
  if (flags & COHERE) return 'cohere';
  if (flags & RESPONSES || usage.type === 'duration' || usage.type === 'tokens') return 'openai_responses';
  if (flags & ANTHROPIC) return 'anthropic';
  if (flags & CANONICAL) return 'canonical';
  if (flags & WEAK_IO) return looksAnthropic(provider, model) ? 'anthropic' : 'openai_responses';
  return null;
}
