/**
 * Issue #12 acceptance, embedded (`tally start`: HTTP ingest → direct log →
 * processor → chDB + memory counters): an event id sent again thousands of
 * offsets after its first copy, and again after a restart (the window is
 * refilled from the store), is counted once in usage_events, every rollup
 * and the counters.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createProcessContext } from '../../../src/runtime/context.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';
import { counterTokens, fillers, onceEverywhere, usageEvent } from '../../support/duplicates.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-embedded-dup-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<{ e: Embedded; metrics: Metrics }> {
  const config = loadConfig({ env: {}, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 } } });
  const metrics = createMetrics({ defaultMetrics: false });
  return { e: await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics })), metrics };
}

async function post(url: string, events: readonly Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1_000) {
    const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + 1_000)) });
    expect(res.status).toBe(202);
  }
}

async function rawTokens(e: Embedded): Promise<string> {
  const [r] = await e.store.sql.query<{ t: string }>({ sql: "SELECT toString(sum(total_tokens)) AS t FROM usage_events FINAL WHERE tenant = 'dupe' AND sign = 1" });
  return r?.t ?? '0';
}

describe('a duplicate far apart in the log (tally start)', () => {
  it('is counted once in the store, every rollup and the counters, across a restart', { timeout: 120_000 }, async () => {
    const dup = usageEvent('dupe', 'dup-1', 7_777_777);
    const first = await start();
    try {
      await first.e.budgets.repository.create({ id: 'dup-tokens', name: 'tokens per tenant', metric: 'tokens', limit: 1_000_000_000_000, period: 'rolling', window: '24h', scope: { tenant: '*' } });
      await first.e.budgets.source.refresh();
      await post(first.e.url, [...fillers('dupe', 'a', 1_000), dup, ...fillers('dupe', 'b', 999)]);
      await post(first.e.url, fillers('dupe', 'c', 5_000));
      // 5,000 offsets later, the same id: 202 (it will be counted once, everywhere).
      await post(first.e.url, [dup, ...fillers('dupe', 'd', 10)]);
      await onceEverywhere(first.e.store, 'dupe', 'dup-1', 7_010);
      expect(await counterTokens(first.e.budgets, 'dupe')).toBe(await rawTokens(first.e));
      const paths = Object.fromEntries((await first.metrics.dedupeEvents.get()).values.map((v) => [v.labels.path, v.value]));
      expect(paths).toEqual({ direct: 7_010, verified: 1 });
    } finally {
      await first.e.close();
    }

    const second = await start();
    try {
      await post(second.e.url, [dup, ...fillers('dupe', 'e', 10)]);
      await onceEverywhere(second.e.store, 'dupe', 'dup-1', 7_020);
      expect(await counterTokens(second.e.budgets, 'dupe')).toBe(await rawTokens(second.e));
      expect((await second.metrics.eventsConsumed.get()).values.find((v) => v.labels.outcome === 'duplicate')?.value).toBe(1);
    } finally {
      await second.e.close();
    }
  });
});
