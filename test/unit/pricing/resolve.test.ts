import { describe, expect, it } from 'vitest';
import { buildCatalog, type Catalog } from '../../../src/pricing/catalog.js';
import { loadCatalog } from '../../../src/pricing/price-files.js';
import { analyzeModelId, createResolver, resolveModel, type ResolveOptions, type ResolveRule } from '../../../src/pricing/resolve.js';

const builtin = loadCatalog();
const custom: Catalog = buildCatalog([
  {
    name: 'custom.json',
    models: [
      {
        key: 'acme/acme-llm',
        aliases: ['acme-chat'],
        patterns: ['^acme-llm-(mini|max)$'],
        prices: [{ effective_from: '2024-01-01', source: 'test', per_million: { input: '1', output: '2' } }],
      },
    ],
  },
]);

type Row = readonly [provider: string | undefined, model: string, key: string | null, rule?: ResolveRule, viaFallback?: boolean, options?: ResolveOptions];

const DEPLOYMENTS: ResolveOptions = { deployments: { 'Prod-Chat': 'gpt-4o-2024-08-06', 'cheap-chat': 'openai/gpt-4o-mini' } };

const TABLE: readonly Row[] = [
  // exact ids and dated snapshots
  ['openai', 'gpt-4o', 'openai/gpt-4o', 'exact', false],
  ['openai', 'GPT-4o', 'openai/gpt-4o', 'exact'],
  ['openai', ' gpt-4o ', 'openai/gpt-4o', 'exact'],
  ['openai', 'gpt-4o-2024-08-06', 'openai/gpt-4o-2024-08-06', 'exact'],
  ['openai', 'gpt-4o-2024-05-13', 'openai/gpt-4o-2024-05-13', 'exact'],
  ['openai', 'gpt-4o-2025-03-01', 'openai/gpt-4o', 'exact'],
  ['openai', 'gpt-4o-mini-2024-07-18', 'openai/gpt-4o-mini', 'alias'],
  ['openai', 'o1-mini-2024-09-12', 'openai/o1-mini', 'alias'],
  ['openai', 'o3-2025-04-16', 'openai/o3', 'alias'],
  ['openai', 'gpt-3.5-turbo-0125', 'openai/gpt-3.5-turbo-0125', 'exact'],
  ['openai', 'gpt-4-0613', 'openai/gpt-4', 'alias'],
  ['openai', 'gpt-4-32k-0314', 'openai/gpt-4-32k', 'alias'],
  ['openai', 'gpt-4.1-nano-2025-04-14', 'openai/gpt-4.1-nano', 'alias'],
  ['openai', 'chatgpt-4o-latest', 'openai/chatgpt-4o-latest', 'exact'],
  ['openai', 'gpt-4o-realtime-preview-2024-12-17', 'openai/gpt-4o-realtime-preview-2024-12-17', 'exact'],
  ['anthropic', 'claude-3-5-sonnet-20241022', 'anthropic/claude-3-5-sonnet', 'alias'],
  ['anthropic', 'claude-3-7-sonnet-20250219', 'anthropic/claude-3-7-sonnet', 'alias'],
  ['anthropic', 'claude-sonnet-4-20250514', 'anthropic/claude-sonnet-4', 'alias'],
  ['anthropic', 'claude-3-5-haiku-20990101', 'anthropic/claude-3-5-haiku', 'exact'],
  // -latest aliases
  ['anthropic', 'claude-3-5-sonnet-latest', 'anthropic/claude-3-5-sonnet', 'alias'],
  ['anthropic', 'claude-3-opus-latest', 'anthropic/claude-3-opus', 'alias'],
  ['mistral', 'mistral-large-latest', 'mistral/mistral-large', 'alias'],
  ['xai', 'grok-2-latest', 'xai/grok-2-1212', 'alias'],
  // provider prefixes, no provider given
  [undefined, 'gpt-4o', 'openai/gpt-4o', 'exact'],
  [undefined, 'openai/gpt-4o', 'openai/gpt-4o', 'exact'],
  [undefined, 'anthropic/claude-3-5-sonnet-20240620', 'anthropic/claude-3-5-sonnet', 'alias'],
  [undefined, 'claude-3-haiku-20240307', 'anthropic/claude-3-haiku', 'alias'],
  // OpenRouter names (dotted, variants) → the model's own vendor
  ['openrouter', 'anthropic/claude-3.5-sonnet', 'anthropic/claude-3-5-sonnet', 'exact', true],
  ['openrouter', 'anthropic/claude-3.7-sonnet:thinking', 'anthropic/claude-3-7-sonnet', 'exact', true],
  [undefined, 'openrouter/anthropic/claude-sonnet-4.5', 'anthropic/claude-sonnet-4-5', 'exact', true],
  ['openrouter', 'openai/gpt-4o-mini:free', 'openai/gpt-4o-mini', 'exact', true],
  ['openrouter', 'google/gemini-2.5-pro', 'gemini/gemini-2.5-pro', 'exact', true],
  // Bedrock ids, regional / inference-profile prefixes, ARNs
  ['bedrock', 'anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'exact', false],
  ['bedrock', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'exact'],
  ['bedrock', 'eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'bedrock/anthropic.claude-3-7-sonnet-20250219-v1:0', 'exact'],
  ['bedrock', 'apac.anthropic.claude-3-haiku-20240307-v1:0', 'bedrock/anthropic.claude-3-haiku-20240307-v1:0', 'exact'],
  ['bedrock', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', 'exact'],
  ['bedrock', 'anthropic.claude-3-haiku-20240307-v1:0:200k', 'bedrock/anthropic.claude-3-haiku-20240307-v1:0', 'exact'],
  ['bedrock', 'claude-3-5-sonnet-20241022', 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'alias'],
  [undefined, 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'exact'],
  [undefined, 'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0', 'bedrock/anthropic.claude-3-haiku-20240307-v1:0', 'exact'],
  [undefined, 'us.meta.llama3-3-70b-instruct-v1:0', 'bedrock/meta.llama3-3-70b-instruct-v1:0', 'exact'],
  ['aws', 'us.amazon.nova-pro-v1:0', 'bedrock/amazon.nova-pro-v1:0', 'exact'],
  ['bedrock', 'us.anthropic.claude-opus-4-6-v1:0', 'anthropic/claude-opus-4-6', 'exact', true],
  ['bedrock', 'us.anthropic.claude-opus-4-6-v1:0', null, undefined, undefined, { providerFallbacks: {} }],
  // Vertex @ versions and resource paths
  ['vertex_ai', 'claude-3-5-sonnet-v2@20241022', 'vertex_ai/claude-3-5-sonnet-v2', 'alias', false],
  ['vertex', 'claude-3-5-sonnet@20240620', 'vertex_ai/claude-3-5-sonnet', 'alias'],
  ['vertex_ai', 'claude-sonnet-4@20250514', 'vertex_ai/claude-sonnet-4', 'alias'],
  [undefined, 'claude-3-5-haiku@20241022', 'vertex_ai/claude-3-5-haiku', 'alias'],
  ['vertex_ai', 'claude-3-7-sonnet@20990101', 'vertex_ai/claude-3-7-sonnet', 'exact'],
  ['vertex_ai', 'claude-opus-4-6@20260205', 'anthropic/claude-opus-4-6', 'exact', true],
  ['vertex_ai', 'gemini-2.0-flash-001', 'vertex_ai/gemini-2.0-flash', 'alias'],
  ['vertex_ai', 'gemini-1.5-pro-002', 'gemini/gemini-1.5-pro', 'alias', true],
  [undefined, 'projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash', 'vertex_ai/gemini-2.5-flash', 'exact'],
  // Gemini API ids
  ['gemini', 'gemini-1.5-pro-002', 'gemini/gemini-1.5-pro', 'alias'],
  ['google', 'models/gemini-1.5-flash-latest', 'gemini/gemini-1.5-flash', 'alias'],
  ['gemini', 'gemini-2.5-pro-preview-05-06', 'gemini/gemini-2.5-pro', 'exact'],
  ['gemini', 'gemini-2.5-flash-preview-05-20', 'gemini/gemini-2.5-flash-preview-04-17', 'alias'],
  // Azure: priced like OpenAI; deployment names via config
  ['azure', 'gpt-4o', 'openai/gpt-4o', 'exact', true],
  ['azure_openai', 'gpt-4o-mini', 'openai/gpt-4o-mini', 'exact', true],
  ['azure', 'prod-chat', 'openai/gpt-4o-2024-08-06', 'exact', true, DEPLOYMENTS],
  ['azure', 'CHEAP-CHAT', 'openai/gpt-4o-mini', 'exact', true, DEPLOYMENTS],
  ['azure', 'unknown-deployment', null, undefined, undefined, DEPLOYMENTS],
  // other providers
  ['mistral', 'mistral-large-2411', 'mistral/mistral-large', 'alias'],
  ['mistral', 'codestral-2508', 'mistral/codestral', 'exact'],
  ['cohere', 'command-r-plus-08-2024', 'cohere/command-r-plus-08-2024', 'exact'],
  ['x-ai', 'grok-4-0709', 'xai/grok-4', 'alias'],
  // unknown: never guessed across providers that do not fall back, never a fine-tune priced as its base
  ['anthropic', 'gpt-4o', null],
  ['together_ai', 'gpt-4o', null],
  ['openai', 'ft:gpt-4o-mini-2024-07-18:acme::abc123', null],
  ['openai', 'gpt-7-ultra', null],
  ['openai', '', null],
];

describe('resolveModel (built-in catalog)', () => {
  it('has at least 40 rows', () => expect(TABLE.length).toBeGreaterThanOrEqual(40));

  const rows = TABLE.map(([provider, model, key, rule, viaFallback, options]) => ({ provider, model, key, rule, viaFallback, options }));
  it.each(rows)('$provider $model → $key', ({ provider, model, key, rule, viaFallback, options }) => {
    const res = resolveModel(builtin, provider, model, options);
    expect(res?.entry.key ?? null).toBe(key);
    if (rule !== undefined) expect(res?.rule).toBe(rule);
    if (viaFallback !== undefined) expect(res?.viaFallback).toBe(viaFallback);
  });
});

describe('resolveModel (custom catalog)', () => {
  it.each([
    ['acme', 'acme-llm', 'acme/acme-llm', 'exact'],
    ['acme', 'acme-chat', 'acme/acme-llm', 'alias'],
    ['acme', 'ACME-LLM-MAX', 'acme/acme-llm', 'pattern'],
    ['acme', 'acme-llm-7', null, undefined],
    ['acme', 'acme-llm-v2', 'acme/acme-llm', 'exact'],
    [undefined, 'acme/acme-llm-mini', 'acme/acme-llm', 'pattern'],
  ] as const)('%s %j → %s (%s)', (provider, model, key, rule) => {
    const res = resolveModel(custom, provider, model);
    expect(res?.entry.key ?? null).toBe(key);
    if (rule) expect(res?.rule).toBe(rule);
  });

  it('tries exact ids and aliases of every candidate before patterns', () => {
    const cat = buildCatalog([
      {
        name: 'p.json',
        models: [
          { key: 'x/catch-all', patterns: ['.*'], prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '9' } }] },
          { key: 'x/model', prices: [{ effective_from: '2024-01-01', source: 't', per_million: { input: '1' } }] },
        ],
      },
    ]);
    expect(resolveModel(cat, 'x', 'model-2024-01-01')?.entry.key).toBe('x/model');
    expect(resolveModel(cat, 'x', 'other')?.entry.key).toBe('x/catch-all');
  });
});

