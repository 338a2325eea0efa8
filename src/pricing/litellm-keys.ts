/**
 * Every price-carrying key of LiteLLM's `model_prices_and_context_window.json`
 * and what tally does with it: the token fields it maps (with their
 * `_above_<N>k_tokens` tier and `_batches` / service-tier suffixes), the unit
 * fields, and the keys it reports as not priced by tally, each with the
 * reason. docs/pricing.md lists the same table; `tally prices check FILE`
 * prints, per key seen, how many entries carry it and what happened to it.
 *
 * A key is price-carrying when its name contains `cost`, `price` or `fee`, or
 * it is one of PRICE_CHANGING_KEYS (keys that change a price without saying
 * so in their name). A price-carrying key that matches nothing here is
 * reported as `unknown` — never silently dropped.
 */
import type { TokenClass } from '../core/classes.js';
import type { DetailClass } from '../normalize/types.js';

/** Token and detail fields: LiteLLM base name → tally class (USD per token). */
export const TOKEN_FIELDS: Readonly<Record<string, TokenClass | DetailClass>> = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cached_input',
  cache_creation_input_token_cost: 'cache_write_5m',
  cache_creation_input_token_cost_above_1hr: 'cache_write_1h',
  output_cost_per_reasoning_token: 'reasoning',
  input_cost_per_audio_token: 'audio_input',
  output_cost_per_audio_token: 'audio_output',
  input_cost_per_image_token: 'image_input',
  output_cost_per_image_token: 'image_output',
  cache_read_input_audio_token_cost: 'cached_audio_input',
  cache_read_input_image_token_cost: 'cached_image_input',
  citation_cost_per_token: 'citation_input',
};

/** Suffixes of token fields: the batch API and the service tiers (LiteLLM's ServiceTier names). */
export const TIER_SUFFIXES = ['batches', 'flex', 'priority', 'balanced', 'ultrafast'] as const;
export type TierSuffix = (typeof TIER_SUFFIXES)[number];

const BASES = Object.keys(TOKEN_FIELDS).sort((a, b) => b.length - a.length).join('|');
/** `<base>[_above_<N>k_tokens][_<suffix>]`. */
export const TOKEN_FIELD_RE = new RegExp(`^(${BASES})(?:_above_(\\d+)k_tokens)?(?:_(${TIER_SUFFIXES.join('|')}))?$`);

/** Unit fields tally maps (see litellm.ts for the rules of each). */
export const UNIT_FIELDS: ReadonlySet<string> = new Set([
  'output_cost_per_image',
  'input_cost_per_image',
  'input_cost_per_second',
  'output_cost_per_second',
  'input_cost_per_request',
  'input_cost_per_query',
  'search_context_cost_per_query',
]);

/** Keys that change a price although their name says nothing of cost. */
export const PRICE_CHANGING_KEYS: ReadonlySet<string> = new Set([
  'tiered_pricing',
  'off_peak_pricing',
  'fedramp_uplift_multiplier',
  'regional_endpoint_uplift_multiplier',
  'regional_processing_uplift_multiplier_eu',
  'regional_processing_uplift_multiplier_us',
  'provider_specific_entry',
  'search_free_requests',
  'web_search_billing_unit',
]);

export function isPriceCarrying(key: string): boolean {
  return /cost|price|fee/.test(key) || PRICE_CHANGING_KEYS.has(key);
}

/**
 * A price-carrying key tally does not price, and why. `informational` keys
 * carry no price of their own (LiteLLM does not read them either, or they
 * repeat a price tally reads); the others are prices tally cannot apply, so
 * an event using them would be under-billed — entries whose ONLY prices are
 * of this kind are skipped, and every key is reported.
 */
export interface UnsupportedKey {
  readonly re: RegExp;
  readonly kind: 'unsupported' | 'informational';
  readonly reason: string;
}

