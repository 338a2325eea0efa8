/**
 * Threshold alerts end to end: real Kafka (raw and alerts topics), real
 * Redis counters, chDB store, a processor wired as `tally processor` wires it
 * (`buildBudgets` → engine + publisher), and a local webhook receiver that
 * verifies the HMAC signature.
 *
 * Crossing 80 % emits exactly one alert — one record on the alerts topic and
 * one accepted webhook delivery — although the batch that crossed is
 * delivered twice: the publisher is made to fail once AFTER publishing (the
 * batch is not committed; Kafka redelivers it), and for the 100 % crossing
 * once BEFORE publishing (the redelivered batch must still publish it).
 * A webhook that refuses (410) shows up as a failure in metrics and on the
 * notifier; the endpoint that answers 503 first is retried. The store lists
 * each alert once (issue 17: the budgets page's "alerts it has sent"), also
 * a crossing published twice because the process failed after recording it
 * and before sealing its mark (the redelivered batch publishes it again).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifySignature } from '../../../src/budgets/index.js';
import { loadConfig } from '../../../src/config/load.js';
import { TallyError } from '../../../src/core/errors.js';
import { HealthState } from '../../../src/core/health.js';
import { createKafkaEventLog } from '../../../src/eventlog/kafka/log.js';
import { resolveTopics, topicSpecs, type Topics } from '../../../src/eventlog/topics.js';
import type { EventLog, LogRecord } from '../../../src/eventlog/types.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics, type Metrics } from '../../../src/core/metrics.js';
import type { Processor } from '../../../src/processor/processor.js';
import type { AlertMessage, AlertPublisher } from '../../../src/processor/types.js';
import { buildPricer } from '../../../src/runtime/adapters.js';
import { alertsTopicSender, buildBudgets, type Budgets } from '../../../src/runtime/budgets.js';
import { buildProcessor } from '../../../src/runtime/processor.js';
import { createChdbStore } from '../../../src/store/chdb/store.js';
import { migrate } from '../../../src/store/migrate.js';
import type { AnalyticsStore } from '../../../src/store/types.js';
import { describeWith, kafkaBrokers, serviceUrl, uniqueName } from '../../support/services.js';

const SECRET = 'whsec_test_0123456789abcdef';

interface Delivery { readonly id: string; readonly status: number; readonly verified: boolean; readonly body: Record<string, unknown> }

/** A webhook receiver: answers 503 to its very first request, then 204 to signed ones (401 otherwise). */
async function webhookReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const verified = verifySignature(SECRET, String(req.headers['x-tally-signature'] ?? ''), String(req.headers['x-tally-timestamp'] ?? ''), body);
      const status = deliveries.length === 0 ? 503 : verified ? 204 : 401;
      deliveries.push({ id: String(req.headers['x-tally-delivery'] ?? ''), status, verified, body: JSON.parse(body) as Record<string, unknown> });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/tally`, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}

async function gone(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(410).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/gone`, close: () => new Promise((r) => server.close(() => r())) };
}

async function readAll(log: EventLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const r of log.replay({ topic, from: { earliest: true } })) out.push(r);
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).find((x) => Object.entries(labels).every(([k, l]) => (x.labels as Record<string, unknown>)[k] === l));
  return Number(v?.value ?? 0);
}

