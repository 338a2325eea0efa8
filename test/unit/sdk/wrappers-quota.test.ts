/**
 * Self-enforcing wrappers (issue 15, item 3) with the real `openai` and
 * `@anthropic-ai/sdk` clients against the local mock, and the in-process
 * quota client over in-memory counters: the estimate (the prompt counted with
 * tiktoken — checked against the OpenAI cookbook's counts, which the OpenAI
 * API confirmed), refusal without calling the provider, settling on success,
 * errors and aborted streams, the SDK promise's helpers, the unreachable policy.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BudgetInput } from '../../../src/budgets/model.js';
import type { Subject, UsageEstimate } from '../../../src/budgets/types.js';
import { TallyError } from '../../../src/core/errors.js';
import { MemoryCounterStore } from '../../../src/counters/memory/store.js';
import type { UsageEventInput } from '../../../src/events/schema.js';
import { createQuotaClient, type QuotaClient } from '../../../src/sdk/quota.js';
import { wrapAnthropic } from '../../../src/sdk/wrappers/anthropic.js';
import type { WrapperOptions } from '../../../src/sdk/wrappers/common.js';
import { wrapOpenAI } from '../../../src/sdk/wrappers/openai.js';
import { APPROXIMATE, encodingFor, messageTokens, tokenizer, toolTokens } from '../../../src/sdk/wrappers/tokens.js';
import { hasUsage } from '../../../src/sdk/wrappers/enforce.js';
import { COOKBOOK_MESSAGES, startLlmMock, type LlmMock } from './llm-mock.js';

/** Section 7: with this tool the API counted 101 prompt tokens on gpt-4o. */
const COOKBOOK_TOOLS = [
  {
    type: 'function' as const,
    function: {
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: {
        type: 'object',
        properties: {
          location: { type: 'string', description: 'The city and state, e.g. San Francisco, CA' },
          unit: { type: 'string', description: 'The unit of temperature to return', enum: ['celsius', 'fahrenheit'] },
        },
        required: ['location'],
      },
    },
  },
];
const COOKBOOK_TOOL_MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful assistant that can answer to questions about the weather.' },
  { role: 'user' as const, content: "What's the weather like in San Francisco?" },
];

let mock: LlmMock;
let events: UsageEventInput[];
let errors: unknown[];
let n = 0;
const recorder = {
  record(event: UsageEventInput): string {
    events.push(event);
    return `ev-${++n}`;
  },
};

beforeAll(async () => {
  mock = await startLlmMock();
  await tokenizer('o200k_base'); // built once per process (about a second of CPU)
}, 60_000);
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  events = [];
  errors = [];
  mock.requests.length = 0;
});

const openai = (): OpenAI => new OpenAI({ apiKey: 'sk-test', baseURL: `${mock.url}/v1`, maxRetries: 0 });
const anthropic = (): Anthropic => new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });

interface Spy {
  readonly quota: Pick<QuotaClient, 'reserve' | 'settle'>;
  readonly reserved: { subject: Subject; estimate: UsageEstimate }[];
  readonly settled: { id: string; actual: unknown }[];
}

/** A quota client that grants everything and notes what it was asked. */
function spy(): Spy {
  const reserved: Spy['reserved'] = [];
  const settled: Spy['settled'] = [];
  return {
    reserved,
    settled,
    quota: {
      async reserve(subject, estimate) {
        reserved.push({ subject, estimate });
        return { granted: true, allowed: true, reservation_id: `r-${reserved.length}`, budgets: [], exceeded: [], retry_after_seconds: null, expires_at: null };
      },
      async settle(id, actual) {
        settled.push({ id, actual });
        return { reservation_id: id, status: actual ? 'awaiting' : 'released' };
      },
    },
  };
}

const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
};

const options = (quota: WrapperOptions['quota'], extra: Partial<WrapperOptions> = {}): WrapperOptions => ({
  recorder, quota, identity: { tenant: 'acme', user_id: 'bob' }, onError: (e) => errors.push(e), ...extra,
});

