/**
 * Issue 16 item 3: a statement's usage equals the analytics `price` of the
 * same customer and month exactly — on data with duplicates (a retried
 * insert, an overlapping batch, a copy past the insert-path dedupe), a
 * price-book reprice of part of the month and late events — and every line
 * item equals an independent sum of the events' prices by model and class.
 * On chDB and on the ClickHouse adapter (HTTP stand-in), like the store suite.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAnalyticsService } from '../../../src/analytics/service.js';
import { fullSummary } from '../../../src/analytics/results/summary.js';
import { PriceBookRepository } from '../../../src/billing/repository.js';
import { createStatementService, StatementService } from '../../../src/billing/statement-service.js';
import { Wallets } from '../../../src/billing/wallet.js';
import type { ExportLine } from '../../../src/billing/export.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../../src/billing/export-format.js';
import { runExport, type ExportSummary } from '../../../src/billing/export-service.js';
import { runExportCommand } from '../../../src/cli/commands/export.js';
import { COST_CLASSES } from '../../../src/core/classes.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { acceptInput, priceAccepted } from '../../../src/pipeline/price-event.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createModelFamilies } from '../../../src/pricing/families.js';
import { createPricer, loadCatalog, parsePriceText, type Pricer } from '../../../src/pricing/index.js';
import { parsePriceBook, type PriceBookInput } from '../../../src/pricing/price-book-schema.js';
import { PriceBookSet } from '../../../src/pricing/price-books.js';
import { reprice } from '../../../src/reprice/service.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { toEventRow } from '../../../src/store/event-row.js';
import { dedupeAndInsert, insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { describeClickHouseAdapter } from '../../support/clickhouse-adapter.js';
import { priceColumns } from '../../support/price-rows.js';
import { rejection } from '../../support/rejection.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-statements-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const DAY = 86_400_000;
const NOV = Date.UTC(2026, 10, 1);
const DEC = Date.UTC(2026, 11, 1);
const FROM = '2026-01-01T00:00:00Z';

const pricer: Pricer = createPricer(
  loadCatalog({
    builtins: true,
    sources: [
      parsePriceText(
        JSON.stringify({
          format: 'tally.prices.v1',
          models: [
            { key: 'openai/house-model', prices: [{ effective_from: '2024-01-01', source: 'test', per_million: { input: '1', output: '3' } }] },
            { key: 'openai/house-mini', prices: [{ effective_from: '2024-01-01', source: 'test', per_million: { input: '0.1', output: '0.4' } }] },
          ],
        }),
        'p.json',
      ),
    ],
  }),
);
const families = createModelFamilies(pricer.catalog, pricer.resolver);

/** acme: +20 % markup (a third: +12.5 % → half-even rounding), house-mini at a contract price, a fee; 1,000 free input tokens a day. */
const BOOK_V1: PriceBookInput = {
  rules: [
    { kind: 'markup', percent: '12.5', effective_from: FROM },
    { kind: 'contract', effective_from: FROM, match: { model: 'house-mini' }, per_million: { input: '0.30', output: '1.20' } },
    { kind: 'request_fee', amount: '0.0001', effective_from: FROM },
  ],
  allowances: [{ period: 'day', tokens: 1000, classes: ['input'], effective_from: FROM }],
};
/** The reprice's book: +50 %. */
const BOOK_V2: PriceBookInput = { ...BOOK_V1, rules: [{ kind: 'markup', percent: '50', effective_from: FROM }, ...(BOOK_V1.rules ?? []).slice(1)] };

const set = (book: PriceBookInput, version: string): PriceBookSet =>
  new PriceBookSet([{ tenant: 'acme', user: '', version, book: parsePriceBook(book) }, { tenant: 'other', user: '', version, book: parsePriceBook(book) }], version, { families });

function priced(books: PriceBookSet, tenant: string, id: string, user: string, model: string, occurredAt: number, input: number, output: number): PricedEvent {
  const accepted = acceptInput(
    { event_id: id, tenant, user_id: user, provider: 'openai', model, occurred_at: new Date(occurredAt).toISOString(), usage: { prompt_tokens: input, completion_tokens: output } },
    { receivedAt: new Date() },
  );
  if (!accepted.ok) throw new Error(accepted.rejection.message);
  const p = priceAccepted(pricer, accepted.event, accepted.usage, null);
  const price = books.price(tenant, user, { occurredAtMs: occurredAt, provider: 'openai', model, modelKey: p.pricing.model_key, usage: p.usage, cost: p.pricing.cost, costTotal: p.pricing.total, costSource: p.pricing.cost_source, priced: p.pricing.priced });
  return { ...p, price };
}

