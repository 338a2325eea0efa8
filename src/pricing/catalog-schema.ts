/**
 * tally's own price-file format, `"format": "tally.prices.v1"`. The same
 * shape is used by the built-in catalog (src/pricing/catalog/*.json) and by
 * user price files. Every amount is decimal text (a JSON string, or a JSON
 * number read losslessly by src/core/lossless-json.ts) and is converted to exact
 * femto-USD by rates.ts. See docs/pricing.md for a worked example.
 */
import { z } from 'zod';
import { JsonNumber } from '../core/lossless-json.js';

export const TALLY_PRICES_FORMAT = 'tally.prices.v1';

const DECIMAL_RE = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$|^\.\d+$/;

/** A non-negative decimal, written as a string ("2.50") or a JSON number (2.5, 1.5e-07). */
export const decimalText = z
  .union([z.string(), z.instanceof(JsonNumber)], { error: 'must be a decimal number (a string such as "2.50" or a JSON number)' })
  .transform((v) => (typeof v === 'string' ? v.trim() : v.text))
  .refine((s) => DECIMAL_RE.test(s), { error: 'must be a non-negative decimal number' });

/** A whole number written as a JSON number (or its text). */
const wholeNumber = z
  .union([z.number(), z.string(), z.instanceof(JsonNumber)], { error: 'must be a whole number' })
  .transform((v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : v.text))
  .refine((s) => /^\d{1,15}$/.test(s), { error: 'must be a whole number' })
  .transform((s) => Number(s));

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?Z$/;

/** `YYYY-MM-DD` (midnight UTC) or an ISO datetime in UTC (`…Z`). */
export const effectiveFrom = z
  .string({ error: 'must be a date (YYYY-MM-DD) or a UTC datetime (YYYY-MM-DDTHH:MM:SSZ)' })
  .refine((s) => (DATE_RE.test(s) || DATETIME_RE.test(s)) && !Number.isNaN(Date.parse(DATE_RE.test(s) ? `${s}T00:00:00Z` : s)), {
    error: 'must be a date (YYYY-MM-DD) or a UTC datetime (YYYY-MM-DDTHH:MM:SSZ)',
  });

/**
 * Price per token class; the keys are exactly TOKEN_CLASSES, then the priced
 * details DETAIL_CLASSES (parts of a class with a price of their own, e.g.
 * cached audio tokens; a test keeps them in step).
 */
export const classPricesSchema = z.strictObject({
  input: decimalText.optional(),
  cached_input: decimalText.optional(),
  cache_write_5m: decimalText.optional(),
  cache_write_1h: decimalText.optional(),
  output: decimalText.optional(),
  reasoning: decimalText.optional(),
  audio_input: decimalText.optional(),
  audio_output: decimalText.optional(),
  image_input: decimalText.optional(),
  image_output: decimalText.optional(),
  /** Cache reads of audio tokens (part of cached_input); default: the cached_input price. */
  cached_audio_input: decimalText.optional(),
  /** Cache reads of image tokens (part of cached_input); default: the cached_input price. */
  cached_image_input: decimalText.optional(),
  /** Perplexity citation tokens (part of input); default: the input price. */
  citation_input: decimalText.optional(),
});

/** USD per unit; the keys are exactly UNIT_CLASSES. */
export const unitPricesSchema = z.strictObject({
  request: decimalText.optional(),
  tool_call: decimalText.optional(),
  web_search: decimalText.optional(),
  audio_second: decimalText.optional(),
  image: decimalText.optional(),
});

const classPrices = classPricesSchema;
const unitPrices = unitPricesSchema;

/** Prices per token class in one of three units, plus USD per unit for non-token units. */
const rateSetShape = {
  /** USD per 1,000,000 tokens (up to 9 decimals stay exact). */
  per_million: classPrices.optional(),
  /** USD per 1,000 tokens. */
  per_thousand: classPrices.optional(),
  /** USD per token. */
  per_token: classPrices.optional(),
  /** USD per unit: `request`, `tool_call`, `web_search` (per search request), `audio_second`, `image`. */
  units: unitPrices.optional(),
};

