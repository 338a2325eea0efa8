/**
 * The answers the analytics queries must give, computed here from the fixture
 * list alone — bigint and decimal arithmetic, Intl for wall clocks — sharing
 * no code with src/analytics.
 */
import { expect } from 'vitest';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { formatUsd } from '../../../src/core/money.js';
import { TOKEN_CLASSES, UNIT_CLASSES } from '../../../src/core/classes.js';
import { billedPrice } from './dataset.js';
import { priceTotal } from '../../support/price-rows.js';

const COST_CLASSES = [...TOKEN_CLASSES, ...UNIT_CLASSES] as const;

/** A filter as the tests express it; `params()` turns it into query parameters. */
export interface Spec {
  readonly from: number;
  readonly to: number;
  /** null: every tenant. */
  readonly tenant: string | null;
  readonly user_id?: readonly string[];
  readonly group?: readonly string[];
  readonly session_id?: readonly string[];
  readonly agent?: readonly string[];
  readonly feature?: readonly string[];
  readonly provider?: readonly string[];
  readonly model?: readonly string[];
  readonly api_key_id?: readonly string[];
  readonly status?: readonly string[];
  readonly priced?: boolean;
  readonly tag?: readonly string[];
}

const LISTS = ['user_id', 'group', 'session_id', 'agent', 'feature', 'provider', 'model', 'api_key_id', 'status', 'tag'] as const;

/** Query-string-like parameters of a spec (the tenant goes to the service as its scope). */
export function params(spec: Spec, extra: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { from: new Date(spec.from).toISOString(), to: new Date(spec.to).toISOString(), ...extra };
  for (const k of LISTS) {
    const v = spec[k];
    if (v !== undefined) out[k] = [...v];
  }
  if (spec.priced !== undefined) out.priced = String(spec.priced);
  return out;
}

function field(e: PricedEvent, name: string): string {
  const ev = e.event;
  switch (name) {
    case 'tenant': return ev.tenant;
    case 'user_id': return ev.user_id ?? '';
    case 'group': return ev.group ?? '';
    case 'session_id': return ev.session_id ?? '';
    case 'agent': return ev.agent ?? '';
    case 'feature': return ev.feature ?? '';
    case 'provider': return ev.provider ?? '';
    case 'model': return ev.model;
    case 'model_key': return e.pricing.model_key ?? '';
    case 'api_key_id': return ev.api_key_id ?? '';
    case 'status': return ev.status;
    default: throw new Error(`no field ${name}`);
  }
}

export { field as dimensionValue };

export function matches(e: PricedEvent, spec: Spec): boolean {
  const at = Date.parse(e.event.occurred_at);
  if (at < spec.from || at >= spec.to) return false;
  if (spec.tenant !== null && e.event.tenant !== spec.tenant) return false;
  for (const k of ['user_id', 'group', 'session_id', 'agent', 'feature', 'provider', 'api_key_id', 'status'] as const) {
    const v = spec[k];
    if (v !== undefined && !v.includes(field(e, k))) return false;
  }
  if (spec.model !== undefined && !spec.model.includes(e.event.model) && !spec.model.includes(e.pricing.model_key ?? '')) return false;
  if (spec.priced !== undefined && e.pricing.priced !== spec.priced) return false;
  for (const t of spec.tag ?? []) {
    const [key, ...rest] = t.split('=');
    const meta = e.event.metadata ?? {};
    if (!(key! in meta) || meta[key!] !== rest.join('=')) return false;
  }
  return true;
}

export function select(events: readonly PricedEvent[], spec: Spec): PricedEvent[] {
  return events.filter((e) => matches(e, spec));
}

/** margin ÷ price × 100 to two decimals, half away from zero (cut to thousandths, then round on the last digit); null at price 0. */
export function percent(margin: bigint, price: bigint): string | null {
  if (price === 0n) return null;
  const thousandths = (margin * 100_000n) / price; // truncated toward zero
  const abs = thousandths < 0n ? -thousandths : thousandths;
  const hundredths = abs / 10n + (abs % 10n >= 5n ? 1n : 0n);
  const text = `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`;
  return thousandths < 0n && hundredths !== 0n ? `-${text}` : text;
}

const milli = (seconds: number): bigint => BigInt(Math.round(seconds * 1000));

