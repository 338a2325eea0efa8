/**
 * How amounts are laid out in a counter hash, and the exact money scheme.
 *
 * Redis integers are signed 64-bit (2^63 femto-USD ≈ $9,223) and Lua numbers
 * are doubles (exact to 2^53 femto-USD ≈ $9.007), so a cost is never one
 * field. It is two integer fields:
 *
 *   c1 = whole micro-USD (10^9 femto), c0 = the remaining femto-USD, 0 ≤ c0 < 10^9
 *
 * Increments add to both with HINCRBY (integer, never INCRBYFLOAT) and carry
 * c0's overflow into c1. Every value Lua ever holds as a number is then below
 * 2^53: c0 sums stay far below it, and c1 is exact up to 2^53 micro-USD
 * (≈ $9 billion per counter); numbers go back to Redis as `%.0f` text, never
 * through Lua's 14-digit number formatting. Reads return the two strings and
 * TypeScript joins them with bigint. Budget limits are capped accordingly.
 *
 * Holds (reservations) use the same scheme in `hc1`/`hc0`, plus `ht` (tokens)
 * and `hr` (requests). Tokens are `t` (total) and `t_<class>`; requests `r`.
 * The billed price (issue 16: wallets and `price` budgets) is a second money
 * pair in the same scheme: `p1`/`p0`, held in `hp1`/`hp0` — appended after
 * the others, so the positions of the older fields never moved.
 */
import type { CheckField, CounterValue, HeldAmounts, UsageAmounts } from './types.js';
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';

export const COST_BASE = 1_000_000_000n;

/** Largest cost a counter (and so a limit) may reach: 2^53 micro-USD, minus one. */
export const MAX_COUNTER_COST = (2n ** 53n - 1n) * COST_BASE;

export const USED_FIELDS = ['c1', 'c0', 't', 'r', ...TOKEN_CLASSES.map((c) => `t_${c}`), 'p1', 'p0'] as const;
export const HELD_FIELDS = ['hc1', 'hc0', 'ht', 'hr', 'hp1', 'hp0'] as const;
/** Where the price pair sits in USED_FIELDS. */
const PRICE_AT = 4 + TOKEN_CLASSES.length;
/** Every field a read returns, in order. */
export const ALL_FIELDS: readonly string[] = [...USED_FIELDS, ...HELD_FIELDS];

export function classField(c: TokenClass): string {
  return `t_${c}`;
}

/** Splits femto-USD into [micro, femto remainder] decimal strings. */
export function splitCost(cost: bigint): [string, string] {
  const hi = cost / COST_BASE;
  const lo = cost % COST_BASE;
  return [hi.toString(), lo.toString()];
}

export function joinCost(hi: string | null | undefined, lo: string | null | undefined): bigint {
  return BigInt(hi || '0') * COST_BASE + BigInt(lo || '0');
}

export const ZERO_USAGE: UsageAmounts = { cost: 0n, tokens: 0n, requests: 0n, classes: {}, price: 0n };
export const ZERO_HELD: HeldAmounts = { cost: 0n, tokens: 0n, requests: 0n, price: 0n };

/** A fresh zero usage (callers that build on it). */
export function zeroUsage(): UsageAmounts {
  return { cost: 0n, tokens: 0n, requests: 0n, classes: {}, price: 0n };
}

/** The fields a reader of these metrics needs (used, and held when `held`). */
export function fieldsFor(checks: readonly CheckField[], held: boolean): string[] {
  const out = new Set<string>();
  for (const f of checks) {
    switch (f.metric) {
      case 'cost': out.add('c1').add('c0'); if (held) out.add('hc1').add('hc0'); break;
      case 'tokens': out.add('t'); if (held) out.add('ht'); break;
      case 'requests': out.add('r'); if (held) out.add('hr'); break;
      case 'price': out.add('p1').add('p0'); if (held) out.add('hp1').add('hp0'); break;
      case 'class': out.add(classField(f.class)); if (held) out.add('ht'); break;
    }
  }
  return [...out];
}

/** Per `fields` list: where each of ALL_FIELDS is in a row holding `fields` (-1: not read). Built once per list. */
const positions = new WeakMap<readonly string[], Int8Array>();

function positionsOf(fields: readonly string[]): Int8Array {
  let at = positions.get(fields);
  if (at === undefined) {
    at = Int8Array.from(ALL_FIELDS, (f) => fields.indexOf(f));
    positions.set(fields, at);
  }
  return at;
}

