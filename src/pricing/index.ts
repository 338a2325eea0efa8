/**
 * Pricing: the catalog (tally format + LiteLLM import), model resolution and
 * the pricer. Typical use:
 *
 *   const catalog = loadCatalog({ files: ['my-prices.json'] });
 *   const pricer = createPricer(catalog, { deployments: { 'prod-chat': 'gpt-4o' } });
 *   const result = pricer.price({ provider, model, occurredAt, usage });
 */
export { buildCatalog, compileModel, priceAt, type Catalog, type CatalogEntry, type CatalogSource, type ProviderIndex } from './catalog.js';
export { TALLY_PRICES_FORMAT, priceFileSchema, type ModelSpec, type PriceFileSpec, type PriceSpec } from './catalog-schema.js';
export { fromLiteLlm, isLiteLlmDocument, type LiteLlmImportOptions } from './litellm.js';
export { JsonNumber, parseLosslessJson, type LosslessJson } from '../core/lossless-json.js';
export {
  BUILTIN_CATALOG_DIR,
  builtinSources,
  detectFormat,
  loadCatalog,
  parsePriceText,
  readPriceFile,
  type LoadCatalogOptions,
  type PriceFileFormat,
  type PriceFileOptions,
} from './price-files.js';
export {
  createPricer,
  DEFAULT_REPORTED_COST_BY_PROVIDER,
  type PriceInput,
  type Pricer,
  type PricerOptions,
  type ReportedCostPolicy,
} from './pricer.js';
export { DEFAULT_PROVIDER_FALLBACKS, canonicalProvider } from './providers.js';
export { CLASS_FALLBACKS } from './rates.js';
export { analyzeModelId, createResolver, resolveModel, type ModelIdAnalysis, type Resolution, type ResolveOptions, type Resolver } from './resolve.js';
export * from './types.js';
export { compilePriceBook, divHalfEven, ZERO_PRICE, type BillableEvent, type CompiledPriceBook, type EventPrice, type PriceBreakdown } from './price-book.js';
export { parsePriceBook, priceBookInputSchema, type PriceBook, type PriceBookInput, type PriceRule } from './price-book-schema.js';
export { PriceBookSet, priceBookVersionLabel, type CustomerPriceBook } from './price-books.js';
