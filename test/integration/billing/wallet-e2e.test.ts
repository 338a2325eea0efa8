/**
 * Issue 16, item 2, end to end through `tally start` and HTTP only: a wallet
 * refuses what its balance cannot pay for, holds the BILLED price of a call
 * (the customer's price book applied to an estimate that names no price), and
 * sends each low-balance alert once — to a signed webhook — until a top-up
 * arms it again. A customer without a grant is never refused by wallets.
 *
 * Money here is computed independently from docs/billing.md (a 25 % markup
 * per class, half to even) and the catalog's gpt-4o-mini prices (0.15 / 0.60
 * USD per million), which the stored events' costs confirm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { createProcessContext } from '../../../src/runtime/context.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';
import { waitFor } from '../stream/harness.js';

const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();
const ADMIN = 'wallet-e2e-admin-key-0123456789';
const ACME_READ = 'wallet-e2e-acme-read-key-0123456789';
const SECRET = 'whsec_wallet_e2e_0123456789abcdef';

// ── The independent computation ──

/** num / den rounded half to even (num ≥ 0). */
function halfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = (num % den) * 2n;
  return twice > den || (twice === den && q % 2n === 1n) ? q + 1n : q;
}
/** A 25 % markup of one class's cost. */
const markup25 = (cost: bigint): bigint => halfEven(cost * 125n, 100n);
/** gpt-4o-mini, USD per million → femto-USD per token. */
const INPUT = parseUsd('0.15') / 1_000_000n;
const OUTPUT = parseUsd('0.6') / 1_000_000n;

/** Every call here: 100,000 prompt tokens, 50,000 completion tokens. */
const PROMPT = 100_000;
const COMPLETION = 50_000;
const CALL_COST = BigInt(PROMPT) * INPUT + BigInt(COMPLETION) * OUTPUT;
const CALL_PRICE = markup25(BigInt(PROMPT) * INPUT) + markup25(BigInt(COMPLETION) * OUTPUT);

/** Occurred now: after every grant written before it was sent (a grant pays only for usage from its effective_from on). */
function event(tenant: string, id: string): Record<string, unknown> {
  return { event_id: id, tenant, user_id: 'u1', provider: 'openai', model: 'gpt-4o-mini', occurred_at: iso(Date.now()), usage: { prompt_tokens: PROMPT, completion_tokens: COMPLETION } };
}

// ── A budget webhook receiver ──

interface Delivery {
  readonly headers: IncomingMessage['headers'];
  readonly raw: string;
  readonly body: Record<string, unknown>;
}

