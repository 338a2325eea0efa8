/**
 * Self-enforcing wrappers against real Redis (issue 15, item 3 acceptance):
 * the real `openai` and `@anthropic-ai/sdk` clients pointed at a local mock,
 * wrapped with a quota client — in-process (with budget leases) and over HTTP
 * against the API. 200 concurrent calls against a hard token budget with room
 * for exactly 20 estimates → exactly 20 reach the mock; provider errors and
 * aborted streams settle (reserved back to 0, used = what the processor
 * counted of the recorded events); an unreachable Redis or API follows the
 * fail_open / fail_closed policy. The recorded events go through the real
 * pipeline (accept, normalize, price) into a processor engine, as the
 * processor would count them.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { BudgetEngine } from '../../../src/budgets/engine.js';
import { costEstimator } from '../../../src/budgets/estimate-cost.js';
import type { BudgetInput } from '../../../src/budgets/model.js';
import { StaticBudgetSource } from '../../../src/budgets/source.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { createRedisCounterStore, type RedisCounterStore } from '../../../src/counters/redis/store.js';
import type { UsageEventInput } from '../../../src/events/schema.js';
import { acceptInput, priceAccepted } from '../../../src/pipeline/price-event.js';
import { createPricer, loadCatalog } from '../../../src/pricing/index.js';
import { createQuotaClient, type QuotaClient } from '../../../src/sdk/quota.js';
import { wrapAnthropic } from '../../../src/sdk/wrappers/anthropic.js';
import { wrapOpenAI } from '../../../src/sdk/wrappers/openai.js';
import { tokenizer } from '../../../src/sdk/wrappers/tokens.js';
import { state } from '../../unit/budgets/fixtures.js';
import { CHAT_USAGE, COOKBOOK_MESSAGES, startLlmMock, type LlmMock } from '../../unit/sdk/llm-mock.js';
import { describeWith, serviceUrl, uniqueName } from '../../support/services.js';

const KEY = 'sk_platform_admin_0123456';
/** The OpenAI cookbook's example prompt: 124 tokens on gpt-4o (tiktoken o200k_base; the OpenAI API counted the same). */
const MESSAGES = COOKBOOK_MESSAGES;
const PROMPT_TOKENS = 124;
const MAX_TOKENS = 100;
const PER_CALL = PROMPT_TOKENS + MAX_TOKENS;
/** Room for exactly 20 estimates (not 21). */
const LIMIT = 20 * PER_CALL + PER_CALL - 1;
const BUDGETS: BudgetInput[] = [
  { id: 'room-for-20', name: 'room for 20', metric: 'tokens', limit: LIMIT, period: 'monthly', scope: { tenant: 'acme' } },
  { id: 'anthropic', name: 'anthropic', metric: 'tokens', limit: 1_000_000, period: 'monthly', scope: { tenant: 'globex' } },
];
const CLOSED_PORT = 42999; // nothing listens here (our range)

const pricer = createPricer(loadCatalog());

/** The quota client with a count of finished settles (the wrappers settle in the background after each call). */
function counted(quota: QuotaClient): QuotaClient & { settled(): number; until(n: number): Promise<void> } {
  let done = 0;
  return {
    ...quota,
    settle: (id, actual) => quota.settle(id, actual).finally(() => done++),
    settled: () => done,
    async until(n) {
      for (let i = 0; i < 500 && done < n; i++) await new Promise((r) => setTimeout(r, 10));
      expect(done).toBe(n);
    },
  };
}

