/**
 * Model resolution: (provider, model id as the event wrote it) → the catalog
 * entry whose prices apply. Pure (no I/O, no clock), table-tested in
 * test/unit/pricing/resolve.test.ts, memoised by `createResolver`.
 *
 * 1. Azure deployment names are mapped to model ids by config first.
 * 2. The id is analysed into candidate ids, most specific first: the id as
 *    written; without an ARN wrapper, a Vertex resource path, `models/`, or
 *    provider prefixes (`openai/…`, `openrouter/anthropic/…`); without an
 *    OpenRouter variant (`:free`, `:thinking`); a Bedrock id without its
 *    regional / inference-profile prefix (`us.`, `eu.`, `apac.`, `global.`),
 *    then without vendor and version (`anthropic.…-v2:0`); a Vertex id
 *    without its `@version`; Anthropic dotted versions dashed
 *    (`claude-3.5-sonnet` → `claude-3-5-sonnet`); then repeatedly without a
 *    `-latest`, date or version suffix (`-2024-08-06`, `-20241022`,
 *    `-08-2024`, `-0613`, `-002`, `-preview`, `-v2`).
 * 3. Providers are tried in order: the event's provider (or the one the id
 *    implies), then its fallbacks (azure → openai; openrouter, bedrock and
 *    vertex_ai → the model's own vendor). Within a provider every candidate
 *    is looked up by exact id, then alias, then the provider's regex
 *    patterns are tried on every candidate. With no provider at all, the
 *    model's vendor and then every catalog provider are searched.
 */
import type { Catalog, CatalogEntry } from './catalog.js';
import {
  BEDROCK_VENDORS,
  DEFAULT_PROVIDER_FALLBACKS,
  HOSTING_PROVIDERS,
  ORIGIN_ORDER,
  canonicalProvider,
  familyOfModelName,
  providerOfSegment,
} from './providers.js';

export interface ResolveOptions {
  /**
   * Azure OpenAI deployment name → model id (e.g. `{"prod-chat": "gpt-4o-2024-08-06"}`).
   * Used when the provider is `azure` or not given. Names are case-insensitive.
   */
  readonly deployments?: Readonly<Record<string, string>>;
  /**
   * Provider → providers whose prices apply when it has no entry for the
   * model; `family` stands for the model's own vendor. Default
   * DEFAULT_PROVIDER_FALLBACKS; `{}` turns fallbacks off.
   */
  readonly providerFallbacks?: Readonly<Record<string, readonly string[]>>;
}

export type ResolveRule = 'exact' | 'alias' | 'pattern';

export interface Resolution {
  readonly entry: CatalogEntry;
  /** The provider the event named (canonical) or the id implied; null when neither. */
  readonly requestedProvider: string | null;
  /** True when the entry is another provider's (azure → openai, bedrock → anthropic, …). */
  readonly viaFallback: boolean;
  /** The candidate id that matched. */
  readonly matched: string;
  readonly rule: ResolveRule;
}

export interface ModelIdAnalysis {
  /** Ids to try, most specific first, lower-case, without duplicates. */
  readonly candidates: readonly string[];
  /** The provider the id itself implies (`openai/…`, a Bedrock id or ARN, a Vertex `@` id), if any. */
  readonly provider: string | null;
  /** The model's vendor (`anthropic` for `us.anthropic.claude-…`), if known. */
  readonly family: string | null;
}

