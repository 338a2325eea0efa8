/**
 * The usage_events insert in RowBinary (src/store/rowbinary/) stores exactly
 * what the JSONCompactEachRow insert of the same priced events stores: every
 * column of every row, read back with SELECT *, on the chDB adapter and on the
 * @clickhouse/client adapter (against the chDB HTTP TEST STAND-IN, or a
 * ClickHouse server with CLICKHOUSE_URL). Property-based (fast-check) over
 * each column's edges, plus fixed edges: very long text, the largest amounts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { EVENT_ROW_COLUMNS, eventRowValues } from '../../../src/store/event-row.js';
import { encodeUsageEvents } from '../../../src/store/rowbinary/usage-events.js';
import { formatDateTime64 } from '../../../src/core/time.js';
import { describeClickHouseAdapter } from '../../support/clickhouse-adapter.js';
import { MAX_DECIMAL38, pricedEventArbitrary } from '../../support/usage-event-arbitraries.js';
import { pricedEvent } from '../../support/store-fixtures.js';
import { rejection } from '../../support/rejection.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-rowbinary-'));

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

interface Batch {
  readonly events: readonly PricedEvent[];
  readonly rowVersion: bigint | number;
  readonly sign: 1 | -1;
  /** processed_at, epoch ms. */
  readonly at: number;
}

/** Inserts `batch` into `json` as JSONCompactEachRow and into `binary` as RowBinary, then reads both back. */
async function storeBothWays(json: AnalyticsStore, binary: AnalyticsStore, batch: Batch, prefix: string): Promise<{ json: unknown[]; binary: unknown[] }> {
  const processedAt = formatDateTime64(batch.at);
  const values = batch.events.map((p) => eventRowValues(p, { processedAt, rowVersion: batch.rowVersion, sign: batch.sign }));
  await json.sql.insertValues('usage_events', EVENT_ROW_COLUMNS, values);
  await binary.sql.insertRowBinary('usage_events', EVENT_ROW_COLUMNS, encodeUsageEvents(batch.events, { processedAtMs: batch.at, rowVersion: batch.rowVersion, sign: batch.sign }));
  const read = (s: AnalyticsStore): Promise<unknown[]> =>
    s.sql.query({ sql: 'SELECT * FROM usage_events WHERE startsWith(event_id, {p:String}) ORDER BY event_id', params: { p: prefix } });
  return { json: await read(json), binary: await read(binary) };
}

/** Compares field by field, so a failure names the column. */
function expectSameRows(got: { json: unknown[]; binary: unknown[] }, count: number): void {
  expect(got.binary).toHaveLength(count);
  expect(got.json).toHaveLength(count);
  got.binary.forEach((row, i) => {
    const want = got.json[i] as Record<string, unknown>;
    for (const [column, value] of Object.entries(row as Record<string, unknown>)) expect({ column, value }).toEqual({ column, value: want[column] });
  });
}

/** Drops the database's materialized views (what the rollups are fed by), leaving `usage_events` and its projection. */
async function dropViews(store: AnalyticsStore): Promise<void> {
  const views = await store.sql.query<{ name: string }>({ sql: "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView'" });
  expect(views.length).toBeGreaterThan(0);
  for (const v of views) await store.sql.command({ sql: `DROP VIEW ${v.name}` });
}

