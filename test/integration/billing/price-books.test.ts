/**
 * Issue 16 item 1: every stored event carries the price its customer's book
 * gives it, in both modes. A book is set (HTTP in `tally start`, the
 * repository for a distributed processor), events are sent, and the price
 * columns read back from usage_events equal an independent computation from
 * the row's own cost and token columns, to the femto-dollar, with the book's
 * version. A new book version changes the price of later-processed events
 * only from its rules' effective_from; stored events keep theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import { COST_CLASSES } from '../../../src/core/classes.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { formatUsd, parseUsd } from '../../../src/core/money.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs, type Topics } from '../../../src/eventlog/topics.js';
import type { EventLog } from '../../../src/eventlog/types.js';
import type { Processor } from '../../../src/processor/processor.js';
import { PriceBookRepository } from '../../../src/billing/repository.js';
import { buildPricer } from '../../../src/runtime/adapters.js';
import { buildPriceBooks, type PriceBooks } from '../../../src/runtime/billing.js';
import { buildProcessor } from '../../../src/runtime/processor.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { embeddedSuite } from '../../support/embedded.js';
import { describeWith, kafkaBrokers, uniqueName } from '../../support/services.js';
import { waitFor } from '../stream/harness.js';

const HOUR = 3_600_000;
const NOW = Date.now();
const iso = (ms: number): string => new Date(ms).toISOString();
/** The second book version's contract price applies from here: between the early and the late events. */
const CHANGE_AT = iso(NOW - 2 * HOUR);
const LONG_AGO = iso(NOW - 400 * 24 * HOUR);

type Row = Record<string, string>;

function event(tenant: string, user: string, id: string, atMs: number, input: number, model = 'gpt-4o-mini'): Record<string, unknown> {
  return { event_id: id, tenant, user_id: user, provider: 'openai', model, occurred_at: iso(atMs), usage: { prompt_tokens: input, completion_tokens: 7 } };
}

async function rows(store: AnalyticsStore, tenant: string): Promise<Map<string, Row>> {
  const cols = ['event_id', 'input_tokens', 'output_tokens', 'requests', 'cost_total', 'price_total', 'price_book_version', ...COST_CLASSES.flatMap((c) => [`cost_${c}`, `price_${c}`])];
  const got = await store.sql.query<Row>({
    sql: `SELECT ${cols.map((c) => `toString(${c}) AS ${c}`).join(', ')} FROM usage_events FINAL WHERE tenant = {tenant:String} AND sign = 1`,
    params: { tenant },
  });
  return new Map(got.map((r) => [r.event_id as string, r]));
}

/** cost × (100 + percentTimes10 / 10) / 100, half to even. */
function markedUp(cost: bigint, percentTimes10: bigint): bigint {
  const num = cost * (1000n + percentTimes10);
  let q = num / 1000n;
  const r2 = (num % 1000n) * 2n;
  if (r2 > 1000n || (r2 === 1000n && q % 2n === 1n)) q += 1n;
  return q;
}

/** Markup by an exact percentage, half to even per class: computed here from the row's cost columns. */
function expectMarkup(row: Row, percentTimes10: bigint, version: string): void {
  let total = 0n;
  for (const c of COST_CLASSES) {
    const q = markedUp(parseUsd(row[`cost_${c}`] ?? '0'), percentTimes10);
    expect(parseUsd(row[`price_${c}`] ?? '0'), `price_${c} of ${row.event_id}`).toBe(q);
    total += q;
  }
  expect(parseUsd(row.price_total ?? '0')).toBe(total);
  expect(row.price_book_version).toBe(version);
}

/** Contract input price per million tokens; every other class by the markup. */
function expectContract(row: Row, inputPerMillion: string, percentTimes10: bigint, version: string): void {
  const input = BigInt(row.input_tokens ?? '0') * parseUsd(inputPerMillion) / 1_000_000n;
  expect(parseUsd(row.price_input ?? '0')).toBe(input);
  const others = COST_CLASSES.filter((c) => c !== 'input').reduce((s, c) => s + markedUp(parseUsd(row[`cost_${c}`] ?? '0'), percentTimes10), 0n);
  expect(parseUsd(row.price_total ?? '0')).toBe(input + others);
  expect(row.price_book_version).toBe(version);
}

