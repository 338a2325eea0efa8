/**
 * The typed client of tally's HTTP API: ingest, quota, budgets and analytics,
 * one request function and one mapping from error bodies to TallyErrors
 * (errors.ts) for all of them. The recorder's HTTP transport, the HTTP quota
 * client and the CLI's `--url` modes are built on it.
 *
 *   const tally = createTallyClient({ url: 'http://127.0.0.1:8787', apiKey: 'sk_…' });
 *   await tally.ingest.events([{ model: 'gpt-4o-mini', tenant: 'acme', usage: { prompt_tokens: 10 } }]);
 *   const v = await tally.quota.check({ tenant: 'acme', user_id: 'bob' }, { cost: '0.02' });
 *   const summary = await tally.analytics.summary({ since: '7d', tenant: 'acme' });
 *
 * A quota refusal (429 QUOTA_EXCEEDED) is an answer (`allowed: false`), not an error.
 */
import type { BreakdownResult, LatencyResult, RecordsResult, SessionResult, SummaryResult, TimeseriesResult } from '../../analytics/types.js';
import type { ActualUsage, Subject, UsageEstimate } from '../../budgets/types.js';
import type { UsageEventInput } from '../../events/schema.js';
import { createRequester, type ApiAnswer, type ApiConnection, type QueryValue } from './request.js';
import type { Budget, BudgetStatus, IngestAnswer, QuotaReservation, QuotaSettlement, QuotaVerdict, StoredBudget, Tier, TierAssignment } from './types.js';

export type TallyClientOptions = ApiConnection;

/** Query parameters of the analytics routes (docs/analytics.md); lists repeat the parameter. */
export type AnalyticsParams = Readonly<Record<string, QueryValue>>;

export interface TallyClient {
  readonly url: string;
  readonly ingest: {
    /** `POST /v1/events` with a JSON array. Answers 202 and the 400 "nothing accepted" alike (see `rejected`). */
    events(events: readonly (UsageEventInput | Readonly<Record<string, unknown>>)[]): Promise<IngestAnswer>;
    /** `POST /v1/events:ndjson`: one event per line. */
    ndjson(text: string): Promise<IngestAnswer>;
  };
  readonly quota: {
    check(subject: Subject, estimate?: UsageEstimate): Promise<QuotaVerdict>;
    reserve(subject: Subject, estimate: UsageEstimate, options?: { readonly ttlSeconds?: number }): Promise<QuotaReservation>;
    settle(reservationId: string, actual?: ActualUsage): Promise<QuotaSettlement>;
  };
  readonly budgets: {
    list(options?: { readonly tenant?: string }): Promise<Budget[]>;
    get(id: string): Promise<Budget>;
    /** POST (create) or, with `id`, PUT (create or replace). `backfill: false` rebuilds counters in the background (`?backfill=async`). */
    save(input: unknown, options?: { readonly id?: string; readonly backfill?: boolean }): Promise<StoredBudget>;
    remove(id: string): Promise<void>;
    status(id: string, subject?: Subject): Promise<BudgetStatus>;
    /** With a subject: every budget that applies to it; without (all-tenant keys): every budget not counted per value. */
    statuses(subject?: Subject): Promise<BudgetStatus[]>;
    tiers(): Promise<Tier[]>;
    userTier(userId: string, tenant?: string): Promise<TierAssignment>;
  };
  readonly analytics: {
    summary(params?: AnalyticsParams): Promise<SummaryResult>;
    breakdown(params?: AnalyticsParams): Promise<BreakdownResult>;
    timeseries(params?: AnalyticsParams): Promise<TimeseriesResult>;
    records(params?: AnalyticsParams): Promise<RecordsResult>;
    session(id: string, params?: AnalyticsParams): Promise<SessionResult>;
    latency(params?: AnalyticsParams): Promise<LatencyResult>;
  };
}

