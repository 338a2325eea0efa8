/**
 * Budgets over HTTP (reads: `read`; writes: `admin`):
 *
 *   POST   /v1/budgets                 create (201); backfills its counters from the store first
 *   GET    /v1/budgets                 list (?tenant=)
 *   GET    /v1/budgets/:id             one
 *   PUT    /v1/budgets/:id             create or replace (backfill when the scope or period changed)
 *   DELETE /v1/budgets/:id             remove (204)
 *   GET    /v1/budgets/:id/status      status (subject fields in the query for per-value budgets)
 *   GET    /v1/budgets:status          statuses of every budget applying to a subject, or of all
 *   GET    /v1/tiers                   tier templates
 *   PUT    /v1/tiers/:name             create or replace a tier (all-tenant admin keys)
 *   DELETE /v1/tiers/:name
 *   GET    /v1/users/:user_id/tier     a user's tier (?tenant=)
 *   PUT    /v1/users/:user_id/tier     assign {tier, tenant?} (all-tenant admin keys)
 *   DELETE /v1/users/:user_id/tier     unassign (?tenant=): the default tier applies again
 *
 * Tenant isolation: see budgets-access.ts. A changed budget reaches every
 * process within a second (repository version + Redis pub/sub). Scopes and
 * subjects may still use the legacy `user` / `api_key` until 0.3: each use is
 * answered with a `Warning: 299` header (and in `warnings` of `budgets:status`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Budget } from '../../budgets/model.js';
import type { Deprecation } from '../../budgets/legacy.js';
import { TallyError, errorMessage, validationError } from '../../core/errors.js';
import { ERROR_SCHEMA, type ApiOperation } from '../openapi.js';
import {
  budgetNotFound, candidateIds, hasSubject, isAllTenants, present, readSubject, scopedBody, shownBudget, statusOnly, visibleTo, warnDeprecated, writableBy,
} from './budgets-access.js';
import {
  ASSIGNMENT_SCHEMA, BAD_REQUEST, BUDGET_INPUT_SCHEMA, BUDGET_SCHEMA, DEPRECATION_HEADER, NOT_FOUND, STATUS_SCHEMA, SUBJECT_QUERY, TIER_INPUT_SCHEMA, TIER_SCHEMA, WARNINGS_SCHEMA,
} from './budgets-openapi.js';
import type { ApiServices, BudgetsApiService } from '../services.js';
import { tenantScope, type Principal } from '../../core/principal.js';

/** What the budget routes need (`buildBudgets(...).admin`). */

const ID = { name: 'id', in: 'path' as const, required: true, description: 'Budget id.', schema: { type: 'string', maxLength: 128 } };
const BACKFILL = { name: 'backfill', in: 'query' as const, description: '`wait` (default): answer after the counters were rebuilt from the store; `async`: answer at once, rebuild in the background.', schema: { type: 'string', enum: ['wait', 'async'] } };
const BACKFILL_HEADER = {
  'tally-backfill': '`slots=<n> counters=<n>` when the backfill ran, `none` when not needed, `async` when started in the background, `failed` (the budget is saved; run `tally reconcile --budget <id>`).',
  ...DEPRECATION_HEADER,
};
const TENANT_QUERY = { name: 'tenant', in: 'query' as const, description: 'Tenant (required for all-tenant keys; a tenant-bound key: its own).', schema: { type: 'string' } };
const USER = { name: 'user_id', in: 'path' as const, required: true, description: 'User id.', schema: { type: 'string', maxLength: 256 } };
const forbiddenTier = { '403': { description: 'Tiers and assignments are changed only by all-tenant admin keys.', schema: ERROR_SCHEMA } };

