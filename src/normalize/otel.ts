/**
 * OpenTelemetry GenAI usage attributes, as the OTel envelope collects them
 * (keys kept verbatim: `{"gen_ai.usage.input_tokens": 100, …}`).
 *
 * The semantic conventions (gen_ai registry, v1.41 and the GenAI repository
 * since) say:
 *   gen_ai.usage.input_tokens — "This value SHOULD include all types of input
 *     tokens, including cached tokens."
 *   gen_ai.usage.cache_read.input_tokens, gen_ai.usage.cache_creation.input_tokens —
 *     "The value SHOULD be included in `gen_ai.usage.input_tokens`."
 *   gen_ai.usage.reasoning.output_tokens —
 *     "The value SHOULD be included in `gen_ai.usage.output_tokens`."
 * So input = input_tokens − cache_read − cache_creation, and
 * output = output_tokens − reasoning. Instrumentations do send what the
 * convention rules out, and tally reads it the one way it can mean (a
 * warning says so): cache reads and creations larger than input_tokens mean
 * the producer copied Anthropic's cache-exclusive input_tokens (input as is);
 * reasoning larger than output_tokens means xAI's reasoning outside the
 * output (output as is). Cache creation has no TTL here: it is counted as
 * 5-minute writes.
 *
 * Also read: the deprecated gen_ai.usage.prompt_tokens / completion_tokens
 * and the underscore spellings gen_ai.usage.cache_read_input_tokens /
 * cache_creation_input_tokens some instrumentations still emit (OpenLLMetry),
 * and gen_ai.usage.reasoning_tokens (OpenLIT, OpenLLMetry), with the same
 * meaning. gen_ai.usage.total_tokens (not in the conventions) is cross-checked.
 */
import { joinPath } from '../events/paths.js';
import { acc, count, knownKeys, scanUnknown, warn, type UsageObject } from './read.js';

const BASE = 'usage';
export const OTEL_USAGE = {
  input: 'gen_ai.usage.input_tokens',
  output: 'gen_ai.usage.output_tokens',
  cacheRead: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreation: 'gen_ai.usage.cache_creation.input_tokens',
  reasoning: 'gen_ai.usage.reasoning.output_tokens',
} as const;

const DEPRECATED = {
  input: 'gen_ai.usage.prompt_tokens',
  output: 'gen_ai.usage.completion_tokens',
  cacheRead: 'gen_ai.usage.cache_read_input_tokens',
  cacheCreation: 'gen_ai.usage.cache_creation_input_tokens',
  reasoning: 'gen_ai.usage.reasoning_tokens',
} as const;
const TOTAL = 'gen_ai.usage.total_tokens';

const KEYS = knownKeys([...Object.values(OTEL_USAGE), ...Object.values(DEPRECATED), TOTAL]);

function has(u: UsageObject, key: string): boolean {
  return u[key] !== undefined && u[key] !== null;
}

function read(u: UsageObject, key: string, old: string): { value: number; key: string } {
  const k = has(u, key) || !has(u, old) ? key : old;
  return { value: count(u[k], BASE, k), key: k };
}

export function normalizeOtel(u: UsageObject): void {
  const input = read(u, OTEL_USAGE.input, DEPRECATED.input);
  const output = read(u, OTEL_USAGE.output, DEPRECATED.output);
  const cacheRead = read(u, OTEL_USAGE.cacheRead, DEPRECATED.cacheRead);
  const cacheCreation = read(u, OTEL_USAGE.cacheCreation, DEPRECATED.cacheCreation);
  const reasoningRead = read(u, OTEL_USAGE.reasoning, DEPRECATED.reasoning);
  const reasoning = reasoningRead.value;

  const cached = cacheRead.value + cacheCreation.value;
  const cacheOutside = cached > input.value;
  if (cacheOutside) {
    const culprit = cacheRead.value > input.value ? cacheRead.key : cacheCreation.key;
    warn(
      joinPath(BASE, culprit),
      `cache read (${cacheRead.value}) + cache creation (${cacheCreation.value}) tokens exceed ${input.key} (${input.value}), which SHOULD include them ` +
        `(GenAI semantic conventions); ${input.key} is read as excluding them, as Anthropic reports input_tokens`,
    );
  }
  const reasoningOutside = reasoning > output.value;
  if (reasoningOutside) {
    warn(joinPath(BASE, reasoningRead.key), `is ${reasoning}, more than ${output.key} (${output.value}), which SHOULD include it; read as outside it, as xAI reports reasoning`);
  }
  acc.input = cacheOutside ? input.value : input.value - cached;
  acc.cached_input = cacheRead.value;
  acc.cache_write_5m = cacheCreation.value;
  acc.output = reasoningOutside ? output.value : output.value - reasoning;
  acc.reasoning = reasoning;

  if (has(u, TOTAL)) {
    const total = count(u[TOTAL], BASE, TOTAL);
    const parts = input.value + output.value + (cacheOutside ? cached : 0) + (reasoningOutside ? reasoning : 0);
    if (acc.errors === null && total !== parts) {
      warn(joinPath(BASE, TOTAL), `is ${total}, but the parts add up to ${parts}; tally uses the parts`);
    }
  }
  scanUnknown(u, KEYS, BASE);
}
