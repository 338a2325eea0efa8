/**
 * Turns a price written in a price file into the precomputed bigint rate
 * tables the pricer multiplies with: femto-USD per token for every token
 * class (fallbacks already applied) and per unit for every unit class, one
 * table each for standard, batch and every service tier, each with its
 * prompt-size tiers. Nothing here runs on the hot path.
 */
import { TallyError } from '../core/errors.js';
import { parseScaled, pow10 } from '../core/money.js';
import type { PriceSpec, RateSetSpec, ServiceTierSpec, TierSpec } from './catalog-schema.js';
import { TOKEN_CLASSES, type TokenClass, UNIT_CLASSES } from '../core/classes.js';

/** Femto-USD per token per class (TOKEN_CLASSES order); null = the class has no price. */
export type TokenRates = readonly (bigint | null)[];
/** Femto-USD per unit per class (UNIT_CLASSES order); 0 when the price lists none. */
export type UnitRates = readonly bigint[];

export interface RateVector {
  readonly tokens: TokenRates;
  readonly units: UnitRates;
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
}

/** Where a price came from, for error messages. */
export interface PriceContext {
  readonly file: string;
  readonly model: string;
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
 * for reads); reasoning to output (providers that list no reasoning price
 * bill it as output); audio and image tokens to the text input/output price.
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
  units: (bigint | undefined)[];
}

const FORMS = [
  ['per_million', 9],
  ['per_thousand', 12],
  ['per_token', 15],
] as const;

function toScaled(ctx: PriceContext, field: string, text: string, scale: number): bigint {
  try {
    const v = parseScaled(text, scale, 'price');
    if (v < 0n) throw priceFileError(ctx, field, 'must not be negative');
    return v;
  } catch (err) {
    if (err instanceof TallyError && err.code === 'PRICE_FILE_INVALID') throw err;
    throw priceFileError(ctx, field, `"${text}" is not exact in femto-USD per token (at most 9 decimals per million, 12 per thousand, 15 per token)`, err);
  }
}

function explicitRates(ctx: PriceContext, path: string, set: RateSetSpec): PartialRates {
  const tokens: (bigint | undefined)[] = new Array<bigint | undefined>(TOKEN_CLASSES.length).fill(undefined);
  const units: (bigint | undefined)[] = new Array<bigint | undefined>(UNIT_CLASSES.length).fill(undefined);
  const seenIn: Partial<Record<TokenClass, string>> = {};
  for (const [form, scale] of FORMS) {
    const prices = set[form];
    if (!prices) continue;
    for (const cls of TOKEN_CLASSES) {
      const text = prices[cls];
      if (text === undefined) continue;
      const field = `${path}${form}.${cls}`;
      const earlier = seenIn[cls];
      if (earlier) throw priceFileError(ctx, field, `the ${cls} price is also given in ${earlier}; give it once`);
      seenIn[cls] = form;
      tokens[TOKEN_INDEX[cls]] = toScaled(ctx, field, text, scale);
    }
  }
  if (set.units) {
    UNIT_CLASSES.forEach((u, i) => {
      const text = set.units?.[u];
      if (text !== undefined) units[i] = toScaled(ctx, `${path}units.${u}`, text, 15);
    });
  }
  return { tokens, units };
}

function merge(over: PartialRates, base: PartialRates): PartialRates {
  return {
    tokens: over.tokens.map((v, i) => v ?? base.tokens[i]),
    units: over.units.map((v, i) => v ?? base.units[i]),
  };
}

function resolveFallbacks(p: PartialRates): RateVector {
  const tokens = TOKEN_CLASSES.map((cls, i) => {
    const own = p.tokens[i];
    if (own !== undefined) return own;
    for (const fb of CLASS_FALLBACKS[cls]) {
      const v = p.tokens[TOKEN_INDEX[fb]];
      if (v !== undefined) return v;
    }
    return null;
  });
  return { tokens, units: p.units.map((v) => v ?? 0n) };
}

/** A decimal fraction as numerator over 10^15. */
function parseDiscount(ctx: PriceContext, field: string, text: string): bigint {
  try {
    return parseScaled(text, 15, 'batch_discount');
  } catch (err) {
    throw priceFileError(ctx, field, `"${text}" has more than 15 decimals`, err);
  }
}

/** price × (1 − discount), exactly; an error when the result is not a whole number of femto-USD. */
function discounted(ctx: PriceContext, field: string, price: bigint, discount15: bigint, discountText: string): bigint {
  const scale = pow10(15);
  const product = price * (scale - discount15);
  if (product % scale !== 0n) {
    throw priceFileError(ctx, field, `batch_discount ${discountText} of this price is not a whole number of femto-USD; give the batch price explicitly`);
  }
  return product / scale;
}

function batchVector(
  ctx: PriceContext,
  path: string,
  standard: RateVector,
  explicit: RateSetSpec | undefined,
  discount: { value: bigint; text: string } | undefined,
): RateVector {
  const b = explicit ? explicitRates(ctx, `${path}batch.`, explicit) : undefined;
  const tokens = standard.tokens.map((std, i) => {
    const own = b?.tokens[i];
    if (own !== undefined) return own;
    if (std === null) return null;
    if (discount) return discounted(ctx, `${path}batch_discount (${TOKEN_CLASSES[i]})`, std, discount.value, discount.text);
    return std;
  });
  const units = standard.units.map((std, i) => b?.units[i] ?? std);
  return { tokens, units };
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
    base: resolveFallbacks(own),
    tiers: sortTiers(
      tiers.map((t, i) => ({
        above: t.above_prompt_tokens,
        label: `above_${t.above_prompt_tokens}`,
        rates: resolveFallbacks(merge(explicitRates(ctx, `${path}tiers[${i}].`, t), own)),
      })),
    ),
  };
}

export function effectiveFromMs(text: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
}

/** Compiles one price of a model. `path` prefixes field names in errors, e.g. `prices[1].`. */
export function compilePrice(ctx: PriceContext, path: string, price: PriceSpec): CompiledPrice {
  const basePartial = explicitRates(ctx, path, price);
  const base = resolveFallbacks(basePartial);
  const tierSpecs: readonly TierSpec[] = price.tiers ?? [];
  checkThresholds(ctx, path, tierSpecs);
  const discount = price.batch_discount === undefined ? undefined : { value: parseDiscount(ctx, `${path}batch_discount`, price.batch_discount), text: price.batch_discount };

  const standardTiers: TierRates[] = [];
  const batchTiers: TierRates[] = [];
  tierSpecs.forEach((t, i) => {
    const tpath = `${path}tiers[${i}].`;
    const rates = resolveFallbacks(merge(explicitRates(ctx, tpath, t), basePartial));
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
  };
}