export const BUDGET_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'post', path: '/v1/budgets', operationId: 'createBudget', tag: 'budgets', permission: 'admin', summary: 'Create a budget',
    description: 'Validates the budget (every mistake listed as {path, reason}), stores it, loads it in every process within a second, then rebuilds its counters for the open period from the analytics store so a budget created mid-period sees the spend already made. A tenant-bound key creates budgets of its own tenant only (scope.tenant is filled in).',
    parameters: [BACKFILL], requestBody: { contentTypes: ['application/json'], schema: BUDGET_INPUT_SCHEMA },
    responses: { '201': { description: 'Created.', schema: BUDGET_SCHEMA, headers: BACKFILL_HEADER }, ...BAD_REQUEST, '409': { description: 'A budget with this id exists.', schema: ERROR_SCHEMA } },
  },
  {
    method: 'get', path: '/v1/budgets', operationId: 'listBudgets', tag: 'budgets', permission: 'read', summary: 'List budgets',
    description: 'Budgets the key may see: all for an all-tenant key (optionally those of one `tenant`), else its tenant\'s and those counted per tenant. Tier budgets are listed under /v1/tiers.',
    parameters: [{ name: 'tenant', in: 'query', description: 'Only budgets scoped to this tenant or to each tenant.', schema: { type: 'string' } }],
    responses: { '200': { description: '`{budgets: [...]}`', schema: { type: 'object', properties: { budgets: { type: 'array', items: BUDGET_SCHEMA } } } } },
  },
  { method: 'get', path: '/v1/budgets/{id}', operationId: 'getBudget', tag: 'budgets', permission: 'read', summary: 'Get a budget', parameters: [ID], responses: { '200': { description: 'The budget.', schema: BUDGET_SCHEMA }, ...NOT_FOUND('No budget with this id that the key may see.') } },
  {
    method: 'put', path: '/v1/budgets/{id}', operationId: 'putBudget', tag: 'budgets', permission: 'admin', summary: 'Create or replace a budget',
    description: 'The body is a whole budget (the path id wins). When the scope or period changed, its counters are rebuilt from the store as on creation.',
    parameters: [ID, BACKFILL], requestBody: { contentTypes: ['application/json'], schema: BUDGET_INPUT_SCHEMA },
    responses: { '200': { description: 'The stored budget.', schema: BUDGET_SCHEMA, headers: BACKFILL_HEADER }, ...BAD_REQUEST, ...NOT_FOUND('The budget belongs to another tenant.'), '409': { description: 'The budget is a customer\'s wallet (kept by tally from its grants).', schema: ERROR_SCHEMA } },
  },
  { method: 'delete', path: '/v1/budgets/{id}', operationId: 'deleteBudget', tag: 'budgets', permission: 'admin', summary: 'Delete a budget', parameters: [ID], responses: { '204': { description: 'Deleted.' }, ...NOT_FOUND('No budget with this id that the key may see.'), '409': { description: 'The budget is a customer\'s wallet (kept by tally from its grants).', schema: ERROR_SCHEMA } } },
  {
    method: 'get', path: '/v1/budgets/{id}/status', operationId: 'getBudgetStatus', tag: 'budgets', permission: 'read', summary: 'A budget\'s status',
    description: 'Used, reserved, limit, remaining, percentage, exceeded, approaching, period_start and resets_at. A budget counted per value (`"*"`, e.g. per user) needs that value in the query (`user_id=bob`). Tier budgets (`tier:<tier>:<key>`) have statuses too.',
    parameters: [ID, ...SUBJECT_QUERY],
    responses: { '200': { description: 'The status.', schema: STATUS_SCHEMA, headers: DEPRECATION_HEADER }, ...BAD_REQUEST, ...NOT_FOUND('No budget with this id that the key may see.') },
  },
  {
    method: 'get', path: '/v1/budgets:status', operationId: 'listBudgetStatuses', tag: 'budgets', permission: 'read', summary: 'Statuses of many budgets',
    description: 'With subject fields (`user_id=bob`, …; a tenant-bound key always has its tenant): every budget that applies to that subject, as a quota check sees them. Without any (all-tenant keys): every budget not counted per value. One counter read.',
    parameters: SUBJECT_QUERY,
    responses: {
      '200': { description: '`{statuses: [...]}`', schema: { type: 'object', properties: { statuses: { type: 'array', items: STATUS_SCHEMA }, warnings: WARNINGS_SCHEMA } }, headers: DEPRECATION_HEADER },
      ...BAD_REQUEST,
    },
  },
  { method: 'get', path: '/v1/tiers', operationId: 'listTiers', tag: 'budgets', permission: 'read', summary: 'List tiers', responses: { '200': { description: '`{tiers: [...]}`', schema: { type: 'object', properties: { tiers: { type: 'array', items: TIER_SCHEMA } } } } } },
  {
    method: 'put', path: '/v1/tiers/{name}', operationId: 'putTier', tag: 'budgets', permission: 'admin', summary: 'Create or replace a tier',
    description: 'A tier is a set of per-user budget templates applied to users by their tier (assignment, else the default tier). New scope shapes are backfilled from the store.',
    parameters: [{ name: 'name', in: 'path', required: true, description: 'Tier name.', schema: { type: 'string' } }, BACKFILL],
    requestBody: { contentTypes: ['application/json'], schema: TIER_INPUT_SCHEMA },
    responses: { '200': { description: 'The stored tier.', schema: TIER_SCHEMA, headers: BACKFILL_HEADER }, ...BAD_REQUEST, ...forbiddenTier },
  },
  {
    method: 'delete', path: '/v1/tiers/{name}', operationId: 'deleteTier', tag: 'budgets', permission: 'admin', summary: 'Delete a tier',
    parameters: [{ name: 'name', in: 'path', required: true, description: 'Tier name.', schema: { type: 'string' } }],
    responses: { '204': { description: 'Deleted.' }, ...forbiddenTier, ...NOT_FOUND('No such tier.') },
  },
  { method: 'get', path: '/v1/users/{user_id}/tier', operationId: 'getUserTier', tag: 'budgets', permission: 'read', summary: 'A user\'s tier', parameters: [USER, TENANT_QUERY], responses: { '200': { description: 'The tier in force.', schema: ASSIGNMENT_SCHEMA }, ...BAD_REQUEST } },
  {
    method: 'put', path: '/v1/users/{user_id}/tier', operationId: 'putUserTier', tag: 'budgets', permission: 'admin', summary: 'Put a user in a tier',
    description: 'Body `{tier, tenant}`. Takes effect at once with the spend already counted (tier budgets read the ordinary per-user counters).',
    parameters: [USER],
    requestBody: { contentTypes: ['application/json'], schema: { type: 'object', required: ['tier'], additionalProperties: false, properties: { tier: { type: 'string' }, tenant: { type: 'string' } } } },
    responses: { '200': { description: 'The assignment.', schema: ASSIGNMENT_SCHEMA }, ...BAD_REQUEST, ...forbiddenTier },
  },
  { method: 'delete', path: '/v1/users/{user_id}/tier', operationId: 'deleteUserTier', tag: 'budgets', permission: 'admin', summary: 'Remove a user\'s tier assignment', parameters: [USER, TENANT_QUERY], responses: { '204': { description: 'Removed; the default tier applies again.' }, ...BAD_REQUEST, ...forbiddenTier } },
];

