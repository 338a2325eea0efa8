/**
 * Gemini API and Vertex AI `usageMetadata` — camelCase from REST, snake_case
 * from SDK dicts; the usage may be the metadata itself or `{usageMetadata: …}`.
 *
 *   promptTokenCount INCLUDES cachedContentTokenCount → cached_input
 *   candidatesTokenCount EXCLUDES thoughtsTokenCount → thoughts are reasoning
 *   toolUsePromptTokenCount is input outside promptTokenCount (e.g. search
 *     grounding results fed back to the model) → added to the input classes
 *   per-modality details split AUDIO and IMAGE tokens into their classes:
 *     promptTokensDetails (including cached), cacheTokensDetails (cached only),
 *     toolUsePromptTokensDetails, candidatesTokensDetails.
 *     Cached audio and image tokens are cached_input, and are also counted
 *     as the priced details cached_audio_input / cached_image_input (Gemini
 *     prices cached audio apart from cached text: $0.10 vs $0.03 per 1M on
 *     Gemini 2.5 Flash); uncached audio/image go to audio_input/image_input.
 *     TEXT, VIDEO, DOCUMENT and unspecified modalities stay input/output.
 *   totalTokenCount is cross-checked (a warning when it disagrees), never used.
 *   responseTokenCount / responseTokensDetails (Live API) read as candidates.
 */
import { joinPath } from '../events/paths.js';
import { acc, conflict, count, count2, describeValue, fail, isObject, knownKeys, scanUnknown, warn, type UsageObject } from './read.js';

const KEYS = knownKeys([
  'promptTokenCount', 'prompt_token_count',
  'cachedContentTokenCount', 'cached_content_token_count',
  'candidatesTokenCount', 'candidates_token_count',
  'responseTokenCount', 'response_token_count',
  'thoughtsTokenCount', 'thoughts_token_count',
  'toolUsePromptTokenCount', 'tool_use_prompt_token_count',
  'totalTokenCount', 'total_token_count',
  'promptTokensDetails', 'prompt_tokens_details',
  'cacheTokensDetails', 'cache_tokens_details',
  'candidatesTokensDetails', 'candidates_tokens_details',
  'responseTokensDetails', 'response_tokens_details',
  'toolUsePromptTokensDetails', 'tool_use_prompt_tokens_details',
  'trafficType', 'traffic_type',
]);
const WRAPPER_KEYS = knownKeys(['usageMetadata', 'usage_metadata', 'modelVersion', 'model_version', 'responseId', 'response_id']);

/** Sums of one modality list, written here to avoid allocating a result. */
let mAudio = 0;
let mImage = 0;
let mPresent = false;

function entryTokens(e: UsageObject, base: string, key: string, i: number): number {
  const v = e.tokenCount ?? e.token_count;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return Number(v);
  const field = e.tokenCount !== undefined && e.tokenCount !== null ? 'tokenCount' : 'token_count';
  fail(joinPath(joinPath(joinPath(base, key), i), field), `must be a non-negative whole number (got ${describeValue(v)})`);
  return 0;
}

/** Reads `[{modality, tokenCount}]` under either spelling into mAudio/mImage. */
function modalities(m: UsageObject, camel: string, snake: string, base: string): void {
  mAudio = 0;
  mImage = 0;
  const key = m[camel] !== undefined && m[camel] !== null ? camel : snake;
  const list = m[key];
  mPresent = list !== undefined && list !== null;
  if (!mPresent) return;
  if (!Array.isArray(list)) {
    fail(joinPath(base, key), `must be a list of {modality, tokenCount} (got ${describeValue(list)})`);
    return;
  }
  for (let i = 0; i < list.length; i++) {
    const e: unknown = list[i];
    if (!isObject(e)) {
      fail(joinPath(joinPath(base, key), i), `must be an object {modality, tokenCount} (got ${describeValue(e)})`);
      continue;
    }
    const n = entryTokens(e, base, key, i);
    const modality = e.modality;
    if (modality === 'AUDIO' || modality === 'audio') mAudio += n;
    else if (modality === 'IMAGE' || modality === 'image') mImage += n;
  }
}

function keyOf(m: UsageObject, camel: string, snake: string): string {
  return m[camel] !== undefined && m[camel] !== null ? camel : snake;
}

