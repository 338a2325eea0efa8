/**
 * OpenAI Chat Completions usage, and every API that copies it: Azure OpenAI,
 * Mistral, xAI, Groq, DeepSeek, OpenRouter, Perplexity, Together, Fireworks…
 *
 *   prompt_tokens INCLUDES prompt_tokens_details.cached_tokens, .cache_write_tokens,
 *     .audio_tokens and .image_tokens; a cached image is an image token AND a cached token, so
 *     audio/image may overlap the cache: the overlap counts once, as cached (read.ts splitPrompt)
 *     → input = prompt − cached − cache writes − uncached audio − uncached image
 *   completion_tokens INCLUDES completion_tokens_details.reasoning_tokens, .audio_tokens
 *     and .image_tokens; accepted/rejected prediction tokens are billed as output and stay there
 *     → output = completion − reasoning − audio − image
 *     EXCEPT xAI, whose reasoning_tokens are OUTSIDE completion_tokens (total_tokens = prompt +
 *     completion + reasoning) → output = completion − audio − image. Another provider reporting
 *     reasoning that way (more reasoning than completion, or a total that counts it on top) is
 *     read the same way, with a warning.
 *
 * Provider additions:
 *   DeepSeek   prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens; hit → cached_input
 *   OpenRouter cost (USD) → reported_cost; cache_creation {ephemeral_5m/1h} splits cache writes;
 *              server_tool_use.web_search_requests → web_search_requests
 *   Perplexity cost {total_cost} → reported_cost; num_search_queries → web_search_requests;
 *              top-level citation_tokens and reasoning_tokens (sonar-deep-research) are counted
 *              OUTSIDE prompt_tokens and completion_tokens (each is priced on its own, and a
 *              response reports e.g. 73,997 reasoning next to 1,426 completion tokens)
 *              → citation_tokens added to input (and counted as the priced detail citation_input:
 *              Perplexity bills citations only on Sonar Deep Research), reasoning_tokens to reasoning;
 *              search_context_size → search_context_size (it selects the request fee)
 *   xAI        num_sources_used (Live Search sources, billed per source) → web_search_requests
 *   Mistral    prompt_audio_seconds → audio_seconds
 *   Groq       queue_time, prompt_time, completion_time, total_time: timings, not counts
 */
import { resolveProvider } from '../core/providers.js';
import { acc, child, count, knownKeys, label, minus, peekCount, present, quantity, readCost, scanUnknown, splitCacheWrites, splitPrompt, warn, type PromptPaths, type UsageObject } from './read.js';

const BASE = 'usage';
const PD = 'usage.prompt_tokens_details';
const CD = 'usage.completion_tokens_details';

const TOP_KEYS = knownKeys([
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'prompt_tokens_details',
  'completion_tokens_details',
  'prompt_cache_hit_tokens',
  'prompt_cache_miss_tokens',
  'cost',
  'is_byok',
  'cost_details',
  'cache_creation',
  'server_tool_use',
  'reasoning_tokens',
  'citation_tokens',
  'num_search_queries',
  'search_context_size',
  'num_sources_used',
  'prompt_audio_seconds',
  'queue_time',
  'prompt_time',
  'completion_time',
  'total_time',
]);
const PROMPT_KEYS = knownKeys(['cached_tokens', 'cache_write_tokens', 'audio_tokens', 'image_tokens', 'text_tokens']);
const COMPLETION_KEYS = knownKeys(['reasoning_tokens', 'audio_tokens', 'image_tokens', 'text_tokens', 'accepted_prediction_tokens', 'rejected_prediction_tokens']);
const SERVER_TOOL_KEYS = knownKeys(['web_search_requests']);

/** Where the prompt's parts were read, for messages: built once, not per event. */
const PROMPT_PATHS: PromptPaths = { cachedBase: PD, cachedKey: 'cached_tokens', detailsBase: PD, totalName: 'prompt_tokens' };
/** DeepSeek: the cache reads are prompt_cache_hit_tokens. */
const DEEPSEEK_PROMPT_PATHS: PromptPaths = { cachedBase: BASE, cachedKey: 'prompt_cache_hit_tokens', detailsBase: PD, totalName: 'prompt_tokens' };

function inputSide(u: UsageObject, pd: UsageObject | null): void {
  let prompt = count(u.prompt_tokens, BASE, 'prompt_tokens');
  let cached = pd === null ? 0 : count(pd.cached_tokens, PD, 'cached_tokens');
  let paths = PROMPT_PATHS;
  if (present(u.prompt_cache_hit_tokens) || present(u.prompt_cache_miss_tokens)) {
    // DeepSeek: hit + miss = prompt_tokens, hit is the cache read.
    const hit = count(u.prompt_cache_hit_tokens, BASE, 'prompt_cache_hit_tokens');
    const miss = count(u.prompt_cache_miss_tokens, BASE, 'prompt_cache_miss_tokens');
    if (!present(u.prompt_tokens)) prompt = hit + miss;
    else if (hit + miss !== prompt) {
      warn('usage.prompt_cache_miss_tokens', `prompt_cache_hit_tokens (${hit}) + prompt_cache_miss_tokens (${miss}) = ${hit + miss}, but prompt_tokens is ${prompt}`);
    }
    if (cached !== 0 && cached !== hit) warn('usage.prompt_tokens_details.cached_tokens', `differs from prompt_cache_hit_tokens (${hit}); tally uses prompt_cache_hit_tokens`);
    cached = hit;
    paths = DEEPSEEK_PROMPT_PATHS;
  }
  const writes = pd === null ? 0 : count(pd.cache_write_tokens, PD, 'cache_write_tokens');
  const audio = pd === null ? 0 : count(pd.audio_tokens, PD, 'audio_tokens');
  const image = pd === null ? 0 : count(pd.image_tokens, PD, 'image_tokens');
  if (pd !== null) {
    count(pd.text_tokens, PD, 'text_tokens');
    scanUnknown(pd, PROMPT_KEYS, PD);
  }

  splitPrompt(prompt, cached, writes, audio, image, paths);
  // Perplexity's citation tokens (search results read by the model) are input outside prompt_tokens.
  const citations = count(u.citation_tokens, BASE, 'citation_tokens');
  acc.input += citations;
  acc.citation_input = citations;
  acc.cached_input = cached;
  splitCacheWrites(writes, pd !== null && present(pd.cache_write_tokens), 'prompt_tokens_details.cache_write_tokens', child(u.cache_creation, BASE, 'cache_creation'), 'usage.cache_creation');
}