describe('the estimate: the prompt counted with tiktoken', () => {
  it('counts the cookbook examples as the OpenAI API did: 124 (gpt-4o), 129 (gpt-4), 101 with a tool (gpt-4o)', async () => {
    expect(encodingFor('gpt-4o-2024-08-06')).toBe('o200k_base');
    expect(encodingFor('gpt-4-0613')).toBe('cl100k_base');
    expect(encodingFor('claude-sonnet-4-5')).toBeNull();
    const o200k = await tokenizer('o200k_base');
    const cl100k = await tokenizer('cl100k_base');
    expect(messageTokens(COOKBOOK_MESSAGES, o200k)).toBe(124);
    expect(messageTokens(COOKBOOK_MESSAGES, cl100k)).toBe(129);
    expect(messageTokens(COOKBOOK_TOOL_MESSAGES, o200k) + toolTokens(COOKBOOK_TOOLS, o200k)).toBe(101);
  }, 60_000);

  it('remembered counts of long texts are the counts (a conversation resent turn after turn)', async () => {
    const o200k = await tokenizer('o200k_base');
    const long = COOKBOOK_MESSAGES.map((m) => m.content).join(' ').repeat(3);
    const first = o200k.count(long);
    expect(first).toBeGreaterThan(200);
    expect(o200k.count(long)).toBe(first);
    expect(o200k.count(`${long} `)).toBeGreaterThanOrEqual(first);
    expect(messageTokens(COOKBOOK_MESSAGES, o200k)).toBe(124);
    expect(messageTokens(COOKBOOK_MESSAGES, o200k)).toBe(124);
  });

  it('usage counts when a count in it is positive', () => {
    expect(hasUsage({})).toBe(false);
    expect(hasUsage({ prompt_tokens_details: { cached_tokens: 0 }, completion_tokens: 0 })).toBe(false);
    expect(hasUsage({ input_tokens: 25, output_tokens: 0 })).toBe(true);
    expect(hasUsage({ cache: { read: 3 } })).toBe(true);
  });

  it('the wrapper reserves {model, input_tokens: 124, max_tokens, requests: 1} for the cookbook prompt, before the provider is called', async () => {
    const s = spy();
    const client = wrapOpenAI(openai(), options(s.quota));
    await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_completion_tokens: 300 });
    expect(s.reserved).toEqual([{ subject: { tenant: 'acme', user_id: 'bob', model: 'gpt-4o', provider: 'openai' }, estimate: { model: 'gpt-4o', input_tokens: 124, max_tokens: 300, requests: 1 } }]);
    await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_TOOL_MESSAGES, tools: COOKBOOK_TOOLS, max_tokens: 50, n: 2 });
    expect(s.reserved[1]?.estimate).toEqual({ model: 'gpt-4o', input_tokens: 101, max_tokens: 100, requests: 1 });
    await client.responses.create({ model: 'gpt-4.1', instructions: 'Be brief.', input: 'Hello there' });
    expect(s.reserved[2]?.estimate).toEqual({ model: 'gpt-4.1', input_tokens: 3 + (3 + 1 + 3) + (3 + 1 + 2), max_tokens: 4096, requests: 1 });
  });

  it('Anthropic: one token per 3.5 characters of the prompt, rounded up; output at max_tokens', async () => {
    const s = spy();
    const system = 'You answer questions about invoices.'; // 36 characters
    const content = 'How much did we spend in March?'; // 31
    await wrapAnthropic(anthropic(), options(s.quota)).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 700, system, messages: [{ role: 'user', content }] });
    expect(s.reserved[0]?.estimate).toEqual({ model: 'claude-sonnet-4-5', input_tokens: Math.ceil(67 / 3.5), max_tokens: 700, requests: 1 });
    expect(APPROXIMATE.count(system + content)).toBe(20);
  });
});

describe('refusal: QUOTA_EXCEEDED, the provider is not called', () => {
  const BUDGETS: BudgetInput[] = [{ id: 'two-calls', name: 'two calls', metric: 'requests', limit: 2, period: 'daily', scope: { tenant: 'acme' } }];

  it('a hard budget with room for 2: the third call throws before reaching the mock, with the budget and retry_after_seconds', async () => {
    const quota = createQuotaClient({ redis: new MemoryCounterStore(), budgets: BUDGETS, leases: false });
    const client = wrapOpenAI(openai(), options(quota));
    await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_tokens: 10 });
    await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_tokens: 10 });
    const refused = await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_tokens: 10 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TallyError);
    const e = refused as TallyError;
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.retriable).toBe(true);
    expect(e.details).toMatchObject({ budget_id: 'two-calls', retry_after_seconds: expect.any(Number), resets_at: expect.any(String), blocking: [{ budget_id: 'two-calls' }] });
    const secondsToMidnight = Math.ceil((Date.parse(new Date().toISOString().slice(0, 10)) + 86_400_000 - Date.now()) / 1000);
    expect(Math.abs((e.details.retry_after_seconds as number) - secondsToMidnight)).toBeLessThanOrEqual(2);
    expect(mock.requests.length).toBe(2);
    expect(events.length).toBe(2);
    await quota.close();
  });

  it('refused through .withResponse() and messages.stream() too', async () => {
    const quota = createQuotaClient({ redis: new MemoryCounterStore(), budgets: [{ id: 'one', name: 'one', metric: 'requests', limit: 1, period: 'daily', scope: { tenant: 'acme' } }], leases: false });
    expect((await quota.reserve({ tenant: 'acme' }, { requests: 1 })).granted).toBe(true);
    await expect(wrapOpenAI(openai(), options(quota)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }).withResponse()).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED' });
    const stream = wrapAnthropic(anthropic(), options(quota)).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }] });
    await expect(stream.finalMessage()).rejects.toMatchObject({ cause: { code: 'QUOTA_EXCEEDED' } }); // the helper wraps errors that are not its own in an AnthropicError
    expect(mock.requests.length).toBe(0);
    await quota.close();
  });
});

