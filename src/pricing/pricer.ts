/**
 * The pricer: (provider, model, occurred_at, usage) → exact cost per class.
 *
 * - Resolution is memoised; the price in force at occurred_at is the one
 *   with the latest effective_from at or before it.
 * - Rate tables are bigint femto-USD per token, precomputed per price
 *   version, per standard / batch / service tier and per prompt-size tier,
 *   with every missing-class fallback already applied (rates.ts), so a call
 *   is a few lookups and one multiplication per non-zero class.
 * - A tier (`above_<N>`) applies to the whole request when
 *   `usage.prompt_tokens` is above N. Batch wins over a service tier. The
 *   event's `batch` / `service_tier` win; without them, a service tier the
 *   usage object reports (Anthropic `usage.service_tier`: `batch`,
 *   `priority`) applies.
 * - Vectors whose rates are all whole femto-dollars take the fast path (one
 *   multiplication per class); finer rates, priced details and search
 *   context fees take exact-cost.ts (exact at 10⁻³⁰ USD, one rounding per
 *   class, half to even).
 * - Reported cost (e.g. OpenRouter's `usage.cost`) is used per policy:
 *   `fallback` (only when the catalog cannot price), `prefer` (whenever
 *   present), `ignore`. Default `fallback`, OpenRouter `prefer`.
 */
import { TallyError } from '../core/errors.js';
import { canonicalUtcMs } from '../core/time.js';
import { parseScaled, pow10, USD_SCALE, type Money } from '../core/money.js';
import type { NormalizedUsage } from '../normalize/types.js';
import { priceAt, type Catalog } from './catalog.js';
import { canonicalProvider } from './providers.js';
import { exactCost } from './exact-cost.js';
import { FINE_PER_FEMTO } from './fine.js';
import type { CompiledPrice, RateTable, RateVector, TierRates } from './rates.js';
import { createResolver, type Resolution, type ResolveOptions, type Resolver } from './resolve.js';
import type { CostBreakdown, PricingResult } from './types.js';

export type ReportedCostPolicy = 'fallback' | 'prefer' | 'ignore';

/**
 * How cached input tokens of a batch request are billed when the price lists
 * no batch price for cached_input (issue #11 item 8):
 *   stack            the batch discount applies to the cache-read price (Anthropic documents this;
 *                    OpenAI's batch price list shows cached input at half the cached price)
 *   batch_input      cached tokens bill at the batch input price (no cache discount in batch)
 *   standard_cached  cached tokens bill at the standard cache-read price (LiteLLM's rule when
 *                    an explicit batch input price exists)
 */
export type BatchCachePolicy = 'stack' | 'batch_input' | 'standard_cached';

export interface PricerOptions extends ResolveOptions {
  /** Batch × cache-read rule per provider (canonical id); default `stack` for every provider. */
  readonly batchCache?: Readonly<Record<string, BatchCachePolicy>>;
  /** How a cost reported by the provider is used. Default `fallback`. */
  readonly reportedCost?: ReportedCostPolicy;
  /** Per-provider policy overriding `reportedCost`. Default `{ openrouter: 'prefer' }` (OpenRouter's reported cost is the bill). */
  readonly reportedCostByProvider?: Readonly<Record<string, ReportedCostPolicy>>;
}

export interface PriceInput {
  readonly provider?: string;
  readonly model: string;
  readonly occurredAt: string | Date;
  readonly usage: NormalizedUsage;
  /** Priced with the batch prices. */
  readonly batch?: boolean;
  /** `priority`, `flex`, …; a tier the price does not list is billed at the standard price. */
  readonly serviceTier?: string;
  /** Overrides `usage.reported_cost` when given (null = none). Decimal USD text. */
  readonly reportedCost?: string | null;
}

export interface Pricer {
  price(input: PriceInput): PricingResult;
  /** The memoised resolver the pricer uses. */
  readonly resolver: Resolver;
  /** The catalog it prices from. */
  readonly catalog: Catalog;
}

export const DEFAULT_REPORTED_COST_BY_PROVIDER: Readonly<Record<string, ReportedCostPolicy>> = { openrouter: 'prefer' };

const ZERO_COST: CostBreakdown = Object.freeze({
  input: 0n, cached_input: 0n, cache_write_5m: 0n, cache_write_1h: 0n, output: 0n, reasoning: 0n,
  audio_input: 0n, audio_output: 0n, image_input: 0n, image_output: 0n,
  request: 0n, tool_call: 0n, web_search: 0n, audio_second: 0n, image: 0n,
});

const STANDARD_TIER_NAMES: ReadonlySet<string> = new Set(['', 'default', 'auto', 'standard', 'on_demand', 'on-demand']);

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two decimal digits at `i`, or -1. */
function d2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * Milliseconds of `YYYY-MM-DDTHH:MM:SS[.f…]Z` without Date.parse (several
 * times faster on the hot path); NaN for any other form, which then goes
 * through Date.parse.
 */
