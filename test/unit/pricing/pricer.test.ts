import { describe, expect, it } from 'vitest';
import { formatUsd, sumMoney, type Money } from '../../../src/core/money.js';
import { buildCatalog, type CatalogSource } from '../../../src/pricing/catalog.js';
import type { ModelSpec } from '../../../src/pricing/catalog-schema.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { createPricer, fastIsoMs, type PriceInput, type PricerOptions } from '../../../src/pricing/pricer.js';
import type { CostBreakdown, PricingResult } from '../../../src/pricing/types.js';
import { usage, type TokenInput, type UsageExtras } from './helpers.js';

const builtin = loadCatalog();
const pricer = createPricer(builtin);

function price(provider: string | undefined, model: string, occurredAt: string | Date, tokens: TokenInput, extras: UsageExtras = {}, more: Partial<PriceInput> = {}): PricingResult {
  return pricer.price({ ...(provider ? { provider } : {}), model, occurredAt, usage: usage(tokens, extras), ...more });
}

function costs(r: PricingResult): Partial<Record<keyof CostBreakdown, string>> {
  const out: Partial<Record<keyof CostBreakdown, string>> = {};
  for (const [k, v] of Object.entries(r.cost) as [keyof CostBreakdown, Money][]) if (v !== 0n) out[k] = formatUsd(v);
  return out;
}

function custom(models: ModelSpec[], options: PricerOptions = {}): ReturnType<typeof createPricer> {
  const source: CatalogSource = { name: 'test.json', models };
  return createPricer(buildCatalog([source]), options);
}

const AT = '2025-03-01T12:00:00Z';

describe('seed examples (built-in catalog)', () => {
  it.each([
    ['anthropic', 'claude-3-5-sonnet', { input: 10_000, output: 5_000 }, '0.105', 'anthropic/claude-3-5-sonnet@2024-06-20'],
    ['anthropic', 'claude-3-5-sonnet-20241022', { input: 10_000, output: 5_000 }, '0.105', 'anthropic/claude-3-5-sonnet@2024-06-20'],
    ['openai', 'gpt-4o-mini', { input: 1_000, output: 2_000 }, '0.00135', 'openai/gpt-4o-mini@2024-07-18'],
    ['anthropic', 'claude-3-opus', { input: 1_000_000, output: 1_000_000 }, '90', 'anthropic/claude-3-opus@2024-03-04'],
    ['anthropic', 'claude-3-haiku-20240307', { input: 4_000_000 }, '1', 'anthropic/claude-3-haiku@2024-03-13'],
  ] as const)('%s %s %j → %s', (provider, model, tokens, total, version) => {
    const r = price(provider, model, AT, tokens);
    expect(r.priced).toBe(true);
    expect(r.pricing_error).toBeNull();
    expect(formatUsd(r.total)).toBe(total);
    expect(r.price_version).toBe(version);
    expect(r.cost_source).toBe('catalog');
    expect(r.tier).toBeNull();
  });

  it('breaks the cost down per class and totals it exactly', () => {
    const r = price('anthropic', 'claude-3-5-sonnet', AT, { input: 10_000, output: 5_000 });
    expect(costs(r)).toEqual({ input: '0.03', output: '0.075' });
    expect(sumMoney(Object.values(r.cost))).toBe(r.total);
  });
});

describe('caching', () => {
  it('prices cache reads and both cache-write durations, and counts what reads saved', () => {
    const r = price('anthropic', 'claude-3-5-sonnet', AT, { input: 1_000, cached_input: 1_000_000, cache_write_5m: 100_000, cache_write_1h: 100_000, output: 1_000 });
    expect(costs(r)).toEqual({ input: '0.003', cached_input: '0.3', cache_write_5m: '0.375', cache_write_1h: '0.6', output: '0.015' });
    expect(formatUsd(r.cache_savings)).toBe('2.7');
    expect(formatUsd(r.total)).toBe('1.293');
  });

  it('has no savings without cache reads (writes are not savings)', () => {
    expect(price('anthropic', 'claude-3-5-sonnet', AT, { input: 10, cache_write_5m: 1_000_000 }).cache_savings).toBe(0n);
  });
});

