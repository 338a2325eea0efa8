/**
 * Budgets for one process, from config: the counter store (Redis, Redis
 * Cluster, or memory when neither is configured), the store-backed budget
 * repository with change propagation (Redis pub/sub when Redis is configured,
 * version polling always), config defaults and tiers seeded idempotently, the
 * engine (cost estimates and model resolution from the pricer), the alert
 * publisher the processor calls (alerts topic, then signed webhooks), and
 * metrics for quota operations, alerts and webhook deliveries.
 *
 *   const budgets = await buildBudgets({ config, store, logger, metrics, pricer,
 *     alertsSend: alertsTopicSender(log.producer(), topics.alerts.name) });
 *   buildProcessor({ ...parts, counters: budgets.engine, alerts: budgets.publisher });
 *   createApp({ ..., services: { budgets: budgets.admin, quota: budgets.quota } });
 *
 * With memory counters (embedded mode) the counters of every open period are
 * rebuilt from the analytics store before `buildBudgets` returns, so start the
 * processor and the API only after it resolved.
 *
 * With Redis, the counters' loss (Redis flushed, or restarted empty) is
 * detected by epoch markers and the lost counters are rebuilt from the store
 * automatically (budgets/recovery.ts), with the outage policy
 * `budgets.outagePolicy` meanwhile; the process reports it on /readyz (check
 * `counters-epoch`), in the log and in tally_counters_lost_total,
 * tally_counters_lost_regions, tally_counters_rebuilt_total and
 * tally_quota_outage_answers_total.
 */
import { policyCounts } from '../budgets/outage.js';
import { BudgetEngine, CounterRecovery, WatchedBudgetSource, WebhookNotifier, createAlertPublisher, createStoreBudgetRepository } from '../budgets/index.js';
import type { BudgetAlertPublisher, BudgetRepository, ReconcileResult, ThresholdCrossing } from '../budgets/index.js';
import type { BudgetSet } from '../budgets/catalog.js';
import type { LeaseOptions } from '../budgets/leases.js';
import type { ActualUsage, CheckResult, ReservationResult, ReserveOptions, SettleOptions, SettleResult, Subject, UsageEstimate } from '../budgets/types.js';
import type { TallyConfig } from '../config/schema.js';
import type { BudgetAlertQuery, BudgetAlertRow } from '../store/operations/budgets.js';
import type { CounterStore, RedisCounterStore } from '../counters/index.js';
import { RedisChangeFeed } from '../budgets/redis-changes.js';
import { costEstimator } from '../budgets/estimate-cost.js';
import type { PriceEstimator } from '../budgets/types.js';
import { priceEstimator } from '../billing/estimate-price.js';
import { Wallets } from '../billing/wallet.js';
import { DEFAULT_TENANT } from '../core/dimensions.js';
import type { PriceBookSource } from '../pricing/price-books.js';
import { WalletBudgets, removeWalletBudgets } from './wallet-budgets.js';
import { createCounterStore } from './adapters.js';
import { errorMessage } from '../core/errors.js';
import type { HealthState } from '../core/health.js';
import { component, type Logger } from '../core/logger.js';
import type { LogProducer } from '../eventlog/types.js';
import { secondsSince, type Metrics } from '../core/metrics.js';
import type { Pricer } from '../pricing/index.js';
import { createModelFamilies } from '../pricing/families.js';
import { provisionalPrices } from '../pricing/provisional.js';
import type { AnalyticsStore } from '../store/types.js';

export interface BudgetsParts {
  readonly config: TallyConfig;
  readonly store: AnalyticsStore;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly pricer: Pricer;
  /** Readiness: the `counters-epoch` check fails while lost counters are being rebuilt. */
  readonly health?: HealthState;
  /** Sends crossings to the alerts topic (see `alertsTopicSender`); absent: crossings go to webhooks only. */
  readonly alertsSend?: (crossings: readonly ThresholdCrossing[]) => Promise<void>;
  /** Test and embedding knobs. */
  readonly overrides?: BudgetsOverrides;
  /** Answer quota checks and reservations from budget leases (the API, with budgets.leases.enabled). Default off. */
  readonly leases?: LeaseOptions;
  /** The price books in force: reservations hold a call's billed price on wallets (`price` budgets). Absent: an estimate holds only the `price` it gives. */
  readonly priceBooks?: PriceBookSource;
  /** Keep customers' wallets as budgets (wallet-budgets.ts): the API process and `tally start`. Default false. */
  readonly keepWallets?: boolean;
}

