/**
 * Issue #11 item 1: one entry never sinks a price file. Every price is read
 * exactly from its decimal text, whatever its scale (tally keeps rates at
 * 10⁻³⁰ USD per token or unit), and each class amount of an event is rounded
 * once to the femto-dollar, half to even. Values here are written in
 * LiteLLM's format by this test (not copied from LiteLLM's file); each is the
 * kind the issue names: a per-minute price sold per second, a currency
 * converted at 7 CNY per USD, a float artefact.
 */
import { describe, expect, it } from 'vitest';
import { formatUsd } from '../../../src/core/money.js';
import { isLosslessObject, parseLosslessJson, type LosslessObject } from '../../../src/core/lossless-json.js';
import { buildCatalog } from '../../../src/pricing/catalog.js';
import { fromLiteLlm } from '../../../src/pricing/litellm.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { usage } from './helpers.js';

function doc(json: string): LosslessObject {
  const d = parseLosslessJson(json);
  if (!isLosslessObject(d)) throw new Error('not an object');
  return d;
}

const FILE = JSON.stringify({
  // $0.034 per minute sold per second: 0.034 / 60 printed as a double (17 significant digits).
  'translate-rt': { litellm_provider: 'openai', mode: 'audio_transcription', input_cost_per_second: 0.0005666666666666667 },
  // 8 CNY per million tokens at 7 CNY per USD: 8/7 × 10⁻⁶ printed as a double.
  'glm-x': { litellm_provider: 'zai', mode: 'chat', input_cost_per_token: 1.1428571428571428e-6, output_cost_per_token: 4e-6 },
  // A float artefact of 2e-07 (0.2 USD per million).
  'artefact-model': { litellm_provider: 'novita', mode: 'chat', input_cost_per_token: 2.0000000000000002e-7, output_cost_per_token: 8e-7 },
  // A price finer than 10⁻³⁰ USD per token cannot be held exactly: only this entry is skipped.
  'too-fine': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 1e-31, output_cost_per_token: 1e-6 },
  'gpt-4o': { litellm_provider: 'openai', mode: 'chat', input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 },
});

const conversion = fromLiteLlm(doc(FILE), 'litellm.json');
const pricer = createPricer(buildCatalog([conversion.source]));
const AT = '2026-01-01T00:00:00Z';

describe('prices finer than a femto-dollar', () => {
  it('never sink the file: every usable entry is imported', () => {
    expect(conversion.source.models.map((m) => m.key).sort()).toEqual(['novita/artefact-model', 'openai/gpt-4o', 'openai/translate-rt', 'zai/glm-x']);
  });

  it('skip only the entry that cannot be held exactly, naming it and why', () => {
    expect(conversion.report.skipped).toEqual([
      { entry: 'too-fine', reason: 'invalid_value', detail: 'input_cost_per_token: 1e-31 has more than 30 decimals of USD; tally keeps prices exact to 10⁻³⁰ USD' },
    ]);
  });

  it('60 s at $0.034/min sold per second costs exactly $0.034 (one rounding per class, half to even)', () => {
    // 60 × 0.0005666666666666667 = 0.034000000000000002 → 0.034 at 15 decimals.
    const r = pricer.price({ provider: 'openai', model: 'translate-rt', occurredAt: AT, usage: usage({}, { audio_seconds: 60 }) });
    expect(formatUsd(r.cost.audio_second)).toBe('0.034');
  });

  it('7 tokens at 8 CNY per million (converted at 7 CNY/USD) cost $0.000008, a million cost $1.142857142857143', () => {
    // 7 × 1.1428571428571428e-6 = 0.0000079999999999999996 → 0.000008;
    // 1,000,000 × 1.1428571428571428e-6 = 1.1428571428571428 → 1.142857142857143.
    expect(formatUsd(pricer.price({ provider: 'zai', model: 'glm-x', occurredAt: AT, usage: usage({ input: 7 }) }).cost.input)).toBe('0.000008');
    expect(formatUsd(pricer.price({ provider: 'zai', model: 'glm-x', occurredAt: AT, usage: usage({ input: 1_000_000 }) }).cost.input)).toBe('1.142857142857143');
  });

  it('a float artefact is read as written, and still rounds to the short price for realistic counts', () => {
    // 1,000,000 × 2.0000000000000002e-7 = 0.20000000000000002 → 0.2; the breakdown adds up to the total.
    const r = pricer.price({ provider: 'novita', model: 'artefact-model', occurredAt: AT, usage: usage({ input: 1_000_000, output: 1_000 }) });
    expect(formatUsd(r.cost.input)).toBe('0.2');
    expect(formatUsd(r.cost.output)).toBe('0.0008');
    expect(r.total).toBe(r.cost.input + r.cost.output);
  });

  it('rounds half to even at the femto-dollar', () => {
    // 1 token at 2.5e-16 USD = 0.25 femto → 0; 3 tokens = 0.75 → 1; 2 tokens at 2.5e-16... written exactly:
    const c = buildCatalog([fromLiteLlm(doc(JSON.stringify({ h: { litellm_provider: 'openai', input_cost_per_token: '5e-16', output_cost_per_token: '1.5e-15' } })), 'h.json').source]);
    const p = createPricer(c);
    const cost = (input: number, output: number): [bigint, bigint] => {
      const r = p.price({ provider: 'openai', model: 'h', occurredAt: AT, usage: usage({ input, output }) });
      return [r.cost.input, r.cost.output];
    };
    expect(cost(1, 1)).toEqual([0n, 2n]); // 0.5 → 0 (even), 1.5 → 2 (even)
    expect(cost(3, 3)).toEqual([2n, 4n]); // 1.5 → 2, 4.5 → 4
  });

  it('keeps whole-femto prices on the single-multiplication path', () => {
    const r = pricer.price({ provider: 'openai', model: 'gpt-4o', occurredAt: AT, usage: usage({ input: 1_000_000, output: 1_000_000 }) });
    expect(formatUsd(r.total)).toBe('12.5');
  });
});
