/**
 * Cohere. v2 responses carry `usage: {billed_units, tokens, cached_tokens}`;
 * v1 responses carry `meta: {api_version, billed_units, tokens, warnings}` —
 * the usage may be either object, or the whole `meta`.
 *
 * Billing follows `billed_units` (`tokens` also counts prompt-template tokens
 * Cohere does not bill; it is used only when billed_units is absent):
 *   input_tokens → input, output_tokens → output, image_tokens → image_input,
 *   images → images,
 *   search_units (Rerank, billed per search) → requests,
 *   classifications (Classify, billed per classification) → requests.
 */
import { acc, child, count, isObject, knownKeys, scanUnknown, type UsageObject } from './read.js';

const TOP_KEYS = knownKeys(['billed_units', 'tokens', 'cached_tokens', 'api_version', 'warnings']);
const BILLED_KEYS = knownKeys(['input_tokens', 'output_tokens', 'search_units', 'classifications', 'images', 'image_tokens']);
const TOKEN_KEYS = knownKeys(['input_tokens', 'output_tokens']);
const WRAPPER_KEYS = knownKeys(['meta']);

export function normalizeCohere(usage: UsageObject): void {
  const wrapped = isObject(usage.meta);
  const u = wrapped ? (usage.meta as UsageObject) : usage;
  const base = wrapped ? 'usage.meta' : 'usage';
  const billedBase = wrapped ? 'usage.meta.billed_units' : 'usage.billed_units';
  const tokensBase = wrapped ? 'usage.meta.tokens' : 'usage.tokens';
  if (wrapped) scanUnknown(usage, WRAPPER_KEYS, 'usage');

  const billed = child(u.billed_units, base, 'billed_units');
  const tokens = child(u.tokens, base, 'tokens');
  if (tokens !== null) {
    const input = count(tokens.input_tokens, tokensBase, 'input_tokens');
    const output = count(tokens.output_tokens, tokensBase, 'output_tokens');
    scanUnknown(tokens, TOKEN_KEYS, tokensBase);
    if (billed === null) {
      acc.input = input;
      acc.output = output;
    }
  }
  if (billed !== null) {
    acc.input = count(billed.input_tokens, billedBase, 'input_tokens');
    acc.output = count(billed.output_tokens, billedBase, 'output_tokens');
    acc.image_input = count(billed.image_tokens, billedBase, 'image_tokens');
    acc.images = count(billed.images, billedBase, 'images');
    const searches = count(billed.search_units, billedBase, 'search_units');
    const classifications = count(billed.classifications, billedBase, 'classifications');
    if (searches > 0) acc.requests = searches;
    else if (classifications > 0) acc.requests = classifications;
    scanUnknown(billed, BILLED_KEYS, billedBase);
  }
  count(u.cached_tokens, base, 'cached_tokens');
  scanUnknown(u, TOP_KEYS, base);
}