export const UNSUPPORTED_KEYS: readonly UnsupportedKey[] = [
  { re: /^cache_creation_input_token_cost_above_12hr(?:_above_\d+k_tokens)?(?:_(?:batches|flex|priority|ultrafast))?$/, kind: 'unsupported', reason: 'OpenAI 12-hour cache writes: no usage shape reports them apart, so every cache write is priced as cache_write_5m (the base write price)' },
  { re: /_decisions$/, kind: 'unsupported', reason: 'prices of another API route (/v1/decisions); events do not say which route they used' },
  { re: /^cache_creation_input_audio_token_cost$/, kind: 'informational', reason: 'not read by LiteLLM either: audio cache writes bill at the ordinary write price' },
  { re: /^input_cost_per_token_cache_hit$/, kind: 'informational', reason: 'legacy DeepSeek copy of cache_read_input_token_cost (not read by LiteLLM)' },
  { re: /^explicit_cache_read_input_token_cost$/, kind: 'unsupported', reason: 'DashScope explicit-cache reads: events do not say which cache was hit; cached tokens bill at cache_read_input_token_cost' },
  { re: /^(?:input|output)_dbu_cost_per_token$/, kind: 'informational', reason: 'Databricks DBU rate; the USD price is in input/output_cost_per_token' },
  { re: /^cost_per_second$/, kind: 'unsupported', reason: 'provisioned-throughput commitment per wall-clock second, not a usage quantity' },
  { re: /^output_cost_per_second_\w+$/, kind: 'unsupported', reason: 'video generation price per resolution; events do not carry the resolution' },
  { re: /^output_cost_per_video_per_second$/, kind: 'unsupported', reason: 'generated video seconds: no unit for video seconds' },
  { re: /^input_cost_per_video_per_second(?:_above_\w+)?$/, kind: 'unsupported', reason: 'input video seconds: no unit for video seconds' },
  { re: /^input_cost_per_audio_per_second(?:_above_\d+k_tokens)?$/, kind: 'unsupported', reason: 'input audio seconds of multimodal embeddings: audio_seconds is the transcription unit' },
  { re: /^(?:input|output)_cost_per_character(?:_above_\d+k_tokens)?$/, kind: 'unsupported', reason: 'per-character prices (TTS, legacy Vertex PaLM/Gemini 1.5): no character unit' },
  { re: /^input_cost_per_image_above_\d+k_tokens$/, kind: 'informational', reason: 'not read by LiteLLM (values 0)' },
  { re: /^output_cost_per_image_[\w.]+$/, kind: 'unsupported', reason: 'per-image price by image size; events do not carry the size' },
  { re: /^(?:input|output)_cost_per_pixel$/, kind: 'unsupported', reason: 'per-pixel image prices; events do not carry the image size' },
  { re: /^input_cost_per_text_message$/, kind: 'unsupported', reason: 'xAI voice-agent text messages: no message unit' },
  { re: /^google_maps_grounding_cost_per_query$/, kind: 'unsupported', reason: 'Gemini Maps grounding requests: no maps-grounding unit (web searches are priced)' },
  { re: /^search_free_requests$/, kind: 'unsupported', reason: 'a free allowance per period shared across models needs state across events' },
  { re: /^web_search_billing_unit$/, kind: 'informational', reason: 'every entry that has it says per_query, which is how tally bills web searches' },
  { re: /^code_interpreter_cost_per_session$/, kind: 'unsupported', reason: 'code-interpreter sessions: no session unit' },
  { re: /^(?:annotation_cost_per_page|ocr_cost_per_page|ocr_cost_per_credit)(?:_batches)?$/, kind: 'unsupported', reason: 'document OCR pages and credits: not LLM token usage' },
  { re: /^tiered_pricing$/, kind: 'unsupported', reason: 'range-tiered prices (input-length bands): entries without a top-level price are skipped' },
  { re: /^off_peak_pricing$/, kind: 'unsupported', reason: 'time-of-day prices: tally prices by the standard (peak) rates, never below them' },
  { re: /_uplift_multiplier(?:_\w+)?$/, kind: 'unsupported', reason: 'a +10% uplift for data residency, FedRAMP or regional endpoints; events do not say which endpoint served them' },
  { re: /^provider_specific_entry$/, kind: 'unsupported', reason: 'geo (inference_geo) and speed multipliers of Anthropic/Bedrock; not applied' },
  { re: /^guardrail_cost_per_unit$/, kind: 'unsupported', reason: 'Bedrock guardrail policy units: not LLM token usage' },
  { re: /^(?:input|output)_cost_per_video_token(?:_batches)?$/, kind: 'unsupported', reason: 'video tokens: counted as text input/output tokens (Gemini reports VIDEO modality inside the prompt)' },
  { re: /^(?:computer_use_(?:input|output)_cost_per_1k_tokens|file_search_cost_per_1k_calls|file_search_cost_per_gb_per_day|vector_store_cost_per_gb_per_day)$/, kind: 'unsupported', reason: 'tool prices of LiteLLM\'s sample_spec only' },
];

export function unsupportedKey(key: string): UnsupportedKey | null {
  return UNSUPPORTED_KEYS.find((k) => k.re.test(key)) ?? null;
}
