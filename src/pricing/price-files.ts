/**
 * Price files: the built-in catalog (src/pricing/catalog/*.json, one file per
 * provider family) and user files given with `--prices FILE` (repeatable) or
 * the config. Each file is read losslessly, its format detected (tally's
 * `tally.prices.v1` or LiteLLM's model map), validated with errors naming
 * the file, the model and the field, and applied in order: built-ins first,
 * then user files in the order given. A user entry replaces the built-in
 * entry (or an earlier file's entry) of the same key — its whole price
 * history — see catalog.ts.
 *
 * A tally-format file is yours: any mistake in it is an error naming the
 * file, the model and the field (a typo never silently drops a price). A
 * LiteLLM file is someone else's: one entry never sinks it — an entry tally
 * cannot use is skipped alone, and the file's report (`source.report`,
 * `catalog.reports`) names it with the reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TallyError, type FieldError } from '../core/errors.js';
import { effectiveFrom as effectiveFromSchema, priceFileSchema, TALLY_PRICES_FORMAT } from './catalog-schema.js';
import { buildCatalog, compileModel, compileSource, type Catalog, type CatalogSource, type CompileOptions } from './catalog.js';
import { fromLiteLlm } from './litellm.js';
import type { PriceFileReport, SkippedEntry } from './price-report.js';
import type { CacheRule } from './rates.js';
import { isLosslessObject, parseLosslessJson, type LosslessJson } from '../core/lossless-json.js';

export type PriceFileFormat = 'tally' | 'litellm';

export interface PriceFileOptions {
  /** For LiteLLM files (which carry no dates): when their prices take effect. Default `1970-01-01`. */
  readonly litellmEffectiveFrom?: string;
  /** For LiteLLM files: providers whose `_above_<N>k_tokens` thresholds are inclusive. Default `['xai']`. */
  readonly litellmInclusiveThresholds?: readonly string[];
  /** Documented cache rules by model family (cache-rules.ts). Default DEFAULT_CACHE_RULES; `{}` turns them off. */
  readonly cacheRules?: Readonly<Record<string, CacheRule>>;
}

export interface LoadCatalogOptions extends PriceFileOptions {
  /** Include the built-in catalog (default true). */
  readonly builtins?: boolean;
  /** User price files, applied in this order after the built-ins. */
  readonly files?: readonly string[];
  /** Further in-memory sources, applied after the files. */
  readonly sources?: readonly CatalogSource[];
}

/** The folder of the built-in catalog files. */
export const BUILTIN_CATALOG_DIR: string = fileURLToPath(new URL('./catalog/', import.meta.url));

function fileError(file: string, reason: string, extra: Record<string, unknown> = {}, cause?: unknown): TallyError {
  return new TallyError('PRICE_FILE_INVALID', `${file}: ${reason}`, { details: { file, ...extra }, ...(cause === undefined ? {} : { cause }) });
}

/** Which format a parsed price document is in; throws PRICE_FILE_INVALID when neither. */
export function detectFormat(doc: LosslessJson, file: string): PriceFileFormat {
  if (isLosslessObject(doc) && 'format' in doc) {
    if (doc['format'] === TALLY_PRICES_FORMAT) return 'tally';
    throw fileError(file, `unsupported format ${JSON.stringify(doc['format'])}; expected "${TALLY_PRICES_FORMAT}"`, { field: 'format' });
  }
  if (isLosslessObject(doc)) {
    const values = Object.values(doc);
    if (values.length === 0 || values.some((v) => isLosslessObject(v) && ('litellm_provider' in v || 'input_cost_per_token' in v || 'output_cost_per_token' in v))) {
      return 'litellm';
    }
  }
  throw fileError(file, `not a price file: expected {"format": "${TALLY_PRICES_FORMAT}", "models": […]} or a LiteLLM model map ({"<model>": {"input_cost_per_token": …}})`);
}

function zodPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

function parseTally(doc: LosslessJson, file: string): CatalogSource {
  const parsed = priceFileSchema.safeParse(doc);
  if (!parsed.success) {
    const errors: FieldError[] = parsed.error.issues.map((i) => ({ path: zodPath(i.path), reason: i.message }));
    const first = parsed.error.issues[0];
    const modelIndex = first?.path[0] === 'models' && typeof first.path[1] === 'number' ? first.path[1] : undefined;
    const models = isLosslessObject(doc) && Array.isArray(doc['models']) ? doc['models'] : [];
    const modelEntry = modelIndex === undefined ? undefined : models[modelIndex];
    const modelKey = isLosslessObject(modelEntry) && typeof modelEntry['key'] === 'string' ? modelEntry['key'] : undefined;
    const field = first ? zodPath(first.path) : '';
    const where = modelKey ? `model ${modelKey}: ` : '';
    throw fileError(file, `${where}${field || '(root)'}: ${first?.message ?? 'invalid'}`, { ...(modelKey ? { model: modelKey } : {}), field, errors });
  }
  return { name: file, models: parsed.data.models };
}

