/**
 * The fixed data set of the analytics query tests: three tenants, users that
 * share ids across tenants, four models (one unpriced), agents, groups,
 * features, API keys, statuses, metadata tags, sessions (one id used by two
 * tenants), latencies with gaps, minutes on and off the quarter hours (so
 * Asia/Kolkata days cut hourly buckets), and a cluster of events either side
 * of the most recent New York DST change. Times are relative to the test's
 * clock (usage_events drops rows past its 13-month retention).
 */
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { parseUsd } from '../../../src/core/money.js';
import { COST_CLASSES, type CostClass } from '../../../src/core/classes.js';
import { pricedEvent } from '../../support/store-fixtures.js';
import type { BilledPrice } from '../../support/price-rows.js';

/**
 * What each event of the data set is billed at (issue 16), from its tenant's
 * price book, as the processor will write it: acme marks every cost class up
 * 25 % (rounded down to the femto-dollar) plus $0.002 per request; globex
 * pays contract prices per token ($4 / $12 per million input / output
 * tokens — below cost for events with tool calls, searches or images: a
 * negative margin); initech has no price book (price 0, margin = −cost).
 * Only the data set's own events (ids ev-…, dst-…) are billed: an event
 * inserted later through the processor's path carries no price yet.
 */
export function billedPrice(e: PricedEvent): BilledPrice {
  const id = e.event.event_id;
  if (!id.startsWith('ev-') && !id.startsWith('dst-')) return { prices: {} };
  const prices: Partial<Record<CostClass, bigint>> = {};
  switch (e.event.tenant) {
    case 'acme':
      for (const c of COST_CLASSES) prices[c] = (e.pricing.cost[c] * 5n) / 4n;
      prices.request = (prices.request ?? 0n) + parseUsd('0.002') * BigInt(e.usage.requests);
      return { prices, book: 'acme-markup@1' };
    case 'globex':
      prices.input = parseUsd('0.000004') * BigInt(e.usage.tokens.input + e.usage.tokens.cached_input);
      prices.output = parseUsd('0.000012') * BigInt(e.usage.tokens.output + e.usage.tokens.reasoning);
      return { prices, book: 'globex-contract@1' };
    default:
      return { prices: {} };
  }
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

const MODELS = [
  { provider: 'openai', model: 'gpt-4o-2024-08-06', modelKey: 'openai/gpt-4o', priced: true },
  { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', modelKey: 'anthropic/claude-3-5-sonnet', priced: true },
  { provider: 'gemini', model: 'gemini-2.0-flash', modelKey: 'gemini/gemini-2.0-flash', priced: true },
  { provider: 'openai', model: 'mystery-model', modelKey: null, priced: false },
] as const;

const TENANTS = ['acme', 'acme', 'globex', 'acme', 'initech', 'globex'] as const;
const MINUTES = [0, 10, 15, 29, 30, 44, 45, 59] as const;

/** UTC offset of New York (minutes) at an instant. */
function nyOffset(ms: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'longOffset' }).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The most recent New York DST change before `now` (to the hour). */
export function lastNewYorkDstChange(now: number): number {
  let t = Math.floor(now / HOUR) * HOUR;
  const current = nyOffset(t);
  while (nyOffset(t - HOUR) === current) t -= HOUR;
  return t;
}

function event(i: number, tenant: string, at: number, prefix: string): PricedEvent {
  const m = MODELS[i % MODELS.length] as (typeof MODELS)[number];
  const input = 500 + ((i * 37) % 900);
  const output = 50 + ((i * 13) % 400);
  const cached = (i % 3) * 120;
  const reasoning = m.provider === 'anthropic' ? 0 : (i % 5) * 16;
  const priced = pricedEvent({
    tenant,
    eventId: `${prefix}-${String(i).padStart(4, '0')}`,
    occurredAt: new Date(at).toISOString(),
    userId: i % 7 === 6 ? undefined : `u${(i * 5) % 6}`,
    group: `team-${i % 3}`,
    sessionId: i % 9 === 0 ? 'sess-shared' : `sess-${tenant}-${i % 4}`,
    agent: i % 4 === 3 ? undefined : ['support-bot', 'coder', 'planner'][i % 3],
    feature: ['chat', 'search'][i % 2],
    apiKeyId: `key-${tenant}-${i % 2}`,
    provider: m.provider,
    model: m.model,
    modelKey: m.modelKey,
    priced: m.priced,
    status: i % 11 === 5 ? 'error' : i % 17 === 8 ? 'cancelled' : 'ok',
    tokens: {
      input,
      cached_input: cached,
      cache_write_5m: i % 4 === 0 ? 64 : 0,
      cache_write_1h: i % 6 === 0 ? 32 : 0,
      output,
      reasoning,
      audio_input: i % 10 === 0 ? 200 : 0,
      audio_output: i % 10 === 0 ? 150 : 0,
      image_input: i % 8 === 0 ? 85 : 0,
      image_output: i % 16 === 0 ? 1290 : 0,
    },
    costs: {
      input: parseUsd('0.0000025') * BigInt(input),
      cached_input: parseUsd('0.00000125') * BigInt(cached),
      cache_write_5m: parseUsd('0.00000375') * BigInt(i % 4 === 0 ? 64 : 0),
      output: parseUsd('0.00001') * BigInt(output),
      reasoning: parseUsd('0.00001') * BigInt(reasoning),
      audio_input: parseUsd('0.0001') * BigInt(i % 10 === 0 ? 200 : 0),
      request: i % 2 === 0 ? 1n : 0n, // one femto-dollar: exactness at the last digit
      tool_call: parseUsd('0.003') * BigInt(i % 3),
      web_search: parseUsd('0.01') * BigInt(i % 5 === 0 ? 1 : 0),
      image: parseUsd('0.04') * BigInt(i % 16 === 0 ? 1 : 0),
    },
    cacheSavings: parseUsd('0.00000125') * BigInt(cached),
    durationMs: i % 6 === 1 ? undefined : 120 + ((i * 53) % 2400) + (i % 4) * 0.25,
    ttftMs: i % 5 === 2 ? undefined : 15 + ((i * 29) % 600) + (i % 2) * 0.5,
    audioSeconds: i % 10 === 0 ? 2.125 + (i % 3) : 0,
    toolCalls: i % 3,
    webSearches: i % 5 === 0 ? 1 : 0,
    images: i % 16 === 0 ? 1 : 0,
    requests: 1,
    metadata: i % 5 === 4 ? { env: 'dev' } : { env: 'prod', ...(i % 3 === 0 ? { team: 'search' } : {}) },
  });
  return i % 9 === 3 ? { ...priced, event: { ...priced.event, usage: providerUsage(input, output, cached) } } : priced;
}

/**
 * A provider's usage object as an event may carry it: nested details, an
 * unknown field, a number that is not a short decimal, a large integer and
 * text with quotes and non-ASCII letters — the records API returns it as stored.
 */
function providerUsage(input: number, output: number, cached: number): Record<string, unknown> {
  return {
    prompt_tokens: input + cached,
    completion_tokens: output,
    prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
    x_vendor_ratio: 0.1 + 0.2,
    x_vendor_big: 2 ** 60,
    x_vendor_tiny: 1e-21,
    x_vendor_note: 'naïve "quoted" ✓',
    x_vendor_list: [1, 2.5, null, true],
  };
}

export interface Dataset {
  /** Every event, as first inserted. */
  readonly events: readonly PricedEvent[];
  /** Day-aligned (UTC) range holding the main days: [start, end). */
  readonly days: { readonly from: number; readonly to: number };
  /** The New York DST change the cluster straddles. */
  readonly dst: number;
  /** A day-aligned range holding every event. */
  readonly all: { readonly from: number; readonly to: number };
}

/** 300 events over the 12 UTC days before today, plus 48 around the last New York DST change. */
export function analyticsDataset(now: number): Dataset {
  const today = Math.floor(now / DAY) * DAY;
  const start = today - 12 * DAY;
  const events: PricedEvent[] = [];
  for (let i = 0; i < 300; i++) {
    const day = i % 12;
    const hour = (i * 7) % 24;
    const minute = MINUTES[i % MINUTES.length] as number;
    const at = start + day * DAY + hour * HOUR + minute * 60_000 + (i % 3) * 1_000 + (i % 2) * 7;
    events.push(event(i, TENANTS[i % TENANTS.length] as string, at, 'ev'));
  }
  const dst = lastNewYorkDstChange(now);
  for (let i = 0; i < 48; i++) {
    const at = dst + (i - 24) * 3 * HOUR + MINUTES[i % MINUTES.length]! * 60_000;
    events.push(event(1000 + i, i % 3 === 2 ? 'globex' : 'acme', at, 'dst'));
  }
  const times = events.map((e) => Date.parse(e.event.occurred_at));
  return {
    events,
    days: { from: start, to: today },
    dst,
    all: { from: Math.floor(Math.min(...times) / DAY) * DAY - DAY, to: Math.floor(Math.max(...times) / DAY) * DAY + 2 * DAY },
  };
}
