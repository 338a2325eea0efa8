/**
 * Wallets end to end in `tally start` (HTTP → direct log → processor →
 * chDB): a customer with a price book (25 % markup) and two grants (the
 * higher priority one expiring) sends events, one of them twice; the wallet's
 * balance, each grant's burn and the ledger equal an independent computation
 * from the `price_total` of the rows stored (the duplicate counted once), to
 * the femto-dollar. One embedded process, a few seconds.
 */
import { describe, expect, it } from 'vitest';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { embeddedSuite } from '../../support/embedded.js';
import { waitFor } from '../stream/harness.js';

const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();

function event(user: string, id: string, atMs: number, input: number): Record<string, unknown> {
  return { event_id: id, tenant: 'acme', user_id: user, provider: 'openai', model: 'gpt-4o-mini', occurred_at: iso(atMs), usage: { prompt_tokens: input, completion_tokens: 50_000 } };
}

describe('wallets in `tally start`: the balance follows the processor\'s billed prices exactly', () => {
  const { call, instance } = embeddedSuite('tally-wallet-e2e-');

  it('burns the priority grant first, then the other; the ledger\'s running balance ends at the balance', { timeout: 120_000 }, async () => {
    expect((await call('PUT', '/v1/customers/acme/price-book', { rules: [{ kind: 'markup', percent: '25', effective_from: iso(NOW - 1000 * HOUR) }] })).status).toBe(200);
    // "promo": small, priority 1, expires in an hour; "bought": large, from 5 hours ago.
    expect((await call('POST', '/v1/customers/acme/wallet/grants', { id: 'promo', amount: '0.01', priority: 1, effective_from: iso(NOW - 5 * HOUR), expires_at: iso(NOW + HOUR), source: 'promotion' })).status).toBe(201);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', { id: 'bought', amount: '5', effective_from: iso(NOW - 5 * HOUR) })).status).toBe(201);

    const events = [event('u1', 'w1', NOW - 4 * HOUR, 120_000), event('u2', 'w2', NOW - 3 * HOUR, 340_000), event('u1', 'w3', NOW - 2 * HOUR, 56_000)];
    for (const batch of [events, [events[1]]]) {
      const res = await fetch(`${instance().url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
      expect(res.status).toBe(202);
    }
    const stored = async (): Promise<Map<string, bigint>> => {
      const rows = await instance().store.sql.query<{ event_id: string; price: string }>({
        sql: 'SELECT event_id, toString(price_total) AS price FROM usage_events FINAL WHERE tenant = {tenant:String} AND sign = 1',
        params: { tenant: 'acme' },
      });
      return new Map(rows.map((r) => [r.event_id, parseUsd(r.price)]));
    };
    await waitFor('the three events stored', async () => (await stored()).size === 3);
    // Let the duplicate's batch be processed too (it is dropped as a duplicate: still three rows).
    await new Promise((r) => setTimeout(r, 500));
    const prices = await stored();
    expect(prices.size).toBe(3);
    const usage = [...prices.values()].reduce((a, b) => a + b, 0n);
    expect(usage > parseUsd('0.01')).toBe(true);

    // Independent: promo (priority 1) pays the first 0.01 USD, bought the rest.
    const promoBurn = parseUsd('0.01');
    const boughtBurn = usage - promoBurn;
    const w = (await call('GET', '/v1/customers/acme/wallet')).json;
    expect(w.balance).toBe(formatUsd(parseUsd('5') - boughtBurn));
    expect(w.granted).toBe('5.01');
    const grants = Object.fromEntries((w.grants as Record<string, unknown>[]).map((g) => [g.id, [g.status, g.burned, g.remaining]]));
    expect(grants).toEqual({ promo: ['spent', '0.01', '0'], bought: ['live', formatUsd(boughtBurn), formatUsd(parseUsd('5') - boughtBurn)] });

    const l = (await call('GET', '/v1/customers/acme/wallet/ledger')).json;
    const lines = l.lines as Record<string, unknown>[];
    expect(lines.filter((x) => x.kind === 'grant').map((x) => x.grant_id)).toEqual(['promo', 'bought']);
    const burned = lines.filter((x) => x.kind === 'burn').reduce((a, x) => a + parseUsd(String(x.burned)), 0n);
    expect(burned).toBe(usage);
    expect(lines.at(-1)?.balance).toBe(w.balance);
    expect(l.closing_balance).toBe(w.balance);
  });
});