describeWith(['kafka', 'redis'], 'threshold alerts: topic + signed webhooks, exactly once across redelivery', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tally-alerts-'));
  let store: AnalyticsStore;
  let log: EventLog;
  let topics: Topics;
  let groupId: string;
  let budgets: Budgets;
  let processor: Processor;
  let metrics: Metrics;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let refusing: Awaited<ReturnType<typeof gone>>;
  /** What the next publishes do: fail after publishing, fail before, or pass. */
  const faults: ('after' | 'before')[] = [];
  const publishCalls: number[] = [];
  /** Recordings of alerts in the store that fail after the rows are written (a crash before the marks are sealed). */
  let failRecordsAfterWriting = 0;
  /** Events the counters skipped as redelivered (offset at or below the fence), per apply. */
  const fenced: number[] = [];

  beforeAll(async () => {
    store = await createChdbStore({ dataDir, database: uniqueName('alerts') });
    await migrate(store);
    const record = store.budgets.recordAlerts.bind(store.budgets);
    store.budgets.recordAlerts = async (rows) => {
      await record(rows);
      if (failRecordsAfterWriting > 0) {
        failRecordsAfterWriting--;
        throw new TallyError('INTERNAL', 'injected: crash after recording the alerts, before sealing their marks');
      }
    };
    hook = await webhookReceiver();
    refusing = await gone();
    const prefix = uniqueName('tal');
    topics = resolveTopics({ prefix: `${prefix}.`, raw: { partitions: 2 }, dlq: { partitions: 1 }, alerts: { partitions: 1 } });
    groupId = `${prefix}.processor`;
    const config = loadConfig({
      env: {},
      overrides: {
        redis: { url: serviceUrl('redis'), keyPrefix: prefix },
        processor: { groupId, maxWaitTimeMs: 20, minBytes: 1 },
        budgets: { webhooks: [{ url: hook.url, secret: SECRET }, { url: refusing.url, secret: SECRET }] },
      } as never,
    });
    log = createKafkaEventLog({ brokers: kafkaBrokers(), clientId: prefix, consumer: { redeliveryInitialDelayMs: 100, redeliveryMaxDelayMs: 500 } });
    await log.ensureTopics(topicSpecs(topics));
    metrics = createMetrics({ defaultMetrics: false });
    const logger = silentLogger();
    budgets = await buildBudgets({
      config, store, logger, metrics, pricer: buildPricer(config),
      alertsSend: alertsTopicSender(log.producer(), topics.alerts.name),
      overrides: { pollMs: 100, awaitWebhooks: true, webhookInitialDelayMs: 20 },
    });
    await budgets.repository.create({ id: 'acme-daily-requests', name: 'acme requests', metric: 'requests', limit: 10, period: 'daily', thresholds: [80, 100], scope: { tenant: 'acme' }, metadata: { owner: 'ops' } });
    await budgets.source.refresh();
    const flaky: AlertPublisher = {
      async publish(alerts: readonly AlertMessage[]) {
        publishCalls.push(alerts.length);
        const fault = faults.shift();
        if (fault === 'before') throw new TallyError('INTERNAL', 'injected: crash before publishing');
        await budgets.publisher.publish(alerts as Parameters<typeof budgets.publisher.publish>[0]);
        if (fault === 'after') throw new TallyError('INTERNAL', 'injected: crash after publishing, before the commit');
      },
    };
    processor = buildProcessor({
      config, logger, metrics, health: new HealthState(), log, store, pricer: buildPricer(config), topics,
      counters: { apply: async (batch) => { const r = await budgets.engine.apply(batch); fenced.push(r.fenced); return r; } }, alerts: flaky, overrides: { retryInitialDelayMs: 50, retryMaxDelayMs: 500 },
    });
    await processor.start();
  });

  afterAll(async () => {
    await processor?.stop();
    await budgets?.counters.clear();
    await budgets?.close();
    await log?.close();
    await store?.close();
    await hook?.close();
    await refusing?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  let seq = 0;
  const send = async (n: number): Promise<void> => {
    const producer = log.producer();
    await producer.send(topics.raw.name, Array.from({ length: n }, () => {
      seq += 1;
      return { key: 'acme', value: JSON.stringify({ event_id: `al-${seq}`, tenant: 'acme', user_id: 'bob', provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } }) };
    }));
    await producer.close();
  };
  const committedAll = async (): Promise<boolean> => {
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topics.raw.name);
      const [c] = await admin.fetchOffsets({ groupId, topics: [topics.raw.name] });
      return ends.every((e) => BigInt((c?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1') === '-1' ? e.low : (c?.partitions.find((p) => p.partition === e.partition)?.offset ?? '0')) >= BigInt(e.high));
    } finally {
      await admin.disconnect();
    }
  };
  const used = async (): Promise<string> => (await budgets.engine.status('acme-daily-requests')).used;

  it('crossing 80 % emits exactly one alert on the topic and at the webhook, although the crossing batch is redelivered', { timeout: 120_000 }, async () => {
    await send(7);
    await waitFor('7 events counted and committed', async () => (await used()) === '7' && (await committedAll()));
    expect(await readAll(log, topics.alerts.name)).toHaveLength(0);

    faults.push('after');
    await send(2);
    await waitFor('the crossing batch redelivered and committed', async () => faults.length === 0 && publishCalls.length >= 1 && (await committedAll()));
    await new Promise((r) => setTimeout(r, 500));
    expect(await used()).toBe('9'); // the redelivered batch was not counted twice
    expect(fenced.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1); // …and it was redelivered

    const records = await readAll(log, topics.alerts.name);
    expect(records).toHaveLength(1);
    const alert = JSON.parse(records[0]?.value.toString() ?? '{}') as Record<string, unknown>;
    expect(records[0]?.key).toBe('acme');
    expect(records[0]?.headers['tally-alert-id']).toBe(alert.alert_id);
    expect(alert).toMatchObject({
      type: 'budget.threshold_crossed', budget_id: 'acme-daily-requests', budget_name: 'acme requests', tenant: 'acme', subject: {},
      threshold: 80, limit: '10', metric: 'requests', period: 'daily', bucket: new Date().toISOString().slice(0, 10), metadata: { owner: 'ops' },
    });
    expect(['8', '9']).toContain(alert.used);
    expect(Number(alert.percentage)).toBeGreaterThanOrEqual(80);

    const accepted = hook.deliveries.filter((d) => d.status === 204);
    expect(accepted.map((d) => d.id)).toEqual([alert.alert_id]);
    expect(hook.deliveries.every((d) => d.verified && d.id === alert.alert_id)).toBe(true);
    expect(hook.deliveries[0]?.status).toBe(503); // retried with backoff
    expect(accepted[0]?.body).toEqual(alert);

    // Recorded by the publisher: listed once, as the topic carried it.
    const listed = await store.budgets.alerts({ budgetId: 'acme-daily-requests', limit: 10 });
    expect(listed.map((r) => r.alert_id)).toEqual([alert.alert_id]);
    expect(JSON.parse(listed[0]?.body ?? '{}')).toMatchObject({ ...alert, crossed_at: expect.any(String) as unknown });
    expect(listed[0]).toMatchObject({ budget_id: 'acme-daily-requests', tenant: 'acme' });
  });

  it('a crossing whose publish failed before it reached the topic is published once by the redelivery', { timeout: 120_000 }, async () => {
    faults.push('before');
    await send(1);
    await waitFor('the 100 % batch redelivered and committed', async () => faults.length === 0 && (await used()) === '10' && (await committedAll()) && (await readAll(log, topics.alerts.name)).length >= 2);
    await new Promise((r) => setTimeout(r, 500));
    const alerts = (await readAll(log, topics.alerts.name)).map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>);
    expect(alerts.map((a) => a.threshold)).toEqual([80, 100]);
    expect(alerts[1]).toMatchObject({ used: '10', percentage: 100, exceeded: true });
    expect(publishCalls.slice(-2)).toEqual([1, 1]); // refused once, published by the redelivery
    // Listed newest first, each once: what the topic carried.
    expect((await store.budgets.alerts({ budgetId: 'acme-daily-requests', limit: 10 })).map((r) => r.alert_id)).toEqual([...alerts].reverse().map((a) => a.alert_id));
    const accepted = hook.deliveries.filter((d) => d.status === 204).map((d) => d.id);
    expect(accepted).toEqual(alerts.map((a) => a.alert_id));

    // Visible: emitted alerts, retries and the refusing endpoint's failures.
    expect(await counterValue(metrics, 'tally_alerts_emitted_total', { threshold: '80' })).toBe(1);
    expect(await counterValue(metrics, 'tally_alerts_emitted_total', { threshold: '100' })).toBe(1);
    expect(await counterValue(metrics, 'tally_webhook_deliveries_total', { result: 'ok' })).toBe(2);
    expect(await counterValue(metrics, 'tally_webhook_deliveries_total', { result: 'failed' })).toBe(2);
    expect(await counterValue(metrics, 'tally_webhook_deliveries_total', { result: 'retry' })).toBeGreaterThanOrEqual(1);
    expect(budgets.webhooks?.recentFailures().map((f) => [f.url, f.status])).toEqual([[refusing.url, 410], [refusing.url, 410]]);
  });

  it('a crossing published again after a crash between recording and sealing is listed once', { timeout: 120_000 }, async () => {
    await budgets.repository.create({ id: 'acme-daily-pair', name: 'acme pairs', metric: 'requests', limit: 2, period: 'daily', thresholds: [50], scope: { tenant: 'acme' } });
    await budgets.source.refresh();
    failRecordsAfterWriting = 1;
    await send(1);
    const ofPair = async (): Promise<Record<string, unknown>[]> =>
      (await readAll(log, topics.alerts.name)).map((r) => JSON.parse(r.value.toString()) as Record<string, unknown>).filter((a) => a.budget_id === 'acme-daily-pair');
    await waitFor('the batch redelivered, the crossing published again and committed', async () => failRecordsAfterWriting === 0 && (await ofPair()).length >= 2 && (await committedAll()));
    await new Promise((r) => setTimeout(r, 500));
    // On the topic twice (at least once; consumers dedupe by id), in the store's list once.
    const published = await ofPair();
    expect(published.map((a) => a.alert_id)).toEqual([published[0]?.alert_id, published[0]?.alert_id]);
    const listed = await store.budgets.alerts({ budgetId: 'acme-daily-pair', limit: 10 });
    expect(listed.map((r) => r.alert_id)).toEqual([published[0]?.alert_id]);
    expect(JSON.parse(listed[0]?.body ?? '{}')).toMatchObject({ threshold: 50, tenant: 'acme', used: published[1]?.used, limit: '2' });
  });
});
