/**
 * Canonical counts: the usage object already speaks tally's classes
 * (`input`, `cached_input`, `cache_write_5m`, `cache_write_1h`, `output`,
 * `reasoning`, `audio_input`, `audio_output`, `image_input`, `image_output`),
 * plus optional `requests`, `tool_calls`, `web_search_requests`, `images`,
 * `audio_seconds`, `cost` (USD) and `total`, which must equal the sum.
 */
import { TOKEN_CLASSES } from './types.js';
import { acc, conflict, count, quantity, readCost, scanUnknown, type UsageObject } from './read.js';

const BASE = 'usage';
const KEYS: ReadonlySet<string> = new Set([...TOKEN_CLASSES, 'requests', 'tool_calls', 'web_search_requests', 'images', 'audio_seconds', 'cost', 'total']);

export function normalizeCanonical(u: UsageObject): void {
  acc.input = count(u, 'input', BASE);
  acc.cached_input = count(u, 'cached_input', BASE);
  acc.cache_write_5m = count(u, 'cache_write_5m', BASE);
  acc.cache_write_1h = count(u, 'cache_write_1h', BASE);
  acc.output = count(u, 'output', BASE);
  acc.reasoning = count(u, 'reasoning', BASE);
  acc.audio_input = count(u, 'audio_input', BASE);
  acc.audio_output = count(u, 'audio_output', BASE);
  acc.image_input = count(u, 'image_input', BASE);
  acc.image_output = count(u, 'image_output', BASE);
  if (u.requests !== undefined && u.requests !== null) acc.requests = count(u, 'requests', BASE);
  acc.tool_calls = count(u, 'tool_calls', BASE);
  acc.web_search_requests = count(u, 'web_search_requests', BASE);
  acc.images = count(u, 'images', BASE);
  acc.audio_seconds = quantity(u, 'audio_seconds', BASE);
  readCost(u, 'cost', BASE);
  if (u.total !== undefined && u.total !== null) {
    const total = count(u, 'total', BASE);
    const sum = acc.input + acc.cached_input + acc.cache_write_5m + acc.cache_write_1h + acc.output + acc.reasoning + acc.audio_input + acc.audio_output + acc.image_input + acc.image_output;
    if (total !== sum) conflict('usage.total', `is ${total}, but the token classes add up to ${sum}`);
  }
  scanUnknown(u, KEYS, BASE);
}
