/**
 * Wallets from the store (issue 16 item 2): grants (migration 0016) burned by
 * the billed `price_total` of stored events, on chDB and through the
 * ClickHouse adapter. Every balance, ledger line and credit applied below is
 * worked out by hand in the comments from the events' prices — including a
 * grant that starts mid-day (the day's usage is split at it), a cancelled
 * event (burns nothing), another tenant's and another user's events (burn
 * only their own wallets), an expiry and a void.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseUsd } from '../../../src/core/money.js';
import { Wallets } from '../../../src/billing/wallet.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { cancellationOf } from '../../../src/store/event-row.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { describeClickHouseAdapter, type OpenClickHouseStore } from '../../support/clickhouse-adapter.js';
import { insertRows, pricedRow } from '../../support/price-rows.js';
import { pricedEvent } from '../../support/store-fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-wallets-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const DAY = 86_400_000;
const T0 = Date.parse('2026-10-01T00:00:00Z');
const at = (days: number, hours = 0): number => T0 + days * DAY + hours * 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const usd = parseUsd;
const NOW = at(40);

async function seed(store: AnalyticsStore): Promise<void> {
  const ev = (id: string, tenant: string, user: string, ms: number, price: string) =>
    pricedRow(pricedEvent({ eventId: id, tenant, userId: user, occurredAt: iso(ms), source: null, costs: { input: usd('0.5') } }), { prices: { input: usd(price) } });
  await insertRows(store.sql, [
    ev('e1', 'acme', 'bob', at(1, 12), '4'),
    ev('e2a', 'acme', 'amy', at(2, 1), '1'), // before grant B starts (02:00 on day 2)
    ev('e2', 'acme', 'amy', at(2, 6), '6'),
    ev('e3', 'acme', 'amy', at(3, 6), '100'), // cancelled below
    ev('e4', 'acme', 'amy', at(12, 0), '2'), // after A expired
    ev('x1', 'other', 'bob', at(1, 12), '50'), // another tenant
  ]);
  const e3 = await store.events.byId({ tenant: 'acme', eventId: 'e3' });
  await store.events.insertRows([cancellationOf(e3 as NonNullable<typeof e3>)]);
}

function walletSuite(open: (database: string) => Promise<AnalyticsStore>, database: string): void {
  let store: AnalyticsStore;
  let wallets: Wallets;
  const acme = { tenant: 'acme', user: '' };
  const bob = { tenant: 'acme', user: 'bob' };

  it('grants are stored append-only; the balance is live grants − billed usage, burned by priority then expiry', async () => {
    store = await open(database);
    await migrate(store);
    await seed(store);
    wallets = new Wallets(store.wallets, { clock: () => NOW });
    await wallets.grants.add(acme, { id: 'A', amount: '10', effective_from: iso(T0), expires_at: iso(at(10)), note: 'bought' });
    await wallets.grants.add(acme, { id: 'B', amount: '5', priority: 1, effective_from: iso(at(2, 2)), source: 'promotion' });
    await wallets.grants.add(bob, { id: 'C', amount: '3', effective_from: iso(T0) });
    await wallets.grants.add(acme, { id: 'D', amount: '7', effective_from: iso(at(50)) }); // not yet effective

    // acme (every user): e1 4 → A (6 left); e2a 1 → A (5; B not started); e2 6 → B 5 (priority 1), A 1 (4);
    // e3 cancelled: 0; A expires on day 10 with 4; e4 2 → uncovered. Balance 0; D pending.
    const s = await wallets.state(acme);
    expect(s.balance).toBe(0n);
    expect(s.granted).toBe(usd('5')); // B live (spent); A expired; D pending
    const byId = Object.fromEntries(s.grants.map((g) => [g.grant.id, [g.status, g.remaining, g.burned, g.lost]]));
    expect(byId).toEqual({
      A: ['expired', 0n, usd('6'), usd('4')],
      B: ['spent', 0n, usd('5'), 0n],
      D: ['pending', usd('7'), 0n, 0n],
    });
    // bob's own wallet: only e1 (4) → C 3, 1 uncovered.
    const b = await wallets.state(bob);
    expect([b.balance, b.grants[0]?.status, b.grants[0]?.burned]).toEqual([0n, 'spent', usd('3')]);
  });

  it('the ledger: every grant, burn (per day, split where a grant starts) and expiry with the running balance', async () => {
    const l = await wallets.ledger(acme, { from: T0, to: at(40) });
    const lines = l.steps.map((s) =>
      s.kind === 'burn' ? ['burn', iso(s.from), s.usage, s.burned.map((x) => `${x.grantId}:${x.amount}`).join(' '), s.uncovered, s.balance] : [s.kind, iso(s.at), s.grant.id, s.balance],
    );
    const u = (t: string) => usd(t);
    expect(lines).toEqual([
      ['grant', iso(T0), 'A', u('10')],
      ['burn', iso(at(1)), u('4'), `A:${u('4')}`, 0n, u('6')],
      ['burn', iso(at(2)), u('1'), `A:${u('1')}`, 0n, u('5')],
      ['grant', iso(at(2, 2)), 'B', u('10')],
      ['burn', iso(at(2, 2)), u('6'), `B:${u('5')} A:${u('1')}`, 0n, u('4')],
      ['expired', iso(at(10)), 'A', 0n],
      ['burn', iso(at(12)), u('2'), '', u('2'), 0n],
    ]);
    expect([l.opening, l.closing]).toEqual([0n, 0n]);
    const later = await wallets.ledger(acme, { from: at(3) });
    expect([later.opening, later.steps.length]).toEqual([u('4'), 2]);
  });

  it('CreditsReader.applied: per grant burned by usage in the range, in burn order, with what is left at its end', async () => {
    expect(await wallets.applied(acme, T0, at(31))).toEqual([
      { grant_id: 'B', source: 'promotion', amount: usd('5'), remaining: 0n, expires_at: null },
      { grant_id: 'A', source: 'purchase', amount: usd('6'), remaining: 0n, expires_at: iso(at(10)) },
    ]);
    // Day 1 only: A burned 4, 6 left at its end.
    expect(await wallets.applied(acme, at(1), at(2))).toEqual([{ grant_id: 'A', source: 'purchase', amount: usd('4'), remaining: usd('6'), expires_at: iso(at(10)) }]);
    expect(await wallets.applied({ tenant: 'nobody', user: '' }, T0, at(31))).toEqual([]);
  });

  it('a void ends a grant from then on; a new grant after it is burned only by later usage; ids are unique', async () => {
    const w = new Wallets(store.wallets, { clock: () => at(13) });
    await w.grants.add(acme, { id: 'E', amount: '1.5', effective_from: iso(at(12, 12)) }); // after e4: nothing to burn
    await w.grants.void(acme, 'E', 'refunded');
    const s = await new Wallets(store.wallets, { clock: () => NOW }).state(acme);
    expect(s.grants.find((g) => g.grant.id === 'E')).toMatchObject({ status: 'voided', burned: 0n, lost: usd('1.5') });
    await expect(w.grants.add(acme, { id: 'E', amount: '1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await w.grants.add(acme, { id: 'E', amount: '1.5', effective_from: iso(at(12, 12)) })).toMatchObject({ created: false, grant: { id: 'E' } });
    // Two writers racing with one id: both rows stored, the first is the grant.
    await store.wallets.write([{ ...(await store.wallets.rows('acme', ''))[0]!, seq: '1', grant_id: 'R', amount: usd('1'), note: 'first' }]);
    await store.wallets.write([{ ...(await store.wallets.rows('acme', ''))[0]!, seq: '2', grant_id: 'R', amount: usd('9'), note: 'second' }]);
    expect((await w.grants.list(acme)).filter((g) => g.id === 'R').map((g) => g.note)).toEqual(['first']);
    await expect(w.grants.void(acme, 'E')).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(w.grants.void(acme, 'nope')).rejects.toMatchObject({ code: 'WALLET_GRANT_NOT_FOUND' });
    const rows = await store.wallets.rows('acme', '');
    expect(rows.map((r) => [r.grant_id, r.kind])).toEqual([['R', 'grant'], ['R', 'grant'], ['A', 'grant'], ['B', 'grant'], ['D', 'grant'], ['E', 'grant'], ['E', 'void']]);
    expect(await store.wallets.customers()).toEqual([{ tenant: 'acme', user: '' }, { tenant: 'acme', user: 'bob' }]);
    // The keeper's poll: only the customers with a row written after the marker it saw.
    const seen = await store.wallets.maxSeq();
    expect(await store.wallets.customers(seen)).toEqual([]);
    await new Wallets(store.wallets, { clock: () => NOW }).grants.add({ tenant: 'acme', user: 'bob' }, { id: 'later', amount: '1' });
    expect(await store.wallets.customers(seen)).toEqual([{ tenant: 'acme', user: 'bob' }]);
    expect(BigInt(await store.wallets.maxSeq())).toBeGreaterThan(BigInt(seen));
    // A row below the highest seq (a writer whose clock is behind) still moves the marker, by its row count.
    const before = await store.wallets.marker();
    const [bob] = await store.wallets.rows('acme', 'bob');
    await store.wallets.write([{ ...(bob as NonNullable<typeof bob>), seq: '5', grant_id: 'slow-clock' }]);
    const after = await store.wallets.marker();
    expect(after).toEqual({ maxSeq: before.maxSeq, rows: String(Number(before.rows) + 1) });
    await store.close();
  });
}

describe('wallets from the store: chDB', () => {
  walletSuite((database) => createChdbStore({ dataDir, database }), 'wallets_chdb');
});

describeClickHouseAdapter('wallets from the store', dataDir, (open: OpenClickHouseStore) => {
  walletSuite(open, 'wallets_ch');
});
