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
import { ERROR_CATALOG, TallyError, type ErrorCode } from '../../core/errors.js';
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

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && code in ERROR_CATALOG;
}

/** One request to a tally API; API errors come back as the same TallyError. 429 bodies are returned, not thrown. */
export async function apiRequest<T>(base: string, apiKey: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/+$/, '')}${path}`, {
      method,
      headers: { ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new TallyError('COUNTERS_UNAVAILABLE', `cannot reach ${base}: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  const parsed = (text === '' ? {} : JSON.parse(text)) as T & { error?: { code?: unknown; message?: string; details?: Record<string, unknown> } };
  if (!res.ok && res.status !== 429) {
    const e = parsed.error ?? {};
    throw new TallyError(isErrorCode(e.code) ? e.code : 'INTERNAL', `${e.message ?? res.statusText} (${base} answered ${res.status})`, { details: e.details ?? {} });
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

function query(subject: Subject | null): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(subject ?? {})) if (typeof v === 'string') qs.set(k, v);
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** The texts of `Warning: 299 - "…"` headers (legacy names the API read). */
export function warningTexts(header: string | null): string[] {
  return [...(header ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
}

/** Where the CLI tells of legacy names (`user`, `api_key`) it read: stderr. */
export type WarnSink = (text: string) => void;

const stderrWarn: WarnSink = (text) => void process.stderr.write(`warning: ${text}\n`);

function httpBackend(base: string, apiKey: string | undefined, warn: WarnSink): BudgetsBackend {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => (await apiRequest<T>(base, apiKey, method, path, body)).body;
  const subjectBody = (s: Subject): Record<string, string> => JSON.parse(JSON.stringify(s)) as Record<string, string>;
  return {
    describe: base,
    list: async () => (await call<{ budgets: Budget[] }>('GET', '/v1/budgets')).budgets,
    get: (id) => call<Budget>('GET', `/v1/budgets/${encodeURIComponent(id)}`),
    async create(input, backfill) {
      const r = await apiRequest<Budget>(base, apiKey, 'POST', `/v1/budgets${backfill ? '' : '?backfill=async'}`, input);
      for (const text of warningTexts(r.headers.get('warning'))) warn(text);
      return { budget: r.body, backfill: r.headers.get('tally-backfill') ?? 'none' };
    },
    remove: async (id) => void (await call('DELETE', `/v1/budgets/${encodeURIComponent(id)}`)),
    status: (id, subject) => call<BudgetStatus>('GET', `/v1/budgets/${encodeURIComponent(id)}/status${query(subject)}`),
    statuses: async (subject) => (await call<{ statuses: BudgetStatus[] }>('GET', `/v1/budgets:status${query(subject)}`)).statuses,
    check: (subject, estimate) => call<Verdict>('POST', '/v1/quota/check', { subject: subjectBody(subject), ...(estimate ? { estimate } : {}) }),
    reserve: (subject, estimate, ttl) => call<Reservation>('POST', '/v1/quota/reserve', { subject: subjectBody(subject), estimate, ...(ttl === undefined ? {} : { ttl_seconds: ttl }) }),
    settle: (id, body) => call<SettleResult>('POST', '/v1/quota/settle', { reservation_id: id, ...body }),
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
    const budgets = await buildBudgets({ config, store, logger, metrics, pricer: buildPricer(config), overrides: { reconcileAtStart: options.rebuild && !config.redis.url && !config.redis.clusterNodes } });
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
