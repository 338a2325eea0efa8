/**
 * /v1/customers/{tenant}/wallet* (issue 16 item 2): a tenant-bound key reads
 * and (admin) grants to its own tenant's wallets only; a grant the schema
 * refuses is 400 naming every field; a second grant with one id is 409; the
 * balance, grants and ledger come back as USD text. The wallets run over an
 * in-memory stand-in of `store.wallets` whose usage is given per test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { Wallets } from '../../../src/billing/wallet.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { parseUsd } from '../../../src/core/money.js';
import type { WalletUsage } from '../../../src/store/operations/wallets.js';
import { memoryWallets } from '../../support/memory-wallets.js';

const PLATFORM = 'platform-key-0123456789abcdef';
const ACME = 'acme-admin-key-0123456789abcdef';
const ACME_READ = 'acme-read-key-0123456789abcdef';

/** `store.wallets` in memory; usage: one group per call of `spend` (day, segment 1: after the first grant's start). */

let app: FastifyInstance;
let changes = 0;
const spent: WalletUsage[] = [];

beforeEach(async () => {
  changes = 0;
  spent.length = 0;
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
    keyring: new ApiKeyring([
      { id: 'platform', key: PLATFORM, tenant: '*', role: 'admin' },
      { id: 'acme', key: ACME, tenant: 'acme', role: 'admin' },
      { id: 'acme-read', key: ACME_READ, tenant: 'acme', role: 'read' },
    ]),
    services: { wallets: { wallets: new Wallets(memoryWallets([], async (input) => (input.tenant === 'acme' ? spent : []))), budgets: { sync: async () => void changes++, existing: async () => null, setAlerts: async () => { throw new Error('not in this test'); } } } },
  });
});
afterEach(async () => app.close());

const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string, body?: unknown): Promise<LightMyRequestResponse> =>
  app.inject({ method, url, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });

describe('/v1/customers/{tenant}/wallet', () => {
  it('grants, balance and ledger; a tenant-bound key acts on its own tenant; a read key may not grant', async () => {
    const from = '2026-01-01T00:00:00.000Z';
    const added = await call('POST', '/v1/customers/acme/wallet/grants', ACME, { id: 'p1', amount: '25.50', effective_from: from, source: 'purchase', note: 'order 7' });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ id: 'p1', amount: '25.5', priority: 0, effective_from: from, expires_at: null, source: 'purchase', note: 'order 7' });
    expect(changes).toBe(1);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', ACME_READ, { amount: '1' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/customers/globex/wallet/grants', ACME, { amount: '1' })).statusCode).toBe(403);
    expect((await call('GET', '/v1/customers/globex/wallet', ACME_READ)).statusCode).toBe(403);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', ACME, { id: 'p1', amount: '1' })).statusCode).toBe(409);
    // A retry of the same grant stores nothing and answers the stored one.
    const again = await call('POST', '/v1/customers/acme/wallet/grants', ACME, { id: 'p1', amount: '25.5', effective_from: from, source: 'purchase', note: 'order 7' });
    expect([again.statusCode, again.json().created_at, changes]).toEqual([200, added.json().created_at, 1]);

    spent.push({ day: '2026-01-02', segment: 1, price: parseUsd('0.5'), events: 3 });
    const w = (await call('GET', '/v1/customers/acme/wallet', ACME_READ)).json();
    expect(w).toMatchObject({ tenant: 'acme', user: '', balance: '25', granted: '25.5', grants: [{ id: 'p1', status: 'live', remaining: '25', burned: '0.5', lost: '0' }] });
    const l = (await call('GET', `/v1/customers/acme/wallet/ledger?from=${from}`, ACME_READ)).json();
    expect(l).toMatchObject({ opening_balance: '0', closing_balance: '25' });
    expect(l.lines).toEqual([
      { kind: 'grant', at: from, grant_id: 'p1', source: 'purchase', amount: '25.5', balance: '25.5' },
      { kind: 'burn', from: '2026-01-02T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z', usage: '0.5', events: 3, burned: '0.5', uncovered: '0', grants: [{ grant_id: 'p1', amount: '0.5' }], balance: '25' },
    ]);
    // A user's wallet is another customer: empty.
    expect((await call('GET', '/v1/customers/acme/wallet?user=bob', ACME_READ)).json()).toMatchObject({ user: 'bob', balance: '0', grants: [] });
    const voided = await call('DELETE', '/v1/customers/acme/wallet/grants/p1', PLATFORM);
    expect([voided.statusCode, typeof voided.json().voided_at]).toEqual([200, 'string']);
    expect((await call('DELETE', '/v1/customers/acme/wallet/grants/nope', PLATFORM)).statusCode).toBe(404);
  });

  it('refuses a bad grant with every field, and a bad ledger range', async () => {
    const bad = await call('POST', '/v1/customers/acme/wallet/grants', ACME, { amount: '-1', effective_from: 'yesterday', expires_at: '2026-01-01T00:00:00Z', id: 'a b' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('WALLET_GRANT_INVALID');
    expect(bad.json().error.details.errors.map((e: { path: string }) => e.path).sort()).toEqual(['amount', 'effective_from', 'id']);
    const order = await call('POST', '/v1/customers/acme/wallet/grants', ACME, { amount: '1', effective_from: '2026-02-01T00:00:00Z', expires_at: '2026-01-01T00:00:00Z' });
    expect(order.json().error.details.errors).toEqual([{ path: 'expires_at', reason: 'must be after effective_from' }]);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', ACME, { amount: '1', extra: 1 })).statusCode).toBe(400);
    expect((await call('GET', '/v1/customers/acme/wallet/ledger?from=nope', ACME)).statusCode).toBe(400);
  });
});
