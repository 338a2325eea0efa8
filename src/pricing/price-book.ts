/**
 * The billed price of one event under a price book: a pure function of the
 * book, the event's usage and its cost (docs/billing.md).
 *
 * Per cost class, and for the event-level fee and minimum, the rule that
 * applies is the first of the rules in force at the event's `occurred_at`
 * (effective_from ≤ occurred_at) that match it, in this order:
 *   1. selector: model > family > provider > none (every event);
 *   2. class rules only: a rule naming the class (a contract price for it, a
 *      markup listing it) > a markup on every class;
 *   3. the later effective_from;
 *   4. the later position in the book (only two selectors of one rank that
 *      both match, e.g. `gpt-4o` and `openai/gpt-4o`, can get here).
 * Then: price of each class (markup on its cost, or contract price × its
 * quantity); + request fee × requests, in the `request` class; if the total
 * is below minimum × requests, the difference is added to `request`. So the
 * classes always sum exactly to `total`.
 *
 * Money is femto-USD throughout. Only a markup (and a per-second price of a
 * fractional audio second) can produce a fraction of a femto-dollar; it is
 * rounded per class, half to even, once. A contract price per million tokens
 * has at most 9 decimals, so quantity × price is exact.
 *
 * An event whose cost is not known (unknown model) gets 0 for every class a
 * markup prices (the rest still priced); `incomplete` says so. Its row has
 * `priced = false` and a non-empty `price_book_version`; a cost reprice
 * followed by `tally reprice --price-book` fixes both. A cost the provider
 * reported has no class breakdown: it is billed as the `request` class's
 * cost.
 */
import { COST_CLASSES, TOKEN_CLASSES, type CostClass, type UnitClass } from '../core/classes.js';
import { countedModel } from '../core/dimensions.js';
import { parseScaled, type Money } from '../core/money.js';
import type { NormalizedUsage } from '../normalize/types.js';
import type { ModelFamilies } from './families.js';
import { PER_MILLION_SCALE, PERCENT_SCALE, type PriceBook, type PriceRule, type RuleMatch } from './price-book-schema.js';
import type { CostBreakdown, CostSource } from './types.js';

/** Billed price per class; every class present, zero when unused. */
export type PriceBreakdown = { readonly [K in CostClass]: Money };

export interface EventPrice {
  readonly price: PriceBreakdown;
  /** Exactly the sum of `price`. */
  readonly total: Money;
  /** `price_book_version`: which book (and version) priced the event. */
  readonly version: string;
  /** A markup priced a used class whose cost is unknown (unpriced event): that part is 0 until repriced. */
  readonly incomplete: boolean;
}

/** What pricing with a book reads of an event (a PricedEvent has all of it). */
export interface BillableEvent {
  /** Epoch ms of occurred_at. */
  readonly occurredAtMs: number;
  /** As reported (may be absent). */
  readonly provider: string | null;
  /** As reported. */
  readonly model: string;
  /** Catalog key, e.g. `openai/gpt-4o`; null when unknown. */
  readonly modelKey: string | null;
  readonly usage: NormalizedUsage;
  readonly cost: CostBreakdown;
  readonly costTotal: Money;
  readonly costSource: CostSource;
  readonly priced: boolean;
}

export interface CompileOptions {
  /** Model families of the price catalog: family selectors need them (without, a family rule matches nothing). */
  readonly families?: ModelFamilies;
}

export interface CompiledPriceBook {
  readonly book: PriceBook;
  readonly version: string;
  price(event: BillableEvent): EventPrice;
}

export const ZERO_PRICE: PriceBreakdown = Object.freeze(Object.fromEntries(COST_CLASSES.map((c) => [c, 0n])) as Record<CostClass, Money>);

const PERCENT_BASE = 100n * 10n ** BigInt(PERCENT_SCALE);
const PER_TOKEN_SHIFT = 10n ** BigInt(15 - 6 - PER_MILLION_SCALE); // 1: a 9-decimal price per million is femto-USD per token