export const rateSetSchema = z.strictObject(rateSetShape);

export const tierSchema = z.strictObject({
  ...rateSetShape,
  /** The tier applies to the whole request when `usage.prompt_tokens` is above this. */
  above_prompt_tokens: wholeNumber.refine((n) => n > 0, { error: 'must be above zero' }),
  /** Batch prices for this tier (else the price's batch_discount, else the tier's standard prices). */
  batch: rateSetSchema.optional(),
  notes: z.string().optional(),
});

export const serviceTierSchema = z.strictObject({
  ...rateSetShape,
  tiers: z.array(tierSchema.omit({ batch: true })).optional(),
  notes: z.string().optional(),
});

export const SEARCH_CONTEXT_SIZES = ['low', 'medium', 'high'] as const;
export type SearchContextSize = (typeof SEARCH_CONTEXT_SIZES)[number];

/**
 * Unit prices by the search context size a request used (Perplexity bills one
 * request fee by `search_context_size`): each size's `units` replace the
 * price's own for that request. `default` is the size assumed when the usage
 * reports none.
 */
export const searchContextSchema = z.strictObject({
  default: z.enum(SEARCH_CONTEXT_SIZES).optional(),
  low: unitPricesSchema.optional(),
  medium: unitPricesSchema.optional(),
  high: unitPricesSchema.optional(),
});

export const priceSchema = z.strictObject({
  ...rateSetShape,
  effective_from: effectiveFrom,
  /** Where the price comes from: a URL, or text naming the document. */
  source: z.string().trim().min(1, { error: 'must name where the price comes from' }),
  notes: z.string().optional(),
  tiers: z.array(tierSchema).optional(),
  /** A decimal fraction taken off every token-class price for batch requests, e.g. "0.5". */
  batch_discount: decimalText.refine((s) => Number(s) < 1, { error: 'must be a fraction below 1, e.g. "0.5"' }).optional(),
  /** Explicit batch prices per class (win over batch_discount). */
  batch: rateSetSchema.optional(),
  /** Prices for a service tier named by the event (`priority`, `flex`, …). */
  service_tiers: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'service tier names are lower-case words' }), serviceTierSchema).optional(),
  /** Unit prices by search context size (Perplexity's request fee). */
  search_context: searchContextSchema.optional(),
});

const KEY_RE = /^[a-z0-9][a-z0-9_.-]*\/\S+$/;

export const modelSchema = z.strictObject({
  /** `<provider>/<model>`, e.g. `anthropic/claude-3-5-sonnet`. */
  key: z.string().regex(KEY_RE, { error: 'must be "<provider>/<model>" with a lower-case provider id' }),
  /** The provider whose price this is; defaults to the key's prefix and must equal it. */
  provider: z.string().optional(),
  /** Other model ids that mean this model (dated snapshots, `-latest`, host-specific ids). */
  aliases: z.array(z.string().min(1)).optional(),
  /** Regular expressions tried (case-insensitively) after every exact id and alias. */
  patterns: z.array(z.string().min(1)).optional(),
  notes: z.string().optional(),
  prices: z.array(priceSchema).min(1, { error: 'needs at least one price' }),
});

export const priceFileSchema = z.strictObject({
  format: z.literal(TALLY_PRICES_FORMAT),
  description: z.string().optional(),
  models: z.array(modelSchema),
});

export type RateSetSpec = z.output<typeof rateSetSchema>;
export type TierSpec = z.output<typeof tierSchema>;
export type ServiceTierSpec = z.output<typeof serviceTierSchema>;
export type PriceSpec = z.output<typeof priceSchema>;
export type SearchContextSpec = z.output<typeof searchContextSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type PriceFileSpec = z.output<typeof priceFileSchema>;
