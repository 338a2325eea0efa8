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

  it('records each published crossing after the topic has it and before its mark is sealed; a failed record fails the publish', async () => {
    const engine = new BudgetEngine({ counters: new MemoryCounterStore(), budgets: new StaticBudgetSource(state([{ id: 'b', name: 'b', metric: 'requests', limit: 2, period: 'daily', thresholds: [50, 100], scope: { tenant: 'acme' } }])) });
    const steps: string[] = [];
    let failRecord = true;
    const recorded: { alert_id: string; budget_id: string; tenant: string; crossed_at: string; body: string }[] = [];
    const publisher = createAlertPublisher({
      engine: { confirm: async (c) => { steps.push(`confirm ${c.length}`); await engine.confirm(c); } },
      send: async (c) => void steps.push(`send ${c.length}`),
      recorder: {
        recordAlerts: async (rows) => {
          steps.push(`record ${rows.length}`);
          if (failRecord) throw new Error('store down');
          recorded.push(...rows);
        },
      },
    });
    const batch = { topic: 'usage.raw', partition: 0, events: [priced({ id: 'e1', at: Date.now(), offset: 7 }), priced({ id: 'e2', at: Date.now(), offset: 8 })] };
    const crossings = (await engine.apply(batch)).crossings;
    await expect(publisher.publish(crossings)).rejects.toThrow('store down');
    failRecord = false;
    // The processor does not commit; the redelivered batch claims the same crossings again.
    await publisher.publish((await engine.apply(batch)).crossings);
    expect(steps).toEqual(['send 2', 'record 2', 'send 2', 'record 2', 'confirm 2']);
    expect(recorded.map((r) => [r.budget_id, r.tenant, r.alert_id])).toEqual(crossings.map((c) => ['b', 'acme', c.id]));
    expect(recorded.map((r) => JSON.parse(r.body) as unknown)).toEqual(crossings.map((c) => ({ ...c.body, crossed_at: expect.any(String) as unknown })));
    expect(recorded.map((r) => r.crossed_at)).toEqual(recorded.map((r) => (JSON.parse(r.body) as { crossed_at: string }).crossed_at));
  });
});