export function normalizeGemini(usage: UsageObject): void {
  const inner = usage.usageMetadata ?? usage.usage_metadata;
  const wrapped = isObject(inner);
  const m = wrapped ? inner : usage;
  const base = wrapped ? (usage.usageMetadata !== undefined ? 'usage.usageMetadata' : 'usage.usage_metadata') : 'usage';
  if (wrapped) scanUnknown(usage, WRAPPER_KEYS, 'usage');
  else if (inner !== undefined && inner !== null) fail(joinPath('usage', usage.usageMetadata !== undefined ? 'usageMetadata' : 'usage_metadata'), `must be an object (got ${describeValue(inner)})`);

  const prompt = count2(m.promptTokenCount, m.prompt_token_count, base, 'promptTokenCount', 'prompt_token_count');
  const cached = count2(m.cachedContentTokenCount, m.cached_content_token_count, base, 'cachedContentTokenCount', 'cached_content_token_count');
  const hasCandidates = m.candidatesTokenCount != null || m.candidates_token_count != null;
  const candidates = hasCandidates ? count2(m.candidatesTokenCount, m.candidates_token_count, base, 'candidatesTokenCount', 'candidates_token_count') : count2(m.responseTokenCount, m.response_token_count, base, 'responseTokenCount', 'response_token_count');
  const thoughts = count2(m.thoughtsTokenCount, m.thoughts_token_count, base, 'thoughtsTokenCount', 'thoughts_token_count');
  const toolUse = count2(m.toolUsePromptTokenCount, m.tool_use_prompt_token_count, base, 'toolUsePromptTokenCount', 'tool_use_prompt_token_count');

  // Prompt side: uncached audio/image = prompt modality − cached modality.
  modalities(m, 'promptTokensDetails', 'prompt_tokens_details', base);
  const promptDetails = mPresent;
  const pAudio = mAudio;
  const pImage = mImage;
  modalities(m, 'cacheTokensDetails', 'cache_tokens_details', base);
  const cacheDetails = mPresent;
  const cAudio = mAudio;
  const cImage = mImage;
  let audioIn = 0;
  let imageIn = 0;
  if (promptDetails) {
    audioIn = pAudio - mAudio;
    imageIn = pImage - mImage;
    if (audioIn < 0 || imageIn < 0) {
      conflict(joinPath(base, keyOf(m, 'cacheTokensDetails', 'cache_tokens_details')), `cached AUDIO/IMAGE tokens (${mAudio}/${mImage}) exceed the prompt's (${pAudio}/${pImage}), which include them`);
    }
  }
  if (cached > prompt) {
    conflict(joinPath(base, keyOf(m, 'cachedContentTokenCount', 'cached_content_token_count')), `is ${cached}, more than promptTokenCount (${prompt}), which includes it`);
  } else if (cached + audioIn + imageIn > prompt) {
    if (cacheDetails) {
      conflict(joinPath(base, keyOf(m, 'promptTokensDetails', 'prompt_tokens_details')), `uncached AUDIO and IMAGE tokens (${audioIn + imageIn}) exceed the uncached part of promptTokenCount (${prompt - cached})`);
    } else {
      // No cacheTokensDetails: the cached tokens must include some audio/image; count those once, as cached.
      let overlap = cached + audioIn + imageIn - prompt;
      const fromAudio = Math.min(overlap, audioIn);
      audioIn -= fromAudio;
      overlap -= fromAudio;
      imageIn -= overlap;
    }
  }
  const textIn = Math.max(0, prompt - cached - audioIn - imageIn);

  // Tool-use prompt: outside promptTokenCount, split by modality too.
  modalities(m, 'toolUsePromptTokensDetails', 'tool_use_prompt_tokens_details', base);
  const toolText = toolUse - mAudio - mImage;
  if (toolText < 0) {
    conflict(joinPath(base, keyOf(m, 'toolUsePromptTokensDetails', 'tool_use_prompt_tokens_details')), `AUDIO and IMAGE tokens (${mAudio + mImage}) exceed toolUsePromptTokenCount (${toolUse})`);
  }
  acc.input = textIn + toolText;
  acc.cached_input = cached;
  if (cacheDetails) {
    acc.cached_audio_input = Math.min(cAudio, cached);
    acc.cached_image_input = Math.min(cImage, cached - acc.cached_audio_input);
  }
  acc.audio_input = audioIn + mAudio; // after an error the result is discarded
  acc.image_input = imageIn + mImage;

  // Output side: candidates exclude thoughts.
  if (hasCandidates) modalities(m, 'candidatesTokensDetails', 'candidates_tokens_details', base);
  else modalities(m, 'responseTokensDetails', 'response_tokens_details', base);
  const textOut = candidates - mAudio - mImage;
  if (textOut < 0) {
    const key = hasCandidates ? keyOf(m, 'candidatesTokensDetails', 'candidates_tokens_details') : keyOf(m, 'responseTokensDetails', 'response_tokens_details');
    conflict(joinPath(base, key), `AUDIO and IMAGE tokens (${mAudio + mImage}) exceed candidatesTokenCount (${candidates})`);
  }
  acc.output = textOut;
  acc.audio_output = mAudio;
  acc.image_output = mImage;
  acc.reasoning = thoughts;

  const totalKey = keyOf(m, 'totalTokenCount', 'total_token_count');
  if (m[totalKey] !== undefined && m[totalKey] !== null) {
    const total = count(m[totalKey], base, totalKey);
    const parts = prompt + candidates + thoughts + toolUse;
    if (acc.errors === null && total !== parts) {
      warn(joinPath(base, totalKey), `is ${total}, but prompt + candidates + thoughts + tool-use prompt = ${parts}; tally uses the parts`);
    }
  }
  scanUnknown(m, KEYS, base);
}
