/**
 * fast-check arbitraries of PricedEvents for the usage_events insert tests:
 * every column's edges — empty, non-ASCII, emoji and long text, 64-bit
 * counts, the largest Decimal(38, 15) amounts and negatives, null and
 * non-null latencies and reported costs, metadata and unknown-field lists of
 * every size, timestamps in every RFC 3339 form. Values are what the types
 * allow, some beyond what validation lets through (the encoder must still
 * store them as the text insert does).
 */
import fc from 'fast-check';
import { TOKEN_CLASSES, UNIT_CLASSES, type CostClass, type TokenClass } from '../../src/core/classes.js';
import type { Money } from '../../src/core/money.js';
import type { StampedEvent } from '../../src/events/types.js';
import type { PricedEvent } from '../../src/pipeline/types.js';
import type { EventPrice } from '../../src/pricing/price-book.js';
import type { CostBreakdown, PricingResult } from '../../src/pricing/types.js';
import type { NormalizedUsage, TokenCounts } from '../../src/normalize/types.js';

/** The largest unscaled Decimal(38, 15): 38 nines (99,999,999,999,999,999,999.999999999999999 USD). */
export const MAX_DECIMAL38 = 10n ** 38n - 1n;
/** Most tokens one event may count (EVENT_LIMITS.maxTokens). */
const MAX_TOKENS = 10_000_000_000;
const DAY_MS = 86_400_000;

/** Text of every kind: empty, ASCII with escapes, any code point (emoji, CJK, NUL), and past 127 bytes (a 2-byte length). */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.constantFrom('héllo wörld', '日本語テキスト', '🙂👍🏽👨‍👩‍👧', 'a\u0000b', 'tab\tline\nquote"back\\slash', 'x'.repeat(127), 'é'.repeat(64)),
  fc.string({ unit: 'binary', minLength: 100, maxLength: 400 }),
);

/** A non-empty identity-like text. */
const someText = anyText.filter((s) => s.length > 0);

export const amount: fc.Arbitrary<Money> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: fc.bigInt(0n, 10n ** 18n) },
  { weight: 2, arbitrary: fc.bigInt(-MAX_DECIMAL38, MAX_DECIMAL38) },
  { weight: 2, arbitrary: fc.constantFrom(MAX_DECIMAL38, -MAX_DECIMAL38, 1n, -1n, 2n ** 63n, -(2n ** 63n), 2n ** 64n, -(2n ** 63n) - 1n) },
);

const tokenCount: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.nat(),
  fc.bigInt(0n, BigInt(MAX_TOKENS)).map(Number),
  fc.constantFrom(2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, MAX_TOKENS, Number.MAX_SAFE_INTEGER),
);

const unitCount: fc.Arbitrary<number> = fc.oneof(fc.nat({ max: 1_000_000 }), fc.constantFrom(0, 1, 2 ** 32 - 1));