/** Whether completion_tokens_details.reasoning_tokens is outside completion_tokens (xAI), and why when not xAI. */
function reasoningOutside(u: UsageObject, provider: string | undefined, completion: number, reasoning: number, rest: number): string | null | true {
  if (reasoning === 0) return null;
  if (provider !== undefined && resolveProvider(provider) === 'xai') return true;
  if (reasoning > completion - rest) return `is ${reasoning}, more than completion_tokens (${completion}) can hold: read as outside completion_tokens, as xAI reports it`;
  const total = peekCount(u.total_tokens);
  const prompt = peekCount(u.prompt_tokens);
  if (total !== null && prompt !== null) {
    if (total === prompt + completion + reasoning && total !== prompt + completion) return `total_tokens (${total}) counts it on top of prompt_tokens + completion_tokens: read as outside completion_tokens, as xAI reports it`;
  }
  return null;
}

function outputSide(u: UsageObject, cd: UsageObject | null, provider: string | undefined): boolean {
  const completion = count(u.completion_tokens, BASE, 'completion_tokens');
  const reasoning = cd === null ? 0 : count(cd.reasoning_tokens, CD, 'reasoning_tokens');
  // Perplexity (sonar-deep-research) reports its research-phase reasoning at the top level,
  // outside completion_tokens (priced on its own), e.g. 73,997 reasoning next to 1,426 completion tokens.
  let extraReasoning = 0;
  if (present(u.reasoning_tokens)) {
    const top = count(u.reasoning_tokens, BASE, 'reasoning_tokens');
    if (reasoning === 0) extraReasoning = top;
    else warn('usage.reasoning_tokens', `ignored: completion_tokens_details.reasoning_tokens (${reasoning}) is given too and is counted instead`);
  }
  const audio = cd === null ? 0 : count(cd.audio_tokens, CD, 'audio_tokens');
  const image = cd === null ? 0 : count(cd.image_tokens, CD, 'image_tokens');
  if (cd !== null) {
    count(cd.text_tokens, CD, 'text_tokens');
    count(cd.accepted_prediction_tokens, CD, 'accepted_prediction_tokens');
    count(cd.rejected_prediction_tokens, CD, 'rejected_prediction_tokens');
    scanUnknown(cd, COMPLETION_KEYS, CD);
  }
  const outside = reasoningOutside(u, provider, completion, reasoning, audio + image);
  if (typeof outside === 'string') warn('usage.completion_tokens_details.reasoning_tokens', outside);
  let left = outside === null ? minus(completion, reasoning, CD, 'reasoning_tokens', completion, 'completion_tokens') : completion;
  left = minus(left, audio, CD, 'audio_tokens', completion, 'completion_tokens');
  left = minus(left, image, CD, 'image_tokens', completion, 'completion_tokens');
  acc.output = left;
  acc.reasoning = reasoning + extraReasoning;
  acc.audio_output = audio;
  acc.image_output = image;
  return outside !== null;
}

function extras(u: UsageObject): void {
  const tools = child(u.server_tool_use, BASE, 'server_tool_use');
  let searches = tools === null ? 0 : count(tools.web_search_requests, 'usage.server_tool_use', 'web_search_requests');
  if (tools !== null) scanUnknown(tools, SERVER_TOOL_KEYS, 'usage.server_tool_use');
  searches += count(u.num_search_queries, BASE, 'num_search_queries') + count(u.num_sources_used, BASE, 'num_sources_used');
  acc.web_search_requests = searches;
  acc.audio_seconds = quantity(u.prompt_audio_seconds, BASE, 'prompt_audio_seconds');
  acc.search_context_size = label(u.search_context_size, BASE, 'search_context_size');
  readCost(u.cost, BASE, 'cost');
}

export function normalizeOpenAIChat(u: UsageObject, provider?: string): void {
  const pd = child(u.prompt_tokens_details, BASE, 'prompt_tokens_details');
  const cd = child(u.completion_tokens_details, BASE, 'completion_tokens_details');
  inputSide(u, pd);
  const outside = outputSide(u, cd, provider);
  extras(u);
  if (present(u.total_tokens)) {
    const total = count(u.total_tokens, BASE, 'total_tokens');
    if (acc.errors === null && present(u.prompt_tokens)) {
      const reasoning = outside && cd !== null ? count(cd.reasoning_tokens, CD, 'reasoning_tokens') : 0;
      const sum = count(u.prompt_tokens, BASE, 'prompt_tokens') + count(u.completion_tokens, BASE, 'completion_tokens') + reasoning; // all valid here
      const parts = reasoning === 0 ? 'prompt_tokens + completion_tokens' : 'prompt_tokens + completion_tokens + reasoning_tokens';
      if (total !== sum) warn('usage.total_tokens', `is ${total}, but ${parts} = ${sum}; tally uses the parts`);
    }
  }
  scanUnknown(u, TOP_KEYS, BASE);
}