describe('settling: with the event when usage was seen, else released', () => {
  it('a completed call settles against its recorded event', async () => {
    const s = spy();
    const completion = await wrapOpenAI(openai(), options(s.quota)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES });
    expect(completion.usage?.prompt_tokens).toBe(1200); // the mock's answer, unchanged
    await until(() => s.settled.length === 1);
    expect(s.settled).toEqual([{ id: 'r-1', actual: { event_id: `ev-${n}` } }]);
  });

  it('a provider error releases the hold (nothing consumed) and is recorded', async () => {
    const s = spy();
    const error = await wrapOpenAI(openai(), options(s.quota)).chat.completions.create({ model: 'gpt-4o-fail', messages: COOKBOOK_MESSAGES }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    await until(() => s.settled.length === 1);
    expect(s.settled).toEqual([{ id: 'r-1', actual: undefined }]);
    expect(events.map((e) => [e.status, e.error_type])).toEqual([['error', 'RateLimitError']]);
  });

  it('an OpenAI stream aborted before its usage chunk releases; an Anthropic stream aborted after message_start settles the input seen', async () => {
    const s = spy();
    const stream = await wrapOpenAI(openai(), options(s.quota)).chat.completions.create({ model: 'gpt-4o-slow', messages: COOKBOOK_MESSAGES, stream: true });
    for await (const _chunk of stream) stream.controller.abort();
    await until(() => s.settled.length === 1);
    expect(s.settled[0]).toEqual({ id: 'r-1', actual: undefined });

    const a = await wrapAnthropic(anthropic(), options(s.quota)).messages.create({ model: 'claude-sonnet-4-5-slow', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _event of a) break;
    await until(() => s.settled.length === 2);
    expect(s.settled[1]).toEqual({ id: 'r-2', actual: { event_id: `ev-${n}` } });
    expect(events.map((e) => [e.status, (e.usage as { input_tokens?: number }).input_tokens])).toEqual([['cancelled', undefined], ['cancelled', 25]]);
  });

  it('an Anthropic stream that fails midway settles what message_start reported', async () => {
    const s = spy();
    const stream = await wrapAnthropic(anthropic(), options(s.quota)).messages.create({ model: 'claude-sonnet-4-5-broken', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }], stream: true });
    await expect((async () => { for await (const _e of stream) { /* read */ } })()).rejects.toThrow();
    await until(() => s.settled.length === 1);
    expect(s.settled[0]?.actual).toEqual({ event_id: `ev-${n}` });
  });
});