describe('effective dating', () => {
  it.each([
    ['2024-05-13T00:00:00Z', 'openai/gpt-4o@2024-05-13', '20'],
    ['2024-09-01T00:00:00Z', 'openai/gpt-4o@2024-05-13', '20'],
    ['2024-10-01T23:59:59.999Z', 'openai/gpt-4o@2024-05-13', '20'],
    ['2024-10-02T00:00:00Z', 'openai/gpt-4o@2024-10-02', '12.5'],
    ['2025-06-01T00:00:00+02:00', 'openai/gpt-4o@2024-10-02', '12.5'],
  ])('gpt-4o at %s uses %s', (at, version, total) => {
    const r = price('openai', 'gpt-4o', at, { input: 1_000_000, output: 1_000_000 });
    expect(r.price_version).toBe(version);
    expect(formatUsd(r.total)).toBe(total);
  });

  it('takes a Date as well as text', () => {
    expect(price('openai', 'o3', new Date('2025-05-01T00:00:00Z'), { input: 1_000_000 }).price_version).toBe('openai/o3@2025-04-16');
    expect(formatUsd(price('openai', 'o3', new Date('2025-06-10T00:00:00Z'), { input: 1_000_000 }).total)).toBe('2');
  });

  it('prices a dated snapshot by its own entry', () => {
    const r = price('openai', 'gpt-4o-2024-05-13', '2025-01-01T00:00:00Z', { input: 1_000_000 });
    expect(r.price_version).toBe('openai/gpt-4o-2024-05-13@2024-05-13');
    expect(formatUsd(r.total)).toBe('5');
  });

  it('reports NO_PRICE_IN_FORCE for an event before the first price', () => {
    const r = price('openai', 'gpt-4o', '2024-01-01T00:00:00Z', { input: 100, output: 100 });
    expect(r).toMatchObject({ priced: false, model_key: 'openai/gpt-4o', price_version: null, total: 0n, cost_source: 'none' });
    expect(r.pricing_error?.code).toBe('NO_PRICE_IN_FORCE');
    expect(r.pricing_error?.message).toContain('2024-05-13');
  });

  it('honours a datetime effective_from', () => {
    const p = custom([
      {
        key: 'x/m',
        prices: [
          { effective_from: '2025-01-01', source: 't', per_million: { input: '1' } },
          { effective_from: '2025-01-01T12:30:00Z', source: 't', per_million: { input: '2' } },
        ],
      },
    ]);
    const at = (t: string): string => formatUsd(p.price({ provider: 'x', model: 'm', occurredAt: t, usage: usage({ input: 1_000_000 }) }).total);
    expect(at('2025-01-01T12:29:59Z')).toBe('1');
    expect(at('2025-01-01T12:30:00Z')).toBe('2');
  });

  it('throws on an unparseable occurred_at', () => {
    expect(() => price('openai', 'gpt-4o', 'yesterday', { input: 1 })).toThrow(/occurred_at/);
  });
});

describe('prompt-size tiers apply to the whole request', () => {
  const AT25 = '2025-07-01T00:00:00Z';
  it.each([
    [199_999, null, '0.24999875', '10'],
    [200_000, null, '0.25', '10'],
    [200_001, 'above_200000', '0.5000025', '15'],
  ])('gemini-2.5-pro with %i prompt tokens → tier %s', (prompt, tier, input, output) => {
    const r = price('gemini', 'gemini-2.5-pro', AT25, { input: prompt, output: 1_000_000 });
    expect(r.tier).toBe(tier);
    expect(formatUsd(r.cost.input)).toBe(input);
    expect(formatUsd(r.cost.output)).toBe(output);
  });

  it('selects the tier by usage.prompt_tokens (all input-side tokens), not by uncached input alone', () => {
    const r = price('anthropic', 'claude-sonnet-4', AT25, { input: 100_000, cached_input: 150_000, output: 1_000 });
    expect(r.tier).toBe('above_200000');
    expect(costs(r)).toEqual({ input: '0.6', cached_input: '0.09', output: '0.0225' });
  });

  it('uses the tier of the service tier when both apply', () => {
    const r = price('openai', 'gpt-5.4', '2026-06-01T00:00:00Z', { input: 300_000, output: 1_000_000 }, {}, { serviceTier: 'flex' });
    expect(r.tier).toBe('above_272000');
    expect(costs(r)).toEqual({ input: '0.75', output: '11.25' });
  });
});

