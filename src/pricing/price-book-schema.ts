/**
 * The price-book document: what a customer is billed for an event (issue 16).
 * The zod schema is the contract (the API's PUT body, the CLI's `--file`, what
 * the repository stores); `parsePriceBook` adds the rules zod cannot say and
 * reports every mistake as a field error (`PRICE_BOOK_INVALID`,
 * `details.errors = [{path, reason}]`). A `PriceBook` is the normalised,
 * JSON-safe form: parsing it again returns it unchanged.
 *
 * A rule says how one part of an event is billed, from its `effective_from`:
 *   markup       price of a class = its cost × (100 + percent) / 100
 *   contract     price of a class = quantity × contract price (USD per million
 *                tokens for token classes, per unit for unit classes)
 *   request_fee  a fee per request, added to the `request` class
 *   minimum      the least an event is billed per request; the difference
 *                to the event's price is added to the `request` class
 * A rule's `match` selects events by at most one of model / family / provider
 * (none: every event), and a markup rule may name the classes it covers.
 * Allowances (free usage per period) are part of the book but are applied by
 * statements, never to one event's price (docs/billing.md).
 */
import { z } from 'zod';
import { TallyError, type FieldError } from '../core/errors.js';
import { COST_CLASSES, TOKEN_CLASSES, UNIT_CLASSES, type CostClass, type TokenClass, type UnitClass } from '../core/classes.js';
import { formatScaled, parseScaled, USD_SCALE } from '../core/money.js';
import { formatIso, parseRfc3339 } from '../core/time.js';

/** Decimal places of a markup percentage (`"12.5"`: 12.5 %). */
export const PERCENT_SCALE = 6;
/** Decimal places of a contract price per million tokens: a per-token price is then exact in femto-USD. */
export const PER_MILLION_SCALE = USD_SCALE - 6;
/** Limits that keep one event's price far inside Decimal(38, 15) (docs/billing.md, "Limits"). */
export const PRICE_BOOK_LIMITS = {
  maxRules: 1000,
  maxAllowances: 100,
  /** Markup percentage range: -100 (free) … 100000 (1001 × cost). */
  minPercent: -100n,
  maxPercent: 100_000n,
  /** Most USD of any contract price, fee or minimum. */
  maxUsd: 1_000_000n,
} as const;

