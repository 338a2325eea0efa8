/**
 * Customers' wallets — prepaid credits (issue 16 item 2, docs/billing.md "Wallets"):
 *
 *   GET    /v1/customers/{tenant}/wallet                     balance and grants (?user=)
 *   GET    /v1/customers/{tenant}/wallet/ledger              grants, burns, expiries with running balance (?user=&from=&to=)
 *   POST   /v1/customers/{tenant}/wallet/grants              add a grant (?user=)
 *   DELETE /v1/customers/{tenant}/wallet/grants/{grant}      void a grant from now on (?user=)
 *
 * The customer is named as for price books (the tenant path segment, the
 * `user` query parameter); a tenant-bound key acts on its own tenant only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TallyError, isTallyError, validationError, type FieldError } from '../../core/errors.js';
import type { Budget } from '../../budgets/model.js';
import { parseRfc3339 } from '../../core/time.js';
import { grantInputSchema } from '../../billing/grants.js';
import { grantJson, ledgerJson, walletJson } from '../../billing/wallet-json.js';
import { ERROR_SCHEMA, type ApiOperation, type JsonSchema } from '../openapi.js';
import type { ApiServices } from '../services.js';
import { customerOf } from './customer-ref.js';
import { BAD_REQUEST, NOT_FOUND } from './budgets-openapi.js';

const TENANT = { name: 'tenant', in: 'path' as const, required: true, description: 'The customer\'s tenant.', schema: { type: 'string', minLength: 1, maxLength: 256 } };
const USER = { name: 'user', in: 'query' as const, description: 'A user of the tenant: that user\'s own wallet (absent: the tenant\'s, burned by all its users).', schema: { type: 'string', maxLength: 256 } };
const GRANT = { name: 'grant', in: 'path' as const, required: true, description: 'The grant\'s id.', schema: { type: 'string', minLength: 1, maxLength: 128 } };
const FROM = { name: 'from', in: 'query' as const, description: 'RFC 3339; default: the wallet\'s first grant.', schema: { type: 'string', format: 'date-time' } };
const TO = { name: 'to', in: 'query' as const, description: 'RFC 3339, exclusive; default (and at most): now.', schema: { type: 'string', format: 'date-time' } };
const FORBIDDEN = { '403': { description: 'The key is bound to another tenant (or may not write).', schema: ERROR_SCHEMA } };

const { $schema: _dialect, ...GRANT_INPUT } = z.toJSONSchema(grantInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
const USD: JsonSchema = { type: 'string', description: 'USD, exact decimal text.' };
const TIME: JsonSchema = { type: 'string', format: 'date-time' };
const GRANT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'tenant', 'user', 'amount', 'priority', 'effective_from', 'expires_at', 'voided_at', 'source', 'note', 'created_at'],
  properties: {
    id: { type: 'string' }, tenant: { type: 'string' }, user: { type: 'string', description: '\'\' for the tenant\'s wallet.' }, amount: USD, priority: { type: 'integer' },
    effective_from: TIME, expires_at: { anyOf: [TIME, { type: 'null' }] }, voided_at: { anyOf: [TIME, { type: 'null' }] },
    source: { type: 'string', enum: ['purchase', 'promotion', 'adjustment'] }, note: { type: 'string' }, created_at: TIME,
  },
};
const GRANT_STATE_SCHEMA: JsonSchema = {
  ...GRANT_SCHEMA,
  required: [...(GRANT_SCHEMA.required as string[]), 'status', 'remaining', 'burned', 'lost'],
  properties: {
    ...(GRANT_SCHEMA.properties as Record<string, JsonSchema>),
    status: { type: 'string', enum: ['pending', 'live', 'spent', 'expired', 'voided'] },
    remaining: USD, burned: USD, lost: { ...USD, description: 'Gone unburned at expiry or void.' },
  },
};
const ENFORCEMENT_SCHEMA: JsonSchema = {
  type: ['object', 'null'],
  description: 'The wallet\'s budget: a `price` budget over a lifetime period (it never resets and counts every event, late ones included) whose limit is the customer\'s stored billed usage plus the balance, so checks and reservations refuse a call that does not fit in the balance (docs/billing.md "Enforcement"). Null when this process keeps no wallet budgets.',
  required: ['budget_id', 'enforcement', 'limit', 'period', 'alert_below'],
  properties: {
    budget_id: { type: 'string' }, enforcement: { type: 'string', enum: ['hard', 'soft'] }, limit: USD, period: { type: 'string', enum: ['lifetime'] },
    alert_below: { type: 'array', items: USD, description: 'Low-balance alert amounts: a `budget.remaining_below` alert (topic and webhooks) once when the balance falls to each.' },
  },
};
const WALLET_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['tenant', 'user', 'as_of', 'balance', 'granted', 'grants', 'enforcement'],
  properties: {
    tenant: { type: 'string' }, user: { type: 'string' }, as_of: TIME,
    balance: { ...USD, description: 'Remaining of the live grants.' }, granted: { ...USD, description: 'Amounts of the live grants.' },
    grants: { type: 'array', items: GRANT_STATE_SCHEMA },
    enforcement: ENFORCEMENT_SCHEMA,
  },
};
const LINE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['kind', 'balance'],
  properties: {
    kind: { type: 'string', enum: ['grant', 'burn', 'expired', 'voided'] },
    at: { ...TIME, description: 'grant, expired, voided: when.' },
    from: { ...TIME, description: 'burn: the usage of [from, to) — one UTC day, cut where a grant starts or ends.' },
    to: TIME,
    grant_id: { type: 'string' }, source: { type: 'string' },
    amount: { ...USD, description: 'grant: granted; expired, voided: the remainder gone.' },
    usage: { ...USD, description: 'burn: billed usage.' }, events: { type: 'integer' }, burned: USD, uncovered: { ...USD, description: 'burn: usage no live grant covered.' },
    grants: { type: 'array', items: { type: 'object', required: ['grant_id', 'amount'], properties: { grant_id: { type: 'string' }, amount: USD } } },
    balance: { ...USD, description: 'After this line.' },
  },
};
const LEDGER_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['tenant', 'user', 'from', 'to', 'opening_balance', 'closing_balance', 'lines'],
  properties: { tenant: { type: 'string' }, user: { type: 'string' }, from: TIME, to: TIME, opening_balance: USD, closing_balance: USD, lines: { type: 'array', items: LINE_SCHEMA } },
};

export const WALLET_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get', path: '/v1/customers/{tenant}/wallet', operationId: 'getWallet', tag: 'billing', permission: 'read', summary: 'A customer\'s wallet: balance and grants',
    description: 'The balance (live grants − billed usage since each grant\'s effective_from, burned by priority, then earliest expiry, then creation order) and every grant with what is left of it. A customer without grants has balance 0 and no grants.',
    parameters: [TENANT, USER],
    responses: { '200': { description: 'The wallet now.', schema: WALLET_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN },
  },
  {
    method: 'get', path: '/v1/customers/{tenant}/wallet/ledger', operationId: 'getWalletLedger', tag: 'billing', permission: 'read', summary: 'A customer\'s wallet ledger',
    description: 'Every grant (adjustments are grants of source `adjustment`), burn (per UTC day, cut where a grant starts or ends), expiry and void in [from, to), in time order, with the running balance.',
    parameters: [TENANT, USER, FROM, TO],
    responses: { '200': { description: 'The ledger.', schema: LEDGER_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN },
  },
  {
    method: 'post', path: '/v1/customers/{tenant}/wallet/grants', operationId: 'addWalletGrant', tag: 'billing', permission: 'admin', summary: 'Add a grant (prepaid credit) to a customer\'s wallet',
    parameters: [TENANT, USER],
    requestBody: { contentTypes: ['application/json'], schema: { ...GRANT_INPUT, description: 'A grant (docs/billing.md "Wallets").' } },
    description: 'Idempotent by `id`: the same grant again (same id and values) answers 200 with the stored grant and stores nothing; another grant with a used id is 409.',
    responses: { '201': { description: 'The grant, stored.', schema: GRANT_SCHEMA }, '200': { description: 'The same grant was stored before (a retry).', schema: GRANT_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN, '409': { description: 'The wallet already has another grant with this id.', schema: ERROR_SCHEMA } },
  },
  {
    method: 'delete', path: '/v1/customers/{tenant}/wallet/grants/{grant}', operationId: 'voidWalletGrant', tag: 'billing', permission: 'admin', summary: 'Void a grant from now on',
    description: 'Appends a void: the grant\'s unburned remainder is gone from now (a `voided` ledger line); what it paid for stays paid.',
    parameters: [TENANT, GRANT, USER],
    responses: { '200': { description: 'The voided grant.', schema: GRANT_SCHEMA }, ...FORBIDDEN, ...NOT_FOUND('The wallet has no such grant.'), '409': { description: 'Already voided.', schema: ERROR_SCHEMA } },
  },
  {
    method: 'put', path: '/v1/customers/{tenant}/wallet/alerts', operationId: 'setWalletAlerts', tag: 'billing', permission: 'admin', summary: 'Set a wallet\'s low-balance alert amounts',
    description: 'Each amount alerts once (`budget.remaining_below`, alerts topic and webhooks) when the balance falls to it; a top-up arms the amounts again. `[]` removes them.',
    parameters: [TENANT, USER],
    requestBody: { contentTypes: ['application/json'], schema: { type: 'object', required: ['below'], additionalProperties: false, properties: { below: { type: 'array', maxItems: 10, items: USD } } } },
    responses: { '200': { description: 'The wallet\'s enforcement, with the new amounts.', schema: ENFORCEMENT_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN, ...NOT_FOUND('The customer has no wallet (no grant), or wallets are not enforced.') },
  },
];


/** How the wallet is enforced: its budget, or null when none is kept. */
export function enforcementJson(b: Budget | null): Record<string, unknown> | null {
  if (b === null) return null;
  return { budget_id: b.id, enforcement: b.enforcement, limit: b.limit, period: b.period, alert_below: b.alert_below ?? [] };
}

