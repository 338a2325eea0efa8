import { describe, expect, it } from 'vitest';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { createAlertPublisher } from '../../../src/budgets/publisher.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import type { ThresholdCrossing } from '../../../src/budgets/types.js';
import { WebhookNotifier } from '../../../src/budgets/webhooks.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { AlertPublisher } from '../../../src/processor/types.js';
import { priced, state } from './fixtures.js';

describe('alert publisher', () => {
  it('publishes to the topic, seals, then notifies webhooks: a redelivered batch publishes nothing more', async () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([{ id: 'b', name: 'b', metric: 'requests', limit: 2, period: 'daily', thresholds: [50], scope: { tenant: 'acme' } }])) });
    const topic: ThresholdCrossing[] = [];
    const posted: string[] = [];
    const webhooks = new WebhookNotifier({
      targets: [{ url: 'http://hook.test/x', secret: 'sixteen-characters!' }],
      fetch: async (_url, init) => {
        posted.push(String((init?.headers as Record<string, string>)['x-tally-delivery']));
        return new Response(null, { status: 204 });
      },
    });
    const publisher = createAlertPublisher({ engine, send: async (c) => void topic.push(...c), webhooks, awaitWebhooks: true });
    const asProcessor: AlertPublisher = publisher;
    const batch = { topic: 'usage.raw', partition: 0, events: [priced({ id: 'e1', at: Date.now(), offset: 7 })] };
    await asProcessor.publish((await engine.apply(batch)).crossings);
    await asProcessor.publish((await engine.apply(batch)).crossings); // redelivery after the publish
    expect(topic.map((c) => c.body.threshold)).toEqual([50]);
    expect(posted).toEqual([topic[0]?.id]);
  });
});