const ARN_RE = /^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:[a-z-]+\/(.+)$/;
const VERTEX_PATH_RE = /^(?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/([^/]+)\/models\/(.+)$/;
const BEDROCK_RE = /^(?:(us|eu|apac|ap|global|us-gov|jp|au|ca|sa|me|il)\.)?([a-z0-9]+)\.(.+)$/;
const BEDROCK_VERSION_RE = /-v\d+(?::\d+)?$/;
const VARIANT_RE = /:[a-z][a-z-]*$/;
const CONTEXT_SUFFIX_RE = /:\d+k$/;
const SUFFIXES: readonly RegExp[] = [
  /-latest$/,
  /-\d{4}-\d{2}-\d{2}$/,
  /-\d{8}$/,
  /-\d{2}-\d{4}$/,
  /-\d{2}-\d{2}$/,
  /-\d{4}$/,
  /-\d{3}$/,
  /-(?:preview|exp)$/,
  /-v\d+$/,
];

/** Splits a model id into the candidate ids to look up, and what the id says about its provider. */
export function analyzeModelId(model: string): ModelIdAnalysis {
  const candidates: string[] = [];
  const add = (s: string): void => {
    if (s && !candidates.includes(s)) candidates.push(s);
  };
  let id = model.trim().toLowerCase();
  let provider: string | null = null;
  let family: string | null = null;

  add(id);
  const arn = ARN_RE.exec(id);
  if (arn?.[1]) {
    provider = 'bedrock';
    id = arn[1];
    add(id);
  }
  const vertex = VERTEX_PATH_RE.exec(id);
  if (vertex?.[1] && vertex[2]) {
    provider = 'vertex_ai';
    family = providerOfSegment(vertex[1]) ?? null;
    id = vertex[2];
    add(id);
  }
  if (id.startsWith('models/')) {
    id = id.slice('models/'.length);
    add(id);
  }
  for (let slash = id.indexOf('/'); slash > 0; slash = id.indexOf('/')) {
    const p = providerOfSegment(id.slice(0, slash));
    if (!p) break;
    if (provider === null) provider = p;
    if (!HOSTING_PROVIDERS.has(p)) family = p;
    id = id.slice(slash + 1);
    add(id);
  }
  if (id.includes('/')) {
    id = id.slice(id.lastIndexOf('/') + 1);
    add(id);
  }
  if (VARIANT_RE.test(id)) {
    id = id.replace(VARIANT_RE, '');
    add(id);
  }
  if (CONTEXT_SUFFIX_RE.test(id)) {
    id = id.replace(CONTEXT_SUFFIX_RE, '');
    add(id);
  }
  const bedrock = BEDROCK_RE.exec(id);
  const vendor = bedrock?.[2] ? BEDROCK_VENDORS[bedrock[2]] : undefined;
  if (bedrock?.[3] && vendor) {
    if (provider === null) provider = 'bedrock';
    family = vendor;
    add(`${bedrock[2]}.${bedrock[3]}`);
    id = bedrock[3].replace(BEDROCK_VERSION_RE, '');
    add(id);
  }
  const at = id.indexOf('@');
  if (at > 0) {
    if (provider === null) provider = 'vertex_ai';
    id = id.slice(0, at);
    add(id);
  }
  if (id.startsWith('claude') && /\d\.\d/.test(id)) {
    id = id.replace(/(\d)\.(?=\d)/g, '$1-');
    add(id);
  }
  for (let rounds = 0; rounds < 8; rounds++) {
    const re = SUFFIXES.find((r) => r.test(id));
    if (!re) break;
    id = id.replace(re, '');
    add(id);
  }
  if (family === null) family = familyOfModelName(id) ?? null;
  return { candidates, provider, family };
}

function lookup(catalog: Pick<Catalog, 'providers'>, provider: string, candidates: readonly string[]): { entry: CatalogEntry; matched: string; rule: ResolveRule } | null {
  const index = catalog.providers.get(provider);
  if (!index) return null;
  for (const c of candidates) {
    const entry = index.names.get(c);
    if (entry) return { entry, matched: c, rule: entry.model === c ? 'exact' : 'alias' };
  }
  for (const { re, entry } of index.patterns) {
    for (const c of candidates) if (re.test(c)) return { entry, matched: c, rule: 'pattern' };
  }
  return null;
}

/** Resolves one (provider, model) pair against a catalog. Returns null for an unknown model. */
export function resolveModel(
  catalog: Pick<Catalog, 'providers'>,
  provider: string | null | undefined,
  model: string,
  options: ResolveOptions = {},
): Resolution | null {
  let requested = provider ? canonicalProvider(provider) : null;
  let id = model;
  const deployments = options.deployments;
  if (deployments && (requested === null || requested === 'azure')) {
    const key = model.trim().toLowerCase();
    for (const [name, target] of Object.entries(deployments)) {
      if (name.toLowerCase() === key) {
        id = target;
        break;
      }
    }
  }
  const analysis = analyzeModelId(id);
  if (analysis.candidates.length === 0) return null;
  requested ??= analysis.provider;

  const order: string[] = [];
  const push = (p: string | null | undefined): void => {
    if (p && !order.includes(p)) order.push(p);
  };
  if (requested) {
    push(requested);
    const fallbacks = (options.providerFallbacks ?? DEFAULT_PROVIDER_FALLBACKS)[requested] ?? [];
    for (const fb of fallbacks) push(fb === 'family' ? analysis.family : fb);
  } else {
    push(analysis.family);
    for (const p of ORIGIN_ORDER) push(p);
    for (const p of [...catalog.providers.keys()].sort()) push(p);
  }
  for (let i = 0; i < order.length; i++) {
    const p = order[i];
    if (p === undefined) continue;
    const hit = lookup(catalog, p, analysis.candidates);
    if (hit) return { ...hit, requestedProvider: requested, viaFallback: requested !== null && i > 0 };
  }
  return null;
}

export interface Resolver {
  resolve(provider: string | null | undefined, model: string): Resolution | null;
}

/** A memoised `resolveModel` for one catalog and options (the pricer's hot path). */
export function createResolver(catalog: Pick<Catalog, 'providers'>, options: ResolveOptions = {}, maxEntries = 100_000): Resolver {
  // provider → model → result; two levels so the hot path builds no key string.
  const memo = new Map<string, Map<string, Resolution | null>>();
  let size = 0;
  return {
    resolve(provider, model) {
      const p = provider ?? '';
      let byModel = memo.get(p);
      if (byModel) {
        const hit = byModel.get(model);
        if (hit !== undefined) return hit;
      }
      const result = resolveModel(catalog, provider, model, options);
      if (size >= maxEntries) {
        memo.clear();
        size = 0;
        byModel = undefined;
      }
      if (!byModel) {
        byModel = new Map();
        memo.set(p, byModel);
      }
      byModel.set(model, result);
      size++;
      return result;
    },
  };
}