describe('batch', () => {
  it('halves Anthropic prices, cache reads included', () => {
    const r = price('anthropic', 'claude-3-5-sonnet', AT, { input: 10_000, cached_input: 10_000, output: 5_000 }, {}, { batch: true });
    expect(costs(r)).toEqual({ input: '0.015', cached_input: '0.0015', output: '0.0375' });
    expect(formatUsd(r.cache_savings)).toBe('0.0135');
  });

  it('applies the discount to tier prices too', () => {
    const r = price('gemini', 'gemini-2.5-pro', '2025-07-01T00:00:00Z', { input: 300_000, output: 100_000 }, {}, { batch: true });
    expect(r.tier).toBe('above_200000');
    expect(costs(r)).toEqual({ input: '0.375', output: '0.75' });
  });

  it('bills at the standard price when the model lists no batch price', () => {
    expect(formatUsd(price('xai', 'grok-3', '2025-05-01T00:00:00Z', { input: 1_000_000 }, {}, { batch: true }).total)).toBe('3');
  });

  it('prefers explicit batch prices over the discount, and leaves unit prices alone', () => {
    const p = custom([
      {
        key: 'x/m',
        prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '4', output: '8' }, units: { web_search: '0.01' }, batch_discount: '0.25', batch: { per_million: { output: '1' } } }],
      },
    ]);
    const r = p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage({ input: 1_000_000, output: 1_000_000 }, { web_search_requests: 2 }), batch: true });
    expect(costs(r)).toEqual({ input: '3', output: '1', web_search: '0.02' });
  });
});

describe('service tiers', () => {
  it.each([
    ['flex', '1', '4'],
    ['priority', '3.5', '14'],
    ['FLEX', '1', '4'],
    ['default', '2', '8'],
    ['auto', '2', '8'],
    ['scale', '2', '8'],
  ])('o3 with service tier %s → %s / %s', (tier, input, output) => {
    const r = price('openai', 'o3', '2025-07-01T00:00:00Z', { input: 1_000_000, output: 1_000_000 }, {}, { serviceTier: tier });
    expect(costs(r)).toEqual({ input, output });
  });

  it('batch wins over a service tier', () => {
    const r = price('openai', 'o3', '2025-07-01T00:00:00Z', { input: 1_000_000 }, {}, { serviceTier: 'priority', batch: true });
    expect(formatUsd(r.total)).toBe('1');
  });
});

describe('missing-class fallbacks', () => {
  it('bills reasoning at the output price when no reasoning price is listed', () => {
    const r = price('openai', 'o1', AT, { input: 1_000, output: 1_000, reasoning: 10_000 });
    expect(costs(r)).toEqual({ input: '0.015', output: '0.06', reasoning: '0.6' });
  });

  it('uses a listed reasoning price', () => {
    const r = price('gemini', 'gemini-2.5-flash-preview-04-17', '2025-05-01T00:00:00Z', { output: 1_000_000, reasoning: 1_000_000 });
    expect(costs(r)).toEqual({ output: '0.6', reasoning: '3.5' });
  });

  it('bills cache reads at the input price when no cached price is listed', () => {
    const r = price('vertex_ai', 'gemini-2.5-pro', '2025-07-01T00:00:00Z', { cached_input: 100_000 });
    expect(costs(r)).toEqual({ cached_input: '0.125' });
    expect(r.cache_savings).toBe(0n);
  });

  it('falls back cache_write_1h → cache_write_5m → input, audio/image → text input/output', () => {
    const p = custom([
      { key: 'x/a', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '2', output: '10', cache_write_5m: '2.5' } }] },
      { key: 'x/b', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '2', output: '10' } }] },
    ]);
    const tokens = { cache_write_1h: 1_000_000, audio_input: 1_000_000, image_input: 1_000_000, audio_output: 1_000_000, image_output: 1_000_000 };
    const a = p.price({ provider: 'x', model: 'a', occurredAt: AT, usage: usage(tokens) });
    expect(costs(a)).toEqual({ cache_write_1h: '2.5', audio_input: '2', image_input: '2', audio_output: '10', image_output: '10' });
    const b = p.price({ provider: 'x', model: 'b', occurredAt: AT, usage: usage(tokens) });
    expect(costs(b).cache_write_1h).toBe('2');
  });

  it('uses listed audio prices', () => {
    const r = price('openai', 'gpt-4o-audio-preview', '2025-01-01T00:00:00Z', { input: 1_000, audio_input: 10_000, output: 1_000, audio_output: 10_000 });
    expect(costs(r)).toEqual({ input: '0.0025', audio_input: '0.4', output: '0.01', audio_output: '0.8' });
  });

  it('refuses to price a class that has no price and no fallback', () => {
    const r = price('openai', 'text-embedding-3-small', AT, { input: 1_000, output: 5 });
    expect(r.priced).toBe(false);
    expect(r.pricing_error?.code).toBe('NO_PRICE_IN_FORCE');
    expect(r.pricing_error?.message).toContain('output');
    expect(price('openai', 'text-embedding-3-small', AT, { input: 1_000_000 }).total).toBe(20_000_000_000_000n);
  });
});