/** a / b rounded half to even; b > 0. */
export function divHalfEven(a: bigint, b: bigint): bigint {
  const negative = a < 0n;
  const abs = negative ? -a : a;
  let q = abs / b;
  const twice = (abs % b) * 2n;
  if (twice > b || (twice === b && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

type Selector = 'model' | 'family' | 'provider' | 'none';
const SELECTOR_RANK: Readonly<Record<Selector, number>> = { model: 3, family: 2, provider: 1, none: 0 };

interface Compiled {
  readonly index: number;
  readonly rule: PriceRule;
  readonly fromMs: number;
  readonly selector: Selector;
  readonly value: string;
  /** markup: (100 + percent) scaled by PERCENT_SCALE; contract: femto-USD per token / per unit by class; fee, minimum: femto-USD. */
  readonly factor: bigint;
  readonly rates: Readonly<Partial<Record<CostClass, bigint>>>;
  /** markup: factor / PERCENT_BASE in lowest terms, numerator and denominator (112.5 % → 9 / 8): the same rounding, smaller products. */
  readonly num: bigint;
  readonly den: bigint;
  /** The largest cost `markup` takes through doubles with this num and den. */
  readonly safeCost: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Largest cost (femto-USD) whose product with a markup numerator is exact in a double: the Number path of `markup`. */
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The largest cost whose product with `num` (and `den` itself) stays below 2^53; -1 when none. */
export function safeCostOf(num: bigint, den: bigint): bigint {
  return num <= 0n || den > SAFE ? -1n : SAFE / num;
}

/**
 * cost × num / den rounded half to even (cost ≥ 0, den > 0): exactly
 * divHalfEven(cost * num, den), in doubles when every intermediate is an
 * integer below 2^53 (nearly every event: one allocation instead of six).
 */
export function markup(cost: bigint, num: bigint, den: bigint, safeCost: bigint = safeCostOf(num, den)): bigint {
  if (cost < 0n || cost > safeCost) return divHalfEven(cost * num, den);
  const x = Number(cost) * Number(num);
  const d = Number(den);
  let q = Math.floor(x / d);
  let r = x - q * d;
  if (r < 0) {
    q -= 1;
    r += d;
  } else if (r >= d) {
    q += 1;
    r -= d;
  }
  if (2 * r > d || (2 * r === d && q % 2 === 1)) q += 1;
  return BigInt(q);
}

function selectorOf(m: RuleMatch): [Selector, string] {
  if (m.model !== undefined) return ['model', m.model];
  if (m.family !== undefined) return ['family', m.family];
  if (m.provider !== undefined) return ['provider', m.provider];
  return ['none', ''];
}

function compileRule(rule: PriceRule, index: number): Compiled {
  const [selector, value] = selectorOf(rule.match);
  const rates: Partial<Record<CostClass, bigint>> = {};
  let factor = 0n;
  if (rule.kind === 'markup') factor = PERCENT_BASE + parseScaled(rule.percent, PERCENT_SCALE);
  else if (rule.kind === 'contract') {
    for (const [c, v] of Object.entries(rule.per_million)) rates[c as CostClass] = parseScaled(v, PER_MILLION_SCALE) * PER_TOKEN_SHIFT;
    for (const [c, v] of Object.entries(rule.per_unit)) rates[c as CostClass] = parseScaled(v, 15);
  } else factor = parseScaled(rule.amount, 15);
  const g = rule.kind === 'markup' ? gcd(factor, PERCENT_BASE) : 1n;
  return { index, rule, fromMs: Date.parse(rule.effective_from), selector, value, factor, rates, num: factor / g, den: PERCENT_BASE / g, safeCost: safeCostOf(factor / g, PERCENT_BASE / g) };
}

/** Whether a rule names `c` itself (rather than covering every class). */
function names(r: Compiled, c: CostClass): boolean {
  if (r.rule.kind === 'contract') return r.rates[c] !== undefined;
  return r.rule.kind === 'markup' && r.rule.classes !== null;
}

function covers(r: Compiled, c: CostClass): boolean {
  if (r.rule.kind === 'contract') return r.rates[c] !== undefined;
  if (r.rule.kind === 'markup') return r.rule.classes === null || r.rule.classes.includes(c);
  return false;
}

/** Candidates in precedence order (first in force and matching wins). */
function ordered(rules: readonly Compiled[], specific: (r: Compiled) => boolean): Compiled[] {
  const key = (r: Compiled): number => SELECTOR_RANK[r.selector] * 2 + (specific(r) ? 1 : 0);
  return [...rules].sort((a, b) => key(b) - key(a) || b.fromMs - a.fromMs || b.index - a.index);
}

function quantity(usage: NormalizedUsage, c: UnitClass): bigint {
  switch (c) {
    case 'request': return BigInt(usage.requests);
    case 'tool_call': return BigInt(usage.tool_calls);
    case 'web_search': return BigInt(usage.web_search_requests);
    case 'image': return BigInt(usage.images);
    case 'audio_second': return BigInt(Math.round(usage.audio_seconds * 1000)); // milliseconds: Decimal(18, 3)
  }
}

const TOKEN_CLASS_SET: ReadonlySet<CostClass> = new Set(TOKEN_CLASSES);

/** Most rule choices a compiled book remembers (distinct model × provider × effective period). */
const PLAN_CACHE = 10_000;

interface PlanEntry {
  readonly c: CostClass;
  readonly r: Compiled;
  readonly token: boolean;
}

/** The rules that price an event: per covered class, and the fee and minimum. */
interface Plan {
  readonly classes: readonly PlanEntry[];
  readonly fee: Compiled | undefined;
  readonly minimum: Compiled | undefined;
}

/** A fresh all-zero breakdown (a literal: cheaper than spreading ZERO_PRICE). */
function zeroPrice(): Record<CostClass, Money> {
  return {
    input: 0n, cached_input: 0n, cache_write_5m: 0n, cache_write_1h: 0n, output: 0n, reasoning: 0n, audio_input: 0n, audio_output: 0n,
    image_input: 0n, image_output: 0n, request: 0n, tool_call: 0n, web_search: 0n, audio_second: 0n, image: 0n,
  };
}

/** Compiles a book once; `price` is then cheap (a few comparisons per class). */
export function compilePriceBook(book: PriceBook, version: string, options: CompileOptions = {}): CompiledPriceBook {
  const rules = book.rules.map(compileRule);
  const byClass = new Map<CostClass, Compiled[]>(COST_CLASSES.map((c) => [c, ordered(rules.filter((r) => covers(r, c)), (r) => names(r, c))]));
  const fees = ordered(rules.filter((r) => r.rule.kind === 'request_fee'), () => false);
  const minimums = ordered(rules.filter((r) => r.rule.kind === 'minimum'), () => false);
  const families = options.families;
  const familyOf = new Map<string, ReturnType<ModelFamilies['familyOf']>>();

  function matcher(e: BillableEvent): (r: Compiled) => boolean {
    const key = e.modelKey ?? '';
    const slash = key.indexOf('/');
    const provider = slash > 0 ? key.slice(0, slash) : (e.provider ?? '').toLowerCase();
    const bare = slash > 0 ? key.slice(slash + 1) : key;
    const model = e.model.toLowerCase();
    const counted = countedModel(e.modelKey, e.model);
    const memo = new Map<number, boolean>();
    return (r) => {
      let hit = memo.get(r.index);
      if (hit !== undefined) return hit;
      switch (r.selector) {
        case 'none': hit = true; break;
        case 'provider': hit = provider === r.value; break;
        case 'model': hit = key === r.value || bare === r.value || model === r.value; break;
        case 'family': {
          if (!families) { hit = false; break; }
          let f = familyOf.get(r.value);
          if (!f) familyOf.set(r.value, (f = families.familyOf(r.value)));
          hit = families.contains(f, counted);
          break;
        }
      }
      memo.set(r.index, hit);
      return hit;
    };
  }

  const first = (list: readonly Compiled[] | undefined, at: number, matches: (r: Compiled) => boolean): Compiled | undefined => {
    if (!list) return undefined;
    for (const r of list) if (r.fromMs <= at && matches(r)) return r;
    return undefined;
  };

  /**
   * Which rule prices what depends only on the event's model, provider and
   * which effective_from instants its occurred_at is past: that choice is
   * made once per such combination and reused (at most PLAN_CACHE of them).
   */
  const instants = [...new Set(rules.map((r) => r.fromMs))].sort((a, b) => a - b);
  const epochOf = (at: number): number => {
    let lo = 0;
    let hi = instants.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((instants[mid] as number) <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Plans by model, then a short list scanned for the rest of the key (no key text built per event).
  interface Planned {
    readonly epoch: number;
    readonly modelKey: string | null;
    readonly provider: string | null;
    readonly plan: Plan;
  }
  const plans = new Map<string, Planned[]>();
  let planned = 0;
  const planOf = (e: BillableEvent): Plan => {
    const epoch = epochOf(e.occurredAtMs);
    const known = plans.get(e.model);
    if (known) {
      for (const p of known) if (p.epoch === epoch && p.modelKey === e.modelKey && p.provider === e.provider) return p.plan;
    }
    const matches = matcher(e);
    const at = e.occurredAtMs;
    const classes: PlanEntry[] = [];
    for (const c of COST_CLASSES) {
      const r = first(byClass.get(c), at, matches);
      if (r) classes.push({ c, r, token: TOKEN_CLASS_SET.has(c) });
    }
    const plan: Plan = { classes, fee: first(fees, at, matches), minimum: first(minimums, at, matches) };
    if (planned >= PLAN_CACHE) {
      plans.clear();
      planned = 0;
    }
    const entry: Planned = { epoch, modelKey: e.modelKey, provider: e.provider, plan };
    const list = plans.get(e.model);
    if (list) list.push(entry);
    else plans.set(e.model, [entry]);
    planned++;
    return plan;
  };

  return {
    book,
    version,
    price(e) {
      if (rules.length === 0) return { price: ZERO_PRICE, total: 0n, version, incomplete: false };
      const plan = planOf(e);
      const out = zeroPrice();
      const reported = e.costSource === 'reported';
      let incomplete = false;
      let total = 0n;
      for (const { c, r, token } of plan.classes) {
        const n = token ? e.usage.tokens[c as keyof NormalizedUsage['tokens']] : 0;
        let p = 0n;
        if (r.rule.kind === 'markup') {
          const cost = reported ? (c === 'request' ? e.costTotal : 0n) : e.cost[c];
          if (!e.priced && (token ? n > 0 : quantity(e.usage, c as UnitClass) > 0n)) incomplete = true;
          if (cost !== 0n) p = markup(cost, r.num, r.den, r.safeCost);
        } else if (token) {
          if (n !== 0) p = (r.rates[c] ?? 0n) * BigInt(n);
        } else {
          const qty = quantity(e.usage, c as UnitClass);
          if (qty !== 0n) p = c === 'audio_second' ? divHalfEven((r.rates[c] ?? 0n) * qty, 1000n) : (r.rates[c] ?? 0n) * qty;
        }
        if (p !== 0n) {
          out[c] = p;
          total += p;
        }
      }
      if (plan.fee || plan.minimum) {
        const requests = BigInt(e.usage.requests);
        if (plan.fee && requests > 0n) {
          out.request += plan.fee.factor * requests;
          total += plan.fee.factor * requests;
        }
        if (plan.minimum && total < plan.minimum.factor * requests) {
          out.request += plan.minimum.factor * requests - total;
          total = plan.minimum.factor * requests;
        }
      }
      return { price: out, total, version, incomplete };
    },
  };
}
