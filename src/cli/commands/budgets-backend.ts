/**
 * Where `tally budgets` and `tally quota` act. One rule for both:
 *
 * - default: the configured analytics store (ClickHouse with CLICKHOUSE_URL,
 *   else the embedded chDB store under --data-dir) holds the budgets, and the
 *   configured counter store (REDIS_URL / REDIS_CLUSTER_NODES) the counters —
 *   the same wiring as `tally processor` (`buildBudgets`). Without Redis the
 *   counters are rebuilt in memory from the store for statuses and checks.
 * - `--url` (with `--api-key` or TALLY_API_KEY): a running tally API — the
 *   only way to reach `tally start`'s embedded store, which one process owns.
 */
import type { Budget, BudgetStatus, CheckResult, ReconcileResult, ReservationResult, SettleResult, Subject, UsageEstimate } from '../../budgets/index.js';
import { TallyError } from '../../core/errors.js';
import { createTallyClient, warningTexts } from '../../sdk/client/index.js';
import { statusOnly } from '../../api/routes/budgets-access.js';
import { buildBudgets, type Budgets } from '../../runtime/budgets.js';
import { buildPricer, describeStore, openStore } from '../../runtime/adapters.js';
import type { AnalyticsStore } from '../../store/types.js';
import { cliContext } from '../context.js';
import type { ConfigFlags } from '../flags.js';

export interface BackendFlags extends ConfigFlags {
  readonly url?: string;
  readonly apiKey?: string;
}

/** The HTTP verdict shape (exceeded as budget ids). */
export interface Verdict {
  readonly allowed: boolean;
  readonly budgets: readonly (BudgetStatus & { would_exceed: boolean; blocking: boolean; retry_after_seconds: number | null })[];
  readonly exceeded: readonly string[];
  readonly retry_after_seconds: number | null;
}

export interface Reservation extends Verdict {
  readonly granted: boolean;
  readonly reservation_id: string | null;
  readonly expires_at: string | null;
}

export interface BudgetsBackend {
  readonly describe: string;
  list(): Promise<Budget[]>;
  get(id: string): Promise<Budget>;
  create(input: unknown, backfill: boolean): Promise<{ budget: Budget; backfill: string }>;
  remove(id: string): Promise<void>;
  status(id: string, subject: Subject): Promise<BudgetStatus>;
  statuses(subject: Subject | null): Promise<BudgetStatus[]>;
  check(subject: Subject, estimate: UsageEstimate | undefined): Promise<Verdict>;
  reserve(subject: Subject, estimate: UsageEstimate, ttlSeconds: number | undefined): Promise<Reservation>;
  settle(id: string, body: { event_id?: string; actual?: { cost?: string; tokens?: number; requests?: number } }): Promise<SettleResult>;
  close(): Promise<void>;
}

/** The texts of `Warning: 299 - "…"` headers (legacy names the API read). */
export { warningTexts };

/** Where the CLI tells of legacy names (`user`, `api_key`) it read: stderr. */
export type WarnSink = (text: string) => void;

const stderrWarn: WarnSink = (text) => void process.stderr.write(`warning: ${text}\n`);

/** A running tally API through the SDK's typed client (one error mapping for every `--url` command). */
function httpBackend(base: string, apiKey: string | undefined, warn: WarnSink): BudgetsBackend {
  const { budgets, quota } = createTallyClient({ url: base, ...(apiKey ? { apiKey } : {}), timeoutMs: 120_000 });
  return {
    describe: base,
    list: () => budgets.list(),
    get: (id) => budgets.get(id),
    async create(input, backfill) {
      const r = await budgets.save(input, { backfill });
      for (const text of r.warnings) warn(text);
      return { budget: r.budget, backfill: r.backfill };
    },
    remove: (id) => budgets.remove(id),
    status: (id, subject) => budgets.status(id, subject),
    statuses: (subject) => budgets.statuses(subject ?? undefined),
    check: (subject, estimate) => quota.check(subject, estimate),
    reserve: (subject, estimate, ttl) => quota.reserve(subject, estimate, ttl === undefined ? {} : { ttlSeconds: ttl }),
    settle: async (id, body) => ({ status: (await quota.settle(id, { ...body.actual, ...(body.event_id ? { event_id: body.event_id } : {}) })).status }),
    close: async () => undefined,
  };
}