describe('unit prices', () => {
  it('prices web searches', () => {
    const r = price('anthropic', 'claude-3-7-sonnet', AT, { input: 1_000, output: 100 }, { web_search_requests: 3 });
    expect(costs(r)).toEqual({ input: '0.003', output: '0.0015', web_search: '0.03' });
  });

  it('prices requests', () => {
    expect(costs(price('cohere', 'rerank-v3.5', AT, {}, { requests: 5 }))).toEqual({ request: '0.01' });
  });

  it('prices tool calls, images and audio seconds (fractional seconds rounded half-even at 1 femto-USD)', () => {
    const p = custom([
      { key: 'x/m', prices: [{ effective_from: '2024-01-01', source: 't', units: { tool_call: '0.002', image: '0.04', audio_second: '0.0001' } }] },
      { key: 'x/odd', prices: [{ effective_from: '2024-01-01', source: 't', units: { audio_second: '0.000000000000003' } }] },
    ]);
    const r = p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage({}, { tool_calls: 3, images: 2, audio_seconds: 12.5 }) });
    expect(costs(r)).toEqual({ tool_call: '0.006', image: '0.08', audio_second: '0.00125' });
    const odd = p.price({ provider: 'x', model: 'odd', occurredAt: AT, usage: usage({}, { audio_seconds: 0.5 }) });
    expect(odd.cost.audio_second).toBe(2n); // 1.5 femto → 2 (half to even)
  });
});

describe('invalid usage', () => {
  it.each([
    [{ input: -1 }, {}, 'usage.tokens.input'],
    [{ output: 1.5 }, {}, 'usage.tokens.output'],
    [{ input: 1 }, { web_search_requests: -2 }, 'usage.web_search_requests'],
    [{ input: 1 }, { audio_seconds: Number.NaN }, 'usage.audio_seconds'],
  ] as const)('%j %j is USAGE_INVALID', (tokens, extras, path) => {
    const p = custom([{ key: 'x/m', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '1', output: '1' }, units: { web_search: '0.01', audio_second: '0.001' } }] }]);
    expect(() => p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage(tokens, extras) })).toThrow(expect.objectContaining({ code: 'USAGE_INVALID', message: expect.stringContaining(path) }));
  });

  it('accepts audio seconds with many decimals', () => {
    const p = custom([{ key: 'x/m', prices: [{ effective_from: '2024-01-01', source: 't', units: { audio_second: '1' } }] }]);
    expect(p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage({}, { audio_seconds: 1 / 3 }) }).cost.audio_second).toBe(333_333_333_000_000n);
  });

  it('never treats an unknown service tier name as a price', () => {
    expect(formatUsd(price('openai', 'o3', '2025-07-01T00:00:00Z', { input: 1_000_000 }, {}, { serviceTier: 'constructor' }).total)).toBe('2');
  });
});

describe('unknown models', () => {
  it('never become $0 silently: priced false with the reason, tokens untouched', () => {
    const u = usage({ input: 1_000, output: 500 });
    const r = pricer.price({ provider: 'openai', model: 'gpt-9000', occurredAt: AT, usage: u });
    expect(r).toMatchObject({ priced: false, model_key: null, price_version: null, total: 0n, cache_savings: 0n, cost_source: 'none', tier: null });
    expect(r.pricing_error).toEqual({ code: 'UNKNOWN_MODEL', message: 'no price is known for model "gpt-9000" (provider openai)' });
    expect(Object.values(r.cost).every((v) => v === 0n)).toBe(true);
    expect(u.tokens).toMatchObject({ input: 1_000, output: 500, total: 1_500 });
  });
});

