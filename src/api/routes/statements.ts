/**
 * Statements (issue 16, docs/billing.md "Statements"):
 *
 *   GET  /v1/customers/{tenant}/statement?period=YYYY-MM[&user=U][&format=json|csv|html]
 *   POST /v1/customers/{tenant}/statements/{period}/close[?user=U]   freeze the month (admin)
 *
 * A customer is the tenant (path segment) or one user of it (`user`), as for
 * price books; a tenant-bound key sees its own tenant's statements only.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TallyError, validationError } from '../../core/errors.js';
import { mayActFor, type Principal } from '../../core/principal.js';
import { COST_CLASSES } from '../../core/classes.js';
import { GRANT_SOURCES, type CustomerRef } from '../../billing/credits.js';
import type { Statement } from '../../billing/statement.js';
import { statementCsv, statementHtml, STATEMENT_FORMATS, type StatementFormat } from '../../billing/statement-format.js';
import { ERROR_SCHEMA, type ApiOperation, type JsonSchema } from '../openapi.js';
import type { ApiServices } from '../services.js';
import { BAD_REQUEST } from './budgets-openapi.js';

const TENANT = { name: 'tenant', in: 'path' as const, required: true, description: 'The customer\'s tenant.', schema: { type: 'string', minLength: 1, maxLength: 256 } };
const USER = { name: 'user', in: 'query' as const, description: 'One user of the tenant: that user\'s events only (absent: every event of the tenant).', schema: { type: 'string', maxLength: 256 } };
const PERIOD = { name: 'period', in: 'query' as const, required: true, description: 'A calendar month, UTC: `2026-11`.', schema: { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' } };
const FORMAT = { name: 'format', in: 'query' as const, description: '`json` (default), `csv` (one row per item, with a header) or `html` (a printable, self-contained page).', schema: { type: 'string', enum: [...STATEMENT_FORMATS] } };

const USD: JsonSchema = { type: 'string', description: 'USD, exact decimal text.' };
const CLASS: JsonSchema = { type: 'string', enum: [...COST_CLASSES] };

export const STATEMENT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['format', 'customer', 'period', 'from', 'to', 'currency', 'status', 'closed_at', 'version', 'content_hash', 'price_book_version', 'events', 'lines', 'allowances', 'credits', 'adjustments', 'totals'],
  properties: {
    format: { type: 'string', const: 'tally.statement.v1' },
    customer: { type: 'object', required: ['tenant', 'user'], properties: { tenant: { type: 'string' }, user: { type: 'string', description: '\'\' for the tenant.' } } },
    period: { type: 'string', description: '`YYYY-MM`.' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    currency: { type: 'string', const: 'USD' },
    status: { type: 'string', enum: ['open', 'closed'] },
    closed_at: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
    version: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The close\'s version (decimal microseconds); null while open.' },
    content_hash: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'SHA-256 (hex) of the frozen document as stored (with this field null); null while open.' },
    price_book_version: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'The book whose allowances applied.' },
    events: { type: 'string', description: 'Events counted (current versions, duplicates once).' },
    lines: {
      type: 'array',
      items: {
        type: 'object',
        required: ['model', 'class', 'unit', 'quantity', 'unit_price', 'unit_price_per', 'amount'],
        properties: {
          model: { type: 'string' }, class: CLASS, unit: { type: 'string' }, quantity: { type: 'string' },
          unit_price: { anyOf: [USD, { type: 'null' }], description: 'amount ÷ quantity per `unit_price_per`, half to even to the femto-dollar.' },
          unit_price_per: { type: 'string' }, amount: { ...USD, description: 'The exact sum of the events\' price of the class.' },
        },
      },
    },
    allowances: {
      type: 'array',
      items: { type: 'object', required: ['index', 'id', 'period', 'kind', 'class', 'quantity', 'amount'], properties: { index: { type: 'integer' }, id: { anyOf: [{ type: 'string' }, { type: 'null' }] }, period: { type: 'string', enum: ['day', 'month'] }, kind: { type: 'string', enum: ['tokens', 'amount'] }, class: CLASS, quantity: { type: 'string' }, amount: USD } },
    },
    credits: {
      type: 'array',
      items: { type: 'object', required: ['grant_id', 'source', 'amount', 'remaining', 'expires_at'], properties: { grant_id: { type: 'string' }, source: { type: 'string', enum: [...GRANT_SOURCES] }, amount: USD, remaining: USD, expires_at: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] } } },
    },
    adjustments: {
      type: 'array',
      items: { type: 'object', required: ['period', 'model', 'class', 'quantity', 'amount'], properties: { period: { type: 'string' }, model: { type: 'string' }, class: CLASS, quantity: { type: 'string' }, amount: USD } },
    },
    totals: {
      type: 'object',
      required: ['usage', 'allowances', 'adjustments', 'subtotal', 'credits', 'due', 'credit_refund'],
      properties: { usage: USD, allowances: USD, adjustments: USD, subtotal: USD, credits: USD, due: USD, credit_refund: USD },
    },
  },
};
const FORBIDDEN = { '403': { description: 'The key is bound to another tenant.', schema: ERROR_SCHEMA } };

export const STATEMENT_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get', path: '/v1/customers/{tenant}/statement', operationId: 'getStatement', tag: 'billing', permission: 'read', summary: 'A customer\'s statement for a month',
    description: 'Line items by model and class, allowances, credits applied, adjustments and totals; the usage total equals the analytics `price` of the customer and month exactly. A closed month is returned as it was frozen. `format=csv` answers text/csv, `format=html` a printable text/html page.',
    parameters: [TENANT, USER, PERIOD, FORMAT],
    responses: { '200': { description: 'The statement (application/json; text/csv or text/html with `format`).', schema: STATEMENT_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN },
  },
  {
    method: 'post', path: '/v1/customers/{tenant}/statements/{period}/close', operationId: 'closeStatement', tag: 'billing', permission: 'admin', summary: 'Close (freeze) a customer\'s month',
    description: 'Stores the statement as it stands, with its content hash; it is read back unchanged from then on, and later corrections to the month (a reprice, a late event) appear as adjustment lines in the next month\'s statement. Allowances the wallet\'s credits paid for go back to the wallet as an `adjustment` grant. Only after the month ended; once.',
    parameters: [TENANT, { name: 'period', in: 'path' as const, required: true, description: 'A calendar month, UTC: `2026-11`.', schema: PERIOD.schema }, USER],
    responses: { '200': { description: 'The closed statement.', schema: STATEMENT_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN, '409': { description: 'The month is closed already (CONFLICT).', schema: ERROR_SCHEMA } },
  },
];

function one(query: unknown, name: string): string | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw !== undefined && typeof raw !== 'string') throw validationError([{ path: name, reason: 'must be given once' }]);
  return raw;
}

function customerOf(params: unknown, query: unknown, p: Principal): CustomerRef {
  const tenant = (params as { tenant: string }).tenant;
  if (!mayActFor(p, tenant)) throw new TallyError('FORBIDDEN', `API key ${p.keyId} is bound to another tenant than ${JSON.stringify(tenant)}`);
  return { tenant, user: one(query, 'user') ?? '' };
}

function formatOf(query: unknown): StatementFormat {
  const f = one(query, 'format') ?? 'json';
  if (!(STATEMENT_FORMATS as readonly string[]).includes(f)) throw validationError([{ path: 'format', reason: `must be one of ${STATEMENT_FORMATS.join(', ')}` }]);
  return f as StatementFormat;
}

function send(reply: FastifyReply, s: Statement, format: StatementFormat): unknown {
  if (format === 'csv') return reply.type('text/csv; charset=utf-8').send(statementCsv(s));
  if (format === 'html') return reply.type('text/html; charset=utf-8').send(statementHtml(s));
  return s;
}

export function registerStatementRoutes(app: FastifyInstance, services: ApiServices): void {
  const svc = services.statements;
  if (!svc) return;
  const read = { config: { permission: 'read' as const } };

  app.get('/v1/customers/:tenant/statement', read, async (request, reply) => {
    const customer = customerOf(request.params, request.query, request.principal);
    const format = formatOf(request.query);
    const period = one(request.query, 'period');
    if (period === undefined) throw validationError([{ path: 'period', reason: 'is required: a calendar month, YYYY-MM (UTC)' }]);
    return send(reply, await svc.statement(customer, period), format);
  });

  app.post('/v1/customers/:tenant/statements/:period/close', { config: { permission: 'admin' as const } }, async (request) => {
    const customer = customerOf(request.params, request.query, request.principal);
    return svc.close(customer, (request.params as { period: string }).period);
  });
}
