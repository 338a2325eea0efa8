/**
 * Quota over HTTP (permission `read`; admin keys pass too):
 *
 *   POST /v1/quota/check    {subject, estimate?}              → 200 verdict, or 429 + Retry-After
 *   POST /v1/quota/reserve  {subject, estimate?, ttl_seconds?} → 200 {granted, reservation_id, expires_at, …}, or 429
 *   POST /v1/quota/settle   {reservation_id, event_id?, actual?} → 200 {status}; unknown or expired → 404
 *
 * One counter-store round trip per check. Retry-After is the LATEST reset
 * among the blocking budgets: the earliest would send the client back while
 * another budget still refuses; `blocking` lists each budget's own
 * `resets_at` and `retry_after_seconds` for clients that want to choose.
 * Subjects are read by budgets-access.ts; a legacy name (`user`, `api_key`)
 * is answered with a `Warning: 299` header and listed in `warnings`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BudgetSet } from '../../budgets/index.js';
import { parseReservationId } from '../../budgets/reservations.js';
import type {
  ActualUsage, CheckedStatus, Subject, UsageEstimate,
} from '../../budgets/types.js';
import type { Deprecation } from '../../budgets/legacy.js';
import { TallyError, validationError, type FieldError } from '../../core/errors.js';
import { ERROR_SCHEMA, type ApiOperation } from '../openapi.js';
import { isAllTenants, present, readSubject, shownId, warnDeprecated } from './budgets-access.js';
import { BAD_REQUEST, DEPRECATION_HEADER, ESTIMATE_SCHEMA, OUTAGE_NOTE_SCHEMA, REFUSED_SCHEMA, SUBJECT_SCHEMA, VERDICT_PROPERTIES, WARNINGS_SCHEMA } from './budgets-openapi.js';
import type { ApiServices, QuotaApiService } from '../services.js';
import { type Principal } from '../../core/principal.js';

/** What the quota routes need (`buildBudgets(...).quota`, or a BudgetEngine). */

const RETRY_AFTER = { 'retry-after': 'Seconds until every blocking budget has room again (the latest of them).', ...DEPRECATION_HEADER };

export const QUOTA_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'post', path: '/v1/quota/check', operationId: 'checkQuota', tag: 'quota', permission: 'read', summary: 'Check a request against every applicable budget',
    description: 'Returns every budget that applies to the subject with used, limit, remaining, percentage, exceeded, approaching and resets_at, whether this request would exceed it, and one `allowed` verdict — read in one counter-store round trip. Refused (a hard budget would be exceeded) is 429 with Retry-After: the LATEST reset among the blocking budgets, because retrying at an earlier one is still refused while another budget blocks — and no Retry-After when one of them no wait helps (a lifetime period such as a wallet\'s: a top-up does; an unpriced model); `blocking` gives each budget\'s own resets_at and retry_after_seconds. Soft budgets never refuse; they appear in `exceeded`.',
    requestBody: { contentTypes: ['application/json'], schema: { type: 'object', additionalProperties: false, properties: { subject: SUBJECT_SCHEMA, estimate: ESTIMATE_SCHEMA } } },
    responses: {
      '200': { description: 'Allowed.', schema: { type: 'object', required: Object.keys(VERDICT_PROPERTIES), properties: { ...VERDICT_PROPERTIES, outage: OUTAGE_NOTE_SCHEMA, warnings: WARNINGS_SCHEMA } }, headers: DEPRECATION_HEADER },
      ...BAD_REQUEST,
      '429': { description: 'Refused: a hard budget would be exceeded.', schema: REFUSED_SCHEMA, headers: RETRY_AFTER },
      '503': { description: 'COUNTERS_UNAVAILABLE: the counter store is unreachable (`details.reason: "unreachable"`) and the subject\'s outage policy is fail_closed (or leases without a live lease), or its counters were lost and are being rebuilt; Retry-After says when to retry.', schema: ERROR_SCHEMA, headers: { 'retry-after': 'Seconds to wait before retrying.' } },
    },
  },
  {
    method: 'post', path: '/v1/quota/reserve', operationId: 'reserveQuota', tag: 'quota', permission: 'read', summary: 'Reserve an estimate before a request',
    description: 'Atomically checks every applicable hard budget against used + reserved + estimate and, only if all have room, holds the estimate until settled or `ttl_seconds` pass (default budgets.reservationTtlSeconds). Concurrent reservations never overshoot; a refusal holds nothing.',
    requestBody: { contentTypes: ['application/json'], schema: { type: 'object', additionalProperties: false, properties: { subject: SUBJECT_SCHEMA, estimate: ESTIMATE_SCHEMA, ttl_seconds: { type: 'number', minimum: 0.001, maximum: 86400 } } } },
    responses: {
      '200': {
        description: 'Granted.',
        schema: { type: 'object', properties: { granted: { type: 'boolean' }, reservation_id: { type: 'string', description: 'Opaque; pass it to settle.' }, expires_at: { type: 'string', format: 'date-time' }, ...VERDICT_PROPERTIES, outage: OUTAGE_NOTE_SCHEMA, warnings: WARNINGS_SCHEMA } },
        headers: DEPRECATION_HEADER,
      },
      ...BAD_REQUEST,
      '429': { description: 'Refused; nothing held.', schema: REFUSED_SCHEMA, headers: RETRY_AFTER },
      '503': { description: 'COUNTERS_UNAVAILABLE, as for check: nothing was held.', schema: ERROR_SCHEMA, headers: { 'retry-after': 'Seconds to wait before retrying.' } },
    },
  },
  {
    method: 'post', path: '/v1/quota/settle', operationId: 'settleQuota', tag: 'quota', permission: 'read', summary: 'Settle a reservation',
    description: 'With `event_id` (the usage event of the request): the hold stays — resized to `actual` when given — until the processor counts that event, and is released in the same atomic step (never counted twice, never missing). Without it: released now. Settling again answers `already`.',
    requestBody: {
      contentTypes: ['application/json'],
      schema: {
        type: 'object', required: ['reservation_id'], additionalProperties: false,
        properties: {
          reservation_id: { type: 'string' },
          event_id: { type: 'string' },
          actual: { type: 'object', additionalProperties: false, properties: { cost: { type: 'string' }, price: { type: 'string' }, tokens: { type: 'integer' }, requests: { type: 'integer' } } },
        },
      },
    },
    responses: {
      '200': { description: '`{reservation_id, status}`: released (hold gone), awaiting (held until the event is counted) or already (settled before).', schema: { type: 'object', properties: { reservation_id: { type: 'string' }, status: { type: 'string', enum: ['released', 'awaiting', 'already'] } } } },
      ...BAD_REQUEST,
      '404': { description: 'RESERVATION_NOT_FOUND: unknown, of another tenant, or expired before it was settled (`details.state: "expired"`).', schema: ERROR_SCHEMA },
    },
  },
];

