/**
 * Statements (issue 16 item 3) over in-memory usage rows: line items, unit
 * prices, allowances (per day / month window, per class totals, in force from
 * the next window, independent of row order), credits and totals; the CSV
 * and HTML forms; the route (tenant-bound keys, formats, bad periods).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import type { CreditsReader } from '../../../src/billing/credits.js';
import { buildStatement, type Statement } from '../../../src/billing/statement.js';
import { statementCsv, statementHtml } from '../../../src/billing/statement-format.js';
import { parsePeriod } from '../../../src/billing/statement-period.js';
import { StatementService } from '../../../src/billing/statement-service.js';
import { COST_CLASSES, type CostClass } from '../../../src/core/classes.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { parseUsd } from '../../../src/core/money.js';
import { parsePriceBook, type PriceBookInput } from '../../../src/pricing/price-book-schema.js';
import type { PriceBookOperations, PriceBookRow } from '../../../src/store/operations/price-books.js';
import type { StatementOperations, StatementUsageRow } from '../../../src/store/operations/statements.js';
import { rejection } from '../../support/rejection.js';

const NOV = parsePeriod('2026-11');
const zero = (): Record<CostClass, bigint> => Object.fromEntries(COST_CLASSES.map((c) => [c, 0n])) as Record<CostClass, bigint>;

function row(day: string, model: string, q: Partial<Record<CostClass, bigint>>, a: Partial<Record<CostClass, string>>, book: 'tenant' | 'user' | '' = 'tenant'): StatementUsageRow {
  const quantity = { ...zero(), ...q };
  const amount = { ...zero(), ...Object.fromEntries(Object.entries(a).map(([k, v]) => [k, parseUsd(v)])) };
  return { day, model, model_key: model, reported_model: model.split('/')[1] ?? model, provider: model.split('/')[0] ?? '', book, events: 1n, quantity, amount, price_total: Object.values(amount).reduce((x, y) => x + y, 0n) };
}

const book = (input: PriceBookInput) => ({ kind: 'tenant' as const, version: '7', book: parsePriceBook(input) });
const customer = { tenant: 'acme', user: '' };

describe('buildStatement', () => {
  const rows = [
    row('2026-11-01', 'openai/gpt-4o', { input: 3000n, output: 1000n, request: 2n }, { input: '0.0075', output: '0.01', request: '0.0002' }),
    row('2026-11-02', 'openai/gpt-4o', { input: 500n }, { input: '0.00125' }),
    row('2026-11-02', 'openai/gpt-4o-mini', { input: 700n, audio_second: 1500n }, { input: '0.000105', audio_second: '0.003' }),
    row('2026-11-02', 'openai/gpt-4o-mini', { input: 10n }, { input: '0.000001' }, 'user'),
  ];

  it('line items by model and class: exact amounts, quantities, unit price = amount ÷ quantity (per 1M tokens or per unit)', () => {
    const s = buildStatement({ customer, period: NOV, rows, book: null, credits: [] });
    expect(s.lines).toEqual([
      { model: 'openai/gpt-4o', class: 'input', unit: 'tokens', quantity: '3500', unit_price: '2.5', unit_price_per: '1M tokens', amount: '0.00875' },
      { model: 'openai/gpt-4o', class: 'output', unit: 'tokens', quantity: '1000', unit_price: '10', unit_price_per: '1M tokens', amount: '0.01' },
      { model: 'openai/gpt-4o', class: 'request', unit: 'requests', quantity: '2', unit_price: '0.0001', unit_price_per: 'request', amount: '0.0002' },
      { model: 'openai/gpt-4o-mini', class: 'input', unit: 'tokens', quantity: '710', unit_price: '0.149295774647887', unit_price_per: '1M tokens', amount: '0.000106' },
      { model: 'openai/gpt-4o-mini', class: 'audio_second', unit: 'seconds', quantity: '1.5', unit_price: '0.002', unit_price_per: 'second', amount: '0.003' },
    ]);
    expect(s.totals).toEqual({ usage: '0.022056', allowances: '0', adjustments: '0', subtotal: '0.022056', credits: '0', due: '0.022056', credit_refund: '0' });
    expect(s.status).toBe('open');
    expect(s.events).toBe('4');
  });

  it('a token allowance per day takes each day\'s class total, models in name order, only events of the book\'s kind; rows in any order give the same statement', () => {
    const b = book({ rules: [], allowances: [{ period: 'day', tokens: 1000, classes: ['input'], effective_from: '2026-01-01T00:00:00Z' }] });
    const s = buildStatement({ customer, period: NOV, rows, book: b, credits: [] });
    // Nov 1: 1,000 of gpt-4o's 3,000 (0.0075 × 1/3 = 0.0025). Nov 2: gpt-4o's 500 (all: 0.00125), then 500 of gpt-4o-mini's 700 (0.000105 × 5/7 = 0.000075); the user-book row is not covered.
    expect(s.allowances).toEqual([{ index: 0, id: null, period: 'day', kind: 'tokens', class: 'input', quantity: '2000', amount: '0.003825' }]);
    expect(s.totals.subtotal).toBe('0.018231');
    const shuffled = buildStatement({ customer, period: NOV, rows: [...rows].reverse(), book: b, credits: [] });
    expect(shuffled).toEqual(s);
  });

  it('a month allowance in USD; an allowance from mid-month starts with the next window; a fraction of a femto-dollar rounds half to even', () => {
    const usd = buildStatement({ customer, period: NOV, rows, book: book({ rules: [], allowances: [{ period: 'month', amount: '0.009', effective_from: '2026-11-01T00:00:00Z' }] }), credits: [] });
    expect(usd.totals.allowances).toBe('0.009');
    const late = buildStatement({ customer, period: NOV, rows, book: book({ rules: [], allowances: [{ period: 'month', amount: '1', effective_from: '2026-11-01T00:00:01Z' }, { period: 'day', tokens: 100, effective_from: '2026-11-01T12:00:00Z' }] }), credits: [] });
    // The month allowance is not in force for November at all; the daily one from 2 November.
    expect(late.allowances.map((a) => [a.index, a.class, a.quantity])).toEqual([[1, 'input', '100']]);
    const odd = [row('2026-11-03', 'x/m', { input: 3n }, { input: '0.000000000000001' })];
    const half = buildStatement({ customer, period: NOV, rows: odd, book: book({ rules: [], allowances: [{ period: 'day', tokens: 1, effective_from: '2026-01-01T00:00:00Z' }] }), credits: [] });
    expect(half.totals.allowances).toBe('0'); // 1 × 1/3 → 0
  });

  it('credits applied reduce what is due; credits beyond the subtotal (an allowance the wallet paid for) are returned', () => {
    const b = book({ rules: [], allowances: [{ period: 'month', amount: '0.002', effective_from: '2026-01-01T00:00:00Z' }] });
    const credits = [{ grant_id: 'g1', source: 'purchase' as const, amount: parseUsd('0.022056'), remaining: parseUsd('1'), expires_at: null }];
    const s = buildStatement({ customer, period: NOV, rows, book: b, credits });
    expect(s.totals).toMatchObject({ usage: '0.022056', allowances: '0.002', subtotal: '0.020056', credits: '0.022056', due: '0', credit_refund: '0.002' });
  });
});

describe('statement CSV and HTML', () => {
  const s = buildStatement({
    customer: { tenant: 'ac,me', user: '<u>' }, period: NOV,
    rows: [row('2026-11-01', 'openai/"quoted"', { input: 2000n }, { input: '0.002' })],
    book: book({ rules: [], allowances: [{ id: 'free', period: 'month', tokens: 500, effective_from: '2026-01-01T00:00:00Z' }] }),
    credits: [{ grant_id: 'g1', source: 'promotion', amount: parseUsd('0.001'), remaining: 0n, expires_at: '2027-01-01T00:00:00.000Z' }],
  });

  it('CSV: a header, one row per item, signed amounts summing to subtotal − credits, cells quoted', () => {
    const lines = statementCsv(s).trimEnd().split('\n');
    expect(lines).toEqual([
      'tenant,user,period,kind,model,class,unit,quantity,unit_price,unit_price_per,amount,reference',
      '"ac,me",<u>,2026-11,usage,"openai/""quoted""",input,tokens,2000,1,1M tokens,0.002,',
      '"ac,me",<u>,2026-11,allowance,,input,tokens,500,,,-0.0005,free',
      '"ac,me",<u>,2026-11,credit,,,,,,,-0.001,g1',
    ]);
  });

  it('HTML: self-contained (no scripts, no external references), text escaped, totals shown', () => {
    const html = statementHtml(s);
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    expect(html).toContain('ac,me / &#60;u&#62;');
    expect(html).toContain('openai/&#34;quoted&#34;');
    expect(html).toContain('<td>Amount due</td><td class="n">0.0005</td>');
  });
});

/** `store.priceBooks` with one tenant book. */
function books(input: PriceBookInput | null): PriceBookOperations {
  const rows: PriceBookRow[] = input ? [{ tenant: 'acme', user: '', version: '5', body: JSON.stringify(parsePriceBook(input)), deleted: false, updated_at: '2026-01-01T00:00:00.000Z' }] : [];
  return {
    current: async () => rows, history: async () => rows, write: async () => undefined, maxVersion: async () => '5',
    one: async (t, u) => rows.find((r) => r.tenant === t && r.user === u) ?? null,
  };
}