const BOOK_V1 = { description: 'acme: 12.5 % on cost', rules: [{ kind: 'markup', percent: '12.5', effective_from: LONG_AGO }] };
const BOOK_V2 = {
  description: 'acme: 12.5 % on cost; from CHANGE_AT, gpt-4o-mini input at a contract price',
  rules: [...BOOK_V1.rules, { kind: 'contract', effective_from: CHANGE_AT, match: { family: 'gpt-4o-mini' }, per_million: { input: '0.3' } }],
};
const VIP = { rules: [{ kind: 'markup', percent: '0', effective_from: LONG_AGO }, { kind: 'request_fee', amount: '0.001', effective_from: LONG_AGO }] };

describe('price books in `tally start` (HTTP → direct log → processor → chDB)', () => {
  const { instance } = embeddedSuite('tally-books-');
  const put = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${instance().url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  };
  const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(`${instance().url}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (events: readonly Record<string, unknown>[]): Promise<void> => {
    const res = await fetch(`${instance().url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    expect(res.status).toBe(202);
  };
  const storedCount = async (tenant: string): Promise<number> => (await rows(instance().store, tenant)).size;

  it('prices every event with its customer\'s book; a new version applies from its rules\' effective_from; stored events keep theirs', { timeout: 120_000 }, async () => {
    const v1 = await put('/v1/customers/acme/price-book', BOOK_V1);
    const vip = await put('/v1/customers/acme/price-book?user=vip', VIP);
    expect(v1.price_book_version).toBe(`tenant:${String(v1.version)}`);

    const early = NOW - 3 * HOUR;
    const late = NOW - HOUR;
    await post([
      event('acme', 'u1', 'a-early', early, 1_234_567),
      event('acme', 'u1', 'a-late', late, 7_654_321),
      event('acme', 'vip', 'vip-1', late, 1_000),
      event('other', 'u1', 'o-1', late, 5_000),
    ]);
    await waitFor('the first four events', async () => (await storedCount('acme')) === 3 && (await storedCount('other')) === 1);
    let acme = await rows(instance().store, 'acme');
    expectMarkup(acme.get('a-early') as Row, 125n, String(v1.price_book_version));
    expectMarkup(acme.get('a-late') as Row, 125n, String(v1.price_book_version));
    const vipRow = acme.get('vip-1') as Row;
    expect(vipRow.price_book_version).toBe(`user:${String(vip.version)}`);
    expect(parseUsd(vipRow.price_total ?? '')).toBe(parseUsd(vipRow.cost_total ?? '') + parseUsd('0.001'));
    expect(parseUsd(vipRow.price_request ?? '')).toBe(parseUsd(vipRow.cost_request ?? '') + parseUsd('0.001'));
    const other = (await rows(instance().store, 'other')).get('o-1') as Row;
    expect([other.price_total, other.price_book_version]).toEqual(['0', '']);
    expect(parseUsd(other.cost_total ?? '0') > 0n).toBe(true);

    // A second version, mid-stream: a contract price for gpt-4o-mini input from CHANGE_AT.
    const v2 = await put('/v1/customers/acme/price-book', BOOK_V2);
    await post([event('acme', 'u1', 'b-early', early, 1_234_567), event('acme', 'u1', 'b-late', late, 7_654_321)]);
    await waitFor('the two events after the change', async () => (await storedCount('acme')) === 5);
    acme = await rows(instance().store, 'acme');
    const label2 = String(v2.price_book_version);
    expect(label2).not.toBe(v1.price_book_version);
    // Occurred before CHANGE_AT: the markup still; after: the contract price for input.
    expectMarkup(acme.get('b-early') as Row, 125n, label2);
    expectContract(acme.get('b-late') as Row, '0.3', 125n, label2);
    expect(acme.get('b-late')?.price_input).toBe(formatUsd((7_654_321n * parseUsd('0.3')) / 1_000_000n));
    // Stored events keep the price and version they got.
    expectMarkup(acme.get('a-late') as Row, 125n, String(v1.price_book_version));

    // The faces: versions newest first, one version by number, the customers list, 404 for none.
    const versions = (await get('/v1/customers/acme/price-book/versions')).body.versions as Record<string, unknown>[];
    expect(versions.map((v) => v.version)).toEqual([v2.version, v1.version]);
    expect((await get(`/v1/customers/acme/price-book?version=${String(v1.version)}`)).body.book).toMatchObject({ description: BOOK_V1.description });
    const customers = (await get('/v1/customers')).body.customers as Record<string, unknown>[];
    expect(customers.map((c) => [c.tenant, c.user, c.version])).toEqual([['acme', '', v2.version], ['acme', 'vip', vip.version]]);
    expect((await get('/v1/customers/other/price-book')).status).toBe(404);
    const bad = await fetch(`${instance().url}/v1/customers/acme/price-book`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ rules: [{ kind: 'markup', percent: 'x', effective_from: LONG_AGO }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('PRICE_BOOK_INVALID');
  });
});

describeWith(['kafka'], 'price books in the distributed processor (Kafka → processor → chDB)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-books-k-'));
  let store: AnalyticsStore;
  let log: EventLog;
  let topics: Topics;
  let config: TallyConfig;
  let books: PriceBooks;
  let processor: Processor | undefined;

  const send = async (events: readonly Record<string, unknown>[]): Promise<void> => {
    const producer = log.producer();
    const receivedAt = iso(Date.now());
    await producer.send(topics.raw.name, events.map((ev) => ({ key: String(ev.tenant), value: JSON.stringify({ ...ev, received_at: receivedAt }) })));
    await producer.close();
  };

  beforeAll(async () => {
    store = await createChdbStore({ dataDir, database: uniqueName('books') });
    await migrate(store);
    const prefix = uniqueName('tbooks');
    topics = resolveTopics({ prefix: `${prefix}.`, raw: { partitions: 2 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    config = loadConfig({ env: {}, overrides: { processor: { groupId: `${prefix}.processor`, maxWaitTimeMs: 20, minBytes: 1 } } });
    log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: prefix });
    await log.ensureTopics(topicSpecs(topics));
    const pricer = buildPricer(config);
    // Polled like the processor process polls it (its default is 500 ms).
    books = await buildPriceBooks({ store, pricer, logger: silentLogger(), pollMs: 100 });
    processor = buildProcessor({ config, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), log, store, pricer, topics, priceBooks: books.source });
    await processor.start();
  }, 120_000);

  afterAll(async () => {
    await processor?.stop();
    books?.close();
    await log?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stamps the price of the book the repository holds, and picks a new version up by polling', { timeout: 120_000 }, async () => {
    // Written through another repository (as `tally api` does): this process learns of it by polling the marker.
    const other = new PriceBookRepository(store.priceBooks);
    const v1 = await other.put('kacme', '', BOOK_V1);
    await waitFor('the processor to load version 1', async () => books.source.current().marker === v1.version, 10_000);
    await send([event('kacme', 'u1', 'k-early', NOW - 3 * HOUR, 1_234_567), event('kacme', 'u1', 'k-late', NOW - HOUR, 7_654_321)]);
    await waitFor('two events', async () => (await rows(store, 'kacme')).size === 2);
    let got = await rows(store, 'kacme');
    expectMarkup(got.get('k-early') as Row, 125n, `tenant:${v1.version}`);
    expectMarkup(got.get('k-late') as Row, 125n, `tenant:${v1.version}`);

    const v2 = await other.put('kacme', '', BOOK_V2);
    await waitFor('the processor to load version 2', async () => books.source.current().marker === v2.version, 10_000);
    await send([event('kacme', 'u1', 'k2-early', NOW - 3 * HOUR, 1_234_567), event('kacme', 'u1', 'k2-late', NOW - HOUR, 7_654_321)]);
    await waitFor('four events', async () => (await rows(store, 'kacme')).size === 4);
    got = await rows(store, 'kacme');
    expectMarkup(got.get('k2-early') as Row, 125n, `tenant:${v2.version}`);
    expectContract(got.get('k2-late') as Row, '0.3', 125n, `tenant:${v2.version}`);
    expectMarkup(got.get('k-late') as Row, 125n, `tenant:${v1.version}`);
  });
});