export function fastIsoMs(s: string): number {
  const n = s.length;
  if (n < 20 || s.charCodeAt(n - 1) !== 90 /* Z */ || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  const c = d2(s, 0);
  const yl = d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (c < 0 || yl < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return NaN;
  const y = c * 100 + yl;
  let ms = 0;
  if (n !== 20) {
    if (s.charCodeAt(19) !== 46 || n < 22 || n > 30) return NaN;
    let scale = 100;
    for (let i = 20; i < n - 1; i++) {
      const digit = s.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return NaN;
      ms += digit * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 31))) return NaN;
  // Days since 1970-01-01 (proleptic Gregorian).
  const yy = y - 1;
  const days = 365 * (y - 1970) + (Math.floor(yy / 4) - Math.floor(yy / 100) + Math.floor(yy / 400)) - 477 + (DAYS_BEFORE_MONTH[mo - 1] ?? 0) + (mo > 2 && leap ? 1 : 0) + d - 1;
  return ((days * 24 + h) * 60 + mi) * 60000 + sec * 1000 + ms;
}

function timeOf(at: string | Date): number {
  let ms: number;
  if (typeof at === 'string') {
    // The stamped form first: the stages before have read this very text (core/time.ts remembers it).
    ms = canonicalUtcMs(at) ?? fastIsoMs(at);
    if (Number.isNaN(ms)) ms = Date.parse(at);
  } else {
    ms = at.getTime();
  }
  if (Number.isNaN(ms)) throw new TallyError('VALIDATION_FAILED', `occurred_at "${String(at)}" is not a valid time`, { details: { errors: [{ path: 'occurred_at', reason: 'not a valid time' }] } });
  return ms;
}

function parseReported(text: string | null | undefined): Money | null {
  if (text === null || text === undefined) return null;
  try {
    const v = parseScaled(text, USD_SCALE, 'reported cost');
    return v < 0n ? null : v;
  } catch {
    return null;
  }
}

/** seconds × femto-USD per second, rounded half to even at 1 femto-USD. */
function audioSecondsCost(seconds: number, rate: bigint): bigint {
  if (!Number.isFinite(seconds) || seconds < 0) throw invalidCount('audio_seconds', seconds);
  if (Number.isSafeInteger(seconds)) return BigInt(seconds) * rate;
  // Seconds to whole nanoseconds: exact for up to 9 decimals, else rounded to the nearest nanosecond.
  let nanos: bigint;
  try {
    nanos = parseScaled(String(seconds), 9, 'audio_seconds');
  } catch {
    nanos = BigInt(Math.round(seconds * 1e9));
  }
  const unit = pow10(9);
  const product = nanos * rate;
  let q = product / unit;
  const r = product % unit;
  if (r * 2n > unit || (r * 2n === unit && q % 2n === 1n)) q += 1n;
  return q;
}

function unknown(code: 'UNKNOWN_MODEL' | 'NO_PRICE_IN_FORCE', message: string, modelKey: string | null): PricingResult {
  return {
    priced: false,
    pricing_error: { code, message },
    model_key: modelKey,
    price_version: null,
    cost: ZERO_COST,
    total: 0n,
    cache_savings: 0n,
    cost_source: 'none',
    tier: null,
  };
}

function reportedResult(base: PricingResult, reported: Money): PricingResult {
  return {
    priced: true,
    pricing_error: null,
    model_key: base.model_key,
    price_version: base.priced ? base.price_version : null,
    cost: ZERO_COST,
    total: reported,
    cache_savings: base.cache_savings,
    cost_source: 'reported',
    tier: base.tier,
  };
}

const tierNames = new Map<string, string | null>();

/** `Flex ` → `flex`; standard names → null. Cached: the set of spellings is small. */
function serviceTierName(tier: string): string | null {
  let name = tierNames.get(tier);
  if (name === undefined) {
    const n = tier.trim().toLowerCase();
    name = STANDARD_TIER_NAMES.has(n) ? null : n;
    if (tierNames.size < 1000) tierNames.set(tier, name);
  }
  return name;
}

function pickTable(price: CompiledPrice, batch: boolean | undefined, serviceTier: string | undefined): RateTable {
  if (batch) return price.batch;
  if (serviceTier !== undefined) {
    const name = serviceTierName(serviceTier);
    if (name !== null) {
      const t = price.service.get(name);
      if (t) return t;
    }
  }
  return price.standard;
}

/** The prompt-size tier that applies, or null for the table's base rates (no object built per event). */
function pickTier(table: RateTable, promptTokens: number): TierRates | null {
  for (const t of table.tiers) if (promptTokens > t.above) return t;
  return null;
}

function invalidCount(field: string, value: number): TallyError {
  return new TallyError('USAGE_INVALID', `usage.${field} must be a non-negative whole number, got ${value}`, { details: { errors: [{ path: `usage.${field}`, reason: 'not a non-negative whole number' }] } });
}

/** A count as bigint; USAGE_INVALID for a negative, fractional or non-finite count (the normalizer never produces one). */
function count(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw invalidCount(field, value);
  return BigInt(value);
}

/** Cost of `n` tokens at `rate`; a class without a price with a non-zero count is a pricing error (null). */
function tokenCost(n: number, rate: bigint | null | undefined, field: string): bigint | null {
  if (n === 0) return 0n;
  if (rate === null || rate === undefined) return null;
  return count(n, field) * rate;
}

function unitCost(n: number, rate: bigint | undefined, field: string): bigint {
  if (n === 0 || rate === undefined || rate === 0n) return 0n;
  return count(n, field) * rate;
}

/** A vector with cached_input (and the cache-read details that follow it) billed at `rate`. */
function withCachedRate(r: RateVector, rate: bigint | null): RateVector {
  const old = r.exact[1] ?? null;
  const exact = r.exact.map((v, i) => (i === 1 ? rate : v));
  const details = r.details.map((v, i) => (i < 2 && v === old ? rate : v));
  return { ...r, exact, details, tokens: exact.map((v) => (v === null ? null : v / FINE_PER_FEMTO)), whole: false };
}

const batchAdjusted = new WeakMap<RateVector, Map<string, RateVector>>();

/** The batch vector under a non-default batch × cache policy (memoised per vector). */
function batchCacheVector(r: RateVector, policy: BatchCachePolicy, price: CompiledPrice, promptTokens: number): RateVector {
  if (policy === 'stack' || r.explicitBatchCached === true) return r;
  let byPolicy = batchAdjusted.get(r);
  if (!byPolicy) {
    byPolicy = new Map();
    batchAdjusted.set(r, byPolicy);
  }
  let v = byPolicy.get(policy);
  if (!v) {
    const rate = policy === 'batch_input' ? (r.exact[0] ?? null) : ((pickTier(price.standard, promptTokens)?.rates ?? price.standard.base).exact[1] ?? null);
    v = withCachedRate(r, rate);
    byPolicy.set(policy, v);
  }
  return v;
}

/** The unit prices of the request's search context size, or null (the vector's own). */
function searchUnits(price: CompiledPrice, usage: NormalizedUsage): readonly (bigint | null)[] | null {
  const sc = price.searchContext;
  if (sc === null) return null;
  const size = usage.search_context_size?.trim().toLowerCase() ?? sc.default;
  return size === null ? null : (sc.sizes.get(size) ?? null);
}

function catalogPrice(res: Resolution, atMs: number, input: PriceInput, batchPolicy: BatchCachePolicy): PricingResult {
  const entry = res.entry;
  const price = priceAt(entry, atMs);
  if (!price) {
    const first = entry.prices[0]?.effectiveFrom ?? 'never';
    return unknown('NO_PRICE_IN_FORCE', `${entry.key} has no price in force at ${new Date(atMs).toISOString()} (first price from ${first})`, entry.key);
  }
  const usage = input.usage;
  const tierName = input.serviceTier ?? usage.service_tier;
  const batch = input.batch === true || (tierName !== undefined && serviceTierName(tierName) === 'batch');
  const table = pickTable(price, batch, tierName);
  const picked = pickTier(table, usage.prompt_tokens);
  const label = picked === null ? null : picked.label;
  const tierRates = picked === null ? table.base : picked.rates;
  const rates = batch ? batchCacheVector(tierRates, batchPolicy, price, usage.prompt_tokens) : tierRates;
  if (!rates.whole || (rates.detailsPriced && usage.details !== undefined) || price.searchContext !== null) {
    const exact = exactCost(rates, usage, searchUnits(price, usage));
    if (exact.missing.length > 0) return unknown('NO_PRICE_IN_FORCE', `${entry.key}@${price.effectiveFrom} has no price for ${exact.missing.join(', ')} tokens`, entry.key);
    return { priced: true, pricing_error: null, model_key: entry.key, price_version: price.version, cost: exact.cost, total: exact.total, cache_savings: exact.savings, cost_source: 'catalog', tier: label };
  }
  const t = usage.tokens;
  const r = rates.tokens;
  const input_ = tokenCost(t.input, r[0], 'tokens.input');
  const cached = tokenCost(t.cached_input, r[1], 'tokens.cached_input');
  const cw5 = tokenCost(t.cache_write_5m, r[2], 'tokens.cache_write_5m');
  const cw1 = tokenCost(t.cache_write_1h, r[3], 'tokens.cache_write_1h');
  const output = tokenCost(t.output, r[4], 'tokens.output');
  const reasoning = tokenCost(t.reasoning, r[5], 'tokens.reasoning');
  const audioIn = tokenCost(t.audio_input, r[6], 'tokens.audio_input');
  const audioOut = tokenCost(t.audio_output, r[7], 'tokens.audio_output');
  const imageIn = tokenCost(t.image_input, r[8], 'tokens.image_input');
  const imageOut = tokenCost(t.image_output, r[9], 'tokens.image_output');
  if (input_ === null || cached === null || cw5 === null || cw1 === null || output === null || reasoning === null || audioIn === null || audioOut === null || imageIn === null || imageOut === null) {
    const names = ['input', 'cached_input', 'cache_write_5m', 'cache_write_1h', 'output', 'reasoning', 'audio_input', 'audio_output', 'image_input', 'image_output'] as const;
    const missing = names.filter((n, i) => t[n] !== 0 && (r[i] === null || r[i] === undefined));
    return unknown('NO_PRICE_IN_FORCE', `${entry.key}@${price.effectiveFrom} has no price for ${missing.join(', ')} tokens`, entry.key);
  }
  const u = rates.units;
  const request = unitCost(usage.requests, u[0], 'requests');
  const toolCall = unitCost(usage.tool_calls, u[1], 'tool_calls');
  const webSearch = unitCost(usage.web_search_requests, u[2], 'web_search_requests');
  const audioSecond = usage.audio_seconds === 0 || u[3] === undefined || u[3] === 0n ? 0n : audioSecondsCost(usage.audio_seconds, u[3]);
  const image = unitCost(usage.images, u[4], 'images');
  // Only the classes used are added: every bigint sum allocates, and most of the fifteen are 0.
  let total = input_;
  for (const v of [cached, cw5, cw1, output, reasoning, audioIn, audioOut, imageIn, imageOut, request, toolCall, webSearch, audioSecond, image]) if (v !== 0n) total += v;
  const savings = t.cached_input === 0 ? 0n : BigInt(t.cached_input) * ((r[0] ?? 0n) - (r[1] ?? 0n));
  return {
    priced: true,
    pricing_error: null,
    model_key: entry.key,
    price_version: price.version,
    cost: {
      input: input_, cached_input: cached, cache_write_5m: cw5, cache_write_1h: cw1, output, reasoning,
      audio_input: audioIn, audio_output: audioOut, image_input: imageIn, image_output: imageOut,
      request, tool_call: toolCall, web_search: webSearch, audio_second: audioSecond, image,
    },
    total,
    cache_savings: savings,
    cost_source: 'catalog',
    tier: label,
  };
}

/** Builds a pricer over a catalog (see loadCatalog in price-files.ts). */
export function createPricer(catalog: Catalog, options: PricerOptions = {}): Pricer {
  const resolver = createResolver(catalog, options);
  const batchCache = new Map<string, BatchCachePolicy>();
  for (const [p, v] of Object.entries(options.batchCache ?? {})) batchCache.set(canonicalProvider(p), v);
  const defaultPolicy = options.reportedCost ?? 'fallback';
  const byProvider = new Map<string, ReportedCostPolicy>();
  for (const [p, v] of Object.entries(options.reportedCostByProvider ?? DEFAULT_REPORTED_COST_BY_PROVIDER)) byProvider.set(canonicalProvider(p), v);
  const policyCache = new Map<string, ReportedCostPolicy>();
  const policyFor = (provider: string | undefined): ReportedCostPolicy => {
    if (provider === undefined) return defaultPolicy;
    let p = policyCache.get(provider);
    if (p === undefined) {
      p = byProvider.get(canonicalProvider(provider)) ?? defaultPolicy;
      if (policyCache.size < 1000) policyCache.set(provider, p);
    }
    return p;
  };

  function price(input: PriceInput): PricingResult {
    const atMs = timeOf(input.occurredAt);
    const res = resolver.resolve(input.provider, input.model);
    const result = res
      ? catalogPrice(res, atMs, input, batchCache.size === 0 ? 'stack' : (batchCache.get(res.entry.provider) ?? 'stack'))
      : unknown('UNKNOWN_MODEL', `no price is known for model "${input.model}"${input.provider ? ` (provider ${input.provider})` : ''}`, null);
    const reportedText = input.reportedCost !== undefined ? input.reportedCost : input.usage.reported_cost;
    if (reportedText === null || reportedText === undefined) return result;
    const policy = policyFor(input.provider ?? res?.requestedProvider ?? undefined);
    if (policy === 'ignore' || (policy === 'fallback' && result.priced)) return result;
    const reported = parseReported(reportedText);
    return reported === null ? result : reportedResult(result, reported);
  }

  return { price, resolver, catalog };
}
