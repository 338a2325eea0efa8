/**
 * The pricer's general path, for what the single-multiplication fast path
 * cannot do: rates finer than a femto-dollar, priced details (cached audio
 * and image tokens, citation tokens) and unit prices chosen by search context
 * size. Every amount is computed exactly at 10⁻³⁰ USD and rounded ONCE per
 * class to the femto-dollar, half to even (fine.ts); `total` is the sum of
 * the rounded classes, so the breakdown always adds up.
 */
import { TallyError } from '../core/errors.js';
import { pow10 } from '../core/money.js';
import { DETAIL_CLASSES, DETAIL_PARENT, type NormalizedUsage } from '../normalize/types.js';
import { divideHalfEven, FINE_PER_FEMTO, fineToFemto } from './fine.js';
import type { RateVector } from './rates.js';
import type { CostBreakdown } from './types.js';
import { TOKEN_CLASSES, UNIT_CLASSES, type TokenClass } from '../core/classes.js';

export interface ExactCost {
  readonly cost: CostBreakdown;
  readonly total: bigint;
  readonly savings: bigint;
  /** Classes with tokens but no price (the event is then unpriced). */
  readonly missing: readonly TokenClass[];
}

function invalid(field: string, reason: string): TallyError {
  return new TallyError('USAGE_INVALID', `usage.${field} ${reason}`, { details: { errors: [{ path: `usage.${field}`, reason }] } });
}

function whole(n: number, field: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw invalid(field, `must be a non-negative whole number, got ${n}`);
  return BigInt(n);
}

const NANOS = pow10(9);

/** seconds × a fine rate per second, rounded once to femto-USD (seconds exact to the nanosecond). */
function secondsCost(seconds: number, fine: bigint): bigint {
  if (!Number.isFinite(seconds) || seconds < 0) throw invalid('audio_seconds', `must be a non-negative number, got ${seconds}`);
  const nanos = Number.isSafeInteger(seconds) ? BigInt(seconds) * NANOS : BigInt(Math.round(seconds * 1e9));
  return divideHalfEven(nanos * fine, NANOS * FINE_PER_FEMTO);
}

/** Prices `usage` with `r`, exactly; `units` replaces the vector's unit prices where not null (search context). */
export function exactCost(r: RateVector, usage: NormalizedUsage, units: readonly (bigint | null)[] | null): ExactCost {
  const t = usage.tokens;
  const details = usage.details;
  const fine = new Array<bigint>(TOKEN_CLASSES.length).fill(0n);
  const missing: TokenClass[] = [];
  TOKEN_CLASSES.forEach((cls, i) => {
    const n = t[cls];
    if (n === 0) return;
    const rate = r.exact[i];
    if (rate === null || rate === undefined) {
      missing.push(cls);
      return;
    }
    fine[i] = whole(n, `tokens.${cls}`) * rate;
  });
  // A detail is part of its class: its tokens move from the class's price to the detail's.
  let savingsFine = 0n;
  let cachedText = BigInt(t.cached_input);
  if (details !== undefined) {
    DETAIL_CLASSES.forEach((d, j) => {
      const n = details[d] ?? 0;
      if (n === 0) return;
      const parent = DETAIL_PARENT[d];
      const pi = TOKEN_CLASSES.indexOf(parent);
      const classRate = r.exact[pi];
      const detailRate = r.details[j];
      if (classRate === null || classRate === undefined || detailRate === null || detailRate === undefined) return;
      const count = whole(n, `details.${d}`);
      if (count > BigInt(t[parent])) throw invalid(`details.${d}`, `is ${n}, more than tokens.${parent} (${t[parent]}), which includes it`);
      fine[pi] = (fine[pi] ?? 0n) + count * (detailRate - classRate);
      if (parent === 'cached_input') {
        cachedText -= count;
        const uncached = r.exact[TOKEN_CLASSES.indexOf(d === 'cached_audio_input' ? 'audio_input' : 'image_input')] ?? null;
        if (uncached !== null) savingsFine += count * (uncached - detailRate);
      }
    });
    if (cachedText < 0n) throw invalid('details', `cached audio and image tokens exceed tokens.cached_input (${t.cached_input}), which includes them`);
  }
  const input = r.exact[0] ?? 0n;
  const cached = r.exact[1] ?? 0n;
  if (cachedText > 0n) savingsFine += cachedText * (input - cached);

  const u = (i: number): bigint => units?.[i] ?? r.exactUnits[i] ?? 0n;
  const unitCost = (n: number, i: number, field: string): bigint => (n === 0 || u(i) === 0n ? 0n : fineToFemto(whole(n, field) * u(i)));
  const cost: Record<string, bigint> = {};
  let total = 0n;
  TOKEN_CLASSES.forEach((cls, i) => {
    const v = fineToFemto(fine[i] ?? 0n);
    cost[cls] = v;
    total += v;
  });
  const unitCosts: readonly bigint[] = [
    unitCost(usage.requests, 0, 'requests'),
    unitCost(usage.tool_calls, 1, 'tool_calls'),
    unitCost(usage.web_search_requests, 2, 'web_search_requests'),
    usage.audio_seconds === 0 || u(3) === 0n ? 0n : secondsCost(usage.audio_seconds, u(3)),
    unitCost(usage.images, 4, 'images'),
  ];
  UNIT_CLASSES.forEach((cls, i) => {
    const v = unitCosts[i] ?? 0n;
    cost[cls] = v;
    total += v;
  });
  const savings = savingsFine < 0n ? -fineToFemto(-savingsFine) : fineToFemto(savingsFine);
  return { cost: cost as CostBreakdown, total, savings, missing };
}
