/**
 * Sink outage: the analytics store is unreachable for 30 seconds. The
 * processor keeps the batch, commits nothing, reports not-ready, retries with
 * backoff, and when the store is back stores everything exactly once.
 *
 * The store is the @clickhouse/client adapter talking HTTP through a TCP proxy
 * that cuts every connection during the outage — to a real ClickHouse server
 * when CLICKHOUSE_URL is set, else to the chDB-served ClickHouse-HTTP TEST
 * STAND-IN (test/support/clickhouse-standin.ts, not a ClickHouse server).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { acquireChdbEngine, type ChdbEngine } from '../../../src/store/chdb/engine.js';
import { createClickHouseStore } from '../../../src/store/clickhouse/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { startClickHouseStandin, type ClickHouseStandin } from '../../support/clickhouse-standin.js';
import { describeWith, kafkaBrokers, serviceUrl, uniqueName } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';
import { storedTotals, streamHarness, waitFor, type StreamHarness } from './harness.js';
import { workload, type Item } from './workload.js';

describeWith(['kafka'], 'sink outage (store unreachable for 30 s)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-outage-'));
  let engine: ChdbEngine | undefined;
  let standin: ClickHouseStandin | undefined;
  let proxy: TcpProxy;
  let viaProxy: AnalyticsStore;
  let direct: AnalyticsStore;
  let h: StreamHarness;

  beforeAll(async () => {
    let target = serviceUrl('clickhouse');
    if (target === undefined) {
      engine = acquireChdbEngine(dataDir);
      standin = await startClickHouseStandin();
      target = standin.url;
    }
    const url = new URL(target);
    proxy = await startTcpProxy(url.hostname, Number(url.port));
    const database = uniqueName('outage');
    direct = await createClickHouseStore({ url: target, database });
    await migrate(direct);
    viaProxy = await createClickHouseStore({ url: `http://127.0.0.1:${proxy.port}`, database, requestTimeoutMs: 5_000 });
    h = await streamHarness(viaProxy, { retryMaxDelayMs: 3_000 });
  });

  afterAll(async () => {
    await h?.close();
    await viaProxy?.close();
    await direct?.close();
    await proxy?.close();
    await standin?.close();
    await engine?.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops committing, reports not-ready, and resumes with nothing lost', { timeout: 240_000 }, async () => {
    const w = workload(6_000, new Date(Date.now() - 3_600_000), 'o');
    const valid = w.items.filter((i): i is Exclude<Item, { kind: 'invalid' }> => i.kind !== 'invalid');
    const half = Math.floor(valid.length / 2);
    const producer = h.log.producer();
    const send = async (items: typeof valid): Promise<void> => {
      for (let i = 0; i < items.length; i += 500) {
        await producer.send(h.topics.raw.name, items.slice(i, i + 500).map((item) => ({ key: String(item.event.tenant), value: JSON.stringify(item.event) })));
      }
    };
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const committed = async (): Promise<string> => {
      const [c] = await admin.fetchOffsets({ groupId: h.groupId, topics: [h.topics.raw.name] });
      return JSON.stringify(c?.partitions.map((p) => [p.partition, p.offset]).sort());
    };

    const firstHalf = valid.slice(0, half);
    const uniqueFirst = new Set(firstHalf.map((i) => String(i.event.event_id))).size;
    await send(firstHalf);
    await waitFor('the first half stored', async () => (await storedTotals(direct)).events === uniqueFirst);
    await new Promise((r) => setTimeout(r, 1_000));
    const before = await committed();

    proxy.down();
    const outageStart = Date.now();
    await send(valid.slice(half));
    await waitFor('the processor to report not-ready', async () => !h.health.ready(), 20_000);
    const readiness: boolean[] = [];
    while (Date.now() - outageStart < 30_000) {
      readiness.push(h.health.ready());
      expect(await committed()).toBe(before);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(readiness.every((r) => !r)).toBe(true);
    expect(h.health.report().checks.store).toMatchObject({ ok: false });
    expect((await storedTotals(direct)).events).toBeLessThan(w.expected.events);
    const sinkErrors = await h.metrics.registry.getSingleMetricAsString('tally_sink_errors_total');
    expect(sinkErrors).toMatch(/sink="store",code="STORE_UNAVAILABLE"\} [1-9]/);

    proxy.up();
    await waitFor('every event stored after the outage', async () => (await storedTotals(direct)).events >= w.expected.events, 120_000);
    await waitFor('the processor to report ready again', async () => h.health.ready(), 30_000);
    expect(await committed()).not.toBe(before);
    const totals = await storedTotals(direct);
    expect(totals).toEqual({ rows: w.expected.events, events: w.expected.events, unpriced: w.expected.unpriced, tokens: w.expected.tokens, cost: w.expected.cost });
    await admin.disconnect();
    await producer.close();
  });
});