export interface BudgetsOverrides {
  /** Budget version poll interval, ms. Default 500. */
  readonly pollMs?: number;
  /** Wait before a budget's backfill lists tenants, ms. Default 3 × pollMs with Redis, 0 with memory counters. */
  readonly backfillSettleMs?: number;
  /** Wait for webhook deliveries before `publish` returns. Default false. */
  readonly awaitWebhooks?: boolean;
  /** Webhook retry tuning (tests). */
  readonly webhookRetries?: number;
  readonly webhookInitialDelayMs?: number;
  /** Rebuild counters from the store at start. Default: only for memory counters. */
  readonly reconcileAtStart?: boolean;
  /** How often to look for lost counters (missing epoch markers), ms; 0 = only when a call finds them. Default budgets.epochProbeMs. */
  readonly epochProbeMs?: number;
  readonly clock?: () => number;
}

/** Quota operations, instrumented (tally_quota_checks_total, tally_quota_seconds). The engine has the same shape. */
export interface QuotaService {
  check(subject: Subject, estimate?: UsageEstimate): Promise<CheckResult>;
  reserve(subject: Subject, estimate: UsageEstimate, options?: ReserveOptions): Promise<ReservationResult>;
  settle(reservationId: string, actual?: ActualUsage, options?: SettleOptions): Promise<SettleResult>;
  /** The budget set in force. */
  current(): BudgetSet;
}

/** What the budgets API needs: the repository, the engine, and the backfill a new scope shape needs. */
export interface BudgetAdmin {
  readonly repository: BudgetRepository;
  readonly engine: BudgetEngine;
  /**
   * After a budget or tier was written: loads the change in this process and
   * rebuilds the counters of the named budgets from the store (so a budget
   * created mid-period sees the period's earlier spend).
   */
  changed(budgetIds: readonly string[]): Promise<ReconcileResult | null>;
  /** The alerts budgets sent, as the publisher recorded them (GET /v1/budgets/{id}/alerts). */
  alerts(query: BudgetAlertQuery): Promise<BudgetAlertRow[]>;
}

export interface Budgets {
  readonly engine: BudgetEngine;
  readonly repository: BudgetRepository;
  readonly source: WatchedBudgetSource;
  readonly counters: CounterStore;
  /** The processor's AlertPublisher: alerts topic, confirm, webhooks. */
  readonly publisher: BudgetAlertPublisher;
  readonly webhooks: WebhookNotifier | null;
  /** Loss detection and rebuild of Redis counters; null with memory counters. */
  readonly recovery: CounterRecovery | null;
  readonly quota: QuotaService;
  readonly admin: BudgetAdmin;
  /** What the start-up rebuild did (memory counters), else null. */
  readonly startup: ReconcileResult | null;
  /** The keeper of wallet budgets, when this process keeps them. */
  readonly wallets: WalletBudgets | null;
  close(): Promise<void>;
}

/** Sends crossings to the alerts topic: key = tenant (none for tenant-less budgets), value = the alert body as JSON. */
export function alertsTopicSender(producer: LogProducer, topic: string): (crossings: readonly ThresholdCrossing[]) => Promise<void> {
  return (crossings) =>
    producer.send(
      topic,
      crossings.map((c) => ({
        key: c.tenant === '' ? null : c.tenant,
        value: JSON.stringify(c.body),
        headers: { 'content-type': 'application/json', 'tally-alert-id': c.id, 'tally-event': c.body.type },
      })),
    );
}