function toVerdict(r: CheckResult): Verdict {
  return { allowed: r.allowed, budgets: r.budgets, exceeded: r.exceeded.map((s) => s.budget_id), retry_after_seconds: r.retry_after_seconds };
}

function backfillText(r: ReconcileResult | null): string {
  return r ? `slots=${r.slots} counters=${r.counters}` : 'none';
}

/** Opens the store and the counters as `tally processor` does. `rebuild`: memory counters are rebuilt from the store (statuses, checks). */
export async function openDirect(flags: ConfigFlags, options: { rebuild: boolean }): Promise<{ budgets: Budgets; store: AnalyticsStore; describe: string; close(): Promise<void> }> {
  const { config, logger, metrics } = cliContext(flags, { logLevel: process.env.LOG_LEVEL ?? 'warn' });
  let store: AnalyticsStore;
  try {
    store = await openStore(config, logger);
  } catch (err) {
    if (err instanceof TallyError && err.code === 'STORE_UNAVAILABLE' && !config.clickhouse.url) {
      throw new TallyError('STORE_UNAVAILABLE', `${err.message} — is \`tally start\` running on this data directory? Use --url http://localhost:${config.api.port} instead`, { cause: err });
    }
    throw err;
  }
  try {
    const budgets = await buildBudgets({ config, store, logger, metrics, pricer: buildPricer(config), overrides: {
        reconcileAtStart: options.rebuild && !config.redis.url && !config.redis.clusterNodes,
        // A one-shot command does not sweep lost regions in the background: on a Redis Cluster that is 16,384
        // region claims, and closing waits for it. What it reads is rebuilt on demand; `tally reconcile` rebuilds all.
        epochProbeMs: 0,
      } });
    const counters = config.redis.clusterNodes ? `Redis Cluster ${config.redis.clusterNodes.join(',')}` : config.redis.url ? `Redis ${new URL(config.redis.url).host}` : 'counters rebuilt in memory';
    return {
      budgets, store, describe: `${describeStore(config)} + ${counters}`,
      async close() {
        await budgets.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export async function openBackend(flags: BackendFlags, options: { rebuild: boolean; warn?: WarnSink }): Promise<BudgetsBackend> {
  const warn = options.warn ?? stderrWarn;
  if (flags.url) return httpBackend(flags.url, flags.apiKey ?? process.env.TALLY_API_KEY, warn);
  const d = await openDirect(flags, options);
  const { engine, repository, admin, counters } = d.budgets;
  return {
    describe: d.describe,
    list: () => repository.list(),
    get: (id) => repository.get(id),
    async create(input, backfill) {
      const budget = await repository.create(input, (n) => warn(n.message));
      const r = backfill && counters.kind === 'redis' ? await admin.changed([budget.id]) : null;
      return { budget, backfill: backfillText(r) };
    },
    remove: (id) => repository.remove(id),
    status: async (id, subject) => statusOnly(await engine.status(id, subject)),
    statuses: async (subject) => (subject ? await engine.statuses(subject) : await engine.statuses()).map(statusOnly),
    check: async (subject, estimate) => toVerdict(await engine.check(subject, estimate)),
    async reserve(subject, estimate, ttl) {
      if (counters.kind !== 'redis') throw new TallyError('CONFIG_INVALID', 'reservations need the shared counters: set REDIS_URL (or REDIS_CLUSTER_NODES), or use --url');
      const r: ReservationResult = await engine.reserve(subject, estimate, ttl === undefined ? {} : { ttlMs: ttl * 1000 });
      return { ...toVerdict({ allowed: r.allowed, budgets: r.statuses, exceeded: r.exceeded, retry_after_seconds: r.retry_after_seconds }), granted: r.granted, reservation_id: r.reservation_id, expires_at: r.expires_at };
    },
    settle: (id, body) => engine.settle(id, { ...body.actual, ...(body.event_id ? { event_id: body.event_id } : {}) }, { expiredAsNotFound: true }),
    close: () => d.close(),
  };
}