describe('reported cost', () => {
  const reported = { reported_cost: '0.0123' };

  it('OpenRouter prefers its reported cost by default (it is the bill)', () => {
    const r = price('openrouter', 'anthropic/claude-3.5-sonnet', AT, { input: 10_000, output: 5_000 }, reported);
    expect(r).toMatchObject({ priced: true, cost_source: 'reported', model_key: 'anthropic/claude-3-5-sonnet', price_version: 'anthropic/claude-3-5-sonnet@2024-06-20' });
    expect(formatUsd(r.total)).toBe('0.0123');
    expect(Object.values(r.cost).every((v) => v === 0n)).toBe(true);
  });

  it('is a fallback elsewhere by default: used only when the catalog cannot price', () => {
    expect(price('anthropic', 'claude-3-5-sonnet', AT, { input: 10_000, output: 5_000 }, reported).cost_source).toBe('catalog');
    const r = price('acme', 'private-model', AT, { input: 10 }, reported);
    expect(r).toMatchObject({ priced: true, cost_source: 'reported', pricing_error: null, model_key: null, total: 12_300_000_000_000n });
  });

  it('follows the configured policy, per provider', () => {
    const p = createPricer(builtin, { reportedCost: 'prefer', reportedCostByProvider: { openrouter: 'ignore' } });
    const base = { occurredAt: AT, usage: usage({ input: 10_000, output: 5_000 }, reported) };
    expect(p.price({ ...base, provider: 'anthropic', model: 'claude-3-5-sonnet' }).cost_source).toBe('reported');
    expect(p.price({ ...base, provider: 'openrouter', model: 'anthropic/claude-3.5-sonnet' }).cost_source).toBe('catalog');
    expect(p.price({ ...base, provider: 'openrouter', model: 'nobody/knows' }).priced).toBe(false);
  });

  it('takes the input reportedCost over the usage one, and ignores text that is not a decimal', () => {
    const r = price('acme', 'x', AT, { input: 1 }, reported, { reportedCost: '0.5' });
    expect(formatUsd(r.total)).toBe('0.5');
    expect(price('acme', 'x', AT, { input: 1 }, reported, { reportedCost: null }).priced).toBe(false);
    expect(price('acme', 'x', AT, { input: 1 }, { reported_cost: 'n/a' }).priced).toBe(false);
  });
});

describe('exactness', () => {
  it('a million events of $0.000001 sum to exactly 1', () => {
    const p = custom([{ key: 'x/m', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '1' } }] }]);
    const u = usage({ input: 1 });
    let sum = 0n;
    for (let i = 0; i < 1_000_000; i++) sum += p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: u }).total;
    expect(formatUsd(sum)).toBe('1');
  });

  it('keeps LiteLLM-style per-token decimals exact', () => {
    const p = custom([{ key: 'x/m', prices: [{ effective_from: '2024-01-01', source: 't', per_token: { input: '1.5e-07', output: '6e-7' } }] }]);
    const r = p.price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage({ input: 3, output: 7 }) });
    expect(formatUsd(r.total)).toBe('0.00000465');
  });

  it('handles token counts far beyond 2^53 femto-USD', () => {
    const r = price('openai', 'o1-pro', '2025-06-01T00:00:00Z', { output: 1_000_000_000 });
    expect(formatUsd(r.total)).toBe('600000');
  });
});

describe('fastIsoMs', () => {
  it('agrees with Date.parse on UTC ISO timestamps', () => {
    for (let i = 0; i < 20_000; i++) {
      const iso = new Date(Math.floor(Math.random() * 8e12) - 1e12).toISOString();
      if (iso.length !== 24) continue;
      for (const v of [iso, `${iso.slice(0, 19)}Z`, `${iso.slice(0, 21)}Z`, `${iso.slice(0, 23)}123456Z`]) expect(fastIsoMs(v)).toBe(Date.parse(v));
    }
  });

  it.each(['2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00+00:00', '2024-01-01', 'x024-01-01T00:00:00Z'])(
    'leaves %s to Date.parse',
    (v) => expect(fastIsoMs(v)).toBeNaN(),
  );

  it('prices events with offsets and plain dates through Date.parse', () => {
    expect(price('openai', 'gpt-4o', '2024-10-02T01:00:00+01:00', { input: 1 }).price_version).toBe('openai/gpt-4o@2024-10-02');
    expect(price('openai', 'gpt-4o', '2024-10-01', { input: 1 }).price_version).toBe('openai/gpt-4o@2024-05-13');
  });
});
