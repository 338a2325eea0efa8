/** The embedded all-in-one (`tally start`): HTTP ingest → direct log → processor → chDB, across a restart. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';
import { testContext } from '../../support/context.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createProcessContext } from '../../../src/runtime/context.js';
import { allocatorStatsQuery } from '../../../src/store/queries/engine.js';

// The engine's allocator setting is asserted below: the one tally sets, not one this machine's environment has.
delete process.env.JE_MALLOC_CONF;
const dataDir = mkdtempSync(join(tmpdir(), 'tally-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function start(): Promise<Embedded> {
  const config = loadConfig({ env: {}, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 } } });
  return startEmbedded(testContext(config));
}

const event = (id: string, tokens: number) => ({ event_id: id, tenant: 'acme', provider: 'anthropic', model: 'claude-3-haiku-20240307', usage: { input_tokens: tokens, output_tokens: 0 } });

async function post(url: string, body: unknown): Promise<{ status: number; json: { accepted: number } }> {
  const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { accepted: number } };
}

async function totals(e: Embedded): Promise<{ n: string; tokens: string; cost: string; max_offset: string }> {
  const [row] = await e.store.sql.query<{ n: string; tokens: string; cost: string; max_offset: string }>({
    sql: "SELECT toString(count()) AS n, toString(sum(input_tokens)) AS tokens, toString(sum(cost_total)) AS cost, toString(max(source_offset)) AS max_offset FROM usage_events FINAL WHERE sign = 1",
  });
  if (!row) throw new Error('no row');
  return row;
}

describe('tally start (embedded)', () => {
  it('stores what the ingest accepted before answering 202, keeps it across a restart, and continues offsets', async () => {
    const first = await start();
    expect(first.openAccess).toBe(true);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await post(first.url, Array.from({ length: 200 }, (_, i) => event(`a${i}`, 1_000_000)));
    expect(res).toEqual({ status: 202, json: expect.objectContaining({ accepted: 200 }) });
    // No waiting: in embedded mode a 202 means stored. claude-3-haiku input is $0.25 per million.
    expect(await totals(first)).toMatchObject({ n: '200', tokens: '200000000', cost: '50' });
    await first.close();

    const second = await start();
    try {
      expect((await totals(second)).n).toBe('200');
      const before = BigInt((await totals(second)).max_offset);
      await post(second.url, [event('b1', 4_000_000), event('a7', 1_000_000)]);
      const after = await totals(second);
      expect(after).toMatchObject({ n: '201', tokens: '204000000', cost: '51' });
      expect(BigInt(after.max_offset)).toBeGreaterThan(before);
    } finally {
      await second.close();
    }
  });

  it('hands the processor batches as large as processor.maxSinkBatch: a 3,000-event request is 2 batches of 1,500, not 3 of 1,000', async () => {
    // Each batch costs the store a fixed amount (the partition's high offset read and recorded); the direct
    // log handed at most 1,000 records whatever maxSinkBatch said.
    const dir = mkdtempSync(join(tmpdir(), 'tally-embedded-batch-'));
    const metrics = createMetrics({ defaultMetrics: false });
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, api: { host: '127.0.0.1', port: 0 }, processor: { maxSinkBatch: 1500 } } });
    const e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics }));
    try {
      // One tenant: one partition, so the request's events queue as one run of 3,000 records.
      const res = await post(e.url, Array.from({ length: 3000 }, (_, i) => event(`m${i}`, 10)));
      expect(res.status).toBe(202);
      expect((await totals(e)).n).toBe('3000');
      const sizes = (await metrics.batchSize.get()).values;
      const count = sizes.find((v) => v.metricName === 'tally_batch_size_count')?.value;
      const sum = sizes.find((v) => v.metricName === 'tally_batch_size_sum')?.value;
      expect(sum).toBe(3000);
      expect(count).toBe(2);
    } finally {
      await e.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the engine’s memory on /metrics (its own accounting and its allocator’s pages, read at each scrape), returns freed pages after 1 s, and keeps no stored raw record in memory', async () => {
    // In tally start chDB runs in the process: beside V8's figures, most of the rest of the RSS is the engine's.
    const dir = mkdtempSync(join(tmpdir(), 'tally-embedded-memory-'));
    const config = loadConfig({ env: {}, overrides: { dataDir: dir, api: { host: '127.0.0.1', port: 0 } } });
    const e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) }));
    try {
      expect((await post(e.url, Array.from({ length: 500 }, (_, i) => event(`mem${i}`, 10)))).status).toBe(202);
      const text = await (await fetch(`${e.url}/metrics`)).text();
      const bytes = (kind: string): number => Number(new RegExp(`^tally_engine_memory_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      expect(bytes('tracked')).toBeGreaterThan(0);
      expect(bytes('allocator_allocated')).toBeGreaterThan(1024 * 1024);
      expect(bytes('allocator_resident')).toBeGreaterThanOrEqual(bytes('allocator_allocated'));
      // Its allocator returns freed pages after 1 s, not its build's 5 s (src/store/chdb/allocator.ts): this file's process set no JE_MALLOC_CONF.
      const [stats] = await e.store.sql.query<{ stats: string }>(allocatorStatsQuery());
      expect(stats?.stats).toMatch(/opt\.dirty_decay_ms: 1000 /);
      // Nothing in tally start replays the raw topic: its records are not kept once stored.
      const kept: unknown[] = [];
      for await (const r of e.log.replay({ topic: e.topics.raw.name, from: { earliest: true } })) kept.push(r);
      expect(kept).toEqual([]);
    } finally {
      await e.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
