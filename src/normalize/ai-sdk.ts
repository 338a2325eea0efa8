/**
 * The Vercel AI SDK's `usage` (`LanguageModelUsage`, as `generateText`,
 * `streamText` and `onFinish` hand it over). Three generations, told apart by
 * their keys:
 *
 *   v4  {promptTokens, completionTokens, totalTokens}
 *       promptTokens → input; completionTokens → output (no cache or
 *       reasoning detail in v4 usage).
 *   v6  {inputTokens, inputTokenDetails, outputTokens, outputTokenDetails, …}
 *       one meaning for every provider: inputTokens INCLUDES cache reads and
 *       writes (inputTokenDetails.noCacheTokens / cacheReadTokens /
 *       cacheWriteTokens split it), outputTokens INCLUDES reasoning
 *       (outputTokenDetails.textTokens / reasoningTokens). Cache writes are
 *       5-minute writes (the SDK does not say the TTL). The deprecated
 *       `reasoningTokens` / `cachedInputTokens` copies are read only when the
 *       details lack them.
 *   v5  {inputTokens, outputTokens, totalTokens, reasoningTokens?, cachedInputTokens?}
 *       the provider's own meaning passed through:
 *       - cachedInputTokens is part of inputTokens (OpenAI, Azure, Gemini, xAI…)
 *         EXCEPT for Anthropic and Bedrock, whose inputTokens exclude cache
 *         reads (Claude is recognised by provider or model name); v5 usage
 *         carries no cache writes for those two — a warning says so;
 *       - reasoningTokens is part of outputTokens, EXCEPT when totalTokens
 *         counts it on top (Gemini: thoughts outside the candidates).
 *
 * A bare {inputTokens, outputTokens, totalTokens} is read as Bedrock Converse
 * (detect.ts): the counts are the same either way.
 */
import { looksAnthropic, resolveProvider } from '../core/providers.js';
import { acc, child, conflict, count, knownKeys, minus, present, scanUnknown, warn, type UsageObject } from './read.js';

const BASE = 'usage';
const KEYS = knownKeys([
  'promptTokens', 'completionTokens', 'totalTokens',
  'inputTokens', 'outputTokens', 'inputTokenDetails', 'outputTokenDetails', 'reasoningTokens', 'cachedInputTokens', 'raw',
]);
const INPUT_DETAIL_KEYS = knownKeys(['noCacheTokens', 'cacheReadTokens', 'cacheWriteTokens']);
const OUTPUT_DETAIL_KEYS = knownKeys(['textTokens', 'reasoningTokens']);
const IN_DETAILS = 'usage.inputTokenDetails';
const OUT_DETAILS = 'usage.outputTokenDetails';

/** `totalTokens`, or null when absent. */
function totalOf(u: UsageObject): number | null {
  return present(u.totalTokens) ? count(u.totalTokens, BASE, 'totalTokens') : null;
}

/** A totalTokens that disagrees with the parts is a warning; the parts win. */
function crossCheck(total: number | null, parts: number, partsText: string): void {
  if (total !== null && acc.errors === null && total !== parts) warn('usage.totalTokens', `is ${total}, but ${partsText} = ${parts}; tally uses the parts`);
}

function v4(u: UsageObject): void {
  acc.input = count(u.promptTokens, BASE, 'promptTokens');
  acc.output = count(u.completionTokens, BASE, 'completionTokens');
  crossCheck(totalOf(u), acc.input + acc.output, 'promptTokens + completionTokens');
}