function rowBinarySuite(open: (database: string) => Promise<AnalyticsStore>, label: string): void {
  let json: AnalyticsStore;
  let binary: AnalyticsStore;
  let run = 0;
  beforeAll(async () => {
    json = await open(`rb_json_${label}`);
    binary = await open(`rb_binary_${label}`);
    await migrate(json);
    await migrate(binary);
    // The rollup views read the block the insert parsed, the same whichever format carried it: without them
    // each of the property's inserts costs ~10 ms instead of ~500, and it can afford its 40 runs.
    for (const store of [json, binary]) await dropViews(store);
  }, 120_000);
  afterAll(async () => {
    await json?.close();
    await binary?.close();
  });

  it('stores the same rows as the JSON insert, for any priced events (property)', async () => {
    const batch: fc.Arbitrary<Batch> = fc.record({
      events: fc.array(pricedEventArbitrary(), { minLength: 1, maxLength: 8 }),
      rowVersion: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 2 ** 31 }), fc.bigInt(0n, 2n ** 64n - 1n)),
      sign: fc.constantFrom(1 as const, -1 as const),
      at: fc.integer({ min: Date.now() - 86_400_000, max: Date.now() }),
    });
    await fc.assert(
      fc.asyncProperty(batch, async (b) => {
        // Ids given here, unique per execution (shrinking runs a batch again): rows ordered by index.
        const prefix = `p${run++}-`;
        const events = b.events.map((p, i) => ({ ...p, event: { ...p.event, event_id: `${prefix}${String(i).padStart(2, '0')}` } }));
        expectSameRows(await storeBothWays(json, binary, { ...b, events }, prefix), events.length);
      }),
      { numRuns: 40, seed: 12, endOnFailure: true },
    );
  }, 180_000);

  it('stores very long text, 64 metadata entries and the largest amounts as the JSON insert does', async () => {
    const long = '🙂é漢'.repeat(12_000); // 108,000 bytes: a 3-byte length
    const p = pricedEvent({
      eventId: 'edge-1', tenant: 'acme', userId: long, agent: 'ä'.repeat(200), metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, i % 2 ? long.slice(0, 1000) : ''])),
      tokens: { input: 10_000_000_000, output: 2 ** 32 + 7 },
      costs: { input: MAX_DECIMAL38, output: -MAX_DECIMAL38, reasoning: 1n },
      durationMs: 0.1, ttftMs: 1e9, audioSeconds: 12.3456, source: { topic: 'usage.raw', partition: 2 ** 31 - 1, offset: String(2n ** 63n - 1n) },
    });
    const cancel = { ...pricedEvent({ eventId: 'edge-2', tenant: '', source: null }), usage: { ...p.usage, unknown_fields: ['', 'x'.repeat(300), '🙂'] } };
    const got = await storeBothWays(json, binary, { events: [p, cancel], rowVersion: 2n ** 64n - 1n, sign: -1, at: Date.now() }, 'edge-');
    expectSameRows(got, 2);
    expect((got.binary[0] as { user_id: string }).user_id).toBe(long);
    expect((got.binary[0] as { cost_input: string }).cost_input).toBe('99999999999999999999999.999999999999999');
  });

  it('refuses an amount beyond Decimal(38, 15) before sending it', () => {
    const p = pricedEvent({ eventId: 'too-big', costs: { input: MAX_DECIMAL38 + 1n } });
    expect(() => encodeUsageEvents([p], { processedAtMs: Date.now() })).toThrow(/not a valid Decimal/);
  });

  it('maps a store refusal as the JSON insert does (unknown column: STORE_QUERY_FAILED)', async () => {
    const data = encodeUsageEvents([pricedEvent({ eventId: 'bad-col' })], { processedAtMs: Date.now() });
    const err = await rejection(binary.sql.insertRowBinary('usage_events', [...EVENT_ROW_COLUMNS.slice(0, -1), 'no_such_column'], data));
    expect(err).toMatchObject({ code: 'STORE_QUERY_FAILED' });
  });
}

describe('usage_events RowBinary insert: chDB adapter (in-process)', () => {
  rowBinarySuite((database) => createChdbStore({ dataDir, database }), 'chdb');
});

describeClickHouseAdapter('usage_events RowBinary insert', dataDir, (open, standin) => {
  rowBinarySuite(open, 'http');
  if (standin === null) return;
  it('went through the stand-in over HTTP', () => {
    expect(standin().requests).toBeGreaterThan(40);
  });
}, { compression: { request: true, response: false } });