function object(value: unknown, path: string, allowed: readonly string[], errors: FieldError[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    errors.push({ path: path || '(root)', reason: 'must be an object' });
    return {};
  }
  const record = value as Record<string, unknown>;
  for (const k of Object.keys(record)) if (!allowed.includes(k)) errors.push({ path: path ? `${path}.${k}` : k, reason: `unknown field; expected ${allowed.join(', ')}` });
  return record;
}

function readEstimate(value: unknown, errors: FieldError[]): UsageEstimate {
  const e = object(value, 'estimate', ['cost', 'price', 'tokens', 'requests', 'model', 'max_tokens', 'input_tokens'], errors);
  for (const f of ['cost', 'price'] as const) {
    if (e[f] !== undefined && typeof e[f] !== 'string') errors.push({ path: `estimate.${f}`, reason: 'must be USD as decimal text, e.g. "0.02"' });
  }
  if (e.model !== undefined && typeof e.model !== 'string') errors.push({ path: 'estimate.model', reason: 'must be a string' });
  for (const f of ['tokens', 'requests', 'max_tokens', 'input_tokens'] as const) {
    if (e[f] !== undefined && typeof e[f] !== 'number') errors.push({ path: `estimate.${f}`, reason: 'must be a whole number' });
  }
  for (const f of ['max_tokens', 'input_tokens'] as const) {
    if (e[f] !== undefined && e.model === undefined && e.cost === undefined && e.tokens === undefined) {
      errors.push({ path: 'estimate.model', reason: `${f} needs the model (to estimate the cost) or an explicit cost` });
      break;
    }
  }
  return e as UsageEstimate;
}

interface Request {
  readonly subject: Subject;
  readonly estimate: UsageEstimate;
  readonly body: Record<string, unknown>;
  /** Legacy subject names read (answered in the Warning header and `warnings`). */
  readonly notices: readonly Deprecation[];
}

function readRequest(body: unknown, p: Principal, extra: readonly string[] = []): Request {
  const errors: FieldError[] = [];
  const b = object(body ?? {}, '', ['subject', 'estimate', ...extra], errors);
  const estimate = readEstimate(b.estimate, errors);
  if (errors.length > 0) throw validationError(errors);
  const notices: Deprecation[] = [];
  return { subject: readSubject(b.subject, p, 'subject', (n) => notices.push(n)), estimate, body: b, notices };
}

/** The Warning header, and `warnings` for the answer. */
function warnings(reply: FastifyReply, notices: readonly Deprecation[]): { warnings?: string[] } {
  warnDeprecated(reply, notices);
  return notices.length > 0 ? { warnings: notices.map((n) => n.message) } : {};
}