/** Every measure of `events`, as the API must print it. */
export function measures(events: readonly PricedEvent[]): Record<string, unknown> {
  const big = (f: (e: PricedEvent) => number | bigint): bigint => events.reduce((s, e) => s + BigInt(f(e)), 0n);
  const out: Record<string, unknown> = {
    events: events.length,
    requests: Number(big((e) => e.usage.requests)),
  };
  for (const c of TOKEN_CLASSES) out[`${c}_tokens`] = Number(big((e) => e.usage.tokens[c]));
  out.total_tokens = Number(big((e) => e.usage.tokens.total));
  out.unpriced_events = events.filter((e) => !e.pricing.priced).length;
  out.error_events = events.filter((e) => e.event.status === 'error').length;
  out.tool_calls = Number(big((e) => e.usage.tool_calls));
  out.web_search_requests = Number(big((e) => e.usage.web_search_requests));
  out.images = Number(big((e) => e.usage.images));
  for (const c of COST_CLASSES) out[`cost_${c}`] = formatUsd(big((e) => e.pricing.cost[c]));
  out.cost_total = formatUsd(big((e) => e.pricing.total));
  out.cache_savings = formatUsd(big((e) => e.pricing.cache_savings));
  const price = big((e) => priceTotal(billedPrice(e)));
  const margin = price - big((e) => e.pricing.total);
  out.price = formatUsd(price);
  out.margin = formatUsd(margin);
  out.margin_pct = percent(margin, price);
  const audio = events.reduce((s, e) => s + milli(e.usage.audio_seconds), 0n);
  out.audio_seconds = Number(audio) / 1000;
  const requests = out.requests as number;
  out.avg_tokens_per_request = requests === 0 ? null : Math.round(((out.total_tokens as number) / requests) * 100) / 100;
  const avg = (vals: number[]): number | null => (vals.length === 0 ? null : vals.reduce((s, v) => s + v, 0) / vals.length);
  out.avg_duration_ms = avg(events.flatMap((e) => (e.event.duration_ms === undefined ? [] : [e.event.duration_ms])));
  out.avg_ttft_ms = avg(events.flatMap((e) => (e.event.ttft_ms === undefined ? [] : [e.event.ttft_ms])));
  return out;
}

const APPROX = ['avg_duration_ms', 'avg_ttft_ms'];

/** The actual measures equal the independent ones: exact fields identical, float averages within 0.001. */
export function expectMeasures(actual: object, events: readonly PricedEvent[], where = ''): void {
  const want = measures(events);
  const got = actual as Record<string, unknown>;
  const exact = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k in want && !APPROX.includes(k)));
  expect(exact(got), where).toEqual(exact(want));
  for (const k of APPROX) {
    if (want[k] === null) expect(got[k], `${where} ${k}`).toBeNull();
    else expect(got[k] as number, `${where} ${k}`).toBeCloseTo(want[k] as number, 2);
  }
}

/** model_key, or the reported model when unpriced. */
export function modelLabel(e: PricedEvent): string {
  return e.pricing.model_key ?? e.event.model;
}

export function groupBy(events: readonly PricedEvent[], key: (e: PricedEvent) => string): Map<string, PricedEvent[]> {
  const out = new Map<string, PricedEvent[]>();
  for (const e of events) {
    const k = key(e);
    const list = out.get(k);
    if (list) list.push(e);
    else out.set(k, [e]);
  }
  return out;
}

// ---- wall clocks, independently --------------------------------------------------

function parts(ms: number, tz: string): Record<string, string> {
  const f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', timeZoneName: 'longOffset' });
  return Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]));
}

function offsetText(name: string): string {
  const m = /GMT([+-]\d{2}:\d{2})?/.exec(name);
  return m?.[1] ?? '+00:00';
}

/**
 * The bucket an event falls in, as a comparable key: `YYYY-MM-DD` of the
 * bucket's first local day (day/week/month), or `YYYY-MM-DDThh±hh:mm` (hour,
 * with the offset so a repeated fall-back hour stays two buckets).
 */
export function bucketKey(ms: number, bucket: 'hour' | 'day' | 'week' | 'month', tz: string): string {
  const p = parts(ms, tz);
  const date = `${p.year}-${p.month}-${p.day}`;
  switch (bucket) {
    case 'hour':
      return `${date}T${p.hour}${offsetText(p.timeZoneName ?? '')}`;
    case 'day':
      return date;
    case 'week': {
      const d = new Date(`${date}T00:00:00Z`);
      const back = (d.getUTCDay() + 6) % 7;
      return new Date(d.getTime() - back * 86_400_000).toISOString().slice(0, 10);
    }
    case 'month':
      return `${p.year}-${p.month}-01`;
  }
}

/** The same key read from an API bucket string (`2025-03-10T00:00:00+05:30`). */
export function keyOfBucketText(text: string, bucket: 'hour' | 'day' | 'week' | 'month'): string {
  if (bucket !== 'hour') return text.slice(0, 10);
  const offset = text.endsWith('Z') ? '+00:00' : text.slice(-6);
  return `${text.slice(0, 13)}${offset}`;
}

/** R type 7 / PERCENTILE.INC of sorted values. */
export function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}