/** A reply value as text: Redis answers bulk strings (or integers, or nil). */
type Cell = string | number | null | undefined | readonly unknown[];

function text(v: Cell): string | null {
  return v === null || v === undefined ? null : typeof v === 'string' ? v : String(v);
}

/** Decodes one reply row holding the values of `fields`, in order; fields not read are zero. */
export function decodeFields(row: readonly Cell[], fields: readonly string[]): CounterValue {
  // A counter that does not exist (most late ledgers, a subject's first period) reads all nil: zero, without parsing.
  let empty = true;
  for (let i = 0; i < row.length && empty; i++) empty = row[i] === null || row[i] === undefined;
  if (empty) return { used: zeroUsage(), held: ZERO_HELD };
  const at = positionsOf(fields);
  return decodeWith((i) => {
    const p = at[i] ?? -1;
    return p < 0 ? null : text(row[p]);
  });
}

/** Decodes one reply row (values of ALL_FIELDS) into amounts. */
export function decodeValue(row: readonly (string | null)[]): CounterValue {
  return decodeWith((i) => row[i] ?? null);
}

function decodeWith(get: (i: number) => string | null): CounterValue {
  const classes: Partial<Record<TokenClass, bigint>> = {};
  for (let i = 0; i < TOKEN_CLASSES.length; i++) {
    const v = get(4 + i);
    if (v !== null && v !== '0') classes[TOKEN_CLASSES[i] as TokenClass] = BigInt(v);
  }
  const h = USED_FIELDS.length;
  return {
    used: { cost: joinCost(get(0), get(1)), tokens: BigInt(get(2) ?? '0'), requests: BigInt(get(3) ?? '0'), classes, price: joinCost(get(PRICE_AT), get(PRICE_AT + 1)) },
    held: { cost: joinCost(get(h), get(h + 1)), tokens: BigInt(get(h + 2) ?? '0'), requests: BigInt(get(h + 3) ?? '0'), price: joinCost(get(h + 4), get(h + 5)) },
  };
}

/** Encodes usage for Lua: c1, c0, t, r, p1, p0, then the non-zero classes as (field, value) pairs. */
export function usageArgs(u: UsageAmounts): string[] {
  const [hi, lo] = splitCost(u.cost);
  const out = [hi, lo, u.tokens.toString(), u.requests.toString(), ...splitCost(u.price)];
  const classes = TOKEN_CLASSES.filter((c) => (u.classes[c] ?? 0n) !== 0n);
  out.push(String(classes.length));
  for (const c of classes) out.push(classField(c), (u.classes[c] ?? 0n).toString());
  return out;
}

/** The used amount a check compares. */
export function usedOf(v: CounterValue, field: CheckField): bigint {
  switch (field.metric) {
    case 'cost': return v.used.cost;
    case 'tokens': return v.used.tokens;
    case 'requests': return v.used.requests;
    case 'price': return v.used.price;
    case 'class': return v.used.classes[field.class] ?? 0n;
  }
}

/** The held amount a check compares (token holds count against every token metric). */
export function heldOf(v: CounterValue, field: CheckField): bigint {
  switch (field.metric) {
    case 'cost': return v.held.cost;
    case 'requests': return v.held.requests;
    case 'price': return v.held.price;
    default: return v.held.tokens;
  }
}

/** Lua's name for a check field: `c`, `p`, `t`, `r` or `t_<class>`. */
export function checkFieldCode(field: CheckField): string {
  switch (field.metric) {
    case 'cost': return 'c';
    case 'tokens': return 't';
    case 'requests': return 'r';
    case 'price': return 'p';
    case 'class': return classField(field.class);
  }
}

export function addUsage(a: UsageAmounts, b: UsageAmounts): UsageAmounts {
  const classes: Partial<Record<TokenClass, bigint>> = { ...a.classes };
  for (const c of TOKEN_CLASSES) {
    const v = b.classes[c];
    if (v !== undefined && v !== 0n) classes[c] = (classes[c] ?? 0n) + v;
  }
  return { cost: a.cost + b.cost, tokens: a.tokens + b.tokens, requests: a.requests + b.requests, classes, price: a.price + b.price };
}

/** Whether a check field is money: a (micro, femto) pair in the hash. */
export function isMoneyField(field: CheckField): boolean {
  return field.metric === 'cost' || field.metric === 'price';
}