const quantity = (max: number): fc.Arbitrary<number> =>
  fc.oneof(fc.double({ min: 0, max, noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), fc.constantFrom(0, 0.0005, 0.1, 1.25, 12.3456, max));

/** An instant in the last 300 days (usage_events keeps 13 months), in one of the RFC 3339 forms producers send. */
const timestamp: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 1, max: 300 * DAY_MS }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 999 }))
  .map(([ago, form, micros]) => {
    const ms = Date.now() - ago;
    const iso = new Date(ms).toISOString();
    switch (form) {
      case 0: return iso; // 2026-03-10T12:00:00.123Z
      case 1: return `${iso.slice(0, 23)}${String(micros).padStart(3, '0')}Z`; // microseconds, truncated
      case 2: return `${new Date(ms + 19_800_000).toISOString().slice(0, 23)}+05:30`; // an offset
      case 3: return iso.replace('T', 't').replace('Z', 'z');
      default: return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`; // the stored form
    }
  });

function breakdownOf(values: readonly Money[]): CostBreakdown {
  const b = {} as Record<CostClass, Money>;
  [...TOKEN_CLASSES, ...UNIT_CLASSES].forEach((c, i) => (b[c] = values[i] ?? 0n));
  return b;
}

const breakdown: fc.Arbitrary<CostBreakdown> = fc.array(amount, { minLength: 15, maxLength: 15 }).map(breakdownOf);

const tokens: fc.Arbitrary<TokenCounts> = fc.tuple(fc.array(tokenCount, { minLength: 10, maxLength: 10 }), tokenCount).map(([counts, total]) => {
  const t = {} as Record<TokenClass, number>;
  TOKEN_CLASSES.forEach((c, i) => (t[c] = counts[i] ?? 0));
  return { ...t, total };
});

const metadata: fc.Arbitrary<Record<string, string> | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant({}),
  fc.dictionary(someText, anyText, { maxKeys: 8 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 16 }), anyText, { minKeys: 64, maxKeys: 64 }),
);

const reportedCost: fc.Arbitrary<string | number | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('0', '0.0042', '1000000000', '0.000000000000001', '1e-20', 'not a number'),
  fc.bigInt(0n, 10n ** 24n).map((v) => `${v / 10n ** 15n}.${String(v % 10n ** 15n).padStart(15, '0')}`),
  fc.double({ min: 0, max: 1e6, noNaN: true, noDefaultInfinity: true }),
);

const eventPrice: fc.Arbitrary<EventPrice | null | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.record({ price: breakdown, total: amount, version: anyText, incomplete: fc.boolean() }),
);

/** Optional text: absent, or any text. */
const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** A PricedEvent with event_id `e` (ids are the caller's to give, so rows can be ordered and told apart). */
export function pricedEventArbitrary(): fc.Arbitrary<PricedEvent> {
  const event = fc.record({
    tenant: someText, occurred_at: timestamp, received_at: timestamp,
    user_id: optional(anyText), group: optional(anyText), session_id: optional(anyText), agent: optional(anyText), feature: optional(anyText),
    request_id: optional(anyText), api_key_id: optional(anyText), provider: optional(anyText), model: someText,
    batch: optional(fc.boolean()), service_tier: optional(anyText), status: fc.constantFrom('ok', 'error', 'cancelled'), error_type: optional(anyText),
    duration_ms: optional(quantity(1_000_000_000)), ttft_ms: optional(quantity(1_000_000_000)),
    cost: reportedCost, metadata,
    extra: optional(fc.dictionary(someText, fc.oneof(anyText, fc.integer(), fc.boolean()), { maxKeys: 4 })),
    usage: fc.dictionary(someText, fc.oneof(fc.nat(), anyText), { maxKeys: 6 }),
  }, { requiredKeys: ['tenant', 'occurred_at', 'received_at', 'model', 'status', 'usage'] });
  const usage = fc.record({
    shape: fc.constantFrom('openai_chat', 'anthropic', 'canonical', 'empty'),
    tokens, requests: unitCount, tool_calls: unitCount, web_search_requests: unitCount, images: unitCount,
    audio_seconds: quantity(10_000_000), prompt_tokens: tokenCount,
    reported_cost: fc.option(fc.constantFrom('0.5', '0.000000000000001', '1e-20'), { nil: null }),
    unknown_fields: fc.oneof(fc.constant([]), fc.array(anyText, { maxLength: 12 })),
  });
  const pricing = fc.record({
    priced: fc.boolean(),
    pricing_error: fc.option(fc.record({ code: someText, message: anyText }), { nil: null }),
    model_key: fc.option(anyText, { nil: null }), price_version: fc.option(anyText, { nil: null }),
    cost: breakdown, total: amount, cache_savings: amount,
    cost_source: fc.constantFrom('catalog', 'reported', 'none'), tier: fc.option(anyText, { nil: null }),
  });
  const source = fc.option(fc.record({
    topic: anyText, partition: fc.oneof(fc.integer({ min: -1, max: 2 ** 31 - 1 }), fc.constantFrom(-1, 0, 2 ** 31 - 1)),
    offset: fc.oneof(fc.bigInt(-1n, 2n ** 63n - 1n), fc.constantFrom(-1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n)).map(String),
  }), { nil: null });
  return fc.record({ event, usage, pricing, price: eventPrice, source }).map(({ event: e, usage: u, pricing: pr, price, source: s }) => ({
    event: { ...e, event_id: 'e' } as unknown as StampedEvent,
    usage: u as NormalizedUsage,
    pricing: pr as PricingResult,
    ...(price === undefined ? {} : { price }),
    source: s,
  }));
}
