/**
 * Canonical counts: the usage object already speaks tally's classes
 * (`input`, `cached_input`, `cache_write_5m`, `cache_write_1h`, `output`,
 * `reasoning`, `audio_input`, `audio_output`, `image_input`, `image_output`),
 * plus optional `requests`, `tool_calls`, `web_search_requests`, `images`,
 * `audio_seconds`, `cost` (USD) and `total`, which must equal the sum.
 */
import { acc, conflict, count, knownKeys, quantity, readCost, scanUnknown, type UsageObject } from './read.js';
import { TOKEN_CLASSES } from '../core/classes.js';

const BASE = 'usage';
const KEYS = knownKeys([...TOKEN_CLASSES, 'requests', 'tool_calls', 'web_search_requests', 'images', 'audio_seconds', 'cost', 'total']);

export function normalizeCanonical(u: UsageObject): void {
  acc.input = count(u.input, BASE, 'input');
  acc.cached_input = count(u.cached_input, BASE, 'cached_input');
  acc.cache_write_5m = count(u.cache_write_5m, BASE, 'cache_write_5m');
  acc.cache_write_1h = count(u.cache_write_1h, BASE, 'cache_write_1h');
  acc.output = count(u.output, BASE, 'output');
  acc.reasoning = count(u.reasoning, BASE, 'reasoning');
  acc.audio_input = count(u.audio_input, BASE, 'audio_input');
  acc.audio_output = count(u.audio_output, BASE, 'audio_output');
  acc.image_input = count(u.image_input, BASE, 'image_input');
  acc.image_output = count(u.image_output, BASE, 'image_output');
  if (u.requests !== undefined && u.requests !== null) acc.requests = count(u.requests, BASE, 'requests');
  acc.tool_calls = count(u.tool_calls, BASE, 'tool_calls');
  acc.web_search_requests = count(u.web_search_requests, BASE, 'web_search_requests');
  acc.images = count(u.images, BASE, 'images');
  acc.audio_seconds = quantity(u.audio_seconds, BASE, 'audio_seconds');
  readCost(u.cost, BASE, 'cost');
  if (u.total !== undefined && u.total !== null) {
    const total = count(u.total, BASE, 'total');
    const sum = acc.input + acc.cached_input + acc.cache_write_5m + acc.cache_write_1h + acc.output + acc.reasoning + acc.audio_input + acc.audio_output + acc.image_input + acc.image_output;
    if (total !== sum) conflict('usage.total', `is ${total}, but the token classes add up to ${sum}`);
  }
  scanUnknown(u, KEYS, BASE);
}
