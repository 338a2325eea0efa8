/**
 * The alerts a budget sent (issue 17), read: `GET /v1/budgets/{id}/alerts`.
 *
 * Every threshold crossing the alert publisher sent is recorded in the store
 * under its deterministic id (src/budgets/publisher.ts, migration 0013), so
 * the list holds each alert once even when a redelivered batch published it
 * again. Newest first (crossed_at, then id), in cursor pages.
 *
 * Visibility follows the budget's (budgets-access.ts): a key that may see the
 * budget may list its alerts; a tenant-bound key sees its own tenant's alerts
 * only (a budget counted per tenant alerts per tenant; a shared budget's
 * alerts, which carry every tenant's total, are not listed for it).
 */
import type { FastifyInstance } from 'fastify';
import { TallyError, validationError } from '../../core/errors.js';
import type { Principal } from '../../core/principal.js';
import type { Budget } from '../../budgets/model.js';
import type { BudgetAlertPosition } from '../../store/operations/budgets.js';
import type { ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';
import { budgetNotFound, candidateIds, isAllTenants, shownId, visibleTo } from './budgets-access.js';
import { BAD_REQUEST, NOT_FOUND } from './budgets-openapi.js';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;

/** An alert as the topic and the webhooks carry it (docs/budgets.md, "Alerts"). */
export const ALERT_SCHEMA = {
  type: 'object',
  required: ['type', 'alert_id', 'budget_id', 'budget_name', 'tenant', 'subject', 'metric', 'threshold', 'used', 'limit', 'percentage', 'exceeded', 'period', 'bucket', 'period_start', 'resets_at', 'crossed_at'],
  properties: {
    type: { type: 'string', enum: ['budget.threshold_crossed', 'budget.remaining_below'], description: '`budget.remaining_below`: what is left of the limit fell to an `alert_below` amount — a wallet\'s low-balance alert.' },
    alert_id: { type: 'string', description: 'Deterministic per (budget, period bucket, subject, threshold): the same crossing always has the same id.' },
    budget_id: { type: 'string' },
    budget_name: { type: 'string' },
    tenant: { type: ['string', 'null'], description: 'The tenant of the counter; null for a budget without a tenant scope.' },
    subject: { type: 'object', additionalProperties: { type: 'string' }, description: 'The values of a budget counted per value (`{"user_id": "bob"}`), else empty.' },
    metric: { type: 'string', enum: ['cost', 'tokens', 'requests', 'price'] },
    token_class: { type: ['string', 'null'] },
    enforcement: { type: 'string', enum: ['hard', 'soft'] },
    threshold: { type: ['number', 'null'], description: 'Percent of the limit crossed; null for `budget.remaining_below`.' },
    below: { type: ['string', 'null'], description: '`budget.remaining_below`: the amount left that was reached (USD text); else null.' },
    used: { type: 'string', description: 'Used when the threshold was crossed: USD as exact decimal text, or a count.' },
    remaining: { type: 'string', description: 'What was left of the limit then: max(0, limit − used).' },
    limit: { type: 'string' },
    percentage: { type: 'number' },
    exceeded: { type: 'boolean' },
    period: { type: 'string' },
    timezone: { type: 'string' },
    window: { type: ['string', 'null'] },
    bucket: { type: 'string', description: 'The period the crossing belongs to: a calendar label (`2026-03`) or a rolling window (`w…`).' },
    period_start: { type: 'string', format: 'date-time' },
    resets_at: { type: 'string', format: 'date-time' },
    crossed_at: { type: 'string', format: 'date-time' },
    metadata: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

const ID = { name: 'id', in: 'path' as const, required: true, description: 'Budget id.', schema: { type: 'string', maxLength: 128 } };

export const BUDGET_ALERT_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get', path: '/v1/budgets/{id}/alerts', operationId: 'listBudgetAlerts', tag: 'budgets', permission: 'read', summary: 'Alerts a budget sent',
    description: 'Every threshold crossing of the budget that tally published (alerts topic and webhooks), once each, newest first; follow `next_cursor` for older ones. An all-tenant key may narrow to one `tenant`; a tenant-bound key sees its tenant\'s alerts only.',
    parameters: [
      ID,
      { name: 'tenant', in: 'query', description: 'Only the alerts of this tenant\'s counter (all-tenant keys; a tenant-bound key: always its own).', schema: { type: 'string' } },
      { name: 'limit', in: 'query', description: `Alerts per page, 1–${MAX_LIMIT}. Default ${DEFAULT_LIMIT}.`, schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT } },
      { name: 'cursor', in: 'query', description: 'The `next_cursor` of the previous page.', schema: { type: 'string' } },
    ],
    responses: {
      '200': {
        description: '`{alerts: [...], next_cursor}`',
        schema: { type: 'object', required: ['alerts', 'next_cursor'], properties: { alerts: { type: 'array', items: ALERT_SCHEMA }, next_cursor: { type: ['string', 'null'], description: 'Null on the last page.' } } },
      },
      ...BAD_REQUEST,
      ...NOT_FOUND('No budget with this id that the key may see.'),
    },
  },
];

function encodeCursor(p: BudgetAlertPosition): string {
  return Buffer.from(JSON.stringify([p.crossed_at, p.alert_id])).toString('base64url');
}

function decodeCursor(text: string): BudgetAlertPosition {
  try {
    const v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && !Number.isNaN(Date.parse(v[0]))) return { crossed_at: v[0], alert_id: v[1] };
  } catch {
    // refused below
  }
  throw validationError([{ path: 'cursor', reason: 'is not a cursor this API returned' }]);
}

function limitOf(value: unknown): number {
  if (value === undefined) return DEFAULT_LIMIT;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw validationError([{ path: 'limit', reason: `must be a whole number from 1 to ${MAX_LIMIT}` }]);
  return n;
}

function tenantOf(value: unknown, p: Principal): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw validationError([{ path: 'tenant', reason: 'must be a non-empty string' }]);
  if (!isAllTenants(p)) return p.tenant;
  return value;
}

export function registerBudgetAlertRoutes(app: FastifyInstance, services: ApiServices): void {
  const svc = services.budgets;
  if (!svc) return;
  const { repository } = svc;

  /** The budget a caller's id names (its own namespace first), if the caller may see it. */
  async function visibleBudget(id: string, p: Principal): Promise<Budget> {
    for (const candidate of candidateIds(id, p)) {
      const b = await repository.get(candidate).catch((err: unknown) => {
        if (err instanceof TallyError && err.code === 'BUDGET_NOT_FOUND') return null;
        throw err;
      });
      if (b && visibleTo(b, p)) return b;
    }
    throw budgetNotFound(id);
  }

  app.get('/v1/budgets/:id/alerts', { config: { permission: 'read' as const } }, async (request) => {
    const p = request.principal;
    const q = (request.query ?? {}) as Record<string, unknown>;
    const limit = limitOf(q.limit);
    const tenant = tenantOf(q.tenant, p);
    const after = q.cursor === undefined ? undefined : decodeCursor(String(q.cursor));
    const budget = await visibleBudget((request.params as { id: string }).id, p);
    const rows = await svc.alerts({ budgetId: budget.id, limit: limit + 1, ...(tenant === undefined ? {} : { tenant }), ...(after ? { after } : {}) });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      alerts: page.map((r) => ({ ...(JSON.parse(r.body) as Record<string, unknown>), budget_id: shownId(r.budget_id, p) })),
      next_cursor: rows.length > limit && last ? encodeCursor({ crossed_at: last.crossed_at, alert_id: last.alert_id }) : null,
    };
  });
}