function instrument(engine: BudgetEngine, metrics: Metrics): QuotaService {
  const timed = async <T>(operation: string, run: () => Promise<T>, result?: (value: T) => string): Promise<T> => {
    const started = process.hrtime.bigint();
    try {
      const value = await run();
      metrics.quotaSeconds.observe({ operation }, secondsSince(started));
      if (result) metrics.quotaChecks.inc({ result: result(value) });
      return value;
    } catch (err) {
      if (result) metrics.quotaChecks.inc({ result: 'error' });
      throw err;
    }
  };
  return {
    check: (subject, estimate) => timed('check', () => engine.check(subject, estimate), (r) => (r.allowed ? 'allowed' : 'denied')),
    reserve: (subject, estimate, options) => timed('reserve', () => engine.reserve(subject, estimate, options), (r) => (r.granted ? 'allowed' : 'denied')),
    settle: (id, actual, options) => timed('settle', () => engine.settle(id, actual, options)),
    current: () => engine.current(),
  };
}

/** The Redis store (by its kind, so that a process without Redis never loads the Redis client). */
function isRedis(counters: CounterStore): counters is RedisCounterStore {
  return counters.kind === 'redis';
}

/** Loss detection and rebuild of the Redis counters, reporting to the log, metrics and readiness. */
function buildRecovery(engine: () => BudgetEngine, parts: BudgetsParts, log: Logger): CounterRecovery {
  const { config, metrics, health } = parts;
  const b = config.budgets;
  const check = 'counters-epoch';
  health?.ok(check);
  return new CounterRecovery(engine, {
    source: parts.store,
    policy: b.outagePolicy,
    waitMs: b.outageWaitMs,
    probeIntervalMs: parts.overrides?.epochProbeMs ?? b.epochProbeMs,
    logger: log,
    events: {
      onLost: (regions) => metrics.countersLost.inc(regions.length),
      onRebuilt: (_slot, r) => {
        if (!r.live) metrics.counterRebuilds.inc({ result: 'ok' });
      },
      onRebuildFailed: () => metrics.counterRebuilds.inc({ result: 'failed' }),
      onAnswer: (outcome, policy) => metrics.quotaOutageAnswers.inc({ policy, outcome }),
      onState: (state) => {
        metrics.countersLostRegions.set(state.lostRegions.length);
        if (state.lostRegions.length === 0 && state.rebuilding === 0) health?.ok(check);
        else {
          const where = state.lostRegions.length === 1 && state.lostRegions[0] === 'all' ? 'the counter store' : `${state.lostRegions.length} counter-store region(s)`;
          health?.fail(check, `${where} lost its data (epoch marker missing); rebuilding from the analytics store (${state.rebuilding} slot(s) in progress, outage policy ${b.outagePolicy})${state.error ? `; last error: ${state.error}` : ''}`);
        }
      },
    },
  });
}

/**
 * The `counters` section of /readyz: whether the counter store answers
 * (`reachable`, `unreachable`, or `lost` while lost counters are rebuilt),
 * since when, and which outage policy answers meanwhile — per budget while it
 * is unreachable (budgets/outage.ts), the global one while counters are lost.
 */
function countersState(counters: CounterStore, recovery: CounterRecovery | null, engine: BudgetEngine, global: TallyConfig['budgets']['outagePolicy']): Record<string, unknown> & { store: string } {
  const reach = isRedis(counters) ? counters.reachability() : { reachable: true, since: null };
  const lost = recovery?.state().lostRegions.length ?? 0;
  const store = !reach.reachable ? 'unreachable' : lost > 0 ? 'lost' : 'reachable';
  const leases = engine.leaseStats();
  return {
    store,
    since: reach.since,
    ...(reach.error === undefined ? {} : { error: reach.error }),
    kind: counters.kind,
    // The global policy, and how many budgets answer with each policy while the store is unreachable (their own or the global one).
    outage_policy: { default: global, budgets: policyCounts(engine.current().budgets, global) },
    ...(leases ? { leases: { live: leases.live, answering_through_outage: leases.degraded } } : {}),
  };
}

