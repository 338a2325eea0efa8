/**
 * The embedded engine opens with tally's memory bounds (ENGINE_SERVER_SETTINGS,
 * issue 12) and with the operator's overrides (clickhouse.embeddedServerSettings),
 * usage_events writes 64 KiB compression blocks (migration 0021) and is
 * merged column by column (0025), and so do the rollup tables' blocks (0026),
 * and all of them merge with a wider merge selector (0027):
 * the engine itself reports them, not just the arguments we passed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_SERVER_SETTINGS } from '../../../src/store/chdb/engine.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { pricedEvent } from '../../support/store-fixtures.js';

const dirs: string[] = [];
let store: AnalyticsStore | undefined;

afterEach(async () => {
  await store?.close();
  store = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function serverSettings(s: AnalyticsStore): Promise<Record<string, string>> {
  const rows = await s.sql.query<{ name: string; value: string }>({ sql: 'SELECT name, value FROM system.server_settings WHERE name IN {names:Array(String)}', params: { names: Object.keys(ENGINE_SERVER_SETTINGS) } });
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

async function open(serverSettingsOverride?: Record<string, string | number>): Promise<AnalyticsStore> {
  const dir = mkdtempSync(join(tmpdir(), 'tally-engine-settings-'));
  dirs.push(dir);
  return createChdbStore({ dataDir: dir, ...(serverSettingsOverride ? { serverSettings: serverSettingsOverride } : {}) });
}

describe('the embedded engine’s server settings', () => {
  it('bounds every cache ClickHouse would size for a whole machine', async () => {
    store = await open();
    const got = await serverSettings(store);
    expect(Object.keys(got).sort()).toEqual(Object.keys(ENGINE_SERVER_SETTINGS).sort());
    for (const [name, value] of Object.entries(ENGINE_SERVER_SETTINGS)) expect(got[name], name).toBe(String(value));
    expect(Number(got.mark_cache_size)).toBeLessThanOrEqual(64 * 1024 * 1024);
  });

  it('takes the operator’s values over tally’s, name by name', async () => {
    store = await open({ mark_cache_size: 268435456 });
    const got = await serverSettings(store);
    expect(got.mark_cache_size).toBe('268435456');
    expect(got.primary_index_cache_size).toBe(String(ENGINE_SERVER_SETTINGS.primary_index_cache_size));
  });
});

describe('the embedded engine’s memory under ingest', () => {
  it('writes usage_events with 64 KiB compression blocks, merges included (a table setting)', async () => {
    store = await open();
    await migrate(store);
    const [row] = await store.sql.query<{ q: string }>({ sql: "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events'" });
    expect(row?.q).toMatch(/max_compress_block_size = 65536/);
  });

  it('merges usage_events column by column whatever the parts hold (migration 0025), and a merge keeps every current event', async () => {
    // A horizontal merge (ClickHouse's choice below 131,072 rows) holds every column of every part at once:
    // the engine's peaks under tally start's ingest. The setting is the table's, so it reaches merges.
    store = await open();
    await migrate(store);
    const [row] = await store.sql.query<{ q: string }>({ sql: "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'usage_events'" });
    expect(row?.q).toMatch(/vertical_merge_algorithm_min_rows_to_activate = 1\b/);
    const events = [pricedEvent({ eventId: 'a' }), pricedEvent({ eventId: 'b' }), pricedEvent({ eventId: 'c' })];
    for (const e of events) await store.events.insert([e]);
    await store.events.insert([pricedEvent({ eventId: 'a' })], { rowVersion: 2 });
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_events FINAL' });
    const rows = await store.sql.query<{ id: string; v: string; parts: string }>({
      sql: "SELECT event_id AS id, toString(row_version) AS v, toString((SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'usage_events' AND active)) AS parts FROM usage_events ORDER BY id",
    });
    expect(rows.map((r) => [r.id, r.v])).toEqual([['a', '2'], ['b', '1'], ['c', '1']]);
    expect(rows[0]?.parts).toBe('1');
  });

  it('writes every rollup table with 64 KiB compression blocks (migration 0026), and a rollup merge keeps every sum', async () => {
    // A SummingMergeTree merges horizontally whatever its settings say (ClickHouse merges only plain, Replacing and
    // Collapsing tables column by column): every column of every source part and of the new part held at once, each
    // through buffers of max_compress_block_size. The setting is the table's, so it reaches merges.
    store = await open();
    await migrate(store);
    const tables = await store.sql.query<{ name: string; q: string }>({
      sql: "SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%SummingMergeTree' ORDER BY name",
    });
    expect(tables.map((t) => t.name)).toEqual(['usage_rollup_agent', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_model_all', 'usage_rollup_user']);
    for (const t of tables) expect(t.q, t.name).toMatch(/max_compress_block_size = 65536/);
    for (const id of ['a', 'b', 'c']) await store.events.insert([pricedEvent({ eventId: id })]);
    const sums = "SELECT toString(sum(events)) AS events, toString(sum(cost_total)) AS cost, toString((SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'usage_rollup_full' AND active)) AS parts FROM usage_rollup_full WHERE grain = 'daily'";
    const [before] = await store.sql.query<{ events: string; cost: string; parts: string }>({ sql: sums });
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_rollup_full FINAL' });
    const [after] = await store.sql.query<{ events: string; cost: string; parts: string }>({ sql: sums });
    expect(before?.parts).toBe('3');
    expect(after).toEqual({ events: '3', cost: before?.cost, parts: '1' });
  });

  it('merges raw events and every rollup with a wider merge selector (migration 0027: merge_selector_base 20), the rows of every part kept', async () => {
    // Steady small inserts (tally start at 5,000 events/s in requests of 100) made ClickHouse's default selector (base 5)
    // merge each row ~4 times; base 20 waits for more parts of a size before merging them: about half the rows merged.
    store = await open();
    await migrate(store);
    const tables = await store.sql.query<{ name: string; q: string }>({
      sql: "SELECT name, create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND (name = 'usage_events' OR engine LIKE '%SummingMergeTree') ORDER BY name",
    });
    expect(tables.map((t) => t.name)).toEqual(['usage_events', 'usage_rollup_agent', 'usage_rollup_full', 'usage_rollup_model', 'usage_rollup_model_all', 'usage_rollup_user']);
    for (const t of tables) expect(t.q, t.name).toMatch(/merge_selector_base = 20/);
    for (const id of ['a', 'b', 'c', 'd']) await store.events.insert([pricedEvent({ eventId: id })]);
    await store.sql.command({ sql: 'OPTIMIZE TABLE usage_events FINAL' });
    const [raw] = await store.sql.query<{ n: string }>({ sql: 'SELECT toString(count()) AS n FROM usage_events' });
    expect(raw?.n).toBe('4');
  });
});
