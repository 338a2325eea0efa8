/**
 * The OpenAI and Anthropic wrappers with the real client packages, pointed at
 * a local mock of both APIs: what is recorded, and that the caller receives
 * exactly what an unwrapped client returns.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { UsageEventInput } from '../../../src/events/schema.js';
import { wrapAnthropic } from '../../../src/sdk/wrappers/anthropic.js';
import type { CallInfo } from '../../../src/sdk/wrappers/common.js';
import { wrapOpenAI } from '../../../src/sdk/wrappers/openai.js';
import { ANTHROPIC_USAGE, CHAT_USAGE, RESPONSES_USAGE, anthropicMessage, chatCompletion, startLlmMock, type LlmMock } from './llm-mock.js';

let mock: LlmMock;
let events: UsageEventInput[];
let errors: unknown[];
const recorder = {
  record(event: UsageEventInput): string {
    events.push(event);
    return 'id';
  },
};
const identity = { tenant: 'acme', user_id: 'u-7', group: 'support', session_id: 's-1', agent: 'triage', feature: 'reply', metadata: { env: 'test' } };
const messages = [{ role: 'user' as const, content: 'Hi' }];

beforeAll(async () => {
  mock = await startLlmMock();
});
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
const wrappedOpenAI = (): OpenAI => wrapOpenAI(openai(), { recorder, identity, onError: (e) => errors.push(e) });
const wrappedAnthropic = (): Anthropic => wrapAnthropic(anthropic(), { recorder, identity, onError: (e) => errors.push(e) });

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const timing = { occurred_at: expect.any(String), duration_ms: expect.any(Number) };

describe('openai wrapper: chat.completions.create', () => {
  it('records a non-streamed completion; the caller gets the same object an unwrapped client returns', async () => {
    const plain = await openai().chat.completions.create({ model: 'gpt-4o', messages });
    const got = await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages });
    expect(got).toEqual(plain);
    expect(got).toEqual(chatCompletion('gpt-4o'));
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        usage: CHAT_USAGE,
        status: 'ok',
        request_id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
        service_tier: 'default',
        tool_calls: 1,
      },
    ]);
    expect(errors).toEqual([]);
  });

  it('keeps .withResponse() working and records once', async () => {
    const { data, response } = await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(data.id).toBe('chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT');
    expect(response.headers.get('x-request-id')).toBe('req_chat_1');
    expect(events.length).toBe(1);
  });

  it('streams: adds include_usage, hides the usage-only chunk, records usage and ttft', async () => {
    const plain = await collect(await openai().chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    const got = await collect(await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages, stream: true }));
    expect(got).toEqual(plain);
    expect(mock.requests[0]?.body.stream_options).toBeUndefined();
    expect(mock.requests[1]?.body.stream_options).toEqual({ include_usage: true });
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        ttft_ms: expect.any(Number),
        provider: 'openai',
        model: 'gpt-4o-2024-08-06',
        usage: CHAT_USAGE,
        status: 'ok',
        request_id: 'chatcmpl-stream-1',
        service_tier: 'default',
      },
    ]);
    expect(events[0]?.ttft_ms).toBeLessThanOrEqual(events[0]?.duration_ms ?? 0);
  });

  it('streams with include_usage set by the caller: the usage chunk reaches the caller', async () => {
    const got = await collect(await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: true } }));
    expect(got.at(-1)?.usage).toEqual(CHAT_USAGE);
    expect(events[0]?.usage).toEqual(CHAT_USAGE);
  });

  it('streams with include_usage false: not added, recorded with empty usage', async () => {
    await collect(await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages, stream: true, stream_options: { include_usage: false } }));
    expect(mock.requests[0]?.body.stream_options).toEqual({ include_usage: false });
    expect(events[0]).toMatchObject({ usage: {}, status: 'ok', model: 'gpt-4o-2024-08-06' });
  });

  it('records a failed call as status error with the SDK error class; the caller gets the same error', async () => {
    const plainError = await openai()
      .chat.completions.create({ model: 'gpt-4o-fail', messages })
      .catch((e: unknown) => e);
    const error = await wrappedOpenAI()
      .chat.completions.create({ model: 'gpt-4o-fail', messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).status).toBe((plainError as InstanceType<typeof OpenAI.RateLimitError>).status);
    expect(events).toEqual([{ ...identity, ...timing, provider: 'openai', model: 'gpt-4o-fail', usage: {}, status: 'error', error_type: 'RateLimitError' }]);
  });

  it('records an aborted stream as cancelled', async () => {
    const stream = await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o-slow', messages, stream: true });
    const got: unknown[] = [];
    for await (const chunk of stream) {
      got.push(chunk);
      if (got.length === 2) stream.controller.abort();
    }
    expect(got.length).toBe(2);
    expect(events).toEqual([
      { ...identity, ...timing, ttft_ms: expect.any(Number), provider: 'openai', model: 'gpt-4o-slow-2024-08-06', usage: {}, status: 'cancelled', request_id: 'chatcmpl-stream-1', service_tier: 'default' },
    ]);
  });

  it('watches a stream split with .tee(): both halves get every chunk, recorded once', async () => {
    const stream = await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o', messages, stream: true });
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([collect(left), collect(right)]);
    expect(a).toEqual(b);
    expect(a.length).toBe(4); // the usage-only chunk the wrapper asked for is not passed on
    expect(events.map((e) => [e.status, e.usage])).toEqual([['ok', CHAT_USAGE]]);
  });

  it('records a stream the caller stops reading early (break) as cancelled', async () => {
    const stream = await wrappedOpenAI().chat.completions.create({ model: 'gpt-4o-slow', messages, stream: true });
    for await (const _chunk of stream) break;
    expect(events.map((e) => e.status)).toEqual(['cancelled']);
  });
});

describe('openai wrapper: responses.create', () => {
  it('records a non-streamed response unchanged for the caller', async () => {
    const plain = await openai().responses.create({ model: 'gpt-4.1', input: 'Hi' });
    const got = await wrappedOpenAI().responses.create({ model: 'gpt-4.1', input: 'Hi' });
    expect(got).toEqual(plain);
    expect(got.output_text).toBe('Hi!');
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        provider: 'openai',
        model: 'gpt-4.1-2025-04-16',
        usage: RESPONSES_USAGE,
        status: 'ok',
        request_id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
        service_tier: 'default',
      },
    ]);
  });

  it('records a streamed response from response.completed, with ttft', async () => {
    const plain = await collect(await openai().responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true }));
    const got = await collect(await wrappedOpenAI().responses.create({ model: 'gpt-4.1', input: 'Hi', stream: true }));
    expect(got).toEqual(plain);
    expect(got.map((e) => e.type)).toContain('response.completed');
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        ttft_ms: expect.any(Number),
        provider: 'openai',
        model: 'gpt-4.1-2025-04-16',
        usage: RESPONSES_USAGE,
        status: 'ok',
        request_id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
        service_tier: 'default',
      },
    ]);
  });
});

describe('anthropic wrapper: messages', () => {
  it('records a non-streamed message unchanged for the caller', async () => {
    const plain = await anthropic().messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages });
    const got = await wrappedAnthropic().messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages });
    expect(got).toEqual(plain);
    expect(got).toEqual(anthropicMessage('claude-opus-4-6'));
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        provider: 'anthropic',
        model: 'claude-opus-4-6',
        usage: ANTHROPIC_USAGE,
        status: 'ok',
        request_id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
        service_tier: 'standard',
        tool_calls: 1,
      },
    ]);
  });

  it('streams: combines message_start input usage with the cumulative message_delta usage', async () => {
    const plain = await collect(await anthropic().messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages, stream: true }));
    const got = await collect(await wrappedAnthropic().messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages, stream: true }));
    expect(got).toEqual(plain);
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        ttft_ms: expect.any(Number),
        provider: 'anthropic',
        model: 'claude-opus-4-6',
        usage: {
          input_tokens: 25,
          cache_creation_input_tokens: 1800,
          cache_read_input_tokens: 9000,
          cache_creation: { ephemeral_5m_input_tokens: 1800, ephemeral_1h_input_tokens: 0 },
          output_tokens: 503,
          service_tier: 'standard',
          server_tool_use: { web_search_requests: 1 },
        },
        status: 'ok',
        request_id: 'msg_01StreamXYZ',
        service_tier: 'standard',
      },
    ]);
  });

  it('records messages.stream() once, and the helper still builds the final message', async () => {
    const stream = wrappedAnthropic().messages.stream({ model: 'claude-opus-4-6', max_tokens: 1024, messages });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe('Hello!');
    expect(final.usage.output_tokens).toBe(503);
    expect(events.length).toBe(1);
    expect(events[0]).toMatchObject({ model: 'claude-opus-4-6', status: 'ok', usage: { input_tokens: 25, output_tokens: 503 } });
  });

  it('records an error event inside the stream as status error with the provider error type', async () => {
    const error = await collect(await wrappedAnthropic().messages.create({ model: 'claude-x-broken', max_tokens: 10, messages, stream: true })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(events).toEqual([
      {
        ...identity,
        ...timing,
        ttft_ms: expect.any(Number),
        provider: 'anthropic',
        model: 'claude-x-broken',
        usage: expect.objectContaining({ input_tokens: 25, output_tokens: 1 }),
        status: 'error',
        error_type: 'overloaded_error',
        request_id: 'msg_01StreamXYZ',
        service_tier: 'standard',
      },
    ]);
  });

  it('records a rejected call as status error', async () => {
    const error = await wrappedAnthropic()
      .messages.create({ model: 'claude-x-fail', max_tokens: 10, messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(events).toEqual([{ ...identity, ...timing, provider: 'anthropic', model: 'claude-x-fail', usage: {}, status: 'error', error_type: 'RateLimitError' }]);
  });
});

describe('wrappers: identity and failure isolation', () => {
  it('computes identity per call from the request', async () => {
    const calls: CallInfo[] = [];
    const client = wrapOpenAI(openai(), {
      recorder,
      provider: 'azure',
      identity: (call) => {
        calls.push(call);
        return { tenant: String((call.params.metadata as Record<string, string> | undefined)?.tenant ?? 'none') };
      },
    });
    await client.chat.completions.create({ model: 'gpt-4o', messages, metadata: { tenant: 'globex' } });
    expect(calls.map((c) => [c.provider, c.operation])).toEqual([['azure', 'chat.completions.create']]);
    expect(events[0]).toMatchObject({ tenant: 'globex', provider: 'azure' });
  });

  it('never throws into the caller when recording fails; reports to onError', async () => {
    const reported: unknown[] = [];
    const failing = {
      record(): string {
        throw new Error('buffer full');
      },
    };
    const client = wrapAnthropic(anthropic(), { recorder: failing, onError: (e) => reported.push(e) });
    const got = await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages });
    expect(got.id).toBe('msg_01XFDUDYJgAACzvnptvVoYEL');
    const streamed = await collect(await client.messages.create({ model: 'claude-opus-4-6', max_tokens: 1024, messages, stream: true }));
    expect(streamed.length).toBe(7);
    expect(reported.length).toBe(2);
  });

  it('leaves the client itself untouched and other members working', async () => {
    const raw = openai();
    const wrapped = wrapOpenAI(raw, { recorder });
    await raw.chat.completions.create({ model: 'gpt-4o', messages });
    expect(events.length).toBe(0);
    expect(wrapped.baseURL).toBe(raw.baseURL);
    expect(wrapped.withOptions({ timeout: 5 })).toBeInstanceOf(OpenAI);
  });
});
