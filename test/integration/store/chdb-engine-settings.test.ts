/**
 * The embedded engine opens with tally's memory bounds (ENGINE_SERVER_SETTINGS,
 * issue 12) and with the operator's overrides (clickhouse.embeddedServerSettings),
 * and usage_events writes 64 KiB compression blocks (migration 0021): the
 * engine itself reports them, not just the arguments we passed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINE_SERVER_SETTINGS } from '../../../src/store/chdb/engine.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';

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
});