/** The signature check docs/budgets.md describes: HMAC-SHA256 over "<timestamp>.<raw body>", hex, constant time, 5 minutes. */
function signed(d: Delivery): boolean {
  const ts = String(d.headers['x-tally-timestamp'] ?? '');
  const given = Buffer.from(String(d.headers['x-tally-signature'] ?? ''));
  const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(`${ts}.${d.raw}`).digest('hex')}`);
  return Math.abs(Date.now() / 1000 - Number(ts)) <= 300 && given.length === expected.length && timingSafeEqual(given, expected);
}

function receiver(deliveries: Delivery[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
      res.statusCode = 204;
      res.end();
    });
  });
}

type Json = Record<string, unknown>;
interface Answer {
  readonly status: number;
  readonly json: Json;
}

describe('wallets enforced in `tally start`, over HTTP only', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-wallet-enf-'));
  const deliveries: Delivery[] = [];
  const hook = receiver(deliveries);
  let e: Embedded;

  const call = async (method: string, path: string, body?: unknown, key: string = ADMIN): Promise<Answer> => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(`${e.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, json: (await res.json()) as Json };
  };
  const send = async (tenant: string, ids: readonly string[]): Promise<void> => {
    for (const id of ids) expect((await call('POST', '/v1/events', [event(tenant, id)])).status).toBe(202);
  };
  const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  /** The wallet budget's status in a quota answer. */
  const walletStatus = (a: Answer, budgetId: string): Json | undefined => (a.json.budgets as Json[]).find((s) => s.budget_id === budgetId);
  const lowBalance = (): Delivery[] => deliveries.filter((d) => d.body.type === 'budget.remaining_below');

  beforeAll(async () => {
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/tally`;
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        api: { host: '127.0.0.1', port: 0, keys: [{ id: 'admin', key: ADMIN, tenant: '*', role: 'admin' }, { id: 'acme', key: ACME_READ, tenant: 'acme', role: 'read' }] },
        budgets: { webhooks: [{ url, secret: SECRET }] },
      },
    });
    e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) }));
  }, 120_000);
  afterAll(async () => {
    await e?.close();
    await new Promise<void>((resolve) => hook.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds the billed price, refuses past the balance, alerts once per amount and again after a top-up; no grant, no refusal', { timeout: 120_000 }, async () => {
    const book = { description: 'cost + 25 %', rules: [{ kind: 'markup', percent: '25', effective_from: iso(NOW - 1000 * HOUR) }] };
    for (const tenant of ['acme', 'globex']) expect((await call('PUT', `/v1/customers/${tenant}/price-book`, book)).status).toBe(200);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', { id: 'g1', amount: '1', effective_from: iso(NOW - HOUR) })).status).toBe(201);
    const alerts = await call('PUT', '/v1/customers/acme/wallet/alerts', { below: ['0.5', '0.2'] });
    expect(alerts.status, JSON.stringify(alerts.json)).toBe(200);
    const budgetId = String(alerts.json.budget_id);
    expect(alerts.json).toEqual({ budget_id: budgetId, enforcement: 'hard', limit: '1', period: 'lifetime', alert_below: ['0.5', '0.2'] });

    // ── Reservations without a price hold what the book bills (acme's own read key, HTTP only) ──
    const estimates: readonly [Json, bigint][] = [
      [{ model: 'gpt-4o-mini', input_tokens: PROMPT, max_tokens: COMPLETION }, CALL_PRICE],
      [{ cost: '0.0123' }, markup25(parseUsd('0.0123'))],
      // 6 femto-USD × 1.25 = 7.5 → 8; 2 × 1.25 = 2.5 → 2 (half to even, once).
      [{ cost: '0.000000000000006' }, 8n],
      [{ cost: '0.000000000000002' }, 2n],
    ];
    for (const [estimate, price] of estimates) {
      const r = await call('POST', '/v1/quota/reserve', { estimate }, ACME_READ);
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(walletStatus(r, budgetId), JSON.stringify(estimate)).toMatchObject({ metric: 'price', limit: '1', used: '0', reserved: formatUsd(price) });
      expect((await call('POST', '/v1/quota/settle', { reservation_id: r.json.reservation_id }, ACME_READ)).json.status).toBe('released');
    }
    expect(CALL_PRICE).toBe(parseUsd('0.05625'));

    // ── Events burn the wallet: 1 − 17 × 0.05625 = 0.04375 left, less than one call ──
    await send('acme', ids('a', 17));
    const records = await call('GET', `/v1/usage/records?tenant=acme&from=${encodeURIComponent(iso(NOW - 2 * HOUR))}&limit=5`);
    const rows = records.json.records as Json[];
    expect(rows.length).toBeGreaterThan(0);
    // The catalog prices assumed here are the processor's; the price is the book's.
    for (const row of rows) expect([row.cost_total, row.price], JSON.stringify(row)).toEqual([formatUsd(CALL_COST), formatUsd(CALL_PRICE)]);
    const balance = parseUsd('1') - 17n * CALL_PRICE;
    const wallet = await call('GET', '/v1/customers/acme/wallet', undefined, ACME_READ);
    expect(wallet.json).toMatchObject({ balance: formatUsd(balance), granted: '1', enforcement: { budget_id: budgetId, enforcement: 'hard', limit: '1', period: 'lifetime', alert_below: ['0.5', '0.2'] } });
    expect(parseUsd(String(wallet.json.balance)) >= 0n).toBe(true);

    const refused = await call('POST', '/v1/quota/reserve', { estimate: estimates[0]?.[0] }, ACME_READ);
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ granted: false, exceeded: [budgetId], blocking: [{ budget_id: budgetId }], error: { code: 'QUOTA_EXCEEDED' } });
    expect(walletStatus(refused, budgetId)).toMatchObject({ used: formatUsd(17n * CALL_PRICE), reserved: '0', remaining: formatUsd(balance) });
    // What is left still pays for a smaller call.
    expect((await call('POST', '/v1/quota/check', { estimate: { cost: '0.035' } }, ACME_READ)).status).toBe(200);

    // ── One alert per amount, signed ──
    await waitFor('the two low-balance webhooks', async () => lowBalance().length >= 2);
    const first = lowBalance();
    expect(first.every(signed)).toBe(true);
    expect(first.map((d) => [d.body.below, d.body.remaining, d.body.budget_id, (d.body.metadata as Json)['tally.wallet.tenant']])).toEqual([
      ['0.5', formatUsd(parseUsd('1') - 9n * CALL_PRICE), budgetId, 'acme'],
      ['0.2', formatUsd(parseUsd('1') - 15n * CALL_PRICE), budgetId, 'acme'],
    ]);
    // The alerts the processor recorded (before each 202): the same two, once each.
    const recorded = await call('GET', `/v1/budgets/${budgetId}/alerts`);
    expect((recorded.json.alerts as Json[]).map((a) => a.alert_id).sort()).toEqual(first.map((d) => d.headers['x-tally-delivery']).sort());

    // ── A top-up: room again, and the amounts are armed again ──
    expect((await call('POST', '/v1/customers/acme/wallet/grants', { id: 'g2', amount: '1' })).status).toBe(201);
    expect((await call('POST', '/v1/quota/check', { estimate: estimates[0]?.[0] }, ACME_READ)).status).toBe(200);
    // 0.04375 + 1 = 1.04375; ten calls later 0.48125: below 0.5 again.
    await send('acme', ids('b', 10));
    await waitFor('the third low-balance webhook', async () => lowBalance().length >= 3);
    const again = lowBalance()[2] as Delivery;
    expect(signed(again)).toBe(true);
    expect(again.body).toMatchObject({ below: '0.5', limit: '2', remaining: formatUsd(parseUsd('1.04375') - 10n * CALL_PRICE) });
    expect(again.headers['x-tally-delivery']).not.toBe(first[0]?.headers['x-tally-delivery']);
    expect((await call('GET', `/v1/budgets/${budgetId}/alerts`)).json.alerts).toHaveLength(3);

    // ── No grant, no wallet: globex is billed by its book and never refused ──
    await send('globex', ids('g', 20));
    const big = await call('POST', '/v1/quota/reserve', { subject: { tenant: 'globex' }, estimate: { cost: '1000' } });
    expect(big.status, JSON.stringify(big.json)).toBe(200);
    expect((big.json.budgets as Json[]).filter((s) => String(s.budget_id).startsWith('wallet-'))).toEqual([]);
    expect((await call('GET', '/v1/customers/globex/wallet')).json).toMatchObject({ balance: '0', grants: [], enforcement: null });

    // Still exactly three low-balance deliveries, all for acme's wallet.
    expect(lowBalance().map((d) => d.body.budget_id)).toEqual([budgetId, budgetId, budgetId]);
  });
});