describe("the SDK promise's helpers keep working when the call reserves first", () => {
  it('.withResponse() gives the data and the raw response; ._thenUnwrap (what .parse() builds on) applies its transform', async () => {
    const s = spy();
    const client = wrapOpenAI(openai(), options(s.quota));
    const { data, response, request_id } = await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }).withResponse();
    expect(data.id).toBe('chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_chat_1');
    const p = client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }) as unknown as { _thenUnwrap(f: (d: { id: string }) => string): PromiseLike<string> & { withResponse(): Promise<{ data: string }> } };
    expect((await p._thenUnwrap((d) => `id=${d.id}`).withResponse()).data).toBe('id=chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    await new Promise((r) => setTimeout(r, 50));
    expect([s.settled.length, events.length]).toEqual([2, 2]);
  });

  it('a call nobody awaits is still recorded and its hold settled', async () => {
    const s = spy();
    void wrapOpenAI(openai(), options(s.quota)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES });
    await until(() => s.settled.length === 1);
    expect(s.settled[0]?.actual).toEqual({ event_id: `ev-${n}` });
    expect(events.map((e) => e.status)).toEqual(['ok']);
  });

  it('.asResponse() returns the raw response; nothing is recorded and the hold is released', async () => {
    const s = spy();
    const response = await wrapOpenAI(openai(), options(s.quota)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }).asResponse();
    expect(((await response.json()) as { id: string }).id).toBe('chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    await until(() => s.settled.length === 1);
    expect(s.settled).toEqual([{ id: 'r-1', actual: undefined }]);
    expect(events).toEqual([]);
  });

  it('messages.stream() builds its final message through the wrapped create', async () => {
    const s = spy();
    const stream = wrapAnthropic(anthropic(), options(s.quota)).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello!' }]);
    await until(() => s.settled.length === 1);
    expect(s.settled[0]?.actual).toEqual({ event_id: `ev-${n}` });
  });
});

describe('when the quota client cannot answer', () => {
  const down: Pick<QuotaClient, 'reserve' | 'settle'> = {
    reserve: () => Promise.reject(new TallyError('COUNTERS_UNAVAILABLE', 'connect ECONNREFUSED 127.0.0.1:1')),
    settle: () => Promise.reject(new Error('not reached')),
  };

  it('fail_open (the default): the call proceeds, usage is recorded, onError is told', async () => {
    const completion = await wrapOpenAI(openai(), options(down)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES });
    expect(completion.id).toBe('chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    expect(mock.requests.length).toBe(1);
    expect(events.map((e) => e.status)).toEqual(['ok']);
    expect(errors).toMatchObject([{ code: 'COUNTERS_UNAVAILABLE' }]);
  });

  it('fail_closed: COUNTERS_UNAVAILABLE, the provider is not called', async () => {
    const error = await wrapOpenAI(openai(), options(down, { policy: { unreachable: 'fail_closed' } })).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'COUNTERS_UNAVAILABLE', retriable: true, details: { policy: 'fail_closed' } });
    expect(mock.requests.length).toBe(0);
    expect(events).toEqual([]);
  });

  it('a non-retriable answer (a bad key) is thrown whatever the policy', async () => {
    const forbidden: Pick<QuotaClient, 'reserve' | 'settle'> = { reserve: () => Promise.reject(new TallyError('UNAUTHORIZED', 'no key')), settle: down.settle };
    await expect(wrapOpenAI(openai(), options(forbidden)).chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(mock.requests.length).toBe(0);
  });
});

describe('the in-process quota client prices the estimate from the built-in catalog', () => {
  it('a cost budget refuses a prompt that makes the call too dear; a model without a price reserves its tokens', async () => {
    // gpt-4o: $2.50 in, $10 out per 1M. 124 input + 1,000 output = $0.01031 > $0.01; with 900 output = $0.00931.
    const quota = createQuotaClient({ redis: new MemoryCounterStore(), budgets: [{ id: 'cents', name: 'cents', metric: 'cost', limit: '0.01', period: 'daily', scope: { tenant: 'acme' } }], leases: false });
    const held: UsageEstimate[] = [];
    const client = wrapOpenAI(openai(), options({ reserve: (subject, estimate, o) => quota.reserve(subject, estimate, o).then((r) => (held.push(estimate), r)), settle: quota.settle }));
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_tokens: 1000 })).rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', details: { budget_id: 'cents' } });
    await client.chat.completions.create({ model: 'gpt-4o', messages: COOKBOOK_MESSAGES, max_tokens: 900 });
    const status = await quota.check({ tenant: 'acme' });
    expect(status.budgets[0]?.reserved).toBe('0.00931');
    await client.chat.completions.create({ model: 'acme-internal-llm', messages: COOKBOOK_MESSAGES, max_tokens: 10 });
    expect(mock.requests.length).toBe(2);
    expect(held.map((e) => e.model ?? 'no model')).toEqual(['gpt-4o', 'gpt-4o', 'no model']); // refused, granted, unpriced
    expect(held[2]).toEqual({ tokens: expect.any(Number), requests: 1 }); // its tokens (prompt approximated: no tiktoken encoding for the model) + 10
    expect((await quota.check({ tenant: 'acme' })).budgets[0]?.reserved).toBe('0.00931'); // no cost held for the unpriced call
    await quota.close();
  }, 30_000);
});
