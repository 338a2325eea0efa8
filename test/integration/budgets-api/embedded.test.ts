/**
 * Budgets in the embedded mode (no Redis: memory counters, chDB store), each
 * process lifetime started by `startEmbedded` as `tally start` does: the
 * counters are rebuilt from the store by `buildBudgets` before it returns, so
 * a restarted process reports the same statuses before any traffic, and goes
 * on counting exactly (new offsets counted once, old ones fenced).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { resolveTopics } from '../../../src/eventlog/topics.js';
import type { Budgets } from '../../../src/runtime/budgets.js';
import { startEmbedded } from '../../../src/runtime/processes/embedded.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { testContext } from '../../support/context.js';
import { uniqueName } from '../../support/services.js';
import { priced } from '../../unit/budgets/fixtures.js';
import { storeSums, usageEvent } from './setup.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-budgets-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('embedded budgets (memory counters rebuilt from the store at start)', () => {
  it('a restarted process has every status back before traffic, and keeps counting exactly', { timeout: 60_000 }, async () => {
    const store: AnalyticsStore = await createChdbStore({ dataDir, database: uniqueName('emb') });
    await migrate(store);
    const topics = resolveTopics({ prefix: `${uniqueName('emb')}.` });
    const config = loadConfig({ env: {}, overrides: { api: { host: '127.0.0.1', port: 0 }, topics: { raw: topics.raw.name, dlq: topics.dlq.name, alerts: topics.alerts.name, sidePartitions: 1 }, processor: { maxWaitTimeMs: 20, minBytes: 1 } } });

    /** One process lifetime: budgets, a direct log continuing the stored offsets, a processor (and the API). */
    const run = async (events: Record<string, unknown>[], body: (b: Budgets) => Promise<void>): Promise<void> => {
      const embedded = await startEmbedded(testContext(config), { store });
      try {
        await body(embedded.budgets);
        const producer = embedded.log.producer();
        await producer.send(topics.raw.name, events.map((e) => ({ key: String(e.tenant), value: JSON.stringify(e) })));
        await producer.close();
      } finally {
        await embedded.close();
      }
    };
    const statuses = async (b: Budgets): Promise<string[]> => [
      (await b.engine.status('tenant-month', { tenant: 'acme' })).used,
      (await b.engine.status('tenant-month', { tenant: 'globex' })).used,
      (await b.engine.status('user-day', { tenant: 'acme', user: 'bob' })).used,
    ];
    const expected = async (): Promise<string[]> => [(await storeSums(store, 'acme')).cost, (await storeSums(store, 'globex')).cost, (await storeSums(store, 'acme', 'bob')).tokens];

    await run([usageEvent('acme', 'bob', 1000, 100), usageEvent('acme', 'amy', 2000, 0), usageEvent('globex', 'eve', 300, 30)], async (b) => {
      expect(b.counters.kind).toBe('memory');
      expect(b.startup).toMatchObject({ slots: 0 });
      await b.repository.create({ id: 'tenant-month', name: 'per tenant', metric: 'cost', limit: '100', period: 'monthly', scope: { tenant: '*' } });
      await b.repository.create({ id: 'user-day', name: 'per user', metric: 'tokens', limit: 1000000, period: 'rolling', window: '24h', scope: { tenant: '*', user: '*' } });
      await b.admin.changed(['tenant-month', 'user-day']);
    });

    let before: string[] = [];
    await run([usageEvent('acme', 'bob', 5000, 0)], async (b) => {
      expect(b.startup?.slots).toBe(2);
      before = await statuses(b);
      expect(before[2]).toBe('1100');
      expect(before).toEqual(await expected());
      // A redelivery of a stored offset is fenced: the rebuild established each partition at the store's highest offset.
      const [old] = await store.sql.query<{ p: number; o: string }>({ sql: 'SELECT source_partition AS p, toString(max(source_offset)) AS o FROM usage_events WHERE tenant = {t:String} GROUP BY p', params: { t: 'acme' } });
      if (!old) throw new Error('no stored offsets');
      const replay = priced({ id: 'replayed', tenant: 'acme', user: 'bob', cost: '1', tokens: { input: 10 }, at: Date.now() - 1000, offset: old.o, partition: Number(old.p), topic: topics.raw.name });
      expect(await b.engine.apply({ topic: topics.raw.name, partition: Number(old.p), events: [replay] })).toMatchObject({ applied: 0, fenced: 1 });
    });

    await run([], async (b) => {
      const after = await statuses(b);
      expect(after[2]).toBe('6100');
      expect(after).toEqual(await expected());
    });
    await store.close();
  });

  it('tally start asks its store on /readyz (its log and counters are in the process), and is not ready once the store fails (issue 10, item 11)', async () => {
    const store: AnalyticsStore = await createChdbStore({ dataDir, database: uniqueName('emb_ready') });
    const topics = resolveTopics({ prefix: `${uniqueName('embr')}.` });
    const config = loadConfig({ env: {}, overrides: { api: { host: '127.0.0.1', port: 0 }, topics: { raw: topics.raw.name, dlq: topics.dlq.name, alerts: topics.alerts.name, sidePartitions: 1 } } });
    const embedded = await startEmbedded(testContext(config), { store });
    try {
      const ready = await embedded.app.inject('/readyz');
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.store).toMatchObject({ ok: true });
      expect(Object.keys(ready.json().checks).sort()).toEqual(['consumer', 'store']);
      await store.close();
      // A probe result is reused for a second: ask until the store is asked again.
      let gone = await embedded.app.inject('/readyz');
      for (let i = 0; i < 50 && gone.statusCode === 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        gone = await embedded.app.inject('/readyz');
      }
      expect(gone.statusCode).toBe(503);
      expect(gone.json().checks.store).toMatchObject({ ok: false, error: expect.stringContaining('closed') });
    } finally {
      await embedded.close();
    }
  });
});
