/**
 * OpenAI's `input_tokens`/`output_tokens` usage family: the Responses API, the
 * Realtime API, the Images API (gpt-image-1) and audio transcription.
 *
 *   input_tokens INCLUDES input_tokens_details.cached_tokens and .cache_write_tokens,
 *     and (Realtime, Images, transcription) .audio_tokens and .image_tokens
 *   output_tokens INCLUDES output_tokens_details.reasoning_tokens, and (Realtime,
 *     Images) .audio_tokens and .image_tokens
 *
 * The Realtime API names the objects `input_token_details`/`output_token_details`
 * and splits the cached tokens by modality (`cached_tokens_details`): cached
 * audio and image tokens are part of `audio_tokens`/`image_tokens` and of
 * `cached_tokens`. They are counted once, as cached_input, and recorded as
 * the priced details cached_audio_input / cached_image_input (the Realtime
 * price list has a cached-audio price), so audio_input/image_input hold only
 * uncached tokens. Without `cached_tokens_details`, audio/image tokens that
 * cannot all be uncached overlap the cache (read.ts splitPrompt).
 * Reasoning beyond output_tokens (or any reasoning, from xAI) is outside
 * output_tokens, as in Chat Completions.
 *
 * Transcription billed by duration reports `{type: "duration", seconds}` →
 * audio_seconds.
 */
import { resolveProvider } from '../core/providers.js';
import { acc, child, conflict, count, fail, knownKeys, minus, quantity, readCost, scanUnknown, splitPrompt, warn, type PromptPaths, type UsageObject } from './read.js';

const BASE = 'usage';
const TOP_KEYS = knownKeys([
  'input_tokens',
  'output_tokens',
  'total_tokens',
  'input_tokens_details',
  'output_tokens_details',
  'input_token_details',
  'output_token_details',
  'type',
  'seconds',
  'cost',
  'is_byok',
  'cost_details',
  'num_sources_used',
]);
const INPUT_KEYS = knownKeys(['cached_tokens', 'cache_write_tokens', 'audio_tokens', 'image_tokens', 'text_tokens', 'cached_tokens_details']);
const CACHED_KEYS = knownKeys(['audio_tokens', 'image_tokens', 'text_tokens']);
const OUTPUT_KEYS = knownKeys(['reasoning_tokens', 'audio_tokens', 'image_tokens', 'text_tokens']);

function details(u: UsageObject, a: string, b: string): string | null {
  if (u[a] !== undefined && u[a] !== null) return a;
  if (u[b] !== undefined && u[b] !== null) return b;
  return null;
}

/** Where the input's parts were read, for messages (both spellings of the details object): built once, not per event. */
const TOKENS_DETAILS_PATHS: PromptPaths = { cachedBase: 'usage.input_tokens_details', cachedKey: 'cached_tokens', detailsBase: 'usage.input_tokens_details', totalName: 'input_tokens' };
const TOKEN_DETAILS_PATHS: PromptPaths = { cachedBase: 'usage.input_token_details', cachedKey: 'cached_tokens', detailsBase: 'usage.input_token_details', totalName: 'input_tokens' };