/** Independent: Σ of the events' stored price per model and class (from the PricedEvents, not the store). */
function expectedLines(events: readonly PricedEvent[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const e of events) {
    for (const c of COST_CLASSES) {
      const v = e.price?.price[c] ?? 0n;
      const key = `${e.pricing.model_key ?? e.event.model}|${c}`;
      if (v !== 0n || out.has(key)) out.set(key, (out.get(key) ?? 0n) + v);
    }
  }
  return out;
}

function halfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r2 = (a % b) * 2n;
  return r2 > b || (r2 === b && q % 2n === 1n) ? q + 1n : q;
}

function statementSuite(open: (database: string) => Promise<AnalyticsStore>, serverEnv?: () => Record<string, string>): void {
  let store: AnalyticsStore;
  let database = '';
  let current: PricedEvent[] = [];
  const v1 = set(BOOK_V1, '1');
  const v2 = set(BOOK_V2, '2');

  beforeAll(async () => {
    database = `statements_${Math.random().toString(36).slice(2, 8)}`;
    store = await open(database);
    await migrate(store);
    await new PriceBookRepository(store.priceBooks, { clock: () => Date.UTC(2026, 0, 1) }).put('acme', '', BOOK_V1);
    // A month of events: two users, two models, a few a day; one on each side of the month, another tenant.
    const events: PricedEvent[] = [];
    for (let d = 0; d < 30; d++) {
      for (let k = 0; k < 3; k++) {
        const model = k === 2 ? 'house-mini' : 'house-model';
        events.push(priced(v1, 'acme', `e-${d}-${k}`, k === 1 ? 'u2' : 'u1', model, NOV + d * DAY + k * 3_600_000 + 17, 300 + 37 * d + k, 11 * d + 7 * k + 1));
      }
    }
    const outside = [priced(v1, 'acme', 'oct', 'u1', 'house-model', NOV - 1, 5000, 5000), priced(v1, 'acme', 'dec', 'u1', 'house-model', DEC, 5000, 5000), priced(v1, 'other', 'o-1', 'u1', 'house-model', NOV + DAY, 5000, 5000)];
    await insertPricedEvents(store, [...events, ...outside]);
    // Duplicates: a retried insert, and a batch overlapping stored events (dropped by the lookup).
    await insertPricedEvents(store, [...events, ...outside]);
    const overlap = await dedupeAndInsert(store, events.filter((_, i) => i % 4 === 0));
    expect(overlap.inserted).toBe(0);
    // A reprice with the books of now (+50 %) over 10–13 November.
    const run = await reprice(store, pricer, { from: new Date(NOV + 9 * DAY), to: new Date(NOV + 13 * DAY), tenant: 'acme', costs: false, priceBooks: v2 });
    expect(run.changed).toBe(12);
    current = events.map((e) => {
      const at = Date.parse(e.event.occurred_at);
      return at >= NOV + 9 * DAY && at < NOV + 13 * DAY ? priced(v2, 'acme', e.event.event_id, e.event.user_id ?? '', e.event.model, at, e.usage.tokens.input, e.usage.tokens.output) : e;
    });
    // Late events: occurred early in the month, processed after the reprice.
    const late = [priced(v1, 'acme', 'late-1', 'u1', 'house-model', NOV + 2 * DAY + 5, 2000, 100), priced(v1, 'acme', 'late-2', 'u2', 'house-mini', NOV + 29 * DAY + 5, 900, 90)];
    await dedupeAndInsert(store, late);
    current.push(...late);
  });
  afterAll(async () => {
    await store.close();
  });

  it('usage equals the analytics price of the tenant and of one user, exactly; line items equal the events\' prices by model and class', async () => {
    const statements = new StatementService({ store, families });
    const analytics = createAnalyticsService(store);
    const range = { from: new Date(NOV).toISOString(), to: new Date(DEC).toISOString() };
    const s = await statements.statement({ tenant: 'acme', user: '' }, '2026-11');
    const summary = await analytics.summary(range, 'acme');
    expect(s.totals.usage).toBe(summary.totals.price);
    expect(s.events).toBe(String(current.length));
    const want = expectedLines(current);
    expect(new Map(s.lines.map((l) => [`${l.model}|${l.class}`, parseUsd(l.amount)]))).toEqual(want);
    expect(parseUsd(s.totals.usage)).toBe([...want.values()].reduce((a, b) => a + b, 0n));
    // Quantities: input tokens of house-model are the events' sum; unit price = amount ÷ quantity (per 1M tokens).
    const line = s.lines.find((l) => l.model === 'openai/house-model' && l.class === 'input');
    const tokens = current.filter((e) => e.event.model === 'house-model').reduce((n, e) => n + BigInt(e.usage.tokens.input), 0n);
    expect(line?.quantity).toBe(String(tokens));
    expect(line?.unit_price).toBe(formatUsd((parseUsd(line?.amount ?? '0') * 1_000_000n * 2n + tokens) / (2n * tokens)));

    const u2 = await statements.statement({ tenant: 'acme', user: 'u2' }, '2026-11');
    const u2summary = await analytics.summary({ ...range, user_id: 'u2' }, 'acme');
    expect(u2.totals.usage).toBe(u2summary.totals.price);
    expect(parseUsd(u2.totals.usage)).toBe([...expectedLines(current.filter((e) => e.event.user_id === 'u2')).values()].reduce((a, b) => a + b, 0n));
    expect(parseUsd(u2.totals.usage)).toBeGreaterThan(0n);

    // Allowance: 1,000 free input tokens a day, per class total of the day (30 days, every day has more).
    // Independently: each day, the day's input tokens of each model in name order until 1,000 are used;
    // a model's share is discounted its amount × tokens taken ÷ its tokens (half to even), all of it when used up.
    let freeTokens = 0n;
    let freeUsd = 0n;
    for (let d = 0; d < 30; d++) {
      let left = 1000n;
      for (const model of ['openai/house-mini', 'openai/house-model']) {
        const day = current.filter((e) => e.pricing.model_key === model && Math.floor((Date.parse(e.event.occurred_at) - NOV) / DAY) === d);
        const q = day.reduce((n, e) => n + BigInt(e.usage.tokens.input), 0n);
        const a = day.reduce((n, e) => n + (e.price?.price.input ?? 0n), 0n);
        const t = left < q ? left : q;
        if (t === 0n) continue;
        left -= t;
        freeTokens += t;
        freeUsd += t === q ? a : halfEven(a * t, q);
      }
    }
    expect(s.allowances.reduce((n, a) => n + BigInt(a.quantity), 0n)).toBe(freeTokens);
    expect(freeTokens).toBe(29_903n); // day 1 has 903 input tokens, every other day more than 1,000
    expect(s.totals.allowances).toBe(formatUsd(freeUsd));
    expect(s.price_book_version).toMatch(/^tenant:\d+$/);
    expect(parseUsd(s.totals.subtotal)).toBe(parseUsd(s.totals.usage) - parseUsd(s.totals.allowances));
  });

  it('a copy past the insert-path dedupe changes no statement: it collapses as the raw analytics answer does', async () => {
    const statements = new StatementService({ store, families });
    const before = await statements.statement({ tenant: 'acme', user: '' }, '2026-11');
    const copies = current.slice(0, 5);
    await store.sql.insert('usage_events', copies.map((p) => ({ ...toEventRow(p, { processedAt: '2030-01-01 00:00:00.000' }), ...priceColumns({ prices: p.price?.price ?? {}, book: p.price?.version ?? '' }) })));
    const after = await statements.statement({ tenant: 'acme', user: '' }, '2026-11');
    expect(after).toEqual(before);
    const raw = await createAnalyticsService(store).summary({ from: new Date(NOV).toISOString(), to: new Date(DEC).toISOString(), source: 'raw' }, 'acme');
    expect(after.totals.usage).toBe(raw.totals.price);
  });

  it('closing November freezes it; a reprice and a late event after the close appear as adjustment lines in December, November reads back unchanged', async () => {
    const grants: unknown[] = [];
    const statements = new StatementService({ store, families, clock: () => Date.UTC(2026, 11, 2), grant: async (g) => void grants.push(g) });
    const customer = { tenant: 'acme', user: '' };
    expect((await rejection(statements.close(customer, '2026-12'))).code).toBe('VALIDATION_FAILED'); // not ended yet
    const open = await statements.statement(customer, '2026-11');
    const nov = await statements.close(customer, '2026-11');
    expect(nov).toMatchObject({ status: 'closed', closed_at: '2026-12-02T00:00:00.000Z', lines: open.lines, totals: open.totals });
    expect(nov.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(grants).toEqual([]); // no wallet credits: nothing to give back
    expect((await rejection(statements.close(customer, '2026-11'))).code).toBe('CONFLICT');
    expect((await statements.statement(customer, '2026-12')).adjustments).toEqual([]);

    // After the close: 20–21 November repriced (+50 %), and a late November event of house-mini.
    const run = await reprice(store, pricer, { from: new Date(NOV + 19 * DAY), to: new Date(NOV + 21 * DAY), tenant: 'acme', costs: false, priceBooks: v2 });
    expect(run.changed).toBe(6);
    const late = priced(v1, 'acme', 'late-3', 'u1', 'house-mini', NOV + 7 * DAY, 4000, 400);
    await dedupeAndInsert(store, [late]);
    const now = [
      ...current.map((e) => {
        const at = Date.parse(e.event.occurred_at);
        return at >= NOV + 19 * DAY && at < NOV + 21 * DAY ? priced(v2, 'acme', e.event.event_id, e.event.user_id ?? '', e.event.model, at, e.usage.tokens.input, e.usage.tokens.output) : e;
      }),
      late,
    ];
    expect(await statements.statement(customer, '2026-11')).toEqual(nov);
    const dec = await statements.statement(customer, '2026-12');
    // Independently: the month's prices now minus before, by model and class.
    const before = expectedLines(current);
    const want = new Map([...expectedLines(now)].map(([k, v]): [string, bigint] => [k, v - (before.get(k) ?? 0n)]).filter(([, v]) => v !== 0n));
    expect(new Map(dec.adjustments.map((a) => [`${a.model}|${a.class}`, parseUsd(a.amount)]))).toEqual(want);
    expect(dec.adjustments.every((a) => a.period === '2026-11')).toBe(true);
    expect(dec.adjustments.find((a) => a.model === 'openai/house-mini' && a.class === 'input')?.quantity).toBe('4000');
    expect(dec.totals.adjustments).toBe(formatUsd([...want.values()].reduce((a, b) => a + b, 0n)));
    expect(parseUsd(dec.totals.subtotal)).toBe(parseUsd(dec.totals.usage) - parseUsd(dec.totals.allowances) + parseUsd(dec.totals.adjustments));
    // The analytics of November moved by exactly the adjustments (raw: the copies of the test before are in the rollups).
    const summary = await createAnalyticsService(store).summary({ from: new Date(NOV).toISOString(), to: new Date(DEC).toISOString(), source: 'raw' }, 'acme');
    expect(parseUsd(fullSummary(summary).totals.price) - parseUsd(nov.totals.usage)).toBe(parseUsd(dec.totals.adjustments));

    // Closing December freezes the adjustments with it; January carries nothing more.
    const decClosed = await new StatementService({ store, families, clock: () => Date.UTC(2027, 0, 2) }).close(customer, '2026-12');
    expect(decClosed.adjustments).toEqual(dec.adjustments);
    expect((await statements.statement(customer, '2027-01')).adjustments).toEqual([]);
  });

  it('exports: two runs give identical files; a reprice of a closed month changes nothing exported for it and shows up as adjustment lines (own keys) of the next closed month', async () => {
    const statements = new StatementService({ store, families });
    const tenants = await store.statements.tenants(NOV, DEC);
    expect(tenants).toEqual(['acme', 'other']);
    const run = async (period: string, format: ExportFormat): Promise<{ text: string; summary: ExportSummary }> => {
      let text = '';
      const summary = await runExport(statements, await store.statements.tenants(Date.parse(`${period}-01T00:00:00Z`), Date.parse(`${period}-01T00:00:00Z`) + 31 * DAY), { period, format, customers: { acme: 'cus_acme', other: 'cus_other' } }, (c) => void (text += c));
      return { text, summary };
    };
    const first = await run('2026-11', 'ndjson');
    expect(first.summary.exported).toEqual(['acme']);
    expect(first.summary.skipped.map((x) => x.tenant)).toEqual(['other']); // its November is open
    for (const format of EXPORT_FORMATS) expect((await run('2026-11', format)).text, format).toBe((await run('2026-11', format)).text);
    expect((await run('2026-11', 'ndjson')).text).toBe(first.text);
    const nov = first.text.trimEnd().split('\n').map((l) => JSON.parse(l) as ExportLine);
    const closedNov = await statements.statement({ tenant: 'acme', user: '' }, '2026-11');
    expect(nov.filter((l) => l.kind === 'usage').map((l) => l.amount)).toEqual(closedNov.lines.map((l) => l.amount));
    expect(first.summary.amounts.total).toBe(formatUsd(parseUsd(closedNov.totals.usage) - parseUsd(closedNov.totals.allowances)));
    expect(new Set(nov.map((l) => l.idempotency_key)).size).toBe(nov.length);

    // Another reprice of November (25–26th): November's export is unchanged; December's (closed) carries corrections.
    await reprice(store, pricer, { from: new Date(NOV + 24 * DAY), to: new Date(NOV + 26 * DAY), tenant: 'acme', costs: false, priceBooks: v2 });
    expect((await run('2026-11', 'ndjson')).text).toBe(first.text);
    const dec = (await run('2026-12', 'ndjson')).text.trimEnd().split('\n').map((l) => JSON.parse(l) as ExportLine);
    const adjustments = dec.filter((l) => l.kind === 'adjustment');
    const closedDec = await statements.statement({ tenant: 'acme', user: '' }, '2026-12');
    expect(adjustments.map((l) => [l.model, l.class, l.amount, l.charge_period])).toEqual(closedDec.adjustments.map((a) => [a.model, a.class, a.amount, '2026-11']));
    const novKeys = new Set(nov.map((l) => l.idempotency_key));
    expect(dec.some((l) => novKeys.has(l.idempotency_key))).toBe(false);
    // The newer reprice is not in December (closed before it): it waits for January's statement.
    const jan = await statements.statement({ tenant: 'acme', user: '' }, '2027-01');
    expect(jan.adjustments.length).toBeGreaterThan(0);
    expect(jan.adjustments.every((a) => a.period === '2026-11')).toBe(true);
  });

  it.runIf(serverEnv !== undefined)('tally export (the command, against the server): FOCUS and Stripe files written twice are identical; --json summary; a missing customer map is refused', async () => {
    const saved = { ...process.env };
    const out = mkdtempSync(join(tmpdir(), 'tally-export-'));
    const printed: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c) => (printed.push(String(c)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      Object.assign(process.env, serverEnv?.(), { CLICKHOUSE_DATABASE: database });
      const map = join(out, 'map.json');
      writeFileSync(map, JSON.stringify({ acme: 'cus_acme' }));
      for (const [format, extra] of [['focus', {}], ['stripe', { customerMap: map }]] as const) {
        await runExportCommand({ period: '2026-11', format, out: join(out, `${format}-1`), ...extra });
        await runExportCommand({ period: '2026-11', format, out: join(out, `${format}-2`), json: true, ...extra });
        expect(readFileSync(join(out, `${format}-1`), 'utf8')).toBe(readFileSync(join(out, `${format}-2`), 'utf8'));
        expect(JSON.parse(printed[printed.length - 1] ?? '')).toMatchObject({ period: '2026-11', exported: ['acme'], skipped: [{ tenant: 'other' }] });
      }
      expect(readFileSync(join(out, 'focus-1'), 'utf8').split('\n')[0]).toMatch(/^BilledCost,BillingAccountId,/);
      expect((await rejection(runExportCommand({ period: '2026-11', format: 'stripe', out: join(out, 'x') }))).code).toBe('VALIDATION_FAILED');
      expect(existsSync(join(out, 'x'))).toBe(false);
    } finally {
      process.env = saved;
      spy.mockRestore();
      err.mockRestore();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('with a wallet: credits applied come from the wallet\'s burn; closing gives back the allowance the credits paid for as an adjustment grant, once', async () => {
    const customer = { tenant: 'other', user: '' };
    await new PriceBookRepository(store.priceBooks).put('other', '', { ...BOOK_V1, allowances: [{ period: 'month', amount: '0.005', effective_from: FROM }] });
    const wallets = new Wallets(store.wallets);
    await wallets.grants.add(customer, { id: 'prepaid', amount: '1', effective_from: '2026-10-01T00:00:00Z' });
    const statements = createStatementService(store, pricer);
    const open = await statements.statement(customer, '2026-11');
    expect(open.credits).toEqual([{ grant_id: 'prepaid', source: 'purchase', amount: open.totals.usage, remaining: formatUsd(parseUsd('1') - parseUsd(open.totals.usage)), expires_at: null }]);
    expect(open.totals).toMatchObject({ allowances: '0.005', due: '0', credit_refund: '0.005' });
    const closed = await statements.close(customer, '2026-11');
    const refund = (await wallets.grants.list(customer)).filter((g) => g.source === 'adjustment');
    expect(refund.map((g) => [formatUsd(g.amount), new Date(g.effectiveFrom).toISOString()])).toEqual([['0.005', '2026-12-01T00:00:00.000Z']]);
    expect((await rejection(statements.close(customer, '2026-11'))).code).toBe('CONFLICT');
    expect(await statements.statement(customer, '2026-11')).toEqual(closed);
  });
}

describe('statements: chDB adapter (in-process)', () => {
  statementSuite((database) => createChdbStore({ dataDir, database }));
});

describeClickHouseAdapter('statements', dataDir, (open, standin) => {
  statementSuite(open, () => ({ CLICKHOUSE_URL: standin ? standin().url : (process.env.CLICKHOUSE_URL ?? '') }));
});