/** The texts of `Warning: 299 - "…"` headers (legacy names the API read). */
export function warningTexts(header: string | null): string[] {
  return [...(header ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
}

function subjectQuery(subject: Subject | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(subject ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** Only the subject's string fields, as the API's JSON reads them. */
function subjectBody(subject: Subject): Record<string, string> {
  return subjectQuery(subject);
}

const isQuotaRefusal = (status: number, body: unknown): boolean => status === 429 && (body as { error?: { code?: unknown } } | undefined)?.error?.code === 'QUOTA_EXCEEDED';
const isIngestRefusal = (status: number, body: unknown): boolean => status === 400 && Array.isArray((body as { rejected?: unknown } | undefined)?.rejected);

function verdictOf(j: Record<string, unknown>, allowed: boolean): QuotaVerdict {
  return { allowed, budgets: (j.budgets ?? []) as QuotaVerdict['budgets'], exceeded: (j.exceeded ?? []) as string[], retry_after_seconds: (j.retry_after_seconds ?? null) as number | null };
}

function ingestAnswer(a: ApiAnswer<Partial<IngestAnswer>>): IngestAnswer {
  return { accepted: a.body.accepted ?? 0, event_ids: a.body.event_ids ?? [], rejected: a.body.rejected ?? [] };
}

export function createTallyClient(options: TallyClientOptions): TallyClient {
  const request = createRequester(options);
  const id = encodeURIComponent;
  const budgetCall = async <T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, extra: { query?: Record<string, QueryValue>; body?: unknown } = {}): Promise<ApiAnswer<T>> =>
    request<T>({ method, path, ...extra, unavailable: 'COUNTERS_UNAVAILABLE' });
  const quotaPost = async (path: string, body: unknown, refusal: boolean): Promise<Record<string, unknown>> =>
    (await request<Record<string, unknown>>({ method: 'POST', path, body, unavailable: 'COUNTERS_UNAVAILABLE', ...(refusal ? { answer: isQuotaRefusal } : {}) })).body;
  const read = async <T>(path: string, params: AnalyticsParams = {}): Promise<T> => (await request<T>({ method: 'GET', path, query: params, unavailable: 'STORE_UNAVAILABLE' })).body;

  return {
    url: options.url,
    ingest: {
      events: async (events) => ingestAnswer(await request<Partial<IngestAnswer>>({ method: 'POST', path: '/v1/events', body: events, unavailable: 'LOG_UNAVAILABLE', answer: isIngestRefusal })),
      ndjson: async (text) => ingestAnswer(await request<Partial<IngestAnswer>>({ method: 'POST', path: '/v1/events:ndjson', body: text, contentType: 'application/x-ndjson', unavailable: 'LOG_UNAVAILABLE', answer: isIngestRefusal })),
    },
    quota: {
      async check(subject, estimate) {
        const j = await quotaPost('/v1/quota/check', { subject: subjectBody(subject), ...(estimate === undefined ? {} : { estimate }) }, true);
        return verdictOf(j, j.allowed === true);
      },
      async reserve(subject, estimate, o = {}) {
        const j = await quotaPost('/v1/quota/reserve', { subject: subjectBody(subject), estimate, ...(o.ttlSeconds === undefined ? {} : { ttl_seconds: o.ttlSeconds }) }, true);
        const granted = j.granted === true;
        return { ...verdictOf(j, granted), granted, reservation_id: (j.reservation_id ?? null) as string | null, expires_at: (j.expires_at ?? null) as string | null };
      },
      async settle(reservationId, actual = {}) {
        const { event_id: eventId, ...amounts } = actual;
        const j = await quotaPost('/v1/quota/settle', { reservation_id: reservationId, ...(eventId === undefined ? {} : { event_id: eventId }), ...(Object.keys(amounts).length > 0 ? { actual: amounts } : {}) }, false);
        return { reservation_id: reservationId, status: j.status as QuotaSettlement['status'] };
      },
    },
    budgets: {
      list: async (o = {}) => (await budgetCall<{ budgets: Budget[] }>('GET', '/v1/budgets', { query: { tenant: o.tenant } })).body.budgets,
      get: async (budgetId) => (await budgetCall<Budget>('GET', `/v1/budgets/${id(budgetId)}`)).body,
      async save(input, o = {}) {
        const query = o.backfill === false ? { backfill: 'async' } : {};
        const r = o.id === undefined ? await budgetCall<Budget>('POST', '/v1/budgets', { query, body: input }) : await budgetCall<Budget>('PUT', `/v1/budgets/${id(o.id)}`, { query, body: input });
        return { budget: r.body, backfill: r.headers.get('tally-backfill') ?? 'none', warnings: warningTexts(r.headers.get('warning')) };
      },
      remove: async (budgetId) => void (await budgetCall('DELETE', `/v1/budgets/${id(budgetId)}`)),
      status: async (budgetId, subject) => (await budgetCall<BudgetStatus>('GET', `/v1/budgets/${id(budgetId)}/status`, { query: subjectQuery(subject) })).body,
      statuses: async (subject) => (await budgetCall<{ statuses: BudgetStatus[] }>('GET', '/v1/budgets:status', { query: subjectQuery(subject) })).body.statuses,
      tiers: async () => (await budgetCall<{ tiers: Tier[] }>('GET', '/v1/tiers')).body.tiers,
      userTier: async (userId, tenant) => (await budgetCall<TierAssignment>('GET', `/v1/users/${id(userId)}/tier`, { query: { tenant } })).body,
    },
    analytics: {
      summary: (p) => read('/v1/usage/summary', p),
      breakdown: (p) => read('/v1/usage/breakdown', p),
      timeseries: (p) => read('/v1/usage/timeseries', p),
      records: (p) => read('/v1/usage/records', p),
      session: (sessionId, p) => read(`/v1/usage/sessions/${id(sessionId)}`, p),
      latency: (p) => read('/v1/usage/latency', p),
    },
  };
}

export { errorFor } from './errors.js';
export type { ApiConnection } from './request.js';
export type * from './types.js';
