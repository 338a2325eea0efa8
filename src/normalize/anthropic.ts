/**
 * Anthropic Messages usage — also Claude on Bedrock (InvokeModel) and on
 * Vertex AI, which return the same object; `provider` only decides prices.
 *
 *   input_tokens EXCLUDES cache reads and cache writes → input as is
 *   cache_read_input_tokens → cached_input
 *   cache_creation_input_tokens → cache writes, split by TTL with
 *     cache_creation.ephemeral_5m_input_tokens / ephemeral_1h_input_tokens
 *     (all 5-minute writes when the split is absent; a split that does not
 *     add up to cache_creation_input_tokens is an error)
 *   output_tokens INCLUDES extended thinking. When the response breaks it out
 *     (output_tokens_details.thinking_tokens, always ≤ output_tokens) the
 *     thinking goes to reasoning and the rest to output; without it all of
 *     output_tokens is output. Anthropic bills thinking at the output price,
 *     so the split never changes a cost.
 *   server_tool_use.web_search_requests → web_search_requests
 *     (web_fetch_requests is free beyond its tokens: kept, not counted)
 *   service_tier (`standard`, `priority`, `batch`: Message Batches results say
 *     `batch`) → service_tier: the pricer applies batch (or the tier's) prices
 *     unless the event names its own; inference_geo, speed: labels, not counts
 */
import { acc, child, count, knownKeys, label, minus, scanUnknown, splitCacheWrites, type UsageObject } from './read.js';

const BASE = 'usage';
const TOP_KEYS = knownKeys([
  'input_tokens',
  'output_tokens',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cache_creation',
  'server_tool_use',
  'output_tokens_details',
  'service_tier',
  'inference_geo',
  'speed',
]);
const SERVER_TOOL_KEYS = knownKeys(['web_search_requests', 'web_fetch_requests']);
const OUTPUT_KEYS = knownKeys(['thinking_tokens']);

export function normalizeAnthropic(u: UsageObject): void {
  acc.input = count(u.input_tokens, BASE, 'input_tokens');
  acc.cached_input = count(u.cache_read_input_tokens, BASE, 'cache_read_input_tokens');
  const writes = count(u.cache_creation_input_tokens, BASE, 'cache_creation_input_tokens');
  const writesGiven = u.cache_creation_input_tokens !== undefined && u.cache_creation_input_tokens !== null;
  splitCacheWrites(writes, writesGiven, 'cache_creation_input_tokens', child(u.cache_creation, BASE, 'cache_creation'), 'usage.cache_creation');

  const output = count(u.output_tokens, BASE, 'output_tokens');
  const od = child(u.output_tokens_details, BASE, 'output_tokens_details');
  const thinking = od === null ? 0 : count(od.thinking_tokens, 'usage.output_tokens_details', 'thinking_tokens');
  if (od !== null) scanUnknown(od, OUTPUT_KEYS, 'usage.output_tokens_details');
  acc.output = minus(output, thinking, 'usage.output_tokens_details', 'thinking_tokens', output, 'output_tokens');
  acc.reasoning = thinking;

  const tier = label(u.service_tier, BASE, 'service_tier');
  // `standard` (every ordinary response) prices as no tier: kept out of the result.
  acc.service_tier = tier === null || tier === 'standard' ? null : tier;

  const tools = child(u.server_tool_use, BASE, 'server_tool_use');
  if (tools !== null) {
    acc.web_search_requests = count(tools.web_search_requests, 'usage.server_tool_use', 'web_search_requests');
    count(tools.web_fetch_requests, 'usage.server_tool_use', 'web_fetch_requests');
    scanUnknown(tools, SERVER_TOOL_KEYS, 'usage.server_tool_use');
  }
  scanUnknown(u, TOP_KEYS, BASE);
}
