/**
 * Turns a price written in a price file into the precomputed bigint rate
 * tables the pricer multiplies with: the price of every token class
 * (fallbacks already applied), of every priced detail and of every unit
 * class, one table each for standard, batch and every service tier, each
 * with its prompt-size tiers. Rates are exact at 10⁻³⁰ USD (fine.ts); a
 * vector whose rates are all whole femto-dollars is marked `whole`, and the
 * pricer multiplies those without any rounding. Nothing here runs on the hot
 * path.
 */
import { TallyError } from '../core/errors.js';
import { parseScaled, pow10 } from '../core/money.js';
import { DETAIL_CLASSES, DETAIL_PARENT, type DetailClass } from '../normalize/types.js';
import { SEARCH_CONTEXT_SIZES, type PriceSpec, type RateSetSpec, type SearchContextSize, type ServiceTierSpec, type TierSpec } from './catalog-schema.js';
import { FINE_PER_FEMTO, FINE_SCALE, isWholeFemto, parseFine } from './fine.js';
import { TOKEN_CLASSES, type TokenClass, UNIT_CLASSES } from '../core/classes.js';

/** Femto-USD per token per class (TOKEN_CLASSES order); null = the class has no price. Valid when the vector is `whole`. */
export type TokenRates = readonly (bigint | null)[];
/** Femto-USD per unit per class (UNIT_CLASSES order); 0 when the price lists none. Valid when the vector is `whole`. */
export type UnitRates = readonly bigint[];

export interface RateVector {
  /** Femto-USD per token (the fast path). */
  readonly tokens: TokenRates;
  readonly units: UnitRates;
  /** Every token class at 10⁻³⁰ USD per token; null = no price. */
  readonly exact: readonly (bigint | null)[];
  /** Every priced detail (DETAIL_CLASSES order) at 10⁻³⁰ USD per token; null when its class has no price. */
  readonly details: readonly (bigint | null)[];
  /** Every unit at 10⁻³⁰ USD per unit (0 = not priced). */
  readonly exactUnits: readonly bigint[];
  /** Every token and unit price is a whole number of femto-USD: `tokens`/`units` are exact and no rounding is needed. */
  readonly whole: boolean;
  /** Some detail has a price of its own (different from its class's): details must be priced apart. */
  readonly detailsPriced: boolean;
  /** Batch vectors: the cached_input batch price was given explicitly (not derived from a discount or the standard price); false elsewhere. */
  readonly explicitBatchCached: boolean;
}

export interface TierRates {
  /** Applies when `prompt_tokens` is above this. */
  readonly above: number;
  /** `above_<N>`, recorded in the result. */
  readonly label: string;
  readonly rates: RateVector;
}

export interface RateTable {
  readonly base: RateVector;
  /** Highest threshold first. */
  readonly tiers: readonly TierRates[];
}

/** Unit prices by search context size (Perplexity's request fee). */
export interface SearchContextRates {
  /** The size assumed when the usage reports none; null = the price's own units. */
  readonly default: SearchContextSize | null;
  /** Size → unit prices at 10⁻³⁰ USD (UNIT_CLASSES order; null = the table's own). */
  readonly sizes: ReadonlyMap<string, readonly (bigint | null)[]>;
}

export interface CompiledPrice {
  /** As written in the file: `2024-06-20` or `2024-06-20T12:00:00Z`. */
  readonly effectiveFrom: string;
  readonly effectiveFromMs: number;
  /** `<key>@<effective_from>`, recorded as the result's price_version. */
  readonly version: string;
  readonly source: string;
  readonly standard: RateTable;
  readonly batch: RateTable;
  /** Service tier name → prices (a Map: names come from events). */
  readonly service: ReadonlyMap<string, RateTable>;
  readonly searchContext: SearchContextRates | null;
}

/**
 * A documented cache price rule of a provider: the cache classes a price does
 * not list are these fractions of its input price (instead of the input price
 * itself). Decimal text, e.g. Anthropic `{cached_input: "0.1", cache_write_5m: "1.25", cache_write_1h: "2"}`.
 */
export type CacheRule = Readonly<Partial<Record<'cached_input' | 'cache_write_5m' | 'cache_write_1h', string>>>;

/** Where a price came from, for error messages, and the rules that apply to it. */
export interface PriceContext {
  readonly file: string;
  readonly model: string;
  /** The provider's documented cache price rule, if any (see cache-rules.ts). */
  readonly cacheRule?: CacheRule;
}

