/**
 * The in-memory catalog: compiled model entries (bigint rate tables per
 * price version) and a per-provider index of model ids for resolution.
 *
 * Sources are applied in order (built-ins first, then each user file in the
 * order given). A later entry with the same key REPLACES the earlier entry's
 * whole price history; its aliases and patterns replace the earlier ones
 * when it lists any, and are inherited from the earlier entry when it lists
 * none. Within one source a key may appear only once.
 */
import type { ModelSpec } from './catalog-schema.js';
import { canonicalProvider, providerAliasTarget } from './providers.js';
import { cacheRuleFor, DEFAULT_CACHE_RULES } from './cache-rules.js';
import { compilePrice, priceFileError, type CacheRule, type CompiledPrice, type PriceContext } from './rates.js';
import type { PriceFileReport } from './price-report.js';

export interface CatalogEntry {
  /** `<provider>/<model>`, lower-case. */
  readonly key: string;
  readonly provider: string;
  /** The model part of the key. */
  readonly model: string;
  /** Lower-case model ids that also name this entry. */
  readonly aliases: readonly string[];
  readonly patterns: readonly RegExp[];
  /** Oldest first. */
  readonly prices: readonly CompiledPrice[];
  /** The source (file) the prices came from. */
  readonly origin: string;
}

export interface ProviderIndex {
  /** Model id (key model part or alias) → entry. Key model parts win over aliases. */
  readonly names: ReadonlyMap<string, CatalogEntry>;
  readonly patterns: readonly { readonly re: RegExp; readonly entry: CatalogEntry }[];
}

export interface Catalog {
  readonly entries: ReadonlyMap<string, CatalogEntry>;
  readonly providers: ReadonlyMap<string, ProviderIndex>;
  /** Non-fatal findings: alias conflicts, skipped LiteLLM entries, … */
  readonly warnings: readonly string[];
  /** What each price file that carries a report (LiteLLM imports) read, skipped and why. */
  readonly reports: readonly PriceFileReport[];
}

/** Models from one price file (or one built-in catalog file). */
export interface CatalogSource {
  readonly name: string;
  readonly models: readonly ModelSpec[];
  readonly warnings?: readonly string[];
  /** What was read and skipped (price files read with a report). */
  readonly report?: PriceFileReport;
}

/** Documented cache rules by model family (cache-rules.ts); `{}` turns them off. */
export interface CompileOptions {
  readonly cacheRules?: Readonly<Record<string, CacheRule>>;
}

function splitKey(ctx: PriceContext, key: string): { provider: string; model: string } {
  const slash = key.indexOf('/');
  const provider = key.slice(0, slash);
  const model = key.slice(slash + 1);
  const alias = providerAliasTarget(provider);
  if (alias) throw priceFileError(ctx, 'key', `provider "${provider}" is spelled "${alias}" in tally; use "${alias}/${model}"`);
  return { provider, model };
}

/** Compiles one validated model of a price file. */
export function compileModel(file: string, spec: ModelSpec, path = '', options: CompileOptions = {}): CatalogEntry {
  const key = spec.key.trim().toLowerCase();
  const { provider, model } = splitKey({ file, model: key }, key);
  const rule = cacheRuleFor(provider, model, options.cacheRules ?? DEFAULT_CACHE_RULES);
  const ctx: PriceContext = rule ? { file, model: key, cacheRule: rule } : { file, model: key };
  if (spec.provider !== undefined && canonicalProvider(spec.provider) !== provider) {
    throw priceFileError(ctx, `${path}provider`, `"${spec.provider}" does not match the key's provider "${provider}"`);
  }
  const patterns = (spec.patterns ?? []).map((p, i) => {
    try {
      return new RegExp(p, 'i');
    } catch (err) {
      throw priceFileError(ctx, `${path}patterns[${i}]`, `not a valid regular expression: ${(err as Error).message}`, err);
    }
  });
  const prices = spec.prices.map((p, i) => compilePrice(ctx, `${path}prices[${i}].`, p));
  const seen = new Map<number, number>();
  prices.forEach((p, i) => {
    const prev = seen.get(p.effectiveFromMs);
    if (prev !== undefined) throw priceFileError(ctx, `${path}prices[${i}].effective_from`, `same effective_from as prices[${prev}]`);
    seen.set(p.effectiveFromMs, i);
  });
  prices.sort((a, b) => a.effectiveFromMs - b.effectiveFromMs);
  const aliases = [...new Set((spec.aliases ?? []).map((a) => a.trim().toLowerCase()))].filter((a) => a !== model);
  return { key, provider, model, aliases, patterns, prices, origin: file };
}

