/**
 * `tally replay` (raw and --embedded) runs records through the processor's
 * batch handling built by `buildReplayHandler`: CloudEvents replayed from the
 * raw topic must be mapped with the configured `cloudevents.subject`, as the
 * processor maps them (issue 15: replay gave OpenMeter-style events, whose
 * subject is the billed customer, the tenant `default`).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { resolveTopics } from '../../../src/eventlog/topics.js';
import type { BatchContext, LogRecord } from '../../../src/eventlog/types.js';
import type { PricedEvent } from '../../../src/pipeline/types.js';
import { createPricer, loadCatalog } from '../../../src/pricing/index.js';
import { buildReplayHandler } from '../../../src/runtime/processor.js';
import type { AnalyticsStore } from '../../../src/store/types.js';

const running: BatchContext = { heartbeat: async () => undefined, isRunning: () => true, isStale: () => false, signal: new AbortController().signal };

function cloudEvent(id: string): Buffer {
  return Buffer.from(JSON.stringify({
    specversion: '1.0', id, source: '/services/chat', type: 'com.example.llm.usage', subject: 'customer-9', time: new Date(Date.now() - 60_000).toISOString(),
    datacontenttype: 'application/json', data: { provider: 'openai', model: 'gpt-4o-mini', usage: { prompt_tokens: 10, completion_tokens: 5 } },
  }));
}

async function replayed(env: Record<string, string>): Promise<PricedEvent[]> {
  const config = loadConfig({ env });
  const stored: PricedEvent[] = [];
  const handle = buildReplayHandler({
    config, logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), store: {} as AnalyticsStore,
    pricer: createPricer(loadCatalog()), topics: resolveTopics({}), maxSinkBatch: 100,
    producer: { send: async () => undefined, close: async () => undefined },
    wrapStore: () => ({ write: async (events) => (stored.push(...events), { counted: events, duplicates: 0, rejected: [] }) }),
  });
  const record: LogRecord = { topic: 'usage.raw', partition: 0, offset: '7', key: null, value: cloudEvent('ce-1'), headers: {}, timestamp: Date.now() };
  await handle({ topic: 'usage.raw', partition: 0, records: [record], highWatermark: '8' }, running);
  return stored;
}

describe('tally replay and cloudevents.subject', () => {
  it('subject → tenant when configured (OpenMeter producers)', async () => {
    const [event] = await replayed({ TALLY_CLOUDEVENTS_SUBJECT: 'tenant' });
    expect(event?.event.tenant).toBe('customer-9');
    expect(event?.event.user_id).toBeUndefined();
  });

  it('subject → user_id by default', async () => {
    const [event] = await replayed({});
    expect(event?.event.tenant).toBe('default');
    expect(event?.event.user_id).toBe('customer-9');
  });
});