export function priceFileError(ctx: PriceContext, field: string, reason: string, cause?: unknown): TallyError {
  return new TallyError('PRICE_FILE_INVALID', `${ctx.file}: model ${ctx.model}: ${field}: ${reason}`, {
    details: { file: ctx.file, model: ctx.model, field, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

const TOKEN_INDEX: Readonly<Record<TokenClass, number>> = Object.fromEntries(TOKEN_CLASSES.map((c, i) => [c, i])) as Record<TokenClass, number>;

/**
 * Missing-price fallbacks, tried in order. A class with no price of its own
 * takes the first fallback that has one. Cache reads and writes fall back to
 * the input price (never cheaper than the truth for writes, never a silent 0
 * for reads) unless the provider documents a cache rule; reasoning to output
 * (providers that list no reasoning price bill it as output); audio and
 * image tokens to the text input/output price.
 */
export const CLASS_FALLBACKS: Readonly<Record<TokenClass, readonly TokenClass[]>> = {
  input: [],
  cached_input: ['input'],
  cache_write_5m: ['input'],
  cache_write_1h: ['cache_write_5m', 'input'],
  output: [],
  reasoning: ['output'],
  audio_input: ['input'],
  audio_output: ['output'],
  image_input: ['input'],
  image_output: ['output'],
};

interface PartialRates {
  tokens: (bigint | undefined)[];
  details: (bigint | undefined)[];
  units: (bigint | undefined)[];
}

/** Price forms and the power of ten of tokens they are per. */
const FORMS = [
  ['per_million', 6],
  ['per_thousand', 3],
  ['per_token', 0],
] as const;

function toFine(ctx: PriceContext, field: string, text: string, shift: number): bigint {
  try {
    const v = parseFine(text, shift);
    if (v < 0n) throw priceFileError(ctx, field, 'must not be negative');
    return v;
  } catch (err) {
    if (err instanceof TallyError && err.code === 'PRICE_FILE_INVALID') throw err;
    throw priceFileError(ctx, field, `"${text}" has more than ${FINE_SCALE} decimals of USD per token (${FINE_SCALE - 6} per million, ${FINE_SCALE - 3} per thousand); tally keeps prices exact to 10⁻³⁰ USD`, err);
  }
}

function explicitRates(ctx: PriceContext, path: string, set: RateSetSpec): PartialRates {
  const tokens = new Array<bigint | undefined>(TOKEN_CLASSES.length).fill(undefined);
  const details = new Array<bigint | undefined>(DETAIL_CLASSES.length).fill(undefined);
  const units = new Array<bigint | undefined>(UNIT_CLASSES.length).fill(undefined);
  const seenIn: Partial<Record<string, string>> = {};
  for (const [form, shift] of FORMS) {
    const prices = set[form];
    if (!prices) continue;
    const put = (cls: TokenClass | DetailClass, text: string | undefined, write: (v: bigint) => void): void => {
      if (text === undefined) return;
      const field = `${path}${form}.${cls}`;
      const earlier = seenIn[cls];
      if (earlier) throw priceFileError(ctx, field, `the ${cls} price is also given in ${earlier}; give it once`);
      seenIn[cls] = form;
      write(toFine(ctx, field, text, shift));
    };
    TOKEN_CLASSES.forEach((cls, i) => put(cls, prices[cls], (v) => (tokens[i] = v)));
    DETAIL_CLASSES.forEach((cls, i) => put(cls, prices[cls], (v) => (details[i] = v)));
  }
  if (set.units) {
    UNIT_CLASSES.forEach((u, i) => {
      const text = set.units?.[u];
      if (text !== undefined) units[i] = toFine(ctx, `${path}units.${u}`, text, 0);
    });
  }
  return { tokens, details, units };
}

/**
 * `over` on top of `base`: every class `over` lists wins. A tier (service or
 * prompt-size) that lists an output price but no reasoning price bills
 * reasoning at ITS output price: providers bill thinking tokens as output
 * tokens of the request's tier (issue #11; LiteLLM does the same for
 * service tiers).
 */
function merge(over: PartialRates, base: PartialRates): PartialRates {
  const out = over.tokens[TOKEN_INDEX.output];
  const tokens = over.tokens.map((v, i) => v ?? base.tokens[i]);
  if (out !== undefined && over.tokens[TOKEN_INDEX.reasoning] === undefined) tokens[TOKEN_INDEX.reasoning] = out;
  return {
    tokens,
    details: over.details.map((v, i) => v ?? base.details[i]),
    units: over.units.map((v, i) => v ?? base.units[i]),
  };
}

/** A fraction (decimal text, ≤ 15 decimals) as numerator over 10^15. */
function fraction15(ctx: PriceContext, field: string, text: string): bigint {
  try {
    return parseScaled(text, 15, field);
  } catch (err) {
    throw priceFileError(ctx, field, `"${text}" has more than 15 decimals`, err);
  }
}

/** `fine × m15 / 10^15`, exactly; an error when the result is finer than 10⁻³⁰ USD. */
function scaled(ctx: PriceContext, field: string, fine: bigint, m15: bigint, what: string): bigint {
  const product = fine * m15;
  const scale = pow10(15);
  if (product % scale !== 0n) throw priceFileError(ctx, field, `${what} of this price is finer than 10⁻³⁰ USD; give the price explicitly`);
  return product / scale;
}

function buildVector(ctx: PriceContext, path: string, p: PartialRates): RateVector {
  const rule = ctx.cacheRule;
  const input = p.tokens[TOKEN_INDEX.input];
  const exact: (bigint | null)[] = TOKEN_CLASSES.map((cls, i) => {
    const own = p.tokens[i];
    if (own !== undefined) return own;
    const m = rule?.[cls as keyof CacheRule];
    if (m !== undefined && input !== undefined) return scaled(ctx, `${path}${cls}`, input, fraction15(ctx, `cache rule ${cls}`, m), `the documented cache rule (${m} × input)`);
    for (const fb of CLASS_FALLBACKS[cls]) {
      const v = p.tokens[TOKEN_INDEX[fb]];
      if (v !== undefined) return v;
    }
    return null;
  });
  // A fallback that itself came from the cache rule (cache_write_1h → cache_write_5m) is resolved above in order.
  const details = DETAIL_CLASSES.map((d, i) => p.details[i] ?? exact[TOKEN_INDEX[DETAIL_PARENT[d]]] ?? null);
  const detailsPriced = DETAIL_CLASSES.some((d, i) => details[i] !== (exact[TOKEN_INDEX[DETAIL_PARENT[d]]] ?? null));
  const exactUnits = p.units.map((v) => v ?? 0n);
  const whole = exact.every((v) => v === null || isWholeFemto(v)) && exactUnits.every(isWholeFemto);
  return {
    tokens: exact.map((v) => (v === null ? null : v / FINE_PER_FEMTO)),
    units: exactUnits.map((v) => v / FINE_PER_FEMTO),
    exact,
    details,
    exactUnits,
    whole,
    detailsPriced,
    explicitBatchCached: false,
  };
}

function batchVector(
  ctx: PriceContext,
  path: string,
  standard: RateVector,
  explicit: RateSetSpec | undefined,
  discount: { value: bigint; text: string } | undefined,
): RateVector {
  const b = explicit ? explicitRates(ctx, `${path}batch.`, explicit) : undefined;
  const derive = (std: bigint | null, own: bigint | undefined, what: string): bigint | null => {
    if (own !== undefined) return own;
    if (std === null) return null;
    if (discount) return scaled(ctx, `${path}batch_discount (${what})`, std, pow10(15) - discount.value, `batch_discount ${discount.text}`);
    return std;
  };
  const exact = standard.exact.map((std, i) => derive(std, b?.tokens[i], TOKEN_CLASSES[i] ?? ''));
  const details = standard.details.map((std, i) => {
    const own = b?.details[i];
    if (own !== undefined) return own;
    // A detail without a batch price of its own follows its class in batch: the class's batch price when the
    // detail costs what its class costs, else the detail's standard price with the discount (if any).
    const parent = TOKEN_INDEX[DETAIL_PARENT[DETAIL_CLASSES[i] as DetailClass]];
    if (std === standard.exact[parent]) return exact[parent] ?? null;
    return derive(std, undefined, DETAIL_CLASSES[i] ?? '');
  });
  const exactUnits = standard.exactUnits.map((std, i) => b?.units[i] ?? std);
  const whole = exact.every((v) => v === null || isWholeFemto(v)) && exactUnits.every(isWholeFemto);
  const detailsPriced = DETAIL_CLASSES.some((d, i) => details[i] !== (exact[TOKEN_INDEX[DETAIL_PARENT[d]]] ?? null));
  return {
    tokens: exact.map((v) => (v === null ? null : v / FINE_PER_FEMTO)),
    units: exactUnits.map((v) => v / FINE_PER_FEMTO),
    exact,
    details,
    exactUnits,
    whole,
    detailsPriced,
    explicitBatchCached: b?.tokens[TOKEN_INDEX.cached_input] !== undefined,
  };
}

function checkThresholds(ctx: PriceContext, path: string, tiers: readonly { above_prompt_tokens: number }[]): void {
  const seen = new Set<number>();
  tiers.forEach((t, i) => {
    if (seen.has(t.above_prompt_tokens)) throw priceFileError(ctx, `${path}tiers[${i}].above_prompt_tokens`, `two tiers above ${t.above_prompt_tokens}`);
    seen.add(t.above_prompt_tokens);
  });
}

function sortTiers(tiers: TierRates[]): TierRates[] {
  return tiers.sort((a, b) => b.above - a.above);
}

function serviceTable(ctx: PriceContext, path: string, spec: ServiceTierSpec, standardBase: PartialRates): RateTable {
  const own = merge(explicitRates(ctx, path, spec), standardBase);
  const tiers = spec.tiers ?? [];
  checkThresholds(ctx, path, tiers);
  return {
    base: buildVector(ctx, path, own),
    tiers: sortTiers(
      tiers.map((t, i) => ({
        above: t.above_prompt_tokens,
        label: `above_${t.above_prompt_tokens}`,
        rates: buildVector(ctx, `${path}tiers[${i}].`, merge(explicitRates(ctx, `${path}tiers[${i}].`, t), own)),
      })),
    ),
  };
}

function searchContextRates(ctx: PriceContext, path: string, price: PriceSpec): SearchContextRates | null {
  const spec = price.search_context;
  if (!spec) return null;
  const sizes = new Map<string, readonly (bigint | null)[]>();
  for (const size of SEARCH_CONTEXT_SIZES) {
    const units = spec[size];
    if (!units) continue;
    sizes.set(size, UNIT_CLASSES.map((u) => {
      const text = units[u];
      return text === undefined ? null : toFine(ctx, `${path}search_context.${size}.${u}`, text, 0);
    }));
  }
  return { default: spec.default ?? null, sizes };
}

export function effectiveFromMs(text: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
}

/** Compiles one price of a model. `path` prefixes field names in errors, e.g. `prices[1].`. */
export function compilePrice(ctx: PriceContext, path: string, price: PriceSpec): CompiledPrice {
  const basePartial = explicitRates(ctx, path, price);
  const base = buildVector(ctx, path, basePartial);
  const tierSpecs: readonly TierSpec[] = price.tiers ?? [];
  checkThresholds(ctx, path, tierSpecs);
  const discount = price.batch_discount === undefined ? undefined : { value: fraction15(ctx, `${path}batch_discount`, price.batch_discount), text: price.batch_discount };

  const standardTiers: TierRates[] = [];
  const batchTiers: TierRates[] = [];
  tierSpecs.forEach((t, i) => {
    const tpath = `${path}tiers[${i}].`;
    const rates = buildVector(ctx, tpath, merge(explicitRates(ctx, tpath, t), basePartial));
    const label = `above_${t.above_prompt_tokens}`;
    standardTiers.push({ above: t.above_prompt_tokens, label, rates });
    batchTiers.push({ above: t.above_prompt_tokens, label, rates: batchVector(ctx, tpath, rates, t.batch, discount) });
  });

  const service = new Map<string, RateTable>();
  for (const [name, spec] of Object.entries(price.service_tiers ?? {})) {
    service.set(name, serviceTable(ctx, `${path}service_tiers.${name}.`, spec, basePartial));
  }

  return {
    effectiveFrom: price.effective_from,
    effectiveFromMs: effectiveFromMs(price.effective_from),
    version: `${ctx.model}@${price.effective_from}`,
    source: price.source,
    standard: { base, tiers: sortTiers(standardTiers) },
    batch: { base: batchVector(ctx, path, base, price.batch, discount), tiers: sortTiers(batchTiers) },
    service,
    searchContext: searchContextRates(ctx, path, price),
  };
}
