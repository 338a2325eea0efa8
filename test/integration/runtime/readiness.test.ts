/**
 * Issue 10, item 11: /readyz asks every dependency a process needs. `tally
 * api` and `tally processor` are started in-process (the functions the CLI
 * calls) against real services: Kafka, Redis reached through a TCP proxy,
 * and the store — ClickHouse when CLICKHOUSE_URL is set, else the chDB-served
 * ClickHouse-HTTP TEST STAND-IN — through another. Cutting a proxy is the
 * dependency going away for the process: /readyz turns 503 and names it;
 * restoring it makes the process ready again. (On main the API answered
 * `{"ready":true,"checks":{}}` throughout.) An API whose budgets all fail
 * open stays ready while Redis is away, its `redis` check degraded (issue 14:
 * it answers every quota check without Redis). Kafka's own outage needs a broker
 * of the test's own and is covered by issue 18's fault tests; here Kafka is
 * asked and answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import type { TallyConfig } from '../../../src/config/schema.js';
import { resolveTopics } from '../../../src/eventlog/topics.js';
import { startApi, type ApiProcess } from '../../../src/runtime/processes/api.js';
import { startProcessor, type ProcessorProcess } from '../../../src/runtime/processes/processor.js';
import { acquireChdbEngine, type ChdbEngine } from '../../../src/store/chdb/engine.js';
import { createClickHouseStore } from '../../../src/store/clickhouse/store.js';
import { migrate } from '../../../src/store/migrate.js';
import { startClickHouseStandin, type ClickHouseStandin } from '../../support/clickhouse-standin.js';
import { testContext } from '../../support/context.js';
import { freePort } from '../../support/ports.js';
import { describeWith, kafkaBrokers, serviceUrl, uniqueName } from '../../support/services.js';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy.js';

interface Report { ready: boolean; checks: Record<string, { ok: boolean; error?: string; degraded?: boolean }> }

describeWith(['kafka', 'redis'], 'readiness asks every dependency (tally api, tally processor)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-readiness-'));
  let engine: ChdbEngine | undefined;
  let standin: ClickHouseStandin | undefined;
  let storeProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let api: ApiProcess;
  /** A second `tally api` whose budgets all fail open (budgets.outagePolicy: open): Redis away only degrades it. */
  let openApi: ApiProcess;
  let processor: ProcessorProcess;

  const readyz = async (url: string): Promise<{ status: number; body: Report }> => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: (await res.json()) as Report };
  };
  /** Polls /readyz until `want` holds (a cut connection is noticed on the next ask; a restored one after the client reconnects). */
  const until = async (url: string, want: (r: { status: number; body: Report }) => boolean): Promise<{ status: number; body: Report }> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await readyz(url);
      if (want(r) || Date.now() > deadline) return r;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  beforeAll(async () => {
    let target = serviceUrl('clickhouse');
    if (target === undefined) {
      engine = acquireChdbEngine(dataDir);
      standin = await startClickHouseStandin();
      target = standin.url;
    }
    const url = new URL(target);
    storeProxy = await startTcpProxy(url.hostname, Number(url.port));
    const redis = new URL(serviceUrl('redis') ?? '');
    redisProxy = await startTcpProxy(redis.hostname, Number(redis.port));
    const database = uniqueName('readiness');
    const direct = await createClickHouseStore({ url: target, database });
    await migrate(direct);
    await direct.close();
    const prefix = uniqueName('rdy');
    const topics = resolveTopics({ prefix: `${prefix}.` });
    const config: TallyConfig = loadConfig({
      env: {},
      overrides: {
        kafka: { brokers: kafkaBrokers() },
        clickhouse: { url: `http://127.0.0.1:${storeProxy.port}`, database, requestTimeoutMs: 3_000 },
        redis: { url: `redis://127.0.0.1:${redisProxy.port}`, keyPrefix: prefix },
        topics: { raw: topics.raw.name, dlq: topics.dlq.name, alerts: topics.alerts.name, rawPartitions: 2, sidePartitions: 1 },
        api: { host: '127.0.0.1', port: 0, keys: [{ id: 'k', key: 'readiness-key-0123456789', tenant: '*', role: 'admin' }] },
        processor: { groupId: `${prefix}-group`, healthPort: await freePort() },
        // A budget without its own outage policy: it follows each process's budgets.outagePolicy (`store`, so fail
        // closed while Redis is unreachable; `open` for openApi).
        budgets: { defaults: [{ id: 'tenant-cap', name: 'tenant cap', metric: 'cost', limit: '100', period: 'monthly', scope: { tenant: '*' } }] },
      } as never,
    });
    api = await startApi(testContext(config));
    openApi = await startApi(testContext({ ...config, budgets: { ...config.budgets, outagePolicy: 'open' } }));
    processor = await startProcessor(testContext(config));
  });

  afterAll(async () => {
    await api?.close();
    await openApi?.close();
    await processor?.close();
    await redisProxy?.close();
    await storeProxy?.close();
    await standin?.close();
    await engine?.release();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is ready with every dependency asked and answering', async () => {
    for (const url of [api.url, openApi.url, processor.url]) {
      const r = await until(url, (x) => x.status === 200);
      expect(r.status, url).toBe(200);
      expect(r.body.ready).toBe(true);
      for (const name of ['store', 'redis', 'kafka']) expect(r.body.checks[name], `${url} ${name}`).toMatchObject({ ok: true });
    }
  });

  it('is not ready while Redis is away, naming it, and ready again when it is back', async () => {
    redisProxy.down();
    for (const url of [api.url, processor.url]) {
      const r = await until(url, (x) => x.status === 503);
      expect(r.status, url).toBe(503);
      expect(r.body.checks.redis, url).toMatchObject({ ok: false, error: expect.any(String) });
      expect(r.body.checks.store?.ok, url).toBe(true);
    }
    // Every budget fails open: the API answers every check without Redis, so it stays ready, Redis reported degraded.
    const open = await until(openApi.url, (x) => x.body.checks.redis?.ok === false);
    expect(open.status).toBe(200);
    expect(open.body).toMatchObject({ ready: true, checks: { redis: { ok: false, degraded: true, error: expect.any(String) }, store: { ok: true } } });
    redisProxy.up();
    for (const url of [api.url, openApi.url, processor.url]) expect((await until(url, (x) => x.status === 200 && x.body.checks.redis?.ok === true)).status, url).toBe(200);
  });

  it('is not ready while the store is away, naming it, and ready again when it is back', async () => {
    storeProxy.down();
    for (const url of [api.url, processor.url]) {
      const r = await until(url, (x) => x.status === 503);
      expect(r.status, url).toBe(503);
      expect(r.body.checks.store, url).toMatchObject({ ok: false, error: expect.any(String) });
    }
    storeProxy.up();
    for (const url of [api.url, processor.url]) expect((await until(url, (x) => x.status === 200)).status, url).toBe(200);
  });
});
