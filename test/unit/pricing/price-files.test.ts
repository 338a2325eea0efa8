import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TallyError } from '../../../src/core/errors.js';
import { formatUsd } from '../../../src/core/money.js';
import { classPricesSchema, unitPricesSchema } from '../../../src/pricing/catalog-schema.js';
import { builtinSources, loadCatalog, parsePriceText, readPriceFile } from '../../../src/pricing/price-files.js';
import { createPricer } from '../../../src/pricing/pricer.js';
import { usage } from './helpers.js';
import { TOKEN_CLASSES, UNIT_CLASSES } from '../../../src/core/classes.js';
import { DETAIL_CLASSES } from '../../../src/normalize/types.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-prices-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function errorOf(fn: () => unknown): TallyError {
  try {
    fn();
  } catch (err) {
    if (err instanceof TallyError) return err;
    throw err;
  }
  throw new Error('expected an error');
}

const AT = '2025-06-01T00:00:00Z';

function tally(models: unknown[]): unknown {
  return { format: 'tally.prices.v1', models };
}

describe('--prices FILE', () => {
  it('prices a model at $0.01 / $0.03 per 1K tokens in tally format (per_thousand)', () => {
    const path = file('acme.json', tally([{ key: 'openai/acme-gpt', prices: [{ effective_from: '2024-01-01', source: 'our contract', per_thousand: { input: '0.01', output: '0.03' } }] }]));
    const r = createPricer(loadCatalog({ files: [path] })).price({ provider: 'openai', model: 'acme-gpt', occurredAt: AT, usage: usage({ input: 1_000, output: 500 }) });
    expect(formatUsd(r.total)).toBe('0.025');
    expect(r.price_version).toBe('openai/acme-gpt@2024-01-01');
  });

  it('prices the same model in LiteLLM format (per-token costs)', () => {
    const path = file('litellm.json', '{"acme-gpt": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-05, "output_cost_per_token": 3e-05, "max_tokens": 8192}}');
    const r = createPricer(loadCatalog({ files: [path] })).price({ provider: 'openai', model: 'acme-gpt', occurredAt: AT, usage: usage({ input: 1_000, output: 500 }) });
    expect(formatUsd(r.total)).toBe('0.025');
    expect(r.price_version).toBe('openai/acme-gpt@1970-01-01');
  });

  it('accepts JSON numbers as well as strings, and per_token / per_million forms', () => {
    const path = file('forms.json', '{"format": "tally.prices.v1", "models": [{"key": "x/m", "prices": [{"effective_from": "2024-01-01", "source": "s", "per_token": {"input": 1.5e-07}, "per_million": {"output": 0.6}}]}]}');
    const r = createPricer(loadCatalog({ builtins: false, files: [path] })).price({ provider: 'x', model: 'm', occurredAt: AT, usage: usage({ input: 1_000_000, output: 1_000_000 }) });
    expect(formatUsd(r.total)).toBe('0.75');
  });
});

