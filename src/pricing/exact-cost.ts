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
import { DETAIL_CLASSES, DETAIL_PARENT, type DetailClass, type NormalizedUsage } from '../normalize/types.js';
import { divideHalfEven, FINE_PER_FEMTO, fineToFemto } from './fine.js';
import type { RateVector } from './rates.js';
import type { CostBreakdown } from './types.js';
import { TOKEN_CLASSES, type TokenClass } from '../core/classes.js';

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

const CLASS_COUNT = TOKEN_CLASSES.length;
const CACHED = TOKEN_CLASSES.indexOf('cached_input');
const DETAIL_PARENT_INDEX: readonly number[] = DETAIL_CLASSES.map((d) => TOKEN_CLASSES.indexOf(DETAIL_PARENT[d]));
/** The uncached class a cache-read detail saves against (audio_input, image_input), or -1. */
const DETAIL_UNCACHED_INDEX: readonly number[] = DETAIL_CLASSES.map((d) => (d === 'cached_audio_input' ? TOKEN_CLASSES.indexOf('audio_input') : d === 'cached_image_input' ? TOKEN_CLASSES.indexOf('image_input') : -1));

/** Prices `usage` with `r`, exactly; `units` replaces the vector's unit prices where not null (search context). */
export function exactCost(r: RateVector, usage: NormalizedUsage, units: readonly (bigint | null)[] | null): ExactCost {
  const t = usage.tokens;
  const details = usage.details;
  const fine: bigint[] = new Array<bigint>(CLASS_COUNT).fill(0n);
  const missing: TokenClass[] = [];
  for (let i = 0; i < CLASS_COUNT; i++) {
    const cls = TOKEN_CLASSES[i] as TokenClass;
    const n = t[cls];
    if (n === 0) continue;
    const rate = r.exact[i];
    if (rate === null || rate === undefined) missing.push(cls);
    else fine[i] = whole(n, `tokens.${cls}`) * rate;
  }
  // A detail is part of its class: its tokens move from the class's price to the detail's.
  let savingsFine = 0n;
  let cachedText = BigInt(t.cached_input);
  if (details !== undefined) {
    for (let j = 0; j < DETAIL_CLASSES.length; j++) {
      const d = DETAIL_CLASSES[j] as DetailClass;
      const n = details[d] ?? 0;
      if (n === 0) continue;
      const pi = DETAIL_PARENT_INDEX[j] ?? 0;
      const parent = TOKEN_CLASSES[pi] as TokenClass;
      const classRate = r.exact[pi];
      const detailRate = r.details[j];
      if (classRate === null || classRate === undefined || detailRate === null || detailRate === undefined) continue;
      const count = whole(n, `details.${d}`);
      if (count > BigInt(t[parent])) throw invalid(`details.${d}`, `is ${n}, more than tokens.${parent} (${t[parent]}), which includes it`);
      fine[pi] = (fine[pi] ?? 0n) + count * (detailRate - classRate);
      if (pi === CACHED) {
        cachedText -= count;
        const uncached = r.exact[DETAIL_UNCACHED_INDEX[j] ?? -1] ?? null;
        if (uncached !== null) savingsFine += count * (uncached - detailRate);
      }
    }
    if (cachedText < 0n) throw invalid('details', `cached audio and image tokens exceed tokens.cached_input (${t.cached_input}), which includes them`);
  }
  if (cachedText > 0n) savingsFine += cachedText * ((r.exact[0] ?? 0n) - (r.exact[CACHED] ?? 0n));

  const cost: Record<string, bigint> = {};
  let total = 0n;
  for (let i = 0; i < CLASS_COUNT; i++) {
    const f = fine[i] ?? 0n;
    const v = f === 0n ? 0n : fineToFemto(f);
    cost[TOKEN_CLASSES[i] as TokenClass] = v;
    total += v;
  }
  const u = (i: number): bigint => units?.[i] ?? r.exactUnits[i] ?? 0n;
  const unitCost = (n: number, i: number, field: string): bigint => {
    const rate = n === 0 ? 0n : u(i);
    return rate === 0n ? 0n : fineToFemto(whole(n, field) * rate);
  };
  const request = unitCost(usage.requests, 0, 'requests');
  const toolCall = unitCost(usage.tool_calls, 1, 'tool_calls');
  const webSearch = unitCost(usage.web_search_requests, 2, 'web_search_requests');
  const audioSecond = usage.audio_seconds === 0 || u(3) === 0n ? 0n : secondsCost(usage.audio_seconds, u(3));
  const image = unitCost(usage.images, 4, 'images');
  cost.request = request;
  cost.tool_call = toolCall;
  cost.web_search = webSearch;
  cost.audio_second = audioSecond;
  cost.image = image;
  total += request + toolCall + webSearch + audioSecond + image;
  const savings = savingsFine < 0n ? -fineToFemto(-savingsFine) : fineToFemto(savingsFine);
  return { cost: cost as CostBreakdown, total, savings, missing };
}