function v6(u: UsageObject): void {
  const input = count(u.inputTokens, BASE, 'inputTokens');
  const output = count(u.outputTokens, BASE, 'outputTokens');
  const inD = child(u.inputTokenDetails, BASE, 'inputTokenDetails') ?? {};
  const outD = child(u.outputTokenDetails, BASE, 'outputTokenDetails') ?? {};
  // The deprecated top-level copy counts only when the detail is absent.
  const [readsPath, readsKey, readsValue] = present(inD.cacheReadTokens) ? [IN_DETAILS, 'cacheReadTokens', inD.cacheReadTokens] : [BASE, 'cachedInputTokens', u.cachedInputTokens];
  const reads = count(readsValue, readsPath, readsKey);
  const writes = count(inD.cacheWriteTokens, IN_DETAILS, 'cacheWriteTokens');
  if (present(inD.noCacheTokens)) {
    acc.input = count(inD.noCacheTokens, IN_DETAILS, 'noCacheTokens');
    if (acc.input + reads + writes !== input) {
      conflict(IN_DETAILS, `noCacheTokens (${acc.input}) + cacheReadTokens (${reads}) + cacheWriteTokens (${writes}) = ${acc.input + reads + writes}, but inputTokens is ${input}`);
    }
  } else {
    acc.input = minus(minus(input, reads, readsPath, readsKey, input, 'inputTokens'), writes, IN_DETAILS, 'cacheWriteTokens', input, 'inputTokens');
  }
  acc.cached_input = reads;
  acc.cache_write_5m = writes;
  const reasoningPath = present(outD.reasoningTokens) ? OUT_DETAILS : BASE;
  acc.reasoning = count(reasoningPath === BASE ? u.reasoningTokens : outD.reasoningTokens, reasoningPath, 'reasoningTokens');
  if (present(outD.textTokens)) {
    acc.output = count(outD.textTokens, OUT_DETAILS, 'textTokens');
    if (acc.output + acc.reasoning !== output) conflict(OUT_DETAILS, `textTokens (${acc.output}) + reasoningTokens (${acc.reasoning}) = ${acc.output + acc.reasoning}, but outputTokens is ${output}`);
  } else {
    acc.output = minus(output, acc.reasoning, reasoningPath, 'reasoningTokens', output, 'outputTokens');
  }
  scanUnknown(inD, INPUT_DETAIL_KEYS, IN_DETAILS);
  scanUnknown(outD, OUTPUT_DETAIL_KEYS, OUT_DETAILS);
  crossCheck(totalOf(u), input + output, 'inputTokens + outputTokens');
}

/** Anthropic's and Bedrock's inputTokens exclude cache reads; every other provider's include them. */
function readsOutsideInput(provider: string | undefined, model: string | undefined): boolean {
  return looksAnthropic(provider, model) || (provider !== undefined && resolveProvider(provider) === 'bedrock');
}

function v5(u: UsageObject, provider: string | undefined, model: string | undefined): void {
  const input = count(u.inputTokens, BASE, 'inputTokens');
  const output = count(u.outputTokens, BASE, 'outputTokens');
  const reads = count(u.cachedInputTokens, BASE, 'cachedInputTokens');
  const reasoning = count(u.reasoningTokens, BASE, 'reasoningTokens');
  if (readsOutsideInput(provider, model)) {
    acc.input = input;
    warn(BASE, 'AI SDK v5 usage does not report Anthropic or Bedrock cache writes (they are in providerMetadata); send the provider usage object to price them');
  } else {
    acc.input = minus(input, reads, BASE, 'cachedInputTokens', input, 'inputTokens');
  }
  acc.cached_input = reads;
  acc.reasoning = reasoning;
  const total = totalOf(u);
  // Outside outputTokens when totalTokens counts it on top (Gemini), or when it cannot fit inside
  // (the xAI provider passes xAI's reasoning, which is outside the completion, through).
  const reasoningOutside = reasoning > 0 && (total === input + output + reasoning || reasoning > output);
  if (reasoningOutside && reasoning > output && total !== input + output + reasoning) {
    warn('usage.reasoningTokens', `is ${reasoning}, more than outputTokens (${output}), which would include it; read as outside outputTokens, as xAI reports reasoning`);
  }
  acc.output = reasoningOutside ? output : minus(output, reasoning, BASE, 'reasoningTokens', output, 'outputTokens');
  if (!reasoningOutside) crossCheck(total, input + output, 'inputTokens + outputTokens');
}

export function normalizeAiSdk(u: UsageObject, provider: string | undefined, model: string | undefined): void {
  if ('promptTokens' in u || 'completionTokens' in u) v4(u);
  else if ('inputTokenDetails' in u || 'outputTokenDetails' in u) v6(u);
  else v5(u, provider, model);
  scanUnknown(u, KEYS, BASE);
}
