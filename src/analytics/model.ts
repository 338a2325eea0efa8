/**
 * The analytics vocabulary: dimensions (what rows are grouped and filtered
 * by), measures (what is summed) and the JSON shape of a set of measures.
 * The lists are the store's (each checked against its type there): buckets
 * are the store's time buckets, sortable measures are store measures.
 */
import { TallyError } from '../core/errors.js';
import { TOKEN_CLASSES, type TokenClass, COST_CLASSES, type CostClass } from '../core/classes.js';
import type { TimeBucket } from '../store/queries/grain.js';
import type { MeasureName, RankMeasure } from '../store/queries/measures.js';

/** Time buckets, read on the wall clock of the query's time zone; weeks start on Monday (ISO). */
export const BUCKETS = ['hour', 'day', 'week', 'month'] as const satisfies readonly TimeBucket[];
export type Bucket = (typeof BUCKETS)[number];


/** Integer measures (JSON numbers). */
export const COUNT_MEASURES = [
  'events',
  'requests',
  ...TOKEN_CLASSES.map((c) => `${c}_tokens` as const),
  'total_tokens',
  'unpriced_events',
  'error_events',
  'tool_calls',
  'web_search_requests',
  'images',
] as const;

/**
 * USD measures summed from the store (exact decimal strings): the cost of each
 * class, the cost, the cache savings, and `price` — what the events are
 * billed at (the store's `price_total`; 0 where no price book applied).
 */
export const MONEY_MEASURES = [...COST_CLASSES.map((c) => `cost_${c}` as const), 'cost_total', 'cache_savings', 'price'] as const;

/**
 * Measures a breakdown can sort by and a timeseries can plot: every count, every
 * amount, the margin (price − cost_total) and audio seconds. margin_pct is a
 * ratio, not a sum: every answer carries it, none ranks by it.
 */
export const SORTABLE_MEASURES = [...COUNT_MEASURES, ...MONEY_MEASURES, 'margin', 'audio_seconds'] as const;
export type Measure = (typeof SORTABLE_MEASURES)[number];

/** Every measure an answer carries, in output order: the sums, then what is derived from them. */
export const OUTPUT_MEASURES = [...COUNT_MEASURES, ...MONEY_MEASURES, 'margin', 'margin_pct', 'audio_seconds', 'avg_tokens_per_request', 'avg_duration_ms', 'avg_ttft_ms'] as const;
export type OutputMeasure = (typeof OUTPUT_MEASURES)[number];

/**
 * A set of measures known to be complete: an answer to a query that did not narrow its measures
 * (`measures=`). INTERNAL naming the first one missing otherwise.
 */
export function allMeasures<T extends Partial<Measures>>(m: T): T & Measures {
  for (const name of OUTPUT_MEASURES) {
    if (!(name in m)) throw new TallyError('INTERNAL', `the answer left out the measure ${name}: it was asked for a subset (measures=)`);
  }
  return m as T & Measures;
}

const DERIVED_INPUTS: Readonly<Partial<Record<OutputMeasure, readonly MeasureName[]>>> = {
  price: ['price_total'],
  margin: ['price_total', 'cost_total'],
  margin_pct: ['price_total', 'cost_total'],
  avg_tokens_per_request: ['total_tokens', 'requests'],
  avg_duration_ms: ['duration_ms_sum', 'duration_ms_count'],
  avg_ttft_ms: ['ttft_ms_sum', 'ttft_ms_count'],
};

/** The store measures the given answer measures are computed from (always `events`). */
export function storeMeasuresFor(outputs: readonly OutputMeasure[]): MeasureName[] {
  const out = new Set<MeasureName>(['events']);
  for (const m of outputs) for (const s of DERIVED_INPUTS[m] ?? [m as MeasureName]) out.add(s);
  return [...out];
}

/** The store's name of a measure a query ranks by (`price` is stored as `price_total`; `margin` is derived there too). */
export function rankMeasure(m: Measure): RankMeasure {
  return m === 'price' ? 'price_total' : m;
}

/** The store column a money measure is read from. */
export function moneyColumn(m: (typeof MONEY_MEASURES)[number]): string {
  return m === 'price' ? 'price_total' : m;
}

type TokenMeasures = { [K in TokenClass as `${K}_tokens`]: number };
type CostMeasures = { [K in CostClass as `cost_${K}`]: string };

/**
 * One set of measures as the API returns it. Counts are JSON integers (exact
 * up to 2^53 − 1); USD amounts are exact decimal strings (`"12.3456"`), never
 * floats; averages are derived numbers (null when undefined).
 */
export type Measures = TokenMeasures &
  CostMeasures & {
    events: number;
    requests: number;
    total_tokens: number;
    cost_total: string;
    cache_savings: string;
    /** What the events are billed at (their price books' price; 0 without one). */
    price: string;
    /** price − cost_total (negative when billed below cost). */
    margin: string;
    /** margin ÷ price × 100, two decimals as text (`"23.08"`); null when price is 0. */
    margin_pct: string | null;
    unpriced_events: number;
    error_events: number;
    tool_calls: number;
    web_search_requests: number;
    images: number;
    /** Seconds of audio, up to 3 decimals. */
    audio_seconds: number;
    /** total_tokens ÷ requests, 2 decimals; null without requests. */
    avg_tokens_per_request: number | null;
    /** Mean duration_ms over events that reported one; null when none did. */
    avg_duration_ms: number | null;
    /** Mean ttft_ms over events that reported one; null when none did. */
    avg_ttft_ms: number | null;
  };