describe('StatementService and the route', () => {
  const seen: unknown[] = [];
  const usage: StatementOperations = {
    usage: async (f) => {
      seen.push(f);
      return [row('2026-11-05', 'openai/gpt-4o', { input: 4000n }, { input: '0.01' })];
    },
    closed: async () => [],
    tenants: async () => ['acme'],
    close: async () => undefined,
  };
  const credits: CreditsReader = { applied: async (c, from, to) => (seen.push({ credits: c, from, to }), []) };
  const service = new StatementService({ store: { statements: usage, priceBooks: books({ rules: [], allowances: [{ period: 'month', tokens: 1000, effective_from: '2026-01-01T00:00:00Z' }] }) }, credits });
  let app: FastifyInstance;

  beforeEach(async () => {
    seen.length = 0;
    app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
      keyring: new ApiKeyring([{ id: 'platform', key: 'platform-key-0123456789abcdef', tenant: '*', role: 'read' }, { id: 'acme', key: 'acme-read-key-0123456789abcdef', tenant: 'acme', role: 'read' }]),
      services: { statements: service },
    });
  });
  afterEach(async () => app.close());
  const get = (url: string, key = 'acme-read-key-0123456789abcdef') => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('reads the month\'s usage, the tenant book\'s allowances and the wallet\'s credits for the customer', async () => {
    const s = await service.statement({ tenant: 'acme', user: 'u1' }, '2026-11');
    expect(seen).toEqual([
      { tenant: 'acme', user: 'u1', from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) },
      { credits: { tenant: 'acme', user: 'u1' }, from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) },
    ]);
    expect(s).toMatchObject({ price_book_version: 'tenant:5', totals: { usage: '0.01', allowances: '0.0025', due: '0.0075' } });
    expect((await rejection(service.statement(customer, '2026-13'))).code).toBe('VALIDATION_FAILED');
  });

  it('GET /v1/customers/{tenant}/statement: JSON, CSV, HTML; a tenant-bound key reads its own tenant only; the period is required', async () => {
    const json = await get('/v1/customers/acme/statement?period=2026-11');
    expect(json.statusCode).toBe(200);
    expect((json.json() as Statement).totals.usage).toBe('0.01');
    const csv = await get('/v1/customers/acme/statement?period=2026-11&format=csv&user=u%2F1');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\n')[1]).toMatch(/^acme,u\/1,2026-11,usage,/);
    const html = await get('/v1/customers/acme/statement?period=2026-11&format=html');
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect((await get('/v1/customers/globex/statement?period=2026-11')).statusCode).toBe(403);
    expect((await get('/v1/customers/globex/statement?period=2026-11', 'platform-key-0123456789abcdef')).statusCode).toBe(200);
    const bad = await get('/v1/customers/acme/statement?period=2026-1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { errors: [{ path: 'period' }] } } });
    expect((await get('/v1/customers/acme/statement')).statusCode).toBe(400);
    expect((await get('/v1/customers/acme/statement?period=2026-11&format=pdf')).statusCode).toBe(400);
  });
});

