/**
 * The SDK's quota client: `createQuotaClient(...)` checks, reserves and
 * settles against tally's budgets — in-process against Redis, with budget
 * leases (checks of subjects far from their limits answered in memory), or
 * over HTTP against tally's API (`/v1/quota/*`). Either way the answers have
 * the same shape and the same meaning (one contract test runs both):
 *
 *   const quota = createQuotaClient({ redis: { url: 'redis://…' }, budgets: [...] });
 *   const quota = createQuotaClient({ url: 'http://127.0.0.1:8787', apiKey: 'sk_…' });
 *   const r = await quota.reserve({ tenant: 'acme', user_id: 'bob' }, { cost: '0.02' });
 *   if (r.granted) { …call the model…; await quota.settle(r.reservation_id, { event_id, cost }); }
 *
 * A refusal is an answer (`allowed: false`, HTTP's 429 included), not an
 * error; errors are TallyErrors with catalog codes (COUNTERS_UNAVAILABLE,
 * RESERVATION_NOT_FOUND, VALIDATION_FAILED, ...).
 */
import { BudgetEngine } from '../budgets/engine.js';
import type { LeaseOptions } from '../budgets/leases.js';
import { parseBudget, type BudgetInput } from '../budgets/model.js';
import { StaticBudgetSource, type BudgetSource } from '../budgets/source.js';
import type { ActualUsage, CheckedStatus, CostEstimator, Subject, UsageEstimate } from '../budgets/types.js';
import { createRedisCounterStore } from '../counters/redis/store.js';
import type { CounterStore } from '../counters/types.js';
import { createTallyClient } from './client/index.js';
import type { QuotaReservation, QuotaSettlement, QuotaVerdict } from './client/types.js';

export type { QuotaReservation, QuotaSettlement, QuotaVerdict } from './client/types.js';

export interface QuotaClient {
  check(subject: Subject, estimate?: UsageEstimate): Promise<QuotaVerdict>;
  reserve(subject: Subject, estimate: UsageEstimate, options?: { readonly ttlSeconds?: number }): Promise<QuotaReservation>;
  /** With `event_id`, the hold stays until the processor counts that event (never counted twice, never missing). */
  settle(reservationId: string, actual?: ActualUsage): Promise<QuotaSettlement>;
  /** In-process: returns the leases and closes the Redis connection this client opened. */
  close(): Promise<void>;
}

/** In-process: the budgets engine of this process, over tally's Redis counters. */
export interface InProcessQuotaOptions {
  /** tally's Redis: a standalone URL or Cluster seed nodes, with tally's key prefix (default `tally:`) — or any counter store. */
  readonly redis: { readonly url?: string; readonly clusterNodes?: readonly { host: string; port: number }[]; readonly prefix?: string } | CounterStore;
  /** The budgets in force: a source that follows tally's budget store, or a fixed list. */
  readonly budgets: BudgetSource | readonly BudgetInput[];
  /** Budget leases (docs/budgets.md, "Leases"); `false` turns them off. Default on with their defaults. */
  readonly leases?: LeaseOptions | false;
  /**
   * Prices an estimate's `model` + `input_tokens` / `max_tokens` (the
   * wrappers' estimates). Default: tally's built-in price catalog, loaded on
   * the first such estimate; `false`: none (such an estimate is then
   * VALIDATION_FAILED — give `cost`).
   */
  readonly estimateCost?: CostEstimator | false;
}

/** Over HTTP: tally's API. */
export interface HttpQuotaOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** An API key whose role may read (quota routes). */
  readonly apiKey?: string;
  /** Timeout of one request, ms. Default 10,000. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export type QuotaClientOptions = InProcessQuotaOptions | HttpQuotaOptions;

function isCounterStore(x: InProcessQuotaOptions['redis']): x is CounterStore {
  return typeof (x as CounterStore).reserve === 'function';
}

function sourceOf(b: InProcessQuotaOptions['budgets']): BudgetSource {
  if (!Array.isArray(b)) return b as BudgetSource;
  const list = b as readonly BudgetInput[];
  return new StaticBudgetSource({ version: '1', budgets: list.map((x, i) => parseBudget(x, { path: `budgets[${i}]` })), tiers: [], assignments: [] });
}

function verdictOf(r: { readonly budgets?: readonly CheckedStatus[]; readonly statuses?: readonly CheckedStatus[]; readonly exceeded: readonly CheckedStatus[]; readonly retry_after_seconds: number | null }, allowed: boolean): QuotaVerdict {
  return { allowed, budgets: r.budgets ?? r.statuses ?? [], exceeded: r.exceeded.map((s) => s.budget_id), retry_after_seconds: r.retry_after_seconds };
}

/** Prices from the built-in catalog, loaded on first use (importing the SDK does not read the catalog). */
function builtinEstimator(): CostEstimator {
  let estimator: Promise<CostEstimator> | undefined;
  return async (model, maxTokens, subject, inputTokens) => {
    estimator ??= Promise.all([import('../pricing/index.js'), import('../budgets/estimate-cost.js')]).then(([pricing, estimate]) =>
      estimate.costEstimator(pricing.createPricer(pricing.loadCatalog())),
    );
    return (await estimator)(model, maxTokens, subject, inputTokens);
  };
}

function inProcess(options: InProcessQuotaOptions): QuotaClient {
  const redis = options.redis;
  let opened: CounterStore | null = null;
  const engine = (async (): Promise<BudgetEngine> => {
    const counters = isCounterStore(redis) ? redis : (opened = await createRedisCounterStore({
      ...(redis.url ? { url: redis.url } : {}),
      ...(redis.clusterNodes ? { clusterNodes: [...redis.clusterNodes] } : {}),
      ...(redis.prefix ? { prefix: redis.prefix } : {}),
    }));
    const estimateCost = options.estimateCost === false ? undefined : (options.estimateCost ?? builtinEstimator());
    return new BudgetEngine({ counters, budgets: sourceOf(options.budgets), ...(estimateCost ? { estimateCost } : {}), ...(options.leases === false ? {} : { leases: options.leases ?? {} }) });
  })();
  engine.catch(() => undefined);
  return {
    async check(subject, estimate) {
      const r = await (await engine).check(subject, estimate);
      return verdictOf(r, r.allowed);
    },
    async reserve(subject, estimate, o = {}) {
      const r = await (await engine).reserve(subject, estimate, o.ttlSeconds === undefined ? {} : { ttlMs: Math.round(o.ttlSeconds * 1000) });
      return { ...verdictOf(r, r.granted), granted: r.granted, reservation_id: r.reservation_id, expires_at: r.expires_at };
    },
    async settle(reservationId, actual) {
      const r = await (await engine).settle(reservationId, actual, { expiredAsNotFound: true });
      return { reservation_id: reservationId, status: r.status };
    },
    async close() {
      const e = await engine.catch(() => null);
      await e?.close();
      await opened?.close();
    },
  };
}

/** The API answers budgets by shown id; refusals are 429 with the full verdict (the typed client's quota group). */
function overHttp(options: HttpQuotaOptions): QuotaClient {
  const { quota } = createTallyClient(options);
  return { check: quota.check, reserve: quota.reserve, settle: quota.settle, close: async () => undefined };
}

/** A quota client: in-process against Redis (with `redis` and `budgets`), or over HTTP (with `url`). */
export function createQuotaClient(options: QuotaClientOptions): QuotaClient {
  return 'url' in options && !('redis' in options) ? overHttp(options) : inProcess(options as InProcessQuotaOptions);
}