describe('analyzeModelId', () => {
  it('lists candidates from most to least specific', () => {
    expect(analyzeModelId('us.anthropic.claude-3-5-sonnet-20241022-v2:0')).toEqual({
      candidates: [
        'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
        'anthropic.claude-3-5-sonnet-20241022-v2:0',
        'claude-3-5-sonnet-20241022',
        'claude-3-5-sonnet',
      ],
      provider: 'bedrock',
      family: 'anthropic',
    });
    expect(analyzeModelId('openrouter/anthropic/claude-3.5-sonnet:beta')).toEqual({
      candidates: ['openrouter/anthropic/claude-3.5-sonnet:beta', 'anthropic/claude-3.5-sonnet:beta', 'claude-3.5-sonnet:beta', 'claude-3.5-sonnet', 'claude-3-5-sonnet'],
      provider: 'openrouter',
      family: 'anthropic',
    });
    expect(analyzeModelId('gemini-2.0-flash-lite-preview-02-05').candidates).toEqual([
      'gemini-2.0-flash-lite-preview-02-05',
      'gemini-2.0-flash-lite-preview',
      'gemini-2.0-flash-lite',
    ]);
    expect(analyzeModelId('command-r-plus-08-2024').candidates).toEqual(['command-r-plus-08-2024', 'command-r-plus']);
    expect(analyzeModelId('claude-3-5-sonnet-v2@20241022')).toMatchObject({
      candidates: ['claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet-v2', 'claude-3-5-sonnet'],
      provider: 'vertex_ai',
      family: 'anthropic',
    });
    expect(analyzeModelId('gpt-4o')).toEqual({ candidates: ['gpt-4o'], provider: null, family: 'openai' });
  });
});

describe('createResolver', () => {
  it('memoises results, unknown ones included', () => {
    const resolver = createResolver(builtin);
    const a = resolver.resolve('anthropic', 'claude-3-5-sonnet-20241022');
    expect(resolver.resolve('anthropic', 'claude-3-5-sonnet-20241022')).toBe(a);
    expect(resolver.resolve('openai', 'nope')).toBeNull();
    expect(resolver.resolve('openai', 'nope')).toBeNull();
  });

  it('stays bounded', () => {
    const resolver = createResolver(builtin, {}, 3);
    for (let i = 0; i < 10; i++) resolver.resolve('openai', `gpt-4o-2024-01-0${i}`);
    expect(resolver.resolve('openai', 'gpt-4o')?.entry.key).toBe('openai/gpt-4o');
  });
});