describeWith(['redis'], 'self-enforcing wrappers on real Redis: in-process and over HTTP', () => {
  let mock: LlmMock;
  let app: FastifyInstance | undefined;
  const stores: RedisCounterStore[] = [];
  beforeAll(async () => {
    mock = await startLlmMock();
    await tokenizer('o200k_base');
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await mock.close();
    for (const s of stores) {
      await s.clear();
      await s.close();
    }
  });

  /** A processor stand-in: the recorded events, through the real pipeline, applied by an engine of their own. */
  function processor(counters: RedisCounterStore): { recorder: { record(e: UsageEventInput): string }; count(): Promise<number>; engine: BudgetEngine } {
    const engine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS)) });
    let pending: UsageEventInput[] = [];
    return {
      engine,
      recorder: {
        record(e) {
          const event_id = randomUUID();
          pending.push({ ...e, event_id });
          return event_id;
        },
      },
      async count() {
        const batch = pending;
        pending = [];
        const events = batch.map((e) => {
          const a = acceptInput(e, { receivedAt: new Date() });
          if (!a.ok) throw new Error(a.rejection.message);
          return priceAccepted(pricer, a.event, a.usage, null);
        });
        if (events.length > 0) await engine.apply({ topic: 'usage.raw', partition: 0, events });
        return events.length;
      },
    };
  }

  const figures = async (engine: BudgetEngine, tenant: string): Promise<{ used: string; reserved: string }> => {
    const s = (await engine.check({ tenant })).budgets[0];
    return { used: s?.used ?? '?', reserved: s?.reserved ?? '?' };
  };

  async function twoHundred(quota: ReturnType<typeof counted>, p: ReturnType<typeof processor>, label: string): Promise<void> {
    mock.requests.length = 0;
    const client = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 }), { recorder: p.recorder, quota, identity: { tenant: 'acme' } });
    const started = performance.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, () => client.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, max_tokens: MAX_TOKENS })));
    const ms = performance.now() - started;
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason as { code?: string; details?: Record<string, unknown> });
    console.log(`${label}: 200 concurrent wrapped calls in ${ms.toFixed(0)} ms → ${mock.requests.length} reached the mock, ${refused.length} refused`);
    expect(mock.requests.length).toBe(20);
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(20);
    expect(refused.length).toBe(180);
    expect(new Set(refused.map((r) => r.code))).toEqual(new Set(['QUOTA_EXCEEDED']));
    expect(refused[0]?.details).toMatchObject({ budget_id: 'room-for-20', retry_after_seconds: expect.any(Number) });
    await quota.until(20); // the 20 calls' settles (in the background after each call) have reached Redis
    expect(await p.count()).toBe(20);
  }

  it('in-process (leases on): exactly 20 of 200 reach the provider; errors and aborted streams settle', async () => {
    const prefix = `${uniqueName('wq')}:`;
    const counters = await createRedisCounterStore({ url: serviceUrl('redis') ?? '', prefix });
    stores.push(counters);
    const p = processor(counters);
    const quota = counted(createQuotaClient({ redis: { url: serviceUrl('redis') ?? '', prefix }, budgets: BUDGETS, leases: { renewMs: 100 } }));
    await twoHundred(quota, p, 'in-process');

    // A provider error: the hold is released, nothing is used.
    const anthropic = wrapAnthropic(new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 }), { recorder: p.recorder, quota, identity: { tenant: 'globex' } });
    await expect(anthropic.messages.create({ model: 'claude-sonnet-4-5-fail', max_tokens: 500, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    // An aborted stream after message_start: settled with the usage seen (input 25 + cache write 1,800 + cache read 9,000 + output 1).
    const stream = await anthropic.messages.create({ model: 'claude-sonnet-4-5-slow', max_tokens: 500, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _event of stream) stream.controller.abort();
    await quota.until(22);
    await quota.close(); // returns the leases: what is left reserved is the awaiting hold of the aborted stream
    expect(await figures(p.engine, 'globex')).toEqual({ used: '0', reserved: String(Math.ceil(2 / 3.5) + 500) });
    expect(await p.count()).toBe(2); // the error and the cancelled stream were both recorded
    expect(await figures(p.engine, 'globex')).toEqual({ used: String(25 + 1800 + 9000 + 1), reserved: '0' });
    expect(await figures(p.engine, 'acme')).toEqual({ used: String(20 * CHAT_USAGE.total_tokens), reserved: '0' });
  }, 120_000);

  it('over HTTP against the API: exactly 20 of 200; an aborted OpenAI stream without usage releases', async () => {
    const prefix = `${uniqueName('wh')}:`;
    const counters = await createRedisCounterStore({ url: serviceUrl('redis') ?? '', prefix });
    stores.push(counters);
    const p = processor(counters);
    const apiEngine = new BudgetEngine({ counters, budgets: new StaticBudgetSource(state(BUDGETS)), estimateCost: costEstimator(pricer) });
    app = await createApp({
      logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(),
      keyring: new ApiKeyring([{ id: 'platform', key: KEY, tenant: '*', role: 'admin' }]), openAccess: false, bodyLimitBytes: 1024 * 1024,
      services: { quota: apiEngine },
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const quota = counted(createQuotaClient({ url, apiKey: KEY }));
    await twoHundred(quota, p, 'over HTTP');
    expect(await figures(p.engine, 'acme')).toEqual({ used: String(20 * CHAT_USAGE.total_tokens), reserved: '0' });

    const openai = wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 }), { recorder: p.recorder, quota, identity: { tenant: 'globex' } });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-slow', messages: MESSAGES, max_tokens: 50, stream: true });
    expect(await figures(p.engine, 'globex')).toEqual({ used: '0', reserved: String(PROMPT_TOKENS + 50) });
    for await (const _chunk of stream) stream.controller.abort();
    await quota.until(21);
    expect(await figures(p.engine, 'globex')).toEqual({ used: '0', reserved: '0' });
    expect(await p.count()).toBe(1);
    expect(await figures(p.engine, 'globex')).toEqual({ used: '0', reserved: '0' });
  }, 120_000);

  it('unreachable counters: fail_open calls the provider and records; fail_closed refuses without calling it', async () => {
    const unreachable: [string, QuotaClient][] = [
      ['Redis on a closed port', createQuotaClient({ redis: { url: `redis://127.0.0.1:${CLOSED_PORT}` }, budgets: BUDGETS })],
      ['the API on a closed port', createQuotaClient({ url: `http://127.0.0.1:${CLOSED_PORT}`, apiKey: KEY, timeoutMs: 2_000 })],
    ];
    for (const [label, quota] of unreachable) {
      mock.requests.length = 0;
      const events: UsageEventInput[] = [];
      const errors: unknown[] = [];
      const wrap = (unreachablePolicy: 'fail_open' | 'fail_closed'): OpenAI =>
        wrapOpenAI(new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 }), {
          recorder: { record: (e) => (events.push(e), randomUUID()) }, quota, identity: { tenant: 'acme' }, policy: { unreachable: unreachablePolicy }, onError: (e) => errors.push(e),
        });
      const started = performance.now();
      const open = await wrap('fail_open').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, max_tokens: MAX_TOKENS });
      expect(open.usage?.total_tokens).toBe(CHAT_USAGE.total_tokens);
      expect(mock.requests.length).toBe(1);
      expect(events.map((e) => e.status)).toEqual(['ok']);
      expect(errors.length).toBe(1);
      const closed = await wrap('fail_closed').chat.completions.create({ model: 'gpt-4o', messages: MESSAGES, max_tokens: MAX_TOKENS }).catch((e: unknown) => e);
      expect(closed).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', details: { policy: 'fail_closed' } });
      expect(mock.requests.length).toBe(1);
      console.log(`${label}: fail_open went through (${(errors[0] as { code?: string }).code}), fail_closed refused, in ${(performance.now() - started).toFixed(0)} ms`);
      await quota.close();
    }
  }, 60_000);
});
