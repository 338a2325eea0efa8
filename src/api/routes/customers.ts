/**
 * Customers and their price books (issue 16, docs/billing.md):
 *
 *   GET    /v1/customers                                  customers with a book in force
 *   GET    /v1/customers/{tenant}/price-book              the book in force (?user=, ?version=)
 *   PUT    /v1/customers/{tenant}/price-book              a new version of the book (?user=)
 *   DELETE /v1/customers/{tenant}/price-book              remove it (?user=)
 *   GET    /v1/customers/{tenant}/price-book/versions     every version, newest first (?user=)
 *
 * A customer is a tenant (the path segment) or one user of it (the `user`
 * query parameter): two separate values, so no character of either can make
 * a customer id ambiguous. A tenant-bound key sees and (admin) changes its own
 * tenant's books only.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../../core/errors.js';
import { mayActFor } from '../../core/principal.js';
import { priceBookInputSchema } from '../../pricing/price-book-schema.js';
import { priceBookVersionLabel } from '../../pricing/price-books.js';
import type { PriceBookVersion } from '../../billing/repository.js';
import { ERROR_SCHEMA, type ApiOperation, type JsonSchema } from '../openapi.js';
import type { ApiServices } from '../services.js';
import { customerOf } from './customer-ref.js';
import { BAD_REQUEST, NOT_FOUND } from './budgets-openapi.js';

const TENANT = { name: 'tenant', in: 'path' as const, required: true, description: 'The customer\'s tenant.', schema: { type: 'string', minLength: 1, maxLength: 256 } };
const USER = { name: 'user', in: 'query' as const, description: 'A user of the tenant: that user\'s own book (absent: the tenant\'s book).', schema: { type: 'string', maxLength: 256 } };
const VERSION = { name: 'version', in: 'query' as const, description: 'One version (from the versions list or an event\'s `price_book_version`); absent: the book in force.', schema: { type: 'string', pattern: '^[0-9]{1,20}$' } };

const { $schema: _dialect, ...BOOK_INPUT } = z.toJSONSchema(priceBookInputSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
const { $schema: _dialect2, ...BOOK_OUTPUT } = z.toJSONSchema(priceBookInputSchema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;

const VERSION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['tenant', 'user', 'version', 'price_book_version', 'updated_at', 'deleted', 'book'],
  properties: {
    tenant: { type: 'string' },
    user: { type: 'string', description: '\'\' for the tenant\'s own book.' },
    version: { type: 'string', description: 'Decimal; increases with every write.' },
    price_book_version: { type: 'string', description: 'What events priced by this version carry in `price_book_version`: `tenant:<version>` or `user:<version>`.' },
    updated_at: { type: 'string', format: 'date-time' },
    deleted: { type: 'boolean' },
    book: { anyOf: [{ ...BOOK_OUTPUT, description: 'The validated book, normalised.' }, { type: 'null' }] },
  },
};
const FORBIDDEN = { '403': { description: 'The key is bound to another tenant (or may not write).', schema: ERROR_SCHEMA } };

export const CUSTOMER_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get', path: '/v1/customers', operationId: 'listCustomers', tag: 'billing', permission: 'read', summary: 'Customers with a price book',
    description: 'Every customer (a tenant, or a user of a tenant) whose price book is in force, with that book; a tenant-bound key sees its own tenant\'s.',
    responses: { '200': { description: '`{customers: [...]}`', schema: { type: 'object', required: ['customers'], properties: { customers: { type: 'array', items: VERSION_SCHEMA } } } } },
  },
  {
    method: 'get', path: '/v1/customers/{tenant}/price-book', operationId: 'getPriceBook', tag: 'billing', permission: 'read', summary: 'A customer\'s price book',
    parameters: [TENANT, USER, VERSION],
    responses: { '200': { description: 'The book in force (or the version asked for).', schema: VERSION_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN, ...NOT_FOUND('The customer has no price book (or not that version).') },
  },
  {
    method: 'put', path: '/v1/customers/{tenant}/price-book', operationId: 'putPriceBook', tag: 'billing', permission: 'admin', summary: 'Set a customer\'s price book',
    description: 'Stores a new version. Events are priced with the book in force when they are processed (every processor picks the change up within a second), with the rules whose `effective_from` is at or before their `occurred_at`. Events already stored keep their price and version: `tally reprice --price-book` recomputes them.',
    parameters: [TENANT, USER],
    requestBody: { contentTypes: ['application/json'], schema: { ...BOOK_INPUT, description: 'A price book (docs/billing.md).' } },
    responses: { '200': { description: 'The new version.', schema: VERSION_SCHEMA }, ...BAD_REQUEST, ...FORBIDDEN },
  },
  {
    method: 'delete', path: '/v1/customers/{tenant}/price-book', operationId: 'deletePriceBook', tag: 'billing', permission: 'admin', summary: 'Remove a customer\'s price book',
    description: 'A new version that removes the book: later events of the customer are priced by the next book down (a user\'s fall back to the tenant\'s), or by none.',
    parameters: [TENANT, USER],
    responses: { '200': { description: 'The deleting version.', schema: VERSION_SCHEMA }, ...FORBIDDEN, ...NOT_FOUND('The customer has no price book.') },
  },
  {
    method: 'get', path: '/v1/customers/{tenant}/price-book/versions', operationId: 'listPriceBookVersions', tag: 'billing', permission: 'read', summary: 'Every version of a customer\'s price book',
    parameters: [TENANT, USER],
    responses: { '200': { description: '`{versions: [...]}`, newest first.', schema: { type: 'object', required: ['versions'], properties: { versions: { type: 'array', items: VERSION_SCHEMA } } } }, ...BAD_REQUEST, ...FORBIDDEN },
  },
];

export function versionJson(v: PriceBookVersion): Record<string, unknown> {
  return { tenant: v.tenant, user: v.user, version: v.version, price_book_version: priceBookVersionLabel(v.user, v.version), updated_at: v.updated_at, deleted: v.deleted, book: v.book };
}


export function registerCustomerRoutes(app: FastifyInstance, services: ApiServices): void {
  const svc = services.priceBooks;
  if (!svc) return;
  const { repository } = svc;
  const read = { config: { permission: 'read' as const } };
  const admin = { config: { permission: 'admin' as const } };

  app.get('/v1/customers', read, async (request) => {
    const p = request.principal;
    const all = await repository.customers();
    return { customers: all.filter((c) => mayActFor(p, c.tenant)).map(versionJson) };
  });

  app.get('/v1/customers/:tenant/price-book', read, async (request) => {
    const { tenant, user } = customerOf(request.params, request.query, request.principal);
    const version = (request.query as Record<string, unknown> | undefined)?.version;
    if (version !== undefined && typeof version !== 'string') throw validationError([{ path: 'version', reason: 'must be given once' }]);
    return versionJson(await repository.get(tenant, user, version));
  });

  app.put('/v1/customers/:tenant/price-book', admin, async (request) => {
    const { tenant, user } = customerOf(request.params, request.query, request.principal);
    const stored = await repository.put(tenant, user, request.body);
    await svc.changed?.();
    return versionJson(stored);
  });

  app.delete('/v1/customers/:tenant/price-book', admin, async (request) => {
    const { tenant, user } = customerOf(request.params, request.query, request.principal);
    const stored = await repository.delete(tenant, user);
    await svc.changed?.();
    return versionJson(stored);
  });

  app.get('/v1/customers/:tenant/price-book/versions', read, async (request) => {
    const { tenant, user } = customerOf(request.params, request.query, request.principal);
    return { versions: (await repository.history(tenant, user)).map(versionJson) };
  });
}
