/**
 * Providers whose prompt-cache prices are a documented fraction of the input
 * price, applied when a price lists no cache price of its own (issue #11
 * item 8: "providers whose cache discount is documented but absent from the
 * price file"). Without a rule, a missing cache price falls back to the input
 * price — never cheaper than the truth for writes, never $0 for reads.
 *
 * Anthropic, https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#pricing
 * (and https://www.anthropic.com/pricing): "5-minute cache write tokens are
 * 1.25 times the base input tokens price; 1-hour cache write tokens are 2
 * times the base input tokens price; cache read tokens are 0.1 times the
 * base input tokens price" — for every Claude model, on Anthropic and as
 * resold by Bedrock and Vertex AI. (Read from the page as of 2025; this
 * machine cannot reach it to check again.)
 *
 * OpenAI and Google document per-model cache discounts (50 %, 75 % or 90 %
 * off depending on the model), so no single fraction is right for them: a
 * model without a cache price bills cache reads at its input price.
 */
import type { CacheRule } from './rates.js';
import { BEDROCK_VENDORS, familyOfModelName } from './providers.js';

/** Model family → its documented cache rule. */
export const DEFAULT_CACHE_RULES: Readonly<Record<string, CacheRule>> = {
  anthropic: { cached_input: '0.1', cache_write_5m: '1.25', cache_write_1h: '2' },
};

/** The rule for a catalog key (`anthropic/…`, or a Claude model on another host), if any. */
export function cacheRuleFor(provider: string, model: string, rules: Readonly<Record<string, CacheRule>> = DEFAULT_CACHE_RULES): CacheRule | undefined {
  const own = rules[provider];
  if (own) return own;
  const id = model.slice(model.lastIndexOf('/') + 1);
  const bedrock = /^(?:[a-z]{2,6}\.)?([a-z0-9]+)\./.exec(id);
  const vendor = bedrock?.[1] ? BEDROCK_VENDORS[bedrock[1]] : undefined;
  const family = vendor ?? familyOfModelName(id);
  return family === undefined ? undefined : rules[family];
}