function verdict(r: { budgets?: readonly CheckedStatus[]; statuses?: readonly CheckedStatus[]; exceeded: readonly CheckedStatus[]; retry_after_seconds: number | null }, set: BudgetSet, p: Principal): Record<string, unknown> {
  const budgets = r.budgets ?? r.statuses ?? [];
  return {
    budgets: budgets.map((s) => present(s, set, p)),
    exceeded: r.exceeded.map((s) => shownId(s.budget_id, p)),
    blocking: budgets.filter((s) => s.blocking).map((s) => ({ budget_id: shownId(s.budget_id, p), resets_at: s.resets_at, retry_after_seconds: s.retry_after_seconds })),
    retry_after_seconds: r.retry_after_seconds,
  };
}

function refuse(reply: FastifyReply, body: Record<string, unknown>, retryAfter: number | null, what: string): FastifyReply {
  const blocking = (body.blocking as { budget_id: string }[]).map((b) => b.budget_id);
  const error = new TallyError('QUOTA_EXCEEDED', `${what}: ${blocking.length === 1 ? 'budget' : 'budgets'} ${blocking.join(', ')} would be exceeded`, {
    details: { retry_after_seconds: retryAfter, blocking },
  });
  if (retryAfter !== null) void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  return reply.status(429).send({ error: error.toJSON(), ...body });
}

export function registerQuotaRoutes(app: FastifyInstance, services: ApiServices): void {
  const quota: QuotaApiService | undefined = services.quota;
  if (!quota) return;
  const read = { config: { permission: 'read' as const } };

  app.post('/v1/quota/check', read, async (request, reply) => {
    const p = request.principal;
    const { subject, estimate, body, notices } = readRequest(request.body, p);
    const result = await quota.check(subject, body.estimate === undefined ? undefined : estimate);
    const out = { allowed: result.allowed, ...verdict(result, quota.current(), p), ...(result.outage ? { outage: result.outage } : {}), ...warnings(reply, notices) };
    return result.allowed ? out : refuse(reply, out, result.retry_after_seconds, 'quota check refused');
  });

  app.post('/v1/quota/reserve', read, async (request, reply) => {
    const p = request.principal;
    const { subject, estimate, body, notices } = readRequest(request.body, p, ['ttl_seconds']);
    const ttl = body.ttl_seconds;
    // Reservations are kept to the millisecond: a TTL that rounds to 0 ms would hold nothing.
    if (ttl !== undefined && (typeof ttl !== 'number' || !(ttl >= 0.001) || ttl > 86_400)) throw validationError([{ path: 'ttl_seconds', reason: 'must be a number of seconds from 0.001 (one millisecond) to 86400' }]);
    const r = await quota.reserve(subject, estimate, ttl === undefined ? {} : { ttlMs: Math.round(ttl * 1000) });
    const out = { granted: r.granted, reservation_id: r.reservation_id, expires_at: r.expires_at, allowed: r.allowed, ...verdict(r, quota.current(), p), ...(r.outage ? { outage: r.outage } : {}), ...warnings(reply, notices) };
    return r.granted ? out : refuse(reply, out, r.retry_after_seconds, 'reservation refused');
  });

  app.post('/v1/quota/settle', read, async (request) => {
    const p = request.principal;
    const errors: FieldError[] = [];
    const b = object(request.body ?? {}, '', ['reservation_id', 'event_id', 'actual'], errors);
    const actual = object(b.actual, 'actual', ['cost', 'price', 'tokens', 'requests'], errors);
    if (typeof b.reservation_id !== 'string' || b.reservation_id === '') errors.push({ path: 'reservation_id', reason: 'must be the reservation_id reserve returned' });
    if (b.event_id !== undefined && (typeof b.event_id !== 'string' || b.event_id === '')) errors.push({ path: 'event_id', reason: 'must be a non-empty string' });
    for (const f of ['cost', 'price'] as const) {
      if (actual[f] !== undefined && typeof actual[f] !== 'string') errors.push({ path: `actual.${f}`, reason: 'must be USD as decimal text' });
    }
    if (errors.length > 0) throw validationError(errors);
    const id = b.reservation_id as string;
    const ref = parseReservationId(id);
    if (!isAllTenants(p) && ref.tenant !== p.tenant) throw new TallyError('RESERVATION_NOT_FOUND', 'no such reservation', { details: { reservation_id: id } });
    const usage: ActualUsage = { ...(actual as ActualUsage), ...(typeof b.event_id === 'string' ? { event_id: b.event_id } : {}) };
    const r = await quota.settle(id, usage, { expiredAsNotFound: true });
    return { reservation_id: id, status: r.status };
  });
}