/** Builds the budgets of a process (see the module comment). */
export async function buildBudgets(parts: BudgetsParts): Promise<Budgets> {
  const { config, store, metrics } = parts;
  const o = parts.overrides ?? {};
  const log = component(parts.logger, 'budgets');
  const b = config.budgets;
  const counters = await createCounterStore({
    ...(config.redis.url ? { url: config.redis.url } : {}),
    ...(config.redis.clusterNodes ? { clusterNodes: config.redis.clusterNodes } : {}),
    keyPrefix: config.redis.keyPrefix,
    unsafeEvictionPolicy: config.redis.unsafeEvictionPolicy,
    logger: component(parts.logger, 'counters'),
  });
  const closers: (() => Promise<void>)[] = [() => counters.close()];
  try {
    const feed = isRedis(counters) ? new RedisChangeFeed(counters.client, counters.keys.prefix) : undefined;
    const repository = createStoreBudgetRepository(store, { approaching: b.approachingPercent, logger: log, ...(feed ? { publisher: feed } : {}) });
    const seeded = await repository.seed({ budgets: b.defaults, tiers: b.tiers });
    if (seeded.created.length > 0) log.info({ created: seeded.created }, 'budgets from the config created');

    const pollMs = o.pollMs ?? 500;
    const source = new WatchedBudgetSource(repository, {
      pollMs,
      // A literal model scope means the model family of the catalog (issue #11).
      families: createModelFamilies(parts.pricer.catalog, parts.pricer.resolver),
      ...(feed ? { feed } : {}),
      logger: log,
      onChange: (set) => log.info({ version: set.version, budgets: set.budgets.length }, 'budgets loaded'),
    });
    await source.start();
    closers.unshift(() => source.stop());

    const clock = o.clock ?? Date.now;
    const books = parts.priceBooks;
    const price = books ? priceEstimator(parts.pricer, books, clock) : null;
    const estimatePrice: PriceEstimator | null = price === null ? null : (subject, input) => price({
      tenant: subject.tenant ?? DEFAULT_TENANT, user: subject.user_id ?? subject.user ?? '', ...input,
      ...(subject.provider === undefined ? {} : { provider: subject.provider }),
    });
    // Redis can lose its data behind tally's back; memory counters live and die with the process (rebuilt at start).
    const recovery = isRedis(counters) ? buildRecovery(() => engine, parts, log) : null;
    const engine: BudgetEngine = new BudgetEngine({
      counters,
      budgets: source,
      clock,
      dedup: { windowMs: b.dedupWindowHours * 3_600_000, buckets: 4 },
      reservationTtlMs: b.reservationTtlSeconds * 1000,
      estimateCost: costEstimator(parts.pricer, clock),
      ...(estimatePrice ? { estimatePrice } : {}),
      resolveModel: (model, provider) => parts.pricer.resolver.resolve(provider, model)?.entry.key ?? null,
      // Unpriced events count at the dearest price the catalog lists for their provider until repriced (issue #11).
      provisionalCost: provisionalPrices(parts.pricer.catalog),
      logger: log,
      ...(recovery ? { recovery } : {}),
      ...(parts.leases ? { leases: parts.leases } : {}),
      outagePolicy: b.outagePolicy,
      onOutage: (policy, outcome) => metrics.quotaUnreachableAnswers.inc({ policy, outcome }),
    });
    // tally_counter_store_up and the /readyz section `counters`: whether the store answers, and the outage policies in effect.
    metrics.counterStoreUp.set(1);
    if (isRedis(counters)) counters.watchReachability((up) => metrics.counterStoreUp.set(up ? 1 : 0));
    parts.health?.addSection('counters', () => countersState(counters, recovery, engine, b.outagePolicy));
    // Leases are returned at shutdown (before the counters close).
    if (parts.leases) closers.unshift(() => engine.close());
    if (recovery) {
      recovery.start();
      closers.unshift(() => recovery.stop());
    }

    const abort = new AbortController();
    closers.unshift(async () => abort.abort());
    const webhooks = b.webhooks.length === 0 ? null : new WebhookNotifier({
      targets: b.webhooks,
      signal: abort.signal,
      logger: component(parts.logger, 'webhooks'),
      ...(o.webhookRetries === undefined ? {} : { retries: o.webhookRetries }),
      ...(o.webhookInitialDelayMs === undefined ? {} : { initialDelayMs: o.webhookInitialDelayMs }),
      onDelivery: (r) => {
        metrics.webhookDeliveries.inc({ result: r.ok ? 'ok' : 'failed' });
        if (r.attempts > 1) metrics.webhookDeliveries.inc({ result: 'retry' }, r.attempts - 1);
      },
    });
    const alertsSend = parts.alertsSend;
    const publisher = createAlertPublisher({
      engine,
      send: async (crossings) => {
        if (alertsSend) await alertsSend(crossings);
        for (const c of crossings) {
          metrics.alertsEmitted.inc({ threshold: c.body.below === null ? String(c.body.threshold) : 'below' });
          log.info({ alertId: c.id, type: c.body.type, budgetId: c.body.budget_id, tenant: c.body.tenant, subject: c.body.subject, threshold: c.body.threshold, below: c.body.below, used: c.body.used, limit: c.body.limit, bucket: c.body.bucket }, c.body.below === null ? 'budget threshold crossed' : 'budget remaining fell below an alert amount');
        }
      },
      recorder: store.budgets,
      ...(webhooks ? { webhooks } : {}),
      awaitWebhooks: o.awaitWebhooks ?? false,
      logger: log,
    });

    let startup: ReconcileResult | null = null;
    if (o.reconcileAtStart ?? counters.kind === 'memory') {
      const started = Date.now();
      startup = await engine.reconcile(store);
      log.info({ ...startup, ms: Date.now() - started }, 'counters rebuilt from the analytics store');
    }

    const settleMs = o.backfillSettleMs ?? (counters.kind === 'memory' ? 0 : 3 * pollMs);
    const admin: BudgetAdmin = {
      repository,
      engine,
      alerts: (query) => store.budgets.alerts(query),
      async changed(budgetIds) {
        await source.refresh();
        const ids = budgetIds.filter((id) => engine.current().get(id) !== undefined);
        if (ids.length === 0) return null;
        const total = { slots: 0, counters: 0, retries: 0, locked: 0, sealed: 0, alerted: 0, crossings: [] as ThresholdCrossing[] };
        for (const [i, budgetId] of ids.entries()) {
          // A new budget's thresholds already crossed alert once (issue #11), instead of being sealed silently.
          const r = await engine.reconcile(store, { budgetId, settleMs: i === 0 ? settleMs : 0, alertCrossed: true });
          total.slots += r.slots;
          total.counters += r.counters;
          total.retries += r.retries;
          total.locked += r.locked;
          total.sealed += r.sealed;
          total.alerted += r.alerted;
          total.crossings.push(...r.crossings);
        }
        if (total.crossings.length > 0) await publisher.publish(total.crossings);
        const { crossings: _published, ...counts } = total;
        log.info({ budgets: ids, ...counts }, 'budget counters backfilled from the analytics store');
        return total;
      },
    };

    let wallets: WalletBudgets | null = null;
    const enforcement = b.wallets.enforcement;
    if (parts.keepWallets !== true) {
      // This process keeps no wallet budgets (a processor): it counts the billed prices they read.
    } else if (enforcement === 'off') {
      // Wallets turned off: the budgets an earlier run kept would otherwise go on refusing with stale limits.
      const removed = await removeWalletBudgets(repository);
      if (removed.length > 0) log.info({ budgets: removed }, 'wallet budgets removed (budgets.wallets.enforcement is off)');
    } else {
      const keeper = new WalletBudgets({
        wallets: new Wallets(store.wallets), repository, created: (ids) => admin.changed(ids), updated: () => source.refresh(),
        enforcement, alertBelow: b.wallets.alertBelow, pollMs: b.wallets.pollMs, logger: component(parts.logger, 'wallets'), clock,
      });
      closers.unshift(async () => keeper.stop());
      // Not awaited: the wallet budgets written by earlier runs are in force meanwhile; the first pass reads every wallet.
      keeper.start().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'wallet budgets: the first pass failed; the grants marker poll tries again'));
      wallets = keeper;
    }

    return {
      engine, repository, source, counters, publisher, webhooks, startup, admin, recovery, wallets,
      quota: instrument(engine, metrics),
      async close() {
        for (const close of closers) await close().catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'closing budgets failed'));
      },
    };
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}