describe('overrides', () => {
  const one = (input: string, aliases?: string[]): unknown[] => [
    { key: 'anthropic/claude-3-5-sonnet', ...(aliases ? { aliases } : {}), prices: [{ effective_from: '2025-01-01', source: 'negotiated', per_million: { input, output: '10' } }] },
  ];

  it('replace the whole price history of the same key', () => {
    const catalog = loadCatalog({ files: [file('o1.json', tally(one('2')))] });
    const pricer = createPricer(catalog);
    const at = (t: string): ReturnType<typeof pricer.price> => pricer.price({ provider: 'anthropic', model: 'claude-3-5-sonnet', occurredAt: t, usage: usage({ input: 1_000_000 }) });
    expect(at(AT).price_version).toBe('anthropic/claude-3-5-sonnet@2025-01-01');
    expect(formatUsd(at(AT).total)).toBe('2');
    expect(at('2024-07-01T00:00:00Z').pricing_error?.code).toBe('NO_PRICE_IN_FORCE');
    expect(catalog.entries.get('anthropic/claude-3-5-sonnet')?.origin).toContain('o1.json');
  });

  it('keep the built-in aliases when the override lists none, and replace them when it does', () => {
    const kept = createPricer(loadCatalog({ files: [file('o2.json', tally(one('2')))] }));
    expect(kept.price({ provider: 'anthropic', model: 'claude-3-5-sonnet-20240620', occurredAt: AT, usage: usage({ input: 1 }) }).model_key).toBe('anthropic/claude-3-5-sonnet');
    const replaced = loadCatalog({ files: [file('o3.json', tally(one('2', ['sonnet-35'])))] });
    expect(replaced.entries.get('anthropic/claude-3-5-sonnet')?.aliases).toEqual(['sonnet-35']);
    expect(createPricer(replaced).price({ provider: 'anthropic', model: 'sonnet-35', occurredAt: AT, usage: usage({ input: 1 }) }).model_key).toBe('anthropic/claude-3-5-sonnet');
  });

  it('apply files in order: the later file wins', () => {
    const a = file('a.json', tally(one('2')));
    const b = file('b.json', tally(one('4')));
    const p = createPricer(loadCatalog({ files: [a, b] }));
    expect(formatUsd(p.price({ provider: 'anthropic', model: 'claude-3-5-sonnet', occurredAt: AT, usage: usage({ input: 1_000_000 }) }).total)).toBe('4');
  });

  it('let a LiteLLM dated id win over a built-in alias (exact ids before aliases)', () => {
    const path = file('ll-claude.json', '{"claude-3-5-sonnet-20241022": {"litellm_provider": "anthropic", "input_cost_per_token": 2e-06, "output_cost_per_token": 1e-05}}');
    const p = createPricer(loadCatalog({ files: [path] }));
    expect(p.price({ provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', occurredAt: AT, usage: usage({ input: 1 }) }).model_key).toBe('anthropic/claude-3-5-sonnet-20241022');
    expect(p.price({ provider: 'anthropic', model: 'claude-3-5-sonnet-20240620', occurredAt: AT, usage: usage({ input: 1 }) }).model_key).toBe('anthropic/claude-3-5-sonnet');
  });
});

describe('validation errors name the file, the model and the field', () => {
  const model = (price: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown =>
    tally([{ key: 'x/m', ...extra, prices: [{ effective_from: '2024-01-01', source: 's', ...price }] }]);

  it.each([
    ['typo in a field', model({ per_milion: { input: '1' } }), 'models[0].prices[0]', 'per_milion'],
    ['not a decimal', model({ per_million: { input: 'cheap' } }), 'models[0].prices[0].per_million.input', 'decimal'],
    ['negative', model({ per_million: { input: '-1' } }), 'models[0].prices[0].per_million.input', 'non-negative'],
    ['unknown class', model({ per_million: { inputs: '1' } }), 'models[0].prices[0].per_million', 'inputs'],
    // Issue #11: prices are exact to 10⁻³⁰ USD per token (24 decimals per million); finer is an error.
    ['too many decimals', model({ per_million: { input: '0.0000000000000000000000001' } }), 'models[0].prices[0].per_million.input', 'more than 30 decimals'],
    ['class given twice', model({ per_million: { input: '1' }, per_thousand: { input: '0.001' } }), 'models[0].prices[0].per_thousand.input', 'also given in per_million'],
    ['inexact batch discount', model({ per_token: { input: '0.000000000000000000000000000001' }, batch_discount: '0.5' }), 'models[0].prices[0].batch_discount (input)', 'finer than 10⁻³⁰ USD'],
    ['discount of 1', model({ per_million: { input: '1' }, batch_discount: '1' }), 'models[0].prices[0].batch_discount', 'fraction below 1'],
    ['bad date', model({ effective_from: '2024/01/01' }), 'models[0].prices[0].effective_from', 'date'],
    ['non-UTC datetime', model({ effective_from: '2024-01-01T00:00:00+02:00' }), 'models[0].prices[0].effective_from', 'UTC'],
    ['missing source', model({ source: ' ' }), 'models[0].prices[0].source', 'where the price comes from'],
    ['duplicate tier', model({ per_million: { input: '1' }, tiers: [{ above_prompt_tokens: 10, per_million: { input: '2' } }, { above_prompt_tokens: 10, per_million: { input: '3' } }] }), 'models[0].prices[0].tiers[1].above_prompt_tokens', 'two tiers'],
    ['tier threshold not whole', model({ tiers: [{ above_prompt_tokens: 1.5, per_million: { input: '2' } }] }), 'models[0].prices[0].tiers[0].above_prompt_tokens', 'whole number'],
    ['provider mismatch', model({}, { provider: 'openai' }), 'models[0].provider', 'does not match'],
    ['bad pattern', model({}, { patterns: ['(unclosed'] }), 'models[0].patterns[0]', 'regular expression'],
  ])('%s', (_name, content, field, reason) => {
    const path = file('bad.json', content);
    const err = errorOf(() => readPriceFile(path));
    expect(err.code).toBe('PRICE_FILE_INVALID');
    expect(err.details).toMatchObject({ file: path, model: 'x/m', field });
    expect(err.message).toContain(path);
    expect(err.message).toContain('x/m');
    expect(err.message).toContain(reason);
  });

  it('names a provider alias in a key', () => {
    const err = errorOf(() => parsePriceText(JSON.stringify(tally([{ key: 'google/gemini-x', prices: [{ effective_from: '2024-01-01', source: 's' }] }])), 'g.json'));
    expect(err.message).toBe('g.json: model google/gemini-x: key: provider "google" is spelled "gemini" in tally; use "gemini/gemini-x"');
  });

  it('rejects a key twice in one file and two prices with the same effective_from', () => {
    const p = { effective_from: '2024-01-01', source: 's', per_million: { input: '1' } };
    expect(errorOf(() => parsePriceText(JSON.stringify(tally([{ key: 'x/m', prices: [p] }, { key: 'x/m', prices: [p] }])), 'd.json')).message).toContain('the same key appears twice');
    expect(errorOf(() => parsePriceText(JSON.stringify(tally([{ key: 'x/m', prices: [p, p] }])), 'e.json')).details).toMatchObject({ field: 'models[0].prices[1].effective_from' });
  });

  it('reports JSON syntax errors with line and column', () => {
    const path = file('broken.json', '{\n  "format": "tally.prices.v1",\n  "models": [,]\n}');
    const err = errorOf(() => readPriceFile(path));
    expect(err.code).toBe('PRICE_FILE_INVALID');
    expect(err.details).toMatchObject({ file: path, line: 3, column: 14 });
    expect(err.message).toContain(`${path}: line 3, column 14`);
  });

  it.each([
    ['{"format": "tally.prices.v2", "models": []}', 'unsupported format'],
    ['[1, 2]', 'not a price file'],
    ['{"a": {"b": 1}}', 'not a price file'],
  ])('rejects %s', (content, reason) => {
    expect(errorOf(() => parsePriceText(content, 'f.json')).message).toContain(reason);
  });

  it('reports a missing file', () => {
    const err = errorOf(() => readPriceFile(join(dir, 'nope.json')));
    expect(err.code).toBe('PRICE_FILE_INVALID');
    expect(err.message).toContain('cannot read the file');
  });

  it('checks the LiteLLM effective date option', () => {
    const path = file('ll.json', '{"m": {"litellm_provider": "openai", "input_cost_per_token": 1e-06}}');
    expect(errorOf(() => loadCatalog({ files: [path], litellmEffectiveFrom: 'soon' })).message).toContain('litellm effective_from');
  });
});

describe('the schema', () => {
  it('lists exactly the token and unit classes', () => {
    expect(Object.keys(classPricesSchema.shape)).toEqual([...TOKEN_CLASSES, ...DETAIL_CLASSES]);
    expect(Object.keys(unitPricesSchema.shape)).toEqual([...UNIT_CLASSES]);
  });
});

describe('the built-in catalog', () => {
  const catalog = loadCatalog();

  it('loads without warnings (no alias claimed twice)', () => {
    expect(catalog.warnings).toEqual([]);
    expect(builtinSources().map((s) => s.name)).toEqual([
      'builtin:anthropic.json', 'builtin:bedrock.json', 'builtin:cohere.json', 'builtin:google.json',
      'builtin:mistral.json', 'builtin:openai.json', 'builtin:perplexity.json', 'builtin:vertex_ai.json', 'builtin:xai.json',
    ]);
  });

  it('gives every price a source and an effective date', () => {
    for (const source of builtinSources()) {
      for (const m of source.models) {
        expect(m.prices.length).toBeGreaterThan(0);
        for (const p of m.prices) {
          expect(p.source.length, m.key).toBeGreaterThan(5);
          expect(p.effective_from, m.key).toMatch(/^\d{4}-\d{2}-\d{2}/);
        }
      }
    }
  });

  it('covers the models users run', () => {
    const keys = [
      'openai/gpt-4', 'openai/gpt-4-32k', 'openai/gpt-4-turbo', 'openai/gpt-3.5-turbo', 'openai/gpt-4o', 'openai/gpt-4o-mini',
      'openai/gpt-4o-audio-preview', 'openai/gpt-4o-realtime-preview', 'openai/gpt-4.1', 'openai/gpt-4.1-mini', 'openai/gpt-4.1-nano',
      'openai/gpt-5', 'openai/gpt-5-mini', 'openai/gpt-5-nano', 'openai/o1', 'openai/o1-mini', 'openai/o3', 'openai/o3-mini', 'openai/o4-mini',
      'openai/text-embedding-3-small', 'openai/text-embedding-3-large', 'openai/text-embedding-ada-002',
      'anthropic/claude-3-opus', 'anthropic/claude-3-sonnet', 'anthropic/claude-3-haiku', 'anthropic/claude-3-5-sonnet', 'anthropic/claude-3-5-haiku',
      'anthropic/claude-3-7-sonnet', 'anthropic/claude-sonnet-4', 'anthropic/claude-opus-4', 'anthropic/claude-opus-4-1',
      'anthropic/claude-sonnet-4-5', 'anthropic/claude-haiku-4-5', 'anthropic/claude-opus-4-5',
      'gemini/gemini-1.5-flash', 'gemini/gemini-1.5-pro', 'gemini/gemini-2.0-flash', 'gemini/gemini-2.0-flash-lite',
      'gemini/gemini-2.5-pro', 'gemini/gemini-2.5-flash', 'gemini/gemini-2.5-flash-lite',
      'mistral/mistral-large', 'mistral/mistral-small', 'cohere/command-r', 'cohere/command-r-plus', 'xai/grok-3', 'xai/grok-4',
      'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock/meta.llama3-1-70b-instruct-v1:0', 'bedrock/amazon.nova-pro-v1:0',
      'vertex_ai/claude-3-5-sonnet-v2', 'vertex_ai/gemini-2.5-pro',
    ];
    for (const k of keys) expect(catalog.entries.has(k), k).toBe(true);
  });

  it('has 5-minute and 1-hour cache writes, cache reads and web search for Anthropic models', () => {
    const r = createPricer(catalog).price({
      provider: 'anthropic', model: 'claude-opus-4-5', occurredAt: '2026-01-01T00:00:00Z',
      usage: usage({ cache_write_5m: 1_000_000, cache_write_1h: 1_000_000, cached_input: 1_000_000 }, { web_search_requests: 1000 }),
    });
    expect([r.cost.cache_write_5m, r.cost.cache_write_1h, r.cost.cached_input, r.cost.web_search].map(formatUsd)).toEqual(['6.25', '10', '0.5', '10']);
  });
});