describe('closing a month', () => {
  function memoryStatements(rows: StatementUsageRow[]): StatementOperations & { stored: { period: string; version: string; content_hash: string; document: string }[]; failNext: boolean } {
    const ops = {
      stored: [] as { period: string; version: string; content_hash: string; document: string }[],
      failNext: false,
      usage: async (f: { from: number; to: number }) => rows.filter((r) => Date.parse(`${r.day}T00:00:00Z`) >= f.from && Date.parse(`${r.day}T00:00:00Z`) < f.to),
      tenants: async () => ['acme'],
      closed: async (tenant: string, user: string) => ops.stored.map((r) => ({ tenant, user, ...r })).sort((a, b) => (a.period < b.period ? -1 : 1)),
      close: async (r: { period: string; version: string; content_hash: string; document: string }) => {
        if (ops.failNext) {
          ops.failNext = false;
          throw new Error('store away');
        }
        ops.stored.push({ period: r.period, version: r.version, content_hash: r.content_hash, document: r.document });
      },
    };
    return ops;
  }
  const usageRows = [row('2026-11-05', 'openai/gpt-4o', { input: 4000n }, { input: '0.01' })];
  // The wallet paid for all of November's usage (0.01); the month allowance (1,000 of 4,000 tokens: 0.0025) goes back.
  const paid: CreditsReader = { applied: async () => [{ grant_id: 'g1', source: 'purchase', amount: parseUsd('0.01'), remaining: parseUsd('5'), expires_at: null }] };

  it('posts the allowances the wallet paid for as one adjustment grant with the same id on a retry, then stores the frozen statement', async () => {
    const statements = memoryStatements(usageRows);
    const grants: unknown[] = [];
    const service = new StatementService({
      store: { statements, priceBooks: books({ rules: [], allowances: [{ period: 'month', tokens: 1000, effective_from: '2026-01-01T00:00:00Z' }] }) },
      credits: paid, clock: () => Date.UTC(2026, 11, 3), grant: async (g) => void grants.push(g),
    });
    statements.failNext = true;
    await expect(service.close(customer, '2026-11')).rejects.toThrow(/store away/);
    const closed = await service.close(customer, '2026-11');
    expect(grants).toHaveLength(2);
    expect(grants[0]).toEqual(grants[1]);
    expect(grants[0]).toMatchObject({ customer, source: 'adjustment', amount: parseUsd('0.0025'), period: '2026-11', effective_at: '2026-12-01T00:00:00.000Z', grant_id: expect.stringMatching(/^statement-[0-9a-f]{32}$/) as string });
    expect(closed.totals).toMatchObject({ subtotal: '0.0075', credits: '0.01', due: '0', credit_refund: '0.0025' });
    expect(statements.stored).toHaveLength(1);
    expect(await service.statement(customer, '2026-11')).toEqual(closed);
    // A stored document that no longer matches its hash is refused, not shown.
    statements.stored[0] = { ...statements.stored[0]!, document: statements.stored[0]!.document.replace('"0.0075"', '"0.0074"') };
    expect((await rejection(service.statement(customer, '2026-11'))).code).toBe('INTERNAL');
  });

  it('POST /v1/customers/{tenant}/statements/{period}/close: admin keys of the tenant only; once', async () => {
    const service = new StatementService({ store: { statements: memoryStatements(usageRows), priceBooks: books(null) }, clock: () => Date.UTC(2026, 11, 3) });
    const app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), openAccess: false, bodyLimitBytes: 1024 * 1024,
      keyring: new ApiKeyring([{ id: 'acme', key: 'acme-admin-key-0123456789abcdef', tenant: 'acme', role: 'admin' }, { id: 'acme-read', key: 'acme-read-key-0123456789abcdef', tenant: 'acme', role: 'read' }]),
      services: { statements: service },
    });
    try {
      const post = (url: string, key: string) => app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}` } });
      expect((await post('/v1/customers/acme/statements/2026-11/close', 'acme-read-key-0123456789abcdef')).statusCode).toBe(403);
      expect((await post('/v1/customers/globex/statements/2026-11/close', 'acme-admin-key-0123456789abcdef')).statusCode).toBe(403);
      const ok = await post('/v1/customers/acme/statements/2026-11/close', 'acme-admin-key-0123456789abcdef');
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ status: 'closed', totals: { usage: '0.01' } });
      expect((await post('/v1/customers/acme/statements/2026-11/close', 'acme-admin-key-0123456789abcdef')).statusCode).toBe(409);
      expect((await post('/v1/customers/acme/statements/2026-12/close', 'acme-admin-key-0123456789abcdef')).statusCode).toBe(400);
      const got = await app.inject({ method: 'GET', url: '/v1/customers/acme/statement?period=2026-11', headers: { authorization: 'Bearer acme-read-key-0123456789abcdef' } });
      expect(got.json()).toEqual(ok.json());
    } finally {
      await app.close();
    }
  });
});
