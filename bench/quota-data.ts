/**
 * Shared by the quota benchmark's parent and its load-generator processes:
 * the budget set, the subjects, the counter-store connection, seed events,
 * and latency histograms that merge exactly across processes.
 */
import { parseBudget, type BudgetState } from '../src/budgets/index.js';
import type { Subject } from '../src/budgets/types.js';
import { createRedisCounterStore, type RedisCounterStore } from '../src/counters/index.js';
import { emptyTokens, withTotal } from '../src/normalize/types.js';
import type { PricedEvent } from '../src/pipeline/types.js';
import { type CostBreakdown } from '../src/pricing/types.js';
import { UNIT_CLASSES, TOKEN_CLASSES } from '../src/core/classes.js';

export const TENANTS = 50;
export const USERS_PER_TENANT = 20;

/** Three hard budgets every subject is checked against: per user per day, per tenant per month, per user and model per month (tokens). */
export function budgetState(): BudgetState {
  const budgets = [
    { id: 'user-day', name: 'per user per day', metric: 'cost', limit: '1000000', period: 'daily', scope: { tenant: '*', user: '*' } },
    { id: 'tenant-month', name: 'per tenant per month', metric: 'cost', limit: '1000000', period: 'monthly', timezone: 'America/New_York', scope: { tenant: '*' } },
    { id: 'user-model-tokens', name: 'tokens per user and model', metric: 'tokens', limit: 1_000_000_000_000, period: 'monthly', scope: { tenant: '*', user: '*', model: '*' } },
  ].map((b) => parseBudget(b));
  return { version: '1700000000000001', budgets, tiers: [], assignments: [] };
}

export function subjects(): Subject[] {
  const out: Subject[] = [];
  for (let t = 0; t < TENANTS; t++) for (let u = 0; u < USERS_PER_TENANT; u++) out.push({ tenant: `t${t}`, user: `u${u}`, model: 'openai/gpt-4o-mini' });
  return out;
}

export function connect(url: string, prefix: string, autoPipelining: boolean): Promise<RedisCounterStore> {
  return createRedisCounterStore({ url, prefix, redisOptions: { enableAutoPipelining: autoPipelining } });
}

/** One event of a subject, counted into its counters (seeding). */
export function seedEvent(s: Subject, i: number): PricedEvent {
  const cost = {} as Record<string, bigint>;
  for (const c of [...TOKEN_CLASSES, ...UNIT_CLASSES]) cost[c] = 0n;
  const at = new Date(Date.now() - 1000).toISOString();
  const tokens = withTotal({ ...emptyTokens(), input: 1000, output: 200 });
  return {
    event: { event_id: `seed-${i}`, occurred_at: at, received_at: at, tenant: s.tenant ?? 'default', user_id: s.user, model: 'gpt-4o-mini', usage: {}, status: 'ok' },
    usage: { shape: 'canonical', tokens, requests: 1, tool_calls: 0, web_search_requests: 0, images: 0, audio_seconds: 0, prompt_tokens: 1000, reported_cost: null, unknown_fields: [] },
    pricing: { priced: true, pricing_error: null, model_key: 'openai/gpt-4o-mini', price_version: 'v', cost: cost as CostBreakdown, total: 270_000_000_000n, cache_savings: 0n, cost_source: 'catalog', tier: null },
    source: { topic: 'bench.raw', partition: 0, offset: String(i) },
  } as PricedEvent;
}

/** Latencies in whole microseconds → count. Merges exactly. */
export type Histogram = Record<string, number>;

export function record(h: Histogram, nanos: bigint): void {
  const us = String(Number(nanos / 1000n));
  h[us] = (h[us] ?? 0) + 1;
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** Percentiles in ms from a histogram (nearest rank). */
export function quantiles(h: Histogram): { count: number; p50: number; p90: number; p99: number; p999: number; max: number } {
  const entries = Object.entries(h).map(([k, v]) => [Number(k), v] as const).sort((a, b) => a[0] - b[0]);
  const count = entries.reduce((a, [, v]) => a + v, 0);
  const at = (p: number): number => {
    const rank = Math.max(1, Math.ceil((p / 100) * count));
    let seen = 0;
    for (const [us, v] of entries) {
      seen += v;
      if (seen >= rank) return us / 1000;
    }
    return Number.NaN;
  };
  return { count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: (entries[entries.length - 1]?.[0] ?? Number.NaN) / 1000 };
}

/** What the parent tells a worker (argv[2], JSON). */
export interface WorkerTask {
  readonly redisUrl: string;
  readonly prefix: string;
  /** ping and check-memory are references: the machine's round trip, and the engine without Redis. */
  readonly op: 'check' | 'reserve+settle' | 'ping' | 'check-memory' | 'http-check' | 'http-reserve+settle';
  /** The API processes of the HTTP scenarios (bench/quota-api.ts): requests go round-robin over them, like a load balancer (a reservation and its settle may reach different processes). */
  readonly apiUrls?: readonly string[];
  /** fixed: `rate` operations per second, one at a time; max: `callers` closed loops. */
  readonly mode: 'fixed' | 'max';
  readonly rate: number;
  readonly callers: number;
  readonly seconds: number;
  readonly autoPipelining: boolean;
  /** Budget leases on (src/budgets/leases.ts): every subject's lease taken before the run. */
  readonly leases: boolean;
  readonly seed: number;
}

/** What a worker prints (one JSON line). */
export interface WorkerResult {
  readonly pid: number;
  readonly ops: number;
  readonly errors: number;
  readonly refused: number;
  readonly seconds: number;
  readonly histogram: Histogram;
  /** CPU time of the worker process, seconds (user + system). */
  readonly cpuSeconds: number;
  /** With leases: answers from leases, one-round-trip answers, and lease calls during the run. */
  readonly leases: { readonly answered: number; readonly fallbacks: number; readonly renewals: number } | null;
}