/** Parses price-file text (either format) and validates every model fully. `file` names the file in errors. */
export function parsePriceText(text: string, file: string, options: PriceFileOptions = {}): CatalogSource {
  const source = parseUnchecked(text, file, options);
  const compile: CompileOptions = options.cacheRules === undefined ? {} : { cacheRules: options.cacheRules };
  if (source.report?.format !== 'litellm') {
    compileSource(source, compile);
    return source;
  }
  // LiteLLM: an entry that does not compile is skipped alone.
  const report = source.report;
  const skipped: SkippedEntry[] = [];
  const models = source.models.filter((m) => {
    try {
      compileModel(file, m, '', compile);
      return true;
    } catch (err) {
      if (!(err instanceof TallyError)) throw err;
      const entry = /entry "(.*)"\)$/.exec(m.prices[0]?.source ?? '')?.[1] ?? m.key;
      skipped.push({ entry, reason: 'not_compiled', detail: String(err.details.field ?? '') + ': ' + String(err.details.reason ?? err.message) });
      return false;
    }
  });
  if (skipped.length === 0) return source;
  const next: PriceFileReport = { ...report, imported: models.length, skipped: [...report.skipped, ...skipped] };
  const warnings = [...(source.warnings ?? []), ...skipped.map((s) => `${file}: entry ${s.entry} skipped (${s.reason}): ${s.detail}`)];
  return { name: source.name, models, warnings, report: next };
}

/** The report of a source: its own (LiteLLM), or what a tally-format file read (all of it, or it would have failed). */
export function reportOf(source: CatalogSource): PriceFileReport {
  if (source.report) return source.report;
  return { file: source.name, format: 'tally', entries: source.models.length, imported: source.models.length, aliases: 0, skipped: [], fields: [], inexact: [] };
}

function parseUnchecked(text: string, file: string, options: PriceFileOptions = {}): CatalogSource {
  let doc: LosslessJson;
  try {
    doc = parseLosslessJson(text, { source: file });
  } catch (err) {
    if (err instanceof TallyError) throw fileError(file, err.message.startsWith(`${file}: `) ? err.message.slice(file.length + 2) : err.message, err.details, err);
    throw err;
  }
  if (detectFormat(doc, file) === 'tally' || !isLosslessObject(doc)) return parseTally(doc, file);
  const effective = options.litellmEffectiveFrom;
  if (effective !== undefined && !effectiveFromSchema.safeParse(effective).success) {
    throw fileError(file, `litellm effective_from "${effective}" must be a date (YYYY-MM-DD) or a UTC datetime`);
  }
  return fromLiteLlm(doc, file, {
    ...(effective === undefined ? {} : { effectiveFrom: effective }),
    ...(options.litellmInclusiveThresholds === undefined ? {} : { inclusiveThresholds: options.litellmInclusiveThresholds }),
  }).source;
}

/** Reads and parses one price file. */
export function readPriceFile(path: string, options: PriceFileOptions = {}): CatalogSource {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw fileError(path, `cannot read the file: ${(err as Error).message}`, {}, err);
  }
  return parsePriceText(text, path, options);
}

let builtinCache: readonly CatalogSource[] | undefined;

/** The built-in catalog files, parsed (cached after the first call). */
export function builtinSources(): readonly CatalogSource[] {
  if (!builtinCache) {
    const files = readdirSync(BUILTIN_CATALOG_DIR).filter((f) => f.endsWith('.json')).sort();
    builtinCache = files.map((f) => {
      const source = parsePriceText(readFileSync(join(BUILTIN_CATALOG_DIR, f), 'utf8'), `builtin:${basename(f)}`);
      return source;
    });
  }
  return builtinCache;
}

/**
 * Builds the catalog: built-ins (unless `builtins: false`), then each file
 * in order, then any in-memory sources. Throws PRICE_FILE_INVALID naming the
 * file, model and field of the first problem.
 */
export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const sources: CatalogSource[] = [];
  if (options.builtins !== false) sources.push(...builtinSources());
  for (const f of options.files ?? []) sources.push(readPriceFile(f, options));
  sources.push(...(options.sources ?? []));
  return buildCatalog(sources, options.cacheRules === undefined ? {} : { cacheRules: options.cacheRules });
}