function fieldErrorsOf(err: TallyError): FieldError[] {
  const errors = err.details.errors;
  return Array.isArray(errors) ? (errors as FieldError[]) : [{ path: 'below', reason: err.message }];
}

function instant(query: unknown, name: 'from' | 'to'): number | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined) return undefined;
  const ms = typeof raw === 'string' ? parseRfc3339(raw) : null;
  if (ms === null) throw validationError([{ path: name, reason: 'must be one RFC 3339 timestamp with a time zone' }]);
  return ms;
}

export function registerWalletRoutes(app: FastifyInstance, services: ApiServices): void {
  const svc = services.wallets;
  if (!svc) return;
  const { wallets } = svc;
  const read = { config: { permission: 'read' as const } };
  const admin = { config: { permission: 'admin' as const } };

  app.get('/v1/customers/:tenant/wallet', read, async (request) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const [state, budget] = await Promise.all([wallets.state(customer), svc.budgets?.existing(customer) ?? null]);
    return { ...walletJson(state), enforcement: enforcementJson(budget) };
  });

  app.put('/v1/customers/:tenant/wallet/alerts', admin, async (request) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const keeper = svc.budgets;
    if (!keeper) throw new TallyError('NOT_FOUND', 'wallets are not enforced by this process (budgets.wallets.enforcement is off)');
    const body = request.body as { below?: unknown } | null;
    const below = body?.below;
    if (!Array.isArray(below) || below.some((b) => typeof b !== 'string')) throw validationError([{ path: 'below', reason: 'must be a list of USD amounts as decimal text, e.g. ["10.00", "1.00"]' }]);
    if ((await wallets.grants.list(customer)).length === 0) throw new TallyError('NOT_FOUND', 'the customer has no wallet yet: add a grant first', { details: { tenant: customer.tenant, user: customer.user } });
    try {
      return enforcementJson(await keeper.setAlerts(customer, below as string[]));
    } catch (err) {
      // The budget's field errors name `alert_below[i]`: the caller wrote `below[i]`.
      if (isTallyError(err) && err.code === 'BUDGET_INVALID') throw validationError(fieldErrorsOf(err).map((e) => ({ path: e.path.replace(/^alert_below/, 'below'), reason: e.reason })));
      throw err;
    }
  });

  app.get('/v1/customers/:tenant/wallet/ledger', read, async (request) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const from = instant(request.query, 'from');
    const to = instant(request.query, 'to');
    return ledgerJson(await wallets.ledger(customer, { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }));
  });

  app.post('/v1/customers/:tenant/wallet/grants', admin, async (request, reply) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const { grant, created } = await wallets.grants.add(customer, request.body);
    if (created) await svc.budgets?.sync(customer);
    return reply.code(created ? 201 : 200).send(grantJson(grant));
  });

  app.delete('/v1/customers/:tenant/wallet/grants/:grant', admin, async (request) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const grant = await wallets.grants.void(customer, (request.params as { grant: string }).grant);
    await svc.budgets?.sync(customer);
    return grantJson(grant);
  });
}
