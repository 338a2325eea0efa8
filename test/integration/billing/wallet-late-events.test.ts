/**
 * A wallet and an event of last month that arrives late (issue 16 item 2):
 * in flight at the month's turn, a lagging consumer, a replay.
 *
 * The event burns the balance (the burn is by occurred_at, and the grant was
 * live then). When a wallet's budget counted a MONTHLY counter, the late event
 * counted in last month's counter, this month's did not move and its limit
 * was not computed again: the customer could reserve (and spend) what it no
 * longer had, below zero. A wallet's budget now counts a LIFETIME counter
 * (budgets/periods.ts), which every occurred_at reaches, so the late event
 * takes its room as it burns the balance (billing/wallet-limit.ts).
 *
 * Here: 10 USD granted 40 days ago; a late event of last month billed 5.625
 * (balance 4.375); a reservation of 9 USD billed is refused, one of 4.375 is
 * granted, and one more femto-dollar is refused.
 */
import { describe, expect, it } from 'vitest';
import { embeddedSuite } from '../../support/embedded.js';

const DAY = 86_400_000;

describe('a wallet and late events of last month, in `tally start`', () => {
  const { call, instance } = embeddedSuite('tally-wallet-late-');

  it('refuses a reservation the balance left after a late event of last month cannot pay for', { timeout: 120_000 }, async () => {
    const now = new Date();
    const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 3_600_000).toISOString();
    expect((await call('PUT', '/v1/customers/acme/price-book', { rules: [{ kind: 'markup', percent: '25', effective_from: '2020-01-01T00:00:00Z' }] })).status).toBe(200);
    expect((await call('POST', '/v1/customers/acme/wallet/grants', { id: 'g1', amount: '10', effective_from: new Date(Date.now() - 40 * DAY).toISOString() })).status).toBe(201);
    // The keeper computes the limit once now, so the late event comes after it (nothing computes it again: no grant is written).
    await instance().budgets.wallets?.syncAll();
    // 10M prompt + 5M completion tokens of gpt-4o-mini: cost 1.5 + 3 = 4.5 USD, billed 5.625.
    const late = { event_id: 'late', tenant: 'acme', provider: 'openai', model: 'gpt-4o-mini', occurred_at: lastMonth, usage: { prompt_tokens: 10_000_000, completion_tokens: 5_000_000 } };
    expect((await call('POST', '/v1/events', [late])).status).toBe(202);
    expect((await call('GET', '/v1/customers/acme/wallet')).json.balance).toBe('4.375');
    // Billed 9 USD (cost 7.2 × 1.25): more than the 4.375 left.
    const r = await call('POST', '/v1/quota/reserve', { subject: { tenant: 'acme' }, estimate: { cost: '7.2' } });
    expect(r.status, JSON.stringify(r.json.budgets)).toBe(429);
    // No wait helps a wallet: no Retry-After.
    expect(r.json.retry_after_seconds).toBeNull();
    // Exactly what is left fits (billed 4.375 = cost 3.5 × 1.25); a femto-dollar more does not.
    const fits = await call('POST', '/v1/quota/reserve', { subject: { tenant: 'acme' }, estimate: { cost: '3.5' } });
    expect(fits.status, JSON.stringify(fits.json)).toBe(200);
    const over = await call('POST', '/v1/quota/check', { subject: { tenant: 'acme' }, estimate: { cost: '0.000000000000001' } });
    expect(over.status).toBe(429);
  });
});