/** The counters depend on the scope and period only; a change of limit or thresholds needs no backfill. */
function sameShape(a: Budget, b: Budget): boolean {
  return JSON.stringify([a.scope, a.period, a.timezone, a.window]) === JSON.stringify([b.scope, b.period, b.timezone, b.window]);
}

function requireAllTenants(p: Principal, what: string): void {
  if (!isAllTenants(p)) throw new TallyError('FORBIDDEN', `API key ${p.keyId} is bound to tenant ${JSON.stringify(p.tenant)}; ${what} needs an all-tenant admin key`);
}

function query(request: FastifyRequest): Record<string, unknown> {
  return { ...((request.query ?? {}) as Record<string, unknown>) };
}

function tenantOf(value: unknown, p: Principal): string {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw validationError([{ path: 'tenant', reason: 'must be a non-empty string' }]);
  const tenant = tenantScope(p, value);
  if (tenant === null) throw validationError([{ path: 'tenant', reason: 'name the tenant (this key acts for every tenant)' }]);
  return tenant;
}

export function registerBudgetRoutes(app: FastifyInstance, services: ApiServices): void {
  const svc: BudgetsApiService | undefined = services.budgets;
  if (!svc) return;
  const { repository, engine } = svc;
  const read = { config: { permission: 'read' as const } };
  const admin = { config: { permission: 'admin' as const } };

  /** Runs the backfill as the `backfill` query parameter says and reports it in a header. */
  async function backfill(request: FastifyRequest, reply: FastifyReply, ids: readonly string[]): Promise<void> {
    const mode = query(request).backfill ?? 'wait';
    if (mode !== 'wait' && mode !== 'async') throw validationError([{ path: 'backfill', reason: 'must be wait or async' }]);
    if (ids.length === 0) {
      await svc?.changed([]);
      void reply.header('tally-backfill', 'none');
      return;
    }
    const run = svc?.changed(ids) ?? Promise.resolve(null);
    if (mode === 'async') {
      run.catch((err: unknown) => request.log.warn({ budgets: ids, err: errorMessage(err) }, 'budget backfill failed; run tally reconcile --budget'));
      void reply.header('tally-backfill', 'async');
      return;
    }
    try {
      const r = await run;
      void reply.header('tally-backfill', r ? `slots=${r.slots} counters=${r.counters}` : 'none');
    } catch (err) {
      request.log.warn({ budgets: ids, err: errorMessage(err) }, 'budget backfill failed; run tally reconcile --budget');
      void reply.header('tally-backfill', 'failed');
    }
  }

  /** The stored budget of this id, or null. */
  async function stored(id: string): Promise<Budget | null> {
    return repository.get(id).catch((err: unknown) => {
      if (err instanceof TallyError && err.code === 'BUDGET_NOT_FOUND') return null;
      throw err;
    });
  }

  /** The budget a caller's id names (its own namespace first), if the caller may see it. */
  async function visibleBudget(id: string, p: Principal): Promise<Budget> {
    for (const candidate of candidateIds(id, p)) {
      const b = await stored(candidate);
      if (b && visibleTo(b, p)) return b;
    }
    throw budgetNotFound(id);
  }

  /** A wallet's budget is kept by tally from the wallet (runtime/wallet-budgets.ts): change the wallet instead. */
  function refuseWalletBudget(b: Budget): void {
    if (b.metadata['tally.wallet'] !== 'true') return;
    throw new TallyError('CONFLICT', `budget ${b.id} is a customer's wallet, kept by tally from its grants: add or void grants, or set its low-balance amounts with PUT /v1/customers/{tenant}/wallet/alerts`, { details: { budget_id: b.id } });
  }

  app.post('/v1/budgets', admin, async (request, reply) => {
    const p = request.principal;
    const notices: Deprecation[] = [];
    const budget = await repository.create(scopedBody(request.body, p), (n) => notices.push(n), isAllTenants(p) ? undefined : p.tenant);
    warnDeprecated(reply, notices);
    await backfill(request, reply, [budget.id]);
    return reply.status(201).send(shownBudget(budget, p));
  });

  app.get('/v1/budgets', read, async (request) => {
    const p = request.principal;
    const { tenant } = query(request);
    const only = tenant === undefined ? null : tenantOf(tenant, p);
    const budgets = (await repository.list()).filter((b) => visibleTo(b, p) && (only === null || b.scope.tenant === only || b.scope.tenant === '*'));
    return { budgets: budgets.map((b) => shownBudget(b, p)) };
  });

  app.get('/v1/budgets/:id', read, async (request) => shownBudget(await visibleBudget((request.params as { id: string }).id, request.principal), request.principal));

  app.put('/v1/budgets/:id', admin, async (request, reply) => {
    const p = request.principal;
    const { id } = request.params as { id: string };
    // A tenant-bound key replaces its own budget of this id, or a visible one an all-tenant key made for it; else it creates one in its namespace.
    const candidates = candidateIds(id, p);
    if (candidates.length === 0) throw budgetNotFound(id);
    let target = candidates[0] as string;
    let before: Budget | null = null;
    for (const candidate of candidates) {
      const b = await stored(candidate);
      if (b && (isAllTenants(p) || visibleTo(b, p))) {
        target = candidate;
        before = b;
        break;
      }
    }
    if (before && !writableBy(before, p)) throw new TallyError('FORBIDDEN', `budget ${id} applies to every tenant; only an all-tenant key may change it`);
    if (before) refuseWalletBudget(before);
    const notices: Deprecation[] = [];
    const budget = await repository.put(target, scopedBody(request.body, p), (n) => notices.push(n));
    warnDeprecated(reply, notices);
    await backfill(request, reply, before && sameShape(before, budget) ? [] : [budget.id]);
    return shownBudget(budget, p);
  });

  app.delete('/v1/budgets/:id', admin, async (request, reply) => {
    const p = request.principal;
    const { id } = request.params as { id: string };
    const b = await visibleBudget(id, p);
    if (!writableBy(b, p)) throw new TallyError('FORBIDDEN', `budget ${id} applies to every tenant; only an all-tenant key may delete it`);
    refuseWalletBudget(b);
    await repository.remove(b.id);
    await svc.changed([]);
    return reply.status(204).send();
  });

  app.get('/v1/budgets/:id/status', read, async (request, reply) => {
    const p = request.principal;
    const { id } = request.params as { id: string };
    const set = engine.current();
    const b = candidateIds(id, p).map((c) => set.get(c)).find((x) => x !== undefined && visibleTo(x.budget, p));
    if (!b) throw budgetNotFound(id);
    const notices: Deprecation[] = [];
    const subject = readSubject(query(request), p, '', (n) => notices.push(n));
    warnDeprecated(reply, notices);
    return present(statusOnly(await engine.status(b.budget.id, subject)), set, p);
  });

  app.get('/v1/budgets::status', read, async (request, reply) => {
    const p = request.principal;
    const notices: Deprecation[] = [];
    const subject = readSubject(query(request), p, '', (n) => notices.push(n));
    warnDeprecated(reply, notices);
    const set = engine.current();
    const statuses = hasSubject(subject) ? await engine.statuses(subject) : await engine.statuses();
    return { statuses: statuses.map((s) => present(statusOnly(s), set, p)), ...(notices.length > 0 ? { warnings: notices.map((n) => n.message) } : {}) };
  });

  app.get('/v1/tiers', read, async () => ({ tiers: await repository.listTiers() }));

  app.put('/v1/tiers/:name', admin, async (request, reply) => {
    requireAllTenants(request.principal, 'changing a tier');
    const { name } = request.params as { name: string };
    const body = request.body;
    const before = await repository.getTier(name).catch(() => null);
    const notices: Deprecation[] = [];
    const tier = await repository.putTier(typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...body, name } : body, (n) => notices.push(n));
    warnDeprecated(reply, notices);
    const fresh = tier.budgets.filter((b) => !before?.budgets.some((o) => o.id === b.id && sameShape(o, b))).map((b) => b.id);
    await backfill(request, reply, fresh);
    return tier;
  });

  app.delete('/v1/tiers/:name', admin, async (request, reply) => {
    requireAllTenants(request.principal, 'deleting a tier');
    await repository.removeTier((request.params as { name: string }).name);
    await svc.changed([]);
    return reply.status(204).send();
  });

  app.get('/v1/users/:user_id/tier', read, async (request) => {
    const tenant = tenantOf(query(request).tenant, request.principal);
    const user = (request.params as { user_id: string }).user_id;
    const assigned = (await repository.assignments()).find((a) => a.tenant === tenant && a.user === user);
    const tier = engine.current().tierOf(tenant, user);
    return { tenant, user_id: user, tier: tier?.name ?? null, assigned: assigned !== undefined };
  });

  app.put('/v1/users/:user_id/tier', admin, async (request) => {
    requireAllTenants(request.principal, 'assigning a tier');
    const body = (request.body ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => k !== 'tier' && k !== 'tenant');
    if (unknown.length > 0 || typeof body.tier !== 'string') {
      throw validationError([...unknown.map((k) => ({ path: k, reason: 'unknown field' })), ...(typeof body.tier === 'string' ? [] : [{ path: 'tier', reason: 'must be a tier name' }])]);
    }
    const tenant = tenantOf(body.tenant, request.principal);
    const user = (request.params as { user_id: string }).user_id;
    await repository.assign({ tenant, user, tier: body.tier });
    await svc.changed([]);
    return { tenant, user_id: user, tier: body.tier, assigned: true };
  });

  app.delete('/v1/users/:user_id/tier', admin, async (request, reply) => {
    requireAllTenants(request.principal, 'removing a tier assignment');
    const tenant = tenantOf(query(request).tenant, request.principal);
    await repository.unassign(tenant, (request.params as { user_id: string }).user_id);
    await svc.changed([]);
    return reply.status(204).send();
  });
}
