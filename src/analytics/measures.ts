/**
 * Measures between the store and the API, exactly: store rows carry counts and
 * decimals as strings; they are parsed into bigints (counts, femto-USD, milli-
 * seconds of audio), added without loss, and written out as JSON integers and
 * decimal strings. Nothing monetary ever passes through a float.
 */
import { formatScaled, formatUsd, parseScaled, parseUsd } from '../core/money.js';
import { TallyError } from '../core/errors.js';
import { COUNT_MEASURES, MONEY_MEASURES, OUTPUT_MEASURES, moneyColumn, type Measures, type OutputMeasure } from './model.js';
import { marginPct } from './margin.js';
import type { MeasureRow } from '../store/queries/measures.js';

type CountName = (typeof COUNT_MEASURES)[number];
type MoneyName = (typeof MONEY_MEASURES)[number];

/** Measures in exact form. */
export interface ExactMeasures {
  readonly counts: Record<CountName, bigint>;
  /** femto-USD */
  readonly money: Record<MoneyName, bigint>;
  /** thousandths of a second */
  audioMillis: bigint;
  durationSum: number;
  durationCount: bigint;
  ttftSum: number;
  ttftCount: bigint;
}

export function zeroMeasures(): ExactMeasures {
  const counts = {} as Record<CountName, bigint>;
  for (const c of COUNT_MEASURES) counts[c] = 0n;
  const money = {} as Record<MoneyName, bigint>;
  for (const m of MONEY_MEASURES) money[m] = 0n;
  return { counts, money, audioMillis: 0n, durationSum: 0, durationCount: 0n, ttftSum: 0, ttftCount: 0n };
}

function text(row: MeasureRow, name: string): string {
  const v = row[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new TallyError('INTERNAL', `store row has no measure ${name}`);
}

function float(row: MeasureRow, name: string): number {
  const v = row[name];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return 0;
}

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Decimal text → integer scaled by 10^scale; the store's plain form fast, anything else through money.ts. */
function scaled(value: string, scale: number, what: string): bigint {
  if (value === '0') return 0n;
  const m = PLAIN_DECIMAL.exec(value);
  const frac = m?.[3] ?? '';
  if (!m || frac.length > scale) return scale === 15 ? parseUsd(value, what) : parseScaled(value, scale, what);
  const v = BigInt((m[2] as string) + frac.padEnd(scale, '0'));
  return m[1] === '-' ? -v : v;
}

/**
 * Parses the measure columns of a store row. With `summed` (the store measures the query asked
 * for), the others stay zero: they are not in the row, and the answer leaves them out.
 */
export function measuresOf(row: MeasureRow, summed?: ReadonlySet<string>): ExactMeasures {
  const m = zeroMeasures();
  const has = (column: string): boolean => summed === undefined || summed.has(column);
  for (const c of COUNT_MEASURES) if (has(c)) m.counts[c] = BigInt(text(row, c));
  for (const c of MONEY_MEASURES) if (has(moneyColumn(c))) m.money[c] = scaled(text(row, moneyColumn(c)), 15, c);
  if (has('audio_seconds')) m.audioMillis = scaled(text(row, 'audio_seconds'), 3, 'audio_seconds');
  if (has('duration_ms_count')) {
    m.durationSum = float(row, 'duration_ms_sum');
    m.durationCount = BigInt(text(row, 'duration_ms_count'));
  }
  if (has('ttft_ms_count')) {
    m.ttftSum = float(row, 'ttft_ms_sum');
    m.ttftCount = BigInt(text(row, 'ttft_ms_count'));
  }
  return m;
}

/** Adds `b` into `a` (exact for everything but the float latency sums). */
export function addInto(a: ExactMeasures, b: ExactMeasures): ExactMeasures {
  for (const c of COUNT_MEASURES) a.counts[c] += b.counts[c];
  for (const c of MONEY_MEASURES) a.money[c] += b.money[c];
  a.audioMillis += b.audioMillis;
  a.durationSum += b.durationSum;
  a.durationCount += b.durationCount;
  a.ttftSum += b.ttftSum;
  a.ttftCount += b.ttftCount;
  return a;
}

export function sumMeasures(items: Iterable<ExactMeasures>): ExactMeasures {
  const total = zeroMeasures();
  for (const m of items) addInto(total, m);
  return total;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function ratio(sum: number, count: bigint, digits: number): number | null {
  return count === 0n ? null : round(sum / Number(count), digits);
}

function usdText(v: bigint): string {
  return v === 0n ? '0' : formatUsd(v);
}

/** price − cost_total, exact. */
export function marginOf(m: ExactMeasures): bigint {
  return m.money.price - m.money.cost_total;
}

/** The JSON form of only the measures asked for (null: all of them). */
export function selectedJson(m: ExactMeasures, only: readonly OutputMeasure[] | null): Partial<Measures> {
  return selectedJsonInto({}, m, only);
}

/**
 * Writes the JSON form of the measures asked for (null: all of them) into `target` and returns it:
 * a breakdown row is built in one object (its bucket and dimensions, then these), not copied from
 * another — spreading ~45 measure fields per row cost more than the statement at a few hundred rows.
 */
export function selectedJsonInto<T extends Record<string, unknown>>(target: T, m: ExactMeasures, only: readonly OutputMeasure[] | null): T & Partial<Measures> {
  const all = measuresJson(m);
  const out: Record<string, unknown> = target;
  for (const name of only ?? OUTPUT_MEASURES) out[name] = all[name];
  return target as T & Partial<Measures>;
}

/** The JSON form: counts as integers, money as exact decimal strings. */
export function measuresJson(m: ExactMeasures): Measures {
  const out: Record<string, unknown> = {};
  for (const c of COUNT_MEASURES) out[c] = Number(m.counts[c]);
  for (const c of MONEY_MEASURES) out[c] = usdText(m.money[c]);
  const margin = marginOf(m);
  out.margin = usdText(margin);
  out.margin_pct = marginPct(margin, m.money.price);
  out.audio_seconds = Number(formatScaled(m.audioMillis, 3));
  const requests = m.counts.requests;
  out.avg_tokens_per_request = requests === 0n ? null : round(Number(m.counts.total_tokens) / Number(requests), 2);
  out.avg_duration_ms = ratio(m.durationSum, m.durationCount, 3);
  out.avg_ttft_ms = ratio(m.ttftSum, m.ttftCount, 3);
  return out as Measures;
}

/** Whether every exact measure is zero (a group whose events all cancelled out). */
export function isEmpty(m: ExactMeasures): boolean {
  return COUNT_MEASURES.every((c) => m.counts[c] === 0n) && MONEY_MEASURES.every((c) => m.money[c] === 0n) && m.audioMillis === 0n;
}
