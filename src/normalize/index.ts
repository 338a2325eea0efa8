/**
 * Normalization: a provider's usage object → canonical `NormalizedUsage`.
 *
 * The shape is detected from the usage object's keys (detect.ts); one module
 * per shape knows which of its counts include which. Missing or null counts
 * are zero; negative, fractional or non-numeric counts, and details larger
 * than the total that includes them, are USAGE_INVALID field errors; unknown
 * keys are listed in `unknown_fields`, never fatal. Event-level
 * `tool_calls`, `web_search_requests`, `images` and `audio_seconds` win over
 * counts read from the usage object.
 *
 * No zod and no allocation beyond the result on the happy path: this runs per
 * event at well over a million events per second.
 */
import type { FieldError } from '../core/errors.js';
import type { UsageEvent } from '../events/schema.js';
import { normalizeAiSdk } from './ai-sdk.js';
import { normalizeAnthropic } from './anthropic.js';
import { normalizeBedrockConverse } from './bedrock-converse.js';
import { normalizeCanonical } from './canonical.js';
import { normalizeCohere } from './cohere.js';
import { detectShape } from './detect.js';
import { normalizeGemini } from './gemini.js';
import { normalizeOpenAIChat } from './openai-chat.js';
import { normalizeOpenAIResponses } from './openai-responses.js';
import { normalizeOtel } from './otel.js';
import { acc, describeValue, fail, isObject, reset } from './read.js';
import type { DetailClass, DetailCounts, NormalizedUsage, UsageShape } from './types.js';
import { type Rejection } from '../events/types.js';

export type NormalizeOutcome = { ok: true; usage: NormalizedUsage } | { ok: false; errors: FieldError[] };

export { detectShape } from './detect.js';
export { isKnownProvider, PROVIDER_ALIASES, PROVIDERS, resolveProvider, type ProviderId } from '../core/providers.js';

const NO_FIELDS: readonly string[] = Object.freeze([]);

function run(shape: UsageShape, usage: Record<string, unknown>, provider: string | undefined, model: string | undefined): void {
  switch (shape) {
    case 'openai_chat':
      return normalizeOpenAIChat(usage, provider);
    case 'openai_responses':
      return normalizeOpenAIResponses(usage, provider);
    case 'anthropic':
      return normalizeAnthropic(usage);
    case 'gemini':
      return normalizeGemini(usage);
    case 'bedrock_converse':
      return normalizeBedrockConverse(usage);
    case 'ai_sdk':
      return normalizeAiSdk(usage, provider, model);
    case 'cohere':
      return normalizeCohere(usage);
    case 'canonical':
      return normalizeCanonical(usage);
    case 'otel':
      return normalizeOtel(usage);
    case 'empty':
      return;
  }
}

/** Canonical usage of an event, or every field error of its usage object. */
export function normalizeUsage(event: UsageEvent): NormalizeOutcome {
  const usage: unknown = event.usage;
  if (!isObject(usage)) return { ok: false, errors: [{ path: 'usage', reason: `must be an object (got ${describeValue(usage)})` }] };
  const shape = detectShape(usage, event.provider, event.model);
  if (shape === null) {
    const keys = Object.keys(usage).slice(0, 8).join(', ');
    return {
      ok: false,
      errors: [
        {
          path: 'usage',
          reason: `is not a usage object tally recognises (keys: ${keys}); send the provider's own usage object (OpenAI, Anthropic, Gemini, Bedrock Converse, Cohere, the Vercel AI SDK, OpenTelemetry gen_ai.usage.*) or canonical counts ({input, cached_input, output, …})`,
        },
      ],
    };
  }

  reset();
  run(shape, usage, event.provider, event.model);

  if (event.tool_calls !== undefined) acc.tool_calls = event.tool_calls;
  if (event.web_search_requests !== undefined) acc.web_search_requests = event.web_search_requests;
  if (event.images !== undefined) acc.images = event.images;
  if (event.audio_seconds !== undefined) acc.audio_seconds = event.audio_seconds;

  const prompt = acc.input + acc.cached_input + acc.cache_write_5m + acc.cache_write_1h + acc.audio_input + acc.image_input;
  const total = prompt + acc.output + acc.reasoning + acc.audio_output + acc.image_output;
  if (acc.errors === null && !Number.isSafeInteger(total)) fail('usage', `token counts add up to ${total}, more than tally can count exactly`);
  if (acc.errors !== null) return { ok: false, errors: acc.errors };

  const result: NormalizedUsage = {
    shape,
    tokens: {
      input: acc.input,
      cached_input: acc.cached_input,
      cache_write_5m: acc.cache_write_5m,
      cache_write_1h: acc.cache_write_1h,
      output: acc.output,
      reasoning: acc.reasoning,
      audio_input: acc.audio_input,
      audio_output: acc.audio_output,
      image_input: acc.image_input,
      image_output: acc.image_output,
      total,
    },
    requests: acc.requests,
    tool_calls: acc.tool_calls,
    web_search_requests: acc.web_search_requests,
    images: acc.images,
    audio_seconds: acc.audio_seconds,
    prompt_tokens: prompt,
    reported_cost: acc.reported_cost,
    unknown_fields: acc.unknown ?? NO_FIELDS,
  };
  // Rare fields are added only when present (no allocation on the common path).
  if (acc.cached_audio_input !== 0 || acc.cached_image_input !== 0 || acc.citation_input !== 0 || acc.service_tier !== null || acc.search_context_size !== null) {
    return { ok: true, usage: withRare(result) };
  }
  return { ok: true, usage: acc.warnings === null ? result : { ...result, warnings: acc.warnings } };
}

/** The result with the accumulator's rare fields: priced details, the usage's service tier and search context size, warnings. */
function withRare(result: NormalizedUsage): NormalizedUsage {
  const out: { -readonly [K in keyof NormalizedUsage]: NormalizedUsage[K] } = { ...result };
  if (acc.cached_audio_input !== 0 || acc.cached_image_input !== 0 || acc.citation_input !== 0) out.details = details();
  if (acc.service_tier !== null) out.service_tier = acc.service_tier;
  if (acc.search_context_size !== null) out.search_context_size = acc.search_context_size;
  if (acc.warnings !== null) out.warnings = acc.warnings;
  return out;
}

/** The non-zero priced details of the accumulator. */
function details(): DetailCounts {
  const out: Partial<Record<DetailClass, number>> = {};
  if (acc.cached_audio_input !== 0) out.cached_audio_input = acc.cached_audio_input;
  if (acc.cached_image_input !== 0) out.cached_image_input = acc.cached_image_input;
  if (acc.citation_input !== 0) out.citation_input = acc.citation_input;
  return out;
}

/** A usage problem as the rejection the processor sends to the DLQ. */
export function usageRejection(errors: readonly FieldError[]): Rejection {
  const first = errors[0];
  const message = first === undefined ? 'usage is invalid' : `${first.path}: ${first.reason}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
  return { code: 'USAGE_INVALID', message, errors };
}
