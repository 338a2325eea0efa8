/**
 * AWS Bedrock Converse / ConverseStream `usage` (TokenUsage).
 *
 * AWS documents that with prompt caching `inputTokens` is only the input that
 * was neither read from nor written to the cache: total input =
 * inputTokens + cacheReadInputTokens + cacheWriteInputTokens, and
 * `totalTokens` counts all of them plus outputTokens.
 *
 *   inputTokens → input;  cacheReadInputTokens → cached_input
 *   cacheWriteInputTokens → cache writes, split by TTL with cacheDetails
 *     ([{ttl: "5m" | "1h", inputTokens}]; 5-minute when absent; a split that
 *     does not add up to cacheWriteInputTokens is an error)
 *   outputTokens → output (Converse does not break reasoning out)
 *   totalTokens is cross-checked; a mismatch is a warning, the parts win.
 */
import { joinPath } from '../events/paths.js';
import { acc, conflict, count, describeValue, fail, isObject, knownKeys, scanUnknown, warn, type UsageObject } from './read.js';

const BASE = 'usage';
const TOP_KEYS = knownKeys(['inputTokens', 'outputTokens', 'totalTokens', 'cacheReadInputTokens', 'cacheWriteInputTokens', 'cacheDetails']);
const DETAIL_KEYS = knownKeys(['ttl', 'inputTokens']);

function cacheDetails(list: unknown, writes: number, writesGiven: boolean): void {
  if (list === undefined || list === null) {
    acc.cache_write_5m = writes;
    return;
  }
  if (!Array.isArray(list)) {
    fail('usage.cacheDetails', `must be a list of {ttl, inputTokens} (got ${describeValue(list)})`);
    return;
  }
  let m5 = 0;
  let h1 = 0;
  for (let i = 0; i < list.length; i++) {
    const entry: unknown = list[i];
    const path = joinPath('usage.cacheDetails', i);
    if (!isObject(entry)) {
      fail(path, `must be an object {ttl, inputTokens} (got ${describeValue(entry)})`);
      continue;
    }
    const n = count(entry.inputTokens, path, 'inputTokens');
    scanUnknown(entry, DETAIL_KEYS, path);
    if (entry.ttl === '5m') m5 += n;
    else if (entry.ttl === '1h') h1 += n;
    else fail(`${path}.ttl`, `must be "5m" or "1h" (got ${describeValue(entry.ttl)})`);
  }
  if (writesGiven && m5 + h1 !== writes) {
    conflict('usage.cacheDetails', `adds up to ${m5 + h1} tokens, but cacheWriteInputTokens is ${writes}`);
    return;
  }
  acc.cache_write_5m = m5;
  acc.cache_write_1h = h1;
}

export function normalizeBedrockConverse(u: UsageObject): void {
  acc.input = count(u.inputTokens, BASE, 'inputTokens');
  acc.output = count(u.outputTokens, BASE, 'outputTokens');
  acc.cached_input = count(u.cacheReadInputTokens, BASE, 'cacheReadInputTokens');
  const writes = count(u.cacheWriteInputTokens, BASE, 'cacheWriteInputTokens');
  cacheDetails(u.cacheDetails, writes, u.cacheWriteInputTokens !== undefined && u.cacheWriteInputTokens !== null);
  if (u.totalTokens !== undefined && u.totalTokens !== null) {
    const total = count(u.totalTokens, BASE, 'totalTokens');
    const parts = acc.input + acc.output + acc.cached_input + writes;
    if (acc.errors === null && total !== parts) {
      warn('usage.totalTokens', `is ${total}, but inputTokens + outputTokens + cacheReadInputTokens + cacheWriteInputTokens = ${parts}; tally uses the parts`);
    }
  }
  scanUnknown(u, TOP_KEYS, BASE);
}
