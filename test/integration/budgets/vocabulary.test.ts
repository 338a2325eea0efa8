/**
 * One vocabulary, end to end on the real store engine (chDB): a budget scoped
 * `{tenant, user_id}` created through the CLI's backend (`tally budgets add`,
 * `tally budgets status`, `tally quota check` call it) and seeded from the
 * config (`budgets.defaults`, `budgets.tiers`, as every process does in
 * `buildBudgets`) counts a user's events and reports their status; the legacy
 * `user` still works, with a warning on stderr (CLI) or in the log (config).
 * Counters are in memory (rebuilt from the store), so no service is needed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openBackend } from '../../../src/cli/commands/budgets-backend.js';
import { budgetInput, dimensionsOf } from '../../../src/cli/commands/budgets.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { buildPricer, chdbDataDir } from '../../../src/runtime/adapters.js';
import { buildBudgets } from '../../../src/runtime/budgets.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { insertPricedEvents } from '../../../src/store/events.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { uniqueName } from '../../support/services.js';
import { priced } from '../../unit/budgets/fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-vocabulary-'));
const database = uniqueName('tally_vocab');
const ENV = ['REDIS_URL', 'REDIS_CLUSTER_NODES', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'TALLY_CONFIG'] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
let store: AnalyticsStore;

beforeAll(async () => {
  // The CLI reads its store and counters from the environment: this suite's chDB database, memory counters.
  for (const k of ENV) delete process.env[k];
  process.env.CLICKHOUSE_DATABASE = database;
  store = await createChdbStore({ dataDir: chdbDataDir(loadConfig({ env: {}, overrides: { dataDir } as never })), database });
  await migrate(store);
  const at = Date.now() - 60_000;
  await insertPricedEvents(store, [
    priced({ id: 'v1', tenant: 'acme', user: 'bob', cost: '2.5', at, offset: null }),
    priced({ id: 'v2', tenant: 'acme', user: 'bob', cost: '0.5', at, offset: null }),
    priced({ id: 'v3', tenant: 'acme', user: 'amy', cost: '1', at, offset: null }),
    priced({ id: 'v4', tenant: 'globex', user: 'bob', cost: '9', at, offset: null }),
  ]);
});

afterAll(async () => {
  await store?.close();
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const noFlags = { meta: [] as string[], backfill: false };

describe('the CLI backend (tally budgets / tally quota, direct on the store)', () => {
  it('a budget scoped {tenant, user_id} counts a user\'s events and reports its status; no warning', async () => {
    const warnings: string[] = [];
    const input = budgetInput({ ...noFlags, id: 'cli-new', name: 'per user', metric: 'cost', limit: '10', period: 'monthly', tenant: 'acme', user: '*' });
    expect(input.scope).toEqual({ tenant: 'acme', user_id: '*' });
    const writer = await openBackend({ dataDir }, { rebuild: false, warn: (t) => warnings.push(t) });
    try {
      const { budget } = await writer.create(input, false);
      expect(budget.scope).toEqual({ tenant: 'acme', user_id: '*' });
    } finally {
      await writer.close();
    }
    const reader = await openBackend({ dataDir }, { rebuild: true, warn: (t) => warnings.push(t) });
    try {
      const bob = dimensionsOf({ tenant: 'acme', user: 'bob' });
      expect(bob).toEqual({ tenant: 'acme', user_id: 'bob' });
      expect(await reader.status('cli-new', bob)).toMatchObject({ budget_id: 'cli-new', used: '3', remaining: '7', subject: { user_id: 'bob' } });
      const verdict = await reader.check(dimensionsOf({ tenant: 'acme', user: 'amy', apiKeyId: 'k1' }), { cost: '0.5' });
      expect(verdict).toMatchObject({ allowed: true, budgets: [{ budget_id: 'cli-new', used: '1', subject: { user_id: 'amy' } }] });
      expect((await reader.get('cli-new')).scope).toEqual({ tenant: 'acme', user_id: '*' });
    } finally {
      await reader.close();
    }
    expect(warnings).toEqual([]);
  });

  it('a budget file still naming user works, with a warning on stderr', async () => {
    const file = join(dataDir, 'legacy-budget.json');
    writeFileSync(file, JSON.stringify({ id: 'cli-old', name: 'old per user', metric: 'cost', limit: '4', period: 'monthly', scope: { tenant: 'acme', user: '*' } }));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const writer = await openBackend({ dataDir }, { rebuild: false });
      try {
        expect((await writer.create(budgetInput({ ...noFlags, file }), false)).budget.scope).toEqual({ tenant: 'acme', user_id: '*' });
      } finally {
        await writer.close();
      }
      expect(stderr.mock.calls.map((c) => String(c[0]))).toContain('warning: scope.user: user is deprecated, write user_id (user is read until tally 0.3)\n');
    } finally {
      stderr.mockRestore();
    }
    const reader = await openBackend({ dataDir }, { rebuild: true, warn: () => undefined });
    try {
      expect(await reader.status('cli-old', { tenant: 'acme', user_id: 'bob' })).toMatchObject({ used: '3', limit: '4', subject: { user_id: 'bob' } });
    } finally {
      await reader.close();
    }
  });
});

describe('config: budgets.defaults and budgets.tiers', () => {
  it('seed budgets in the event names and in the legacy ones; both count; the legacy ones are logged once', async () => {
    const file = join(dataDir, 'tally.json');
    writeFileSync(file, JSON.stringify({
      budgets: {
        defaults: [
          { id: 'cfg-new', name: 'per user', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: 'acme', user_id: '*' } },
          { id: 'cfg-old', name: 'per user (0.1 names)', metric: 'cost', limit: '10', period: 'daily', scope: { tenant: 'acme', user: '*' } },
        ],
        tiers: { free: { default: true, budgets: [{ key: 'daily', metric: 'requests', limit: 100, period: 'daily', scope: { api_key: '*' } }] } },
      },
    }));
    const config = loadConfig({ file, env: {}, overrides: { dataDir, clickhouse: { database } } as never });
    expect(config.budgets.defaults[1]?.scope).toEqual({ tenant: 'acme', user: '*' });
    const lines: { level: number; msg: string; deprecated?: string[] }[] = [];
    const logger = createLogger({ level: 'warn', destination: new Writable({ write(chunk: Buffer, _e, done): void { lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]); done(); } }) });
    const budgets = await buildBudgets({ config, store, logger, metrics: createMetrics({ defaultMetrics: false }), pricer: buildPricer(config) });
    try {
      expect(budgets.counters.kind).toBe('memory');
      const bob = { tenant: 'acme', user_id: 'bob' };
      const statuses = await budgets.engine.statuses(bob);
      const byId = Object.fromEntries(statuses.map((s) => [s.budget_id, s]));
      expect(byId['cfg-new']).toMatchObject({ used: '3', subject: { user_id: 'bob' } });
      expect(byId['cfg-old']).toMatchObject({ used: '3', subject: { user_id: 'bob' } });
      expect((await budgets.repository.get('cfg-old')).scope).toEqual({ tenant: 'acme', user_id: '*' });
      const check = await budgets.engine.check({ tenant: 'acme', user_id: 'amy', api_key_id: 'k1' });
      expect(check.budgets.filter((s) => !s.budget_id.startsWith('cli-')).map((s) => [s.budget_id, s.used, s.subject])).toEqual([
        ['cfg-new', '1', { user_id: 'amy' }],
        ['cfg-old', '1', { user_id: 'amy' }],
        ['tier:free:daily', '0', { tenant: 'acme', user_id: 'amy', api_key_id: 'k1' }],
      ]);
      await budgets.source.refresh();
      const warned = lines.filter((l) => l.level === 40 && l.deprecated);
      expect(warned.map((l) => l.msg)).toEqual([
        'budget cfg-old: budgets.defaults[1].scope.user: user is deprecated, write user_id (user is read until tally 0.3)',
        'tier free: budgets.tiers.free.budgets[0].scope.api_key: api_key is deprecated, write api_key_id (api_key is read until tally 0.3)',
      ]);
    } finally {
      await budgets.close();
    }
    // Another process starting on the same config warns about the config again (it reads it), not about what is stored.
    lines.length = 0;
    const again = await buildBudgets({ config, store, logger, metrics: createMetrics({ defaultMetrics: false }), pricer: buildPricer(config) });
    await again.close();
    expect(lines.filter((l) => l.deprecated).map((l) => l.msg.slice(0, l.msg.indexOf(':')))).toEqual(['budget cfg-old', 'tier free']);
  });
});