function inputSide(u: UsageObject): void {
  const input = count(u.input_tokens, BASE, 'input_tokens');
  const key = details(u, 'input_tokens_details', 'input_token_details');
  const base = key === 'input_token_details' ? 'usage.input_token_details' : 'usage.input_tokens_details';
  const d = key === null ? null : child(u[key], BASE, key);
  if (d === null) {
    acc.input = input;
    return;
  }
  const cached = count(d.cached_tokens, base, 'cached_tokens');
  const writes = count(d.cache_write_tokens, base, 'cache_write_tokens');
  const audio = count(d.audio_tokens, base, 'audio_tokens');
  const image = count(d.image_tokens, base, 'image_tokens');
  count(d.text_tokens, base, 'text_tokens');
  scanUnknown(d, INPUT_KEYS, base);

  const cdBase = key === 'input_token_details' ? 'usage.input_token_details.cached_tokens_details' : 'usage.input_tokens_details.cached_tokens_details';
  const cd = child(d.cached_tokens_details, base, 'cached_tokens_details');
  if (cd === null) {
    splitPrompt(input, cached, writes, audio, image, key === 'input_token_details' ? TOKEN_DETAILS_PATHS : TOKENS_DETAILS_PATHS);
    acc.cached_input = cached;
    acc.cache_write_5m = writes;
    return;
  }
  const cachedAudio = count(cd.audio_tokens, cdBase, 'audio_tokens');
  const cachedImage = count(cd.image_tokens, cdBase, 'image_tokens');
  count(cd.text_tokens, cdBase, 'text_tokens');
  scanUnknown(cd, CACHED_KEYS, cdBase);
  if (cachedAudio > audio) conflict(`${cdBase}.audio_tokens`, `is ${cachedAudio}, more than audio_tokens (${audio}), which includes it`);
  if (cachedImage > image) conflict(`${cdBase}.image_tokens`, `is ${cachedImage}, more than image_tokens (${image}), which includes it`);
  if (cachedAudio + cachedImage > cached) conflict(cdBase, `audio and image cached tokens (${cachedAudio + cachedImage}) exceed cached_tokens (${cached}), which includes them`);
  const audioUncached = Math.max(0, audio - cachedAudio);
  const imageUncached = Math.max(0, image - cachedImage);
  let left = minus(input, cached, base, 'cached_tokens', input, 'input_tokens');
  left = minus(left, writes, base, 'cache_write_tokens', input, 'input_tokens');
  left = minus(left, audioUncached, base, 'audio_tokens', input, 'input_tokens');
  left = minus(left, imageUncached, base, 'image_tokens', input, 'input_tokens');
  acc.input = left;
  acc.cached_input = cached;
  acc.cache_write_5m = writes;
  acc.audio_input = audioUncached;
  acc.image_input = imageUncached;
  acc.cached_audio_input = Math.min(cachedAudio, audio);
  acc.cached_image_input = Math.min(cachedImage, image);
}

function outputSide(u: UsageObject, provider: string | undefined): void {
  const output = count(u.output_tokens, BASE, 'output_tokens');
  const key = details(u, 'output_tokens_details', 'output_token_details');
  const base = key === 'output_token_details' ? 'usage.output_token_details' : 'usage.output_tokens_details';
  const d = key === null ? null : child(u[key], BASE, key);
  if (d === null) {
    acc.output = output;
    return;
  }
  const reasoning = count(d.reasoning_tokens, base, 'reasoning_tokens');
  const audio = count(d.audio_tokens, base, 'audio_tokens');
  const image = count(d.image_tokens, base, 'image_tokens');
  count(d.text_tokens, base, 'text_tokens');
  scanUnknown(d, OUTPUT_KEYS, base);
  const xai = provider !== undefined && resolveProvider(provider) === 'xai';
  const outside = reasoning > 0 && (xai || reasoning > output - audio - image);
  if (outside && !xai) warn(`${base}.reasoning_tokens`, `is ${reasoning}, more than output_tokens (${output}) can hold: read as outside output_tokens, as xAI reports it`);
  let left = outside ? output : minus(output, reasoning, base, 'reasoning_tokens', output, 'output_tokens');
  left = minus(left, audio, base, 'audio_tokens', output, 'output_tokens');
  left = minus(left, image, base, 'image_tokens', output, 'output_tokens');
  acc.output = left;
  acc.reasoning = reasoning;
  acc.audio_output = audio;
  acc.image_output = image;
}

export function normalizeOpenAIResponses(u: UsageObject, provider?: string): void {
  const type = u.type;
  if (type !== undefined && type !== null && type !== 'tokens' && type !== 'duration') {
    fail('usage.type', `must be "tokens" or "duration" (got ${JSON.stringify(type)})`);
  }
  if (type === 'duration' || (u.seconds !== undefined && u.seconds !== null)) acc.audio_seconds = quantity(u.seconds, BASE, 'seconds');
  inputSide(u);
  outputSide(u, provider);
  acc.web_search_requests = count(u.num_sources_used, BASE, 'num_sources_used');
  readCost(u.cost, BASE, 'cost');
  if (u.total_tokens !== undefined && u.total_tokens !== null) {
    const total = count(u.total_tokens, BASE, 'total_tokens');
    const parts = acc.input + acc.cached_input + acc.cache_write_5m + acc.audio_input + acc.image_input + acc.output + acc.reasoning + acc.audio_output + acc.image_output;
    if (acc.errors === null && total !== parts) warn('usage.total_tokens', `is ${total}, but input_tokens + output_tokens = ${parts}; tally uses the parts`);
  }
  scanUnknown(u, TOP_KEYS, BASE);
}
