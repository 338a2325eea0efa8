/**
 * Issue #15 acceptance: the CloudEvents JS SDK sending usage events to a
 * running tally (`tally start`, embedded) in binary mode (HTTP.binary: `ce-*`
 * headers) and structured mode (HTTP.structured). Both modes store the same
 * event: tenant from the `tenant` extension, user from `subject`, event id
 * from `id`. A retry with the same `ce-id` — again in binary mode, and once
 * more in structured mode — is counted once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudEvent, HTTP, type Message } from 'cloudevents';
import { loadConfig } from '../../../src/config/load.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createProcessContext } from '../../../src/runtime/context.js';
import { startEmbedded, type Embedded } from '../../../src/runtime/processes/embedded.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tally-ce-sdk-'));
let e: Embedded;

beforeAll(async () => {
  const config = loadConfig({ env: {}, overrides: { dataDir, api: { host: '127.0.0.1', port: 0 } } });
  e = await startEmbedded(createProcessContext(config, { logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }) }));
});
afterAll(async () => {
  await e?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const usage = (i: number): CloudEvent<unknown> =>
  new CloudEvent({
    id: `ce-${i}`, source: '/services/chat', type: 'com.example.llm.usage', subject: `customer-${i % 3}`, tenant: 'ce-acme',
    data: { provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 1_000 + i, completion_tokens: 100 } },
  });

async function post(m: Message): Promise<Response> {
  return fetch(`${e.url}/v1/events`, { method: 'POST', headers: m.headers as Record<string, string>, body: m.body as string });
}

interface Row {
  readonly event_id: string;
  readonly tenant: string;
  readonly user_id: string;
  readonly total_tokens: string;
  readonly cost_total: string;
}

async function rows(): Promise<Row[]> {
  return e.store.sql.query<Row>({
    sql: `SELECT event_id, tenant, user_id, toString(total_tokens) AS total_tokens, toString(cost_total) AS cost_total
          FROM usage_events WHERE tenant = 'ce-acme' ORDER BY event_id`,
  });
}

describe('the CloudEvents SDK sending to tally (POST /v1/events)', () => {
  it('stores binary and structured events alike, and counts a retried ce-id once', async () => {
    for (let i = 0; i < 6; i++) expect((await post(i % 2 === 0 ? HTTP.binary(usage(i)) : HTTP.structured(usage(i)))).status).toBe(202);
    const first = await rows();
    expect(first.map((r) => [r.event_id, r.tenant, r.user_id, r.total_tokens])).toEqual(
      Array.from({ length: 6 }, (_, i) => [`ce-${i}`, 'ce-acme', `customer-${i % 3}`, String(1_100 + i)]),
    );
    expect(first.every((r) => Number(r.cost_total) > 0)).toBe(true);

    // Retries: ce-0 in binary mode again, and in structured mode; ce-1 (first sent structured) in binary mode.
    for (const m of [HTTP.binary(usage(0)), HTTP.structured(usage(0)), HTTP.binary(usage(1))]) {
      const res = await post(m);
      expect(res.status).toBe(202);
    }
    // Raw rows, not FINAL: a duplicate is never written.
    expect(await rows()).toEqual(first);
  });
});
