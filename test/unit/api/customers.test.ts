/**
 * /v1/customers (issue 16): a tenant-bound key reads and (admin) writes its
 * own tenant's price books only; a read key may not write; a user's book is
 * addressed by the `user` parameter, so a tenant or user id with `/` in it
 * names exactly one customer; a book the schema refuses is 400 with the field.
 * The repository runs over an in-memory stand-in of `store.priceBooks`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { PriceBookRepository } from '../../../src/billing/repository.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import type { PriceBookOperations, PriceBookRow } from '../../../src/store/operations/price-books.js';

const PLATFORM = 'platform-key-0123456789abcdef';
const ACME = 'acme-admin-key-0123456789abcdef';
const ACME_READ = 'acme-read-key-0123456789abcdef';

/** `store.priceBooks` in memory: every version kept, newest per customer. */
function memoryPriceBooks(): PriceBookOperations {
  const rows: PriceBookRow[] = [];
  const newest = (t: string, u: string): PriceBookRow | undefined => rows.filter((r) => r.tenant === t && r.user === u).sort((a, b) => Number(BigInt(b.version) - BigInt(a.version)))[0];
  return {
    current: async () => [...new Set(rows.map((r) => JSON.stringify([r.tenant, r.user])))].map((k) => newest(...(JSON.parse(k) as [string, string])) as PriceBookRow).filter((r) => !r.deleted).sort((a, b) => (a.tenant + a.user < b.tenant + b.user ? -1 : 1)),
    history: async (t, u) => rows.filter((r) => r.tenant === t && r.user === u).sort((a, b) => Number(BigInt(b.version) - BigInt(a.version))),
    one: async (t, u, v) => (v === undefined ? newest(t, u) : rows.find((r) => r.tenant === t && r.user === u && r.version === v)) ?? null,
    write: async (row) => void rows.push(row),
    maxVersion: async () => rows.reduce((m, r) => (BigInt(r.version) > BigInt(m) ? r.version : m), '0'),
  };
}

const BOOK = { rules: [{ kind: 'markup', percent: '10', effective_from: '2026-01-01T00:00:00Z' }] };
let app: FastifyInstance;
let changes = 0;

beforeEach(async () => {
  changes = 0;
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
    keyring: new ApiKeyring([
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
      { id: 'acme', key: ACME, tenant: 'acme', role: 'admin' },
      { id: 'acme-read', key: ACME_READ, tenant: 'acme', role: 'read' },
    ]),
    services: { priceBooks: { repository: new PriceBookRepository(memoryPriceBooks()), changed: async () => void changes++ } },
  });
});
afterEach(async () => app.close());

const call = (method: 'GET' | 'PUT' | 'DELETE', url: string, key: string, body?: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

describe('/v1/customers', () => {
  it('a tenant-bound key sees and sets its own tenant\'s books only; a read key may not write', async () => {
    expect((await call('PUT', '/v1/customers/acme/price-book', ACME, BOOK)).statusCode).toBe(200);
    expect(changes).toBe(1);
    expect((await call('PUT', '/v1/customers/globex/price-book', PLATFORM, BOOK)).statusCode).toBe(200);
    expect((await call('PUT', '/v1/customers/globex/price-book', ACME, BOOK)).statusCode).toBe(403);
    expect((await call('GET', '/v1/customers/globex/price-book', ACME_READ)).statusCode).toBe(403);
    expect((await call('GET', '/v1/customers/globex/price-book/versions', ACME_READ)).statusCode).toBe(403);
    expect((await call('PUT', '/v1/customers/acme/price-book', ACME_READ, BOOK)).statusCode).toBe(403);
    expect((await call('GET', '/v1/customers', ACME_READ)).json().customers.map((c: { tenant: string }) => c.tenant)).toEqual(['acme']);
    expect((await call('GET', '/v1/customers', PLATFORM)).json().customers.map((c: { tenant: string }) => c.tenant)).toEqual(['acme', 'globex']);
  });

  it('addresses a user\'s book by the user parameter: ids with "/" name one customer each', async () => {
    const user = await call('PUT', `/v1/customers/${encodeURIComponent('a/b')}/price-book?user=${encodeURIComponent('c')}`, PLATFORM, BOOK);
    expect(user.json()).toMatchObject({ tenant: 'a/b', user: 'c' });
    const tenant = await call('PUT', `/v1/customers/a/price-book?user=${encodeURIComponent('b/c')}`, PLATFORM, BOOK);
    expect(tenant.json()).toMatchObject({ tenant: 'a', user: 'b/c', price_book_version: `user:${String(tenant.json().version)}` });
    expect((await call('GET', `/v1/customers/${encodeURIComponent('a/b')}/price-book`, PLATFORM)).statusCode).toBe(404);
    expect((await call('GET', `/v1/customers/${encodeURIComponent('a/b')}/price-book?user=c`, PLATFORM)).json().version).toBe(user.json().version);
  });

  it('refuses an invalid book with every field error, and deletes as a new version', async () => {
    const bad = await call('PUT', '/v1/customers/acme/price-book', ACME, { rules: [{ kind: 'markup', percent: '1.0000001', effective_from: 'soon' }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['rules[0].effective_from', 'rules[0].percent']);
    await call('PUT', '/v1/customers/acme/price-book', ACME, BOOK);
    const removed = await call('DELETE', '/v1/customers/acme/price-book', ACME);
    expect(removed.json()).toMatchObject({ deleted: true, book: null });
    expect((await call('GET', '/v1/customers/acme/price-book', ACME)).statusCode).toBe(404);
    expect((await call('GET', '/v1/customers/acme/price-book/versions', ACME)).json().versions).toHaveLength(2);
  });
});
