/**
 * The store's typed operations over a scripted executor: which query each
 * runs, and how the rows it gets back become typed results. The SQL itself is
 * pinned by the *-queries tests and runs against chDB and ClickHouse in
 * test/integration/.
 */
import { describe, expect, it } from 'vitest';
import { createAnalyticsStore } from '../../../src/store/analytics-store.js';
import type { InsertOptions, SqlExecutor, SqlQuery } from '../../../src/store/types.js';
import { rowsOf } from '../../../src/store/sql.js';

/** Answers every query with the next scripted rows; records queries and inserts. */
class ScriptedExecutor implements SqlExecutor {
  readonly kind = 'chdb' as const;
  readonly database = 'tally';
  readonly queries: SqlQuery[] = [];
  readonly inserts: { table: string; rows: readonly Record<string, unknown>[]; options?: InsertOptions }[] = [];
  constructor(private readonly answers: object[][] = []) {}
  async query<Row extends object>(q: SqlQuery): Promise<Row[]> {
    this.queries.push(q);
    return (this.answers.shift() ?? []) as Row[];
  }
  async command(): Promise<void> {}
  async insert(table: string, rows: readonly Record<string, unknown>[], options?: InsertOptions): Promise<void> {
    this.inserts.push({ table, rows, ...(options ? { options } : {}) });
  }
  async insertValues(table: string, columns: readonly string[], values: readonly (readonly unknown[])[], options?: InsertOptions): Promise<void> {
    await this.insert(table, rowsOf(columns, values), options);
  }
  async insertRowBinary(): Promise<void> {
    throw new Error('not used here');
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

const zeros = { t_input: '0', t_cached_input: '0', t_cache_write_5m: '0', t_cache_write_1h: '0', t_output: '0', t_reasoning: '0', t_audio_input: '0', t_audio_output: '0', t_image_input: '0', t_image_output: '0' };

describe('counters operations', () => {
  it('sums: typed amounts, the each-dimension values by their core names, the bucket as a number', async () => {
    const sql = new ScriptedExecutor([[{ d_user_id: 'bob', bucket: '2', cost: '1.000000000000001', price: '1.300000000000002', tokens: '150', requests: '1', ...zeros, t_output: '50' }]]);
    const store = createAnalyticsStore(sql);
    const rows = await store.counters.sums({ tenant: 'acme', from: 0, to: 10, step: 5, dims: [{ dim: 'user_id', kind: 'each', value: '*' }, { dim: 'agent', kind: 'literal', value: 'a' }], fence: [] });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ bucket: 2, dims: { user_id: 'bob' }, cost: 1_000_000_000_000_001n, price: 1_300_000_000_000_002n, tokens: 150n, requests: 1n });
    expect(rows[0]?.classes).toMatchObject({ input: 0n, output: 50n });
    expect(sql.queries[0]?.sql).toMatch(/^\/\* tally:counters\.sums \*\//);
  });

  it('maxOffsets and tenants', async () => {
    const sql = new ScriptedExecutor([[{ topic: 'usage.raw', partition: '3', max_offset: '41' }], [{ tenant: 'acme' }, { tenant: 'beta' }]]);
    const store = createAnalyticsStore(sql);
    expect(await store.counters.maxOffsets(null)).toEqual([{ topic: 'usage.raw', partition: 3, offset: '41' }]);
    expect(await store.counters.tenants(0, 1)).toEqual(['acme', 'beta']);
  });
});

describe('budgets operations', () => {
  it('reads rows with deleted as a boolean, and version 0 of an empty store', async () => {
    const sql = new ScriptedExecutor([[{ key: 'b1', body: '{}', version: '7', deleted: 0 }], [{ key: '["acme","bob"]', body: 'gold', version: '8', deleted: '1' }], [], []]);
    const store = createAnalyticsStore(sql);
    expect(await store.budgets.live('budget')).toEqual([{ kind: 'budget', key: 'b1', body: '{}', version: '7', deleted: false }]);
    expect(await store.budgets.one('assignment', '["acme","bob"]')).toEqual({ kind: 'assignment', key: '["acme","bob"]', body: 'gold', version: '8', deleted: true });
    expect(await store.budgets.one('tier', 'none')).toBeNull();
    expect(await store.budgets.maxVersion()).toBe('0');
  });

  it('writes one insert per table, in kind order', async () => {
    const sql = new ScriptedExecutor();
    const store = createAnalyticsStore(sql);
    await store.budgets.write([
      { kind: 'assignment', key: '["acme","bob"]', body: 'gold', version: '3', deleted: false },
      { kind: 'budget', key: 'b1', body: '{}', version: '1', deleted: false },
      { kind: 'budget', key: 'b2', body: '{}', version: '2', deleted: true },
    ]);
    expect(sql.inserts.map((i) => [i.table, i.rows.length])).toEqual([['budgets', 2], ['budget_tier_assignments', 1]]);
    expect(sql.inserts[1]?.rows[0]).toMatchObject({ tenant: 'acme', user_id: 'bob', tier: 'gold', version: '3', deleted: 0 });
  });
});

describe('events operations', () => {
  it('next offsets by partition number, whether any row is stored, one event by id', async () => {
    const sql = new ScriptedExecutor([[{ partition: '0', next: '12' }, { partition: 2, next: '5' }], [{ n: '0' }], [{ n: '3' }], []]);
    const store = createAnalyticsStore(sql);
    expect(await store.events.nextOffsets('usage.raw')).toEqual({ 0: '12', 2: '5' });
    expect(await store.events.any()).toBe(false);
    expect(await store.events.any()).toBe(true);
    expect(await store.events.byId({ tenant: 'acme', eventId: 'e-1' })).toBeNull();
  });

  it('an empty write or insert touches nothing', async () => {
    const sql = new ScriptedExecutor();
    const store = createAnalyticsStore(sql);
    expect(await store.events.write([])).toEqual({ inserted: [], redelivered: [], duplicates: 0 });
    await store.events.insertRows([]);
    expect(await store.events.exists([])).toEqual(new Set());
    expect([sql.queries.length, sql.inserts.length]).toEqual([0, 0]);
  });
});

describe('reprices operations', () => {
  it('pages with the bound range and records a run in usage_reprices', async () => {
    const sql = new ScriptedExecutor([[]]);
    const store = createAnalyticsStore(sql);
    const from = new Date('2026-03-01T00:00:00Z');
    expect(await store.reprices.page({ from, to: from, limit: 3 })).toEqual([]);
    expect(sql.queries[0]?.params).toMatchObject({ limit: 3, after_id: '' });
    await store.reprices.record({ repriceId: 'r', startedAt: from, finishedAt: from, from, to: from, tenant: '', model: '', examined: 1, changed: 1, costBefore: '1', costAfter: '2', priceFiles: [] });
    expect(sql.inserts.map((i) => i.table)).toEqual(['usage_reprices']);
  });
});