export const RULE_KINDS = ['markup', 'contract', 'request_fee', 'minimum'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const ALLOWANCE_PERIODS = ['day', 'month'] as const;
export type AllowancePeriod = (typeof ALLOWANCE_PERIODS)[number];

const text = z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters');
const decimal = z.union([z.string(), z.number()]);
const timestamp = z.string();

/** Which events a rule applies to: at most one selector; none = every event. */
const matchSchema = z
  .object({
    /** A model: its catalog key (`openai/gpt-4o`), the key without the provider, or the model as reported. */
    model: text.optional(),
    /** A model family (src/pricing/families.ts): `gpt-4o` means gpt-4o and its dated snapshots, never gpt-4o-mini. */
    family: text.optional(),
    /** A provider (`openai`), as in the catalog key of the event's model. */
    provider: text.optional(),
  })
  .strict();

const common = {
  /** Optional label, shown by `tally price-book show`. */
  id: z.string().trim().min(1).max(128).nullable().optional(),
  /** RFC 3339: the rule applies to events that occurred at or after this instant. */
  effective_from: timestamp,
  match: matchSchema.optional(),
};

export const priceRuleInputSchema = z.discriminatedUnion('kind', [
  z.object({
    ...common,
    kind: z.literal('markup'),
    /** Exact decimal percentage (`"12.5"`), -100 … 100000, at most 6 decimals. */
    percent: decimal,
    /** The cost classes it covers; absent: every class. */
    classes: z.array(z.enum(COST_CLASSES as [CostClass, ...CostClass[]])).min(1).nullable().optional(),
  }).strict(),
  z.object({
    ...common,
    kind: z.literal('contract'),
    /** USD per million tokens per token class, at most 9 decimals. */
    per_million: z.partialRecord(z.enum(TOKEN_CLASSES), decimal).optional(),
    /** USD per unit per unit class (request, tool_call, web_search, audio_second, image), at most 15 decimals. */
    per_unit: z.partialRecord(z.enum(UNIT_CLASSES), decimal).optional(),
  }).strict(),
  z.object({ ...common, kind: z.literal('request_fee'), /** USD per request. */ amount: decimal }).strict(),
  z.object({ ...common, kind: z.literal('minimum'), /** Least USD billed per request. */ amount: decimal }).strict(),
]);

export const allowanceInputSchema = z
  .object({
    id: z.string().trim().min(1).max(128).nullable().optional(),
    effective_from: timestamp,
    /** Calendar period (UTC) the allowance renews in. */
    period: z.enum(ALLOWANCE_PERIODS),
    match: matchSchema.optional(),
    /** Free tokens per period (of `classes`, default every token class). */
    tokens: z.union([z.string(), z.number()]).nullable().optional(),
    /** Free billed USD per period. */
    amount: decimal.nullable().optional(),
    classes: z.array(z.enum(COST_CLASSES as [CostClass, ...CostClass[]])).min(1).nullable().optional(),
  })
  .strict();

/** What a caller writes (PUT /v1/customers/{tenant}/price-book, `tally price-book set --file`). */
export const priceBookInputSchema = z
  .object({
    description: z.string().max(1000).optional(),
    rules: z.array(priceRuleInputSchema).max(PRICE_BOOK_LIMITS.maxRules),
    allowances: z.array(allowanceInputSchema).max(PRICE_BOOK_LIMITS.maxAllowances).optional(),
  })
  .strict();

export type PriceBookInput = z.input<typeof priceBookInputSchema>;

export interface RuleMatch {
  readonly model?: string;
  readonly family?: string;
  readonly provider?: string;
}

interface RuleCommon {
  readonly id: string | null;
  /** Canonical RFC 3339 UTC with milliseconds. */
  readonly effective_from: string;
  readonly match: RuleMatch;
}

export type PriceRule = RuleCommon &
  (
    | { readonly kind: 'markup'; readonly percent: string; readonly classes: readonly CostClass[] | null }
    | {
        readonly kind: 'contract';
        readonly per_million: Readonly<Partial<Record<TokenClass, string>>>;
        readonly per_unit: Readonly<Partial<Record<UnitClass, string>>>;
      }
    | { readonly kind: 'request_fee' | 'minimum'; readonly amount: string }
  );

export interface Allowance {
  readonly id: string | null;
  readonly effective_from: string;
  readonly period: AllowancePeriod;
  readonly match: RuleMatch;
  readonly tokens: string | null;
  readonly amount: string | null;
  readonly classes: readonly CostClass[] | null;
}

/** A validated price book. */
export interface PriceBook {
  readonly description: string;
  readonly rules: readonly PriceRule[];
  readonly allowances: readonly Allowance[];
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

export function priceBookInvalid(errors: readonly FieldError[]): TallyError {
  const first = errors[0];
  const message = first ? `price book is invalid: ${first.path || '(root)'}: ${first.reason}` : 'price book is invalid';
  return new TallyError('PRICE_BOOK_INVALID', message, { details: { errors } });
}

/** Canonical decimal text of a value with at most `scale` places within [min, max]; a field error otherwise. */
function readDecimal(raw: string | number, scale: number, min: bigint, max: bigint, path: string, errors: FieldError[]): string | null {
  const textValue = typeof raw === 'number' ? String(raw) : raw;
  let scaled: bigint;
  try {
    scaled = parseScaled(textValue, scale);
  } catch {
    errors.push({ path, reason: `must be a decimal number with at most ${scale} decimal places` });
    return null;
  }
  const unit = 10n ** BigInt(scale);
  if (scaled < min * unit || scaled > max * unit) {
    errors.push({ path, reason: `must be between ${min} and ${max}` });
    return null;
  }
  return formatScaled(scaled, scale);
}

function readTime(raw: string, path: string, errors: FieldError[]): string {
  const ms = parseRfc3339(raw);
  if (ms === null) {
    errors.push({ path, reason: 'must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z' });
    return raw;
  }
  return formatIso(ms);
}

function readMatch(raw: RuleMatch | undefined, path: string, errors: FieldError[]): RuleMatch {
  const m = raw ?? {};
  const given = (['model', 'family', 'provider'] as const).filter((k) => m[k] !== undefined);
  if (given.length > 1) errors.push({ path, reason: `name at most one of model, family, provider (got ${given.join(', ')})` });
  return m.model !== undefined ? { model: m.model.toLowerCase() } : m.family !== undefined ? { family: m.family.toLowerCase() } : m.provider !== undefined ? { provider: m.provider.toLowerCase() } : {};
}

const usd = (raw: string | number, scale: number, path: string, errors: FieldError[]): string =>
  readDecimal(raw, scale, 0n, PRICE_BOOK_LIMITS.maxUsd, path, errors) ?? '0';

function readRule(r: z.output<typeof priceRuleInputSchema>, path: string, errors: FieldError[]): PriceRule {
  const base: RuleCommon = { id: r.id ?? null, effective_from: readTime(r.effective_from, `${path}.effective_from`, errors), match: readMatch(r.match, `${path}.match`, errors) };
  switch (r.kind) {
    case 'markup':
      return {
        ...base,
        kind: 'markup',
        percent: readDecimal(r.percent, PERCENT_SCALE, PRICE_BOOK_LIMITS.minPercent, PRICE_BOOK_LIMITS.maxPercent, `${path}.percent`, errors) ?? '0',
        classes: r.classes ? COST_CLASSES.filter((c) => r.classes?.includes(c)) : null,
      };
    case 'contract': {
      const perMillion: Partial<Record<TokenClass, string>> = {};
      for (const c of TOKEN_CLASSES) {
        const v = r.per_million?.[c];
        if (v !== undefined) perMillion[c] = usd(v, PER_MILLION_SCALE, `${path}.per_million.${c}`, errors);
      }
      const perUnit: Partial<Record<UnitClass, string>> = {};
      for (const c of UNIT_CLASSES) {
        const v = r.per_unit?.[c];
        if (v !== undefined) perUnit[c] = usd(v, USD_SCALE, `${path}.per_unit.${c}`, errors);
      }
      if (Object.keys(perMillion).length + Object.keys(perUnit).length === 0) errors.push({ path, reason: 'a contract rule needs at least one price in per_million or per_unit' });
      return { ...base, kind: 'contract', per_million: perMillion, per_unit: perUnit };
    }
    case 'request_fee':
    case 'minimum':
      return { ...base, kind: r.kind, amount: usd(r.amount, USD_SCALE, `${path}.amount`, errors) };
  }
}

function readAllowance(a: z.output<typeof allowanceInputSchema>, path: string, errors: FieldError[]): Allowance {
  if ((a.tokens == null) === (a.amount == null)) errors.push({ path, reason: 'give exactly one of tokens or amount' });
  let tokens: string | null = null;
  if (a.tokens != null) {
    const t = String(a.tokens);
    if (!/^\d{1,20}$/.test(t)) errors.push({ path: `${path}.tokens`, reason: 'must be a whole number of tokens' });
    else tokens = BigInt(t).toString();
  }
  return {
    id: a.id ?? null,
    effective_from: readTime(a.effective_from, `${path}.effective_from`, errors),
    period: a.period,
    match: readMatch(a.match, `${path}.match`, errors),
    tokens,
    amount: a.amount == null ? null : usd(a.amount, USD_SCALE, `${path}.amount`, errors),
    classes: a.classes ? COST_CLASSES.filter((c) => a.classes?.includes(c)) : null,
  };
}

/**
 * What a rule claims: per covered class (`*` for a markup on every class) or
 * per event-level kind, its selector and effective_from. Two rules claiming
 * the same key would tie in every event they match, so a book may not have them.
 */
function claims(r: PriceRule): string[] {
  const keys = r.kind === 'markup' ? (r.classes ?? ['*']) : r.kind === 'contract' ? [...Object.keys(r.per_million), ...Object.keys(r.per_unit)] : [r.kind];
  return keys.map((k) => JSON.stringify([k, r.match, r.effective_from]));
}

/** Validates a price book; throws PRICE_BOOK_INVALID with every field error. Idempotent on its output. */
export function parsePriceBook(input: unknown): PriceBook {
  const parsed = priceBookInputSchema.safeParse(input);
  if (!parsed.success) {
    throw priceBookInvalid(
      parsed.error.issues.map((i) => ({ path: joinPath(i.path), reason: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message })),
    );
  }
  const errors: FieldError[] = [];
  const rules = parsed.data.rules.map((r, i) => readRule(r, `rules[${i}]`, errors));
  const seen = new Map<string, number>();
  rules.forEach((r, i) => {
    for (const k of claims(r)) {
      const before = seen.get(k);
      if (before === undefined) seen.set(k, i);
      else {
        errors.push({ path: `rules[${i}]`, reason: `covers the same events and classes from the same effective_from as rules[${before}]` });
        break;
      }
    }
  });
  const allowances = (parsed.data.allowances ?? []).map((a, i) => readAllowance(a, `allowances[${i}]`, errors));
  if (errors.length > 0) throw priceBookInvalid(errors);
  return { description: parsed.data.description ?? '', rules, allowances };
}