interface Slot {
  entry: CatalogEntry;
  /** Order of the source that set it; later sources take precedence for aliases. */
  rank: number;
}

/** Compiles every model of a source once, so its errors surface when the file is read. Returns the entries. */
export function compileSource(source: CatalogSource, options: CompileOptions = {}): CatalogEntry[] {
  const seen = new Set<string>();
  return source.models.map((spec, i) => {
    const entry = compileModel(source.name, spec, `models[${i}].`, options);
    if (seen.has(entry.key)) throw priceFileError({ file: source.name, model: entry.key }, `models[${i}].key`, 'the same key appears twice in this file');
    seen.add(entry.key);
    return entry;
  });
}

/** Builds a catalog from sources applied in order (later sources override earlier ones by key). */
export function buildCatalog(sources: readonly CatalogSource[], options: CompileOptions = {}): Catalog {
  const warnings: string[] = [];
  const slots = new Map<string, Slot>();
  sources.forEach((source, rank) => {
    warnings.push(...(source.warnings ?? []));
    const entries = compileSource(source, options);
    source.models.forEach((spec, i) => {
      const entry = entries[i];
      if (!entry) return;
      const previous = slots.get(entry.key);
      const merged: CatalogEntry = previous
        ? {
            ...entry,
            aliases: spec.aliases === undefined ? previous.entry.aliases : entry.aliases,
            patterns: spec.patterns === undefined ? previous.entry.patterns : entry.patterns,
          }
        : entry;
      slots.set(entry.key, { entry: merged, rank });
    });
  });

  const byProvider = new Map<string, Slot[]>();
  for (const slot of slots.values()) {
    const list = byProvider.get(slot.entry.provider) ?? [];
    list.push(slot);
    byProvider.set(slot.entry.provider, list);
  }
  const providers = new Map<string, ProviderIndex>();
  for (const [provider, list] of byProvider) {
    // Later sources first, then catalog order, so a user's alias wins over a built-in one.
    const ordered = [...list].sort((a, b) => b.rank - a.rank);
    const names = new Map<string, CatalogEntry>();
    for (const { entry } of ordered) names.set(entry.model, entry);
    for (const { entry } of ordered) {
      for (const alias of entry.aliases) {
        const holder = names.get(alias);
        if (!holder) names.set(alias, entry);
        else if (holder !== entry) warnings.push(`${provider}: id "${alias}" of ${entry.key} already names ${holder.key}; it stays with ${holder.key}`);
      }
    }
    const patterns = ordered.flatMap(({ entry }) => entry.patterns.map((re) => ({ re, entry })));
    providers.set(provider, { names, patterns });
  }

  const entries = new Map<string, CatalogEntry>();
  for (const [key, slot] of slots) entries.set(key, slot.entry);
  return { entries, providers, warnings, reports: sources.flatMap((s) => (s.report ? [s.report] : [])) };
}

/** The price in force at `atMs`: the latest effective_from at or before it. */
export function priceAt(entry: CatalogEntry, atMs: number): CompiledPrice | undefined {
  const prices = entry.prices;
  for (let i = prices.length - 1; i >= 0; i--) {
    const p = prices[i];
    if (p !== undefined && p.effectiveFromMs <= atMs) return p;
  }
  return undefined;
}
