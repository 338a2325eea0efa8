/**
 * `tally statement` through a running API (`--url`): the table, --json,
 * --format csv|html, --close (then reading it back), and the flags it refuses.
 * The API runs in this process over an in-memory store.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { StatementService } from '../../../src/billing/statement-service.js';
import { runStatement } from '../../../src/cli/commands/statement.js';
import { COST_CLASSES, type CostClass } from '../../../src/core/classes.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { parseUsd } from '../../../src/core/money.js';
import type { StatementOperations, StatementUsageRow } from '../../../src/store/operations/statements.js';
import { rejection } from '../../support/rejection.js';

const KEY = 'acme-admin-key-0123456789abcdef';
const zero = (): Record<CostClass, bigint> => Object.fromEntries(COST_CLASSES.map((c) => [c, 0n])) as Record<CostClass, bigint>;
const row: StatementUsageRow = { day: '2026-11-05', model: 'openai/gpt-4o', model_key: 'openai/gpt-4o', reported_model: 'gpt-4o', provider: 'openai', book: '', events: 3n, quantity: { ...zero(), input: 4000n }, amount: { ...zero(), input: parseUsd('0.01') }, price_total: parseUsd('0.01') };
const stored: { period: string; version: string; content_hash: string; document: string }[] = [];
const statements: StatementOperations = {
  usage: async (f) => (Date.parse('2026-11-05T00:00:00Z') >= f.from && Date.parse('2026-11-05T00:00:00Z') < f.to ? [row] : []),
  closed: async (tenant, user) => stored.map((s) => ({ tenant, user, ...s })),
  tenants: async () => ['acme'],
  close: async (r) => void stored.push({ period: r.period, version: r.version, content_hash: r.content_hash, document: r.document }),
};
const noBooks = { current: async () => [], history: async () => [], one: async () => null, write: async () => undefined, maxVersion: async () => '0' };

let app: FastifyInstance;
let url: string;
let out = '';
beforeAll(async () => {
  app = await createApp({
    logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
    keyring: new ApiKeyring([{ id: 'acme', key: KEY, tenant: 'acme', role: 'admin' }]),
    services: { statements: new StatementService({ store: { statements, priceBooks: noBooks }, clock: () => Date.UTC(2026, 11, 3) }) },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => app.close());
afterEach(() => {
  out = '';
  vi.restoreAllMocks();
});
const capture = (): void => {
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
};
const flags = { apiKey: KEY, tenant: 'acme', period: '2026-11' };

describe('tally statement --url', () => {
  it('prints a table, JSON, CSV and HTML; --close freezes the month', async () => {
    capture();
    await runStatement({ ...flags, url });
    expect(out).toMatch(/statement acme 2026-11 \(open\), 3 events/);
    expect(out).toMatch(/openai\/gpt-4o\s+input\s+4000\s+2\.5 \/ 1M tokens\s+0\.01/);
    out = '';
    await runStatement({ ...flags, url, json: true });
    expect(JSON.parse(out)).toMatchObject({ status: 'open', totals: { usage: '0.01', due: '0.01' } });
    out = '';
    await runStatement({ ...flags, url, format: 'csv' });
    expect(out.split('\n')[1]).toBe('acme,,2026-11,usage,openai/gpt-4o,input,tokens,4000,2.5,1M tokens,0.01,');
    out = '';
    await runStatement({ ...flags, url, format: 'html' });
    expect(out).toMatch(/^<!doctype html>/);
    out = '';
    await runStatement({ ...flags, url, close: true, json: true });
    const closed = JSON.parse(out) as { status: string; content_hash: string };
    expect(closed.status).toBe('closed');
    out = '';
    await runStatement({ ...flags, url, json: true });
    expect(JSON.parse(out)).toEqual(closed);
    expect((await rejection(runStatement({ ...flags, url, close: true }))).code).toBe('CONFLICT');
  });

  it('refuses a missing tenant or period and an unknown format', async () => {
    expect((await rejection(runStatement({ url, period: '2026-11' }))).code).toBe('VALIDATION_FAILED');
    expect((await rejection(runStatement({ url, tenant: 'acme' }))).code).toBe('VALIDATION_FAILED');
    expect((await rejection(runStatement({ ...flags, url, format: 'pdf' }))).code).toBe('VALIDATION_FAILED');
  });
});
