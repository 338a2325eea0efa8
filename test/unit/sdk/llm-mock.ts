/**
 * A local stand-in for the OpenAI and Anthropic HTTP APIs (node:http), with
 * realistic JSON bodies and SSE streams, for testing the wrappers with the
 * real client packages. Behaviour is chosen by the requested model:
 *   `…-fail`   → 429 rate limit error
 *   `…-slow`   → the stream sends two items, then waits until the client goes away
 *   `…-broken` → the stream fails midway (error event)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRequest {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface LlmMock {
  readonly url: string;
  readonly requests: MockRequest[];
  close(): Promise<void>;
}

export const CHAT_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 340,
  total_tokens: 1540,
  prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 192, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

export const RESPONSES_USAGE = {
  input_tokens: 880,
  input_tokens_details: { cached_tokens: 512 },
  output_tokens: 410,
  output_tokens_details: { reasoning_tokens: 256 },
  total_tokens: 1290,
};

export const ANTHROPIC_USAGE = {
  input_tokens: 25,
  cache_creation_input_tokens: 1800,
  cache_read_input_tokens: 9000,
  cache_creation: { ephemeral_5m_input_tokens: 1800, ephemeral_1h_input_tokens: 0 },
  output_tokens: 503,
  service_tier: 'standard',
  server_tool_use: null,
};

export function chatCompletion(model: string): Record<string, unknown> {
  return {
    id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
    object: 'chat.completion',
    created: 1741569952,
    model: `${model}-2024-08-06`,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
          annotations: [],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ],
    usage: CHAT_USAGE,
    service_tier: 'default',
    system_fingerprint: 'fp_f9f4fb6dbf',
  };
}

function chatChunks(model: string, includeUsage: boolean): Record<string, unknown>[] {
  const base = { id: 'chatcmpl-stream-1', object: 'chat.completion.chunk', created: 1741569952, model: `${model}-2024-08-06`, service_tier: 'default', system_fingerprint: 'fp_f9f4fb6dbf' };
  const u = includeUsage ? { usage: null } : {};
  const chunks: Record<string, unknown>[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], ...u },
    { ...base, choices: [{ index: 0, delta: { content: 'Hello' }, logprobs: null, finish_reason: null }], ...u },
    { ...base, choices: [{ index: 0, delta: { content: ' there' }, logprobs: null, finish_reason: null }], ...u },
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }], ...u },
  ];
  if (includeUsage) chunks.push({ ...base, choices: [], usage: CHAT_USAGE });
  return chunks;
}

export function responseObject(model: string, status: 'in_progress' | 'completed'): Record<string, unknown> {
  return {
    id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
    object: 'response',
    created_at: 1741476542,
    status,
    error: null,
    incomplete_details: null,
    model: `${model}-2025-04-16`,
    output:
      status === 'completed'
        ? [
            { type: 'reasoning', id: 'rs_1', summary: [] },
            { type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Hi!', annotations: [] }] },
          ]
        : [],
    parallel_tool_calls: true,
    service_tier: 'default',
    usage: status === 'completed' ? RESPONSES_USAGE : null,
  };
}

function responseEvents(model: string): { event: string; data: Record<string, unknown> }[] {
  let seq = 0;
  const ev = (type: string, rest: Record<string, unknown>): { event: string; data: Record<string, unknown> } => ({ event: type, data: { type, sequence_number: seq++, ...rest } });
  return [
    ev('response.created', { response: responseObject(model, 'in_progress') }),
    ev('response.in_progress', { response: responseObject(model, 'in_progress') }),
    ev('response.output_item.added', { output_index: 0, item: { type: 'message', id: 'msg_1', status: 'in_progress', role: 'assistant', content: [] } }),
    ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' }),
    ev('response.output_text.delta', { item_id: 'msg_1', output_index: 0, content_index: 0, delta: '!' }),
    ev('response.output_text.done', { item_id: 'msg_1', output_index: 0, content_index: 0, text: 'Hi!' }),
    ev('response.completed', { response: responseObject(model, 'completed') }),
  ];
}

export function anthropicMessage(model: string): Record<string, unknown> {
  return {
    id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', input: { location: 'Paris' } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: ANTHROPIC_USAGE,
  };
}

function anthropicEvents(model: string): { event: string; data: Record<string, unknown> }[] {
  return [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          id: 'msg_01StreamXYZ',
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 25, cache_creation_input_tokens: 1800, cache_read_input_tokens: 9000, cache_creation: { ephemeral_5m_input_tokens: 1800, ephemeral_1h_input_tokens: 0 }, output_tokens: 1, service_tier: 'standard' },
        },
      },
    },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'ping', data: { type: 'ping' } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: '!' } } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    {
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 503, input_tokens: null, cache_read_input_tokens: 9000, server_tool_use: { web_search_requests: 1 } } },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function sse(res: ServerResponse, events: { event?: string; data: unknown }[], options: { done?: boolean; hangAfter?: number } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const [i, e] of events.entries()) {
    if (options.hangAfter !== undefined && i >= options.hangAfter) return; // keep the connection open until the client leaves
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${JSON.stringify(e.data)}\n\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  if (options.done) res.write('data: [DONE]\n\n');
  res.end();
}

async function handle(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const model = String(body.model ?? '');
  const stream = body.stream === true;
  const hangAfter = model.endsWith('-slow') ? 2 : undefined;
  if (req.url === '/v1/chat/completions') {
    if (model.endsWith('-fail')) return json(res, 429, { error: { message: 'Rate limit reached for gpt-4o', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, { 'retry-after': '1' });
    if (!stream) return json(res, 200, chatCompletion(model), { 'x-request-id': 'req_chat_1' });
    const opts = body.stream_options as { include_usage?: boolean } | undefined;
    return sse(res, chatChunks(model, opts?.include_usage === true).map((data) => ({ data })), { done: true, ...(hangAfter === undefined ? {} : { hangAfter }) });
  }
  if (req.url === '/v1/responses') {
    if (!stream) return json(res, 200, responseObject(model, 'completed'));
    return sse(res, responseEvents(model), hangAfter === undefined ? {} : { hangAfter });
  }
  if (req.url === '/v1/messages') {
    if (model.endsWith('-fail')) return json(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your rate limit' } });
    if (!stream) return json(res, 200, anthropicMessage(model), { 'request-id': 'req_ant_1' });
    const events = anthropicEvents(model);
    if (model.endsWith('-broken')) {
      return sse(res, [...events.slice(0, 4), { event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }]);
    }
    return sse(res, events, hangAfter === undefined ? {} : { hangAfter });
  }
  json(res, 404, { error: { message: `no route ${req.url}` } });
}

export async function startLlmMock(): Promise<LlmMock> {
  const requests: MockRequest[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      requests.push({ path: req.url ?? '', body });
      void handle(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The OpenAI cookbook's example ("How to count tokens with tiktoken", section 6): the OpenAI API counted 124 prompt tokens on gpt-4o, 129 on gpt-4. */
export const COOKBOOK_MESSAGES = [
  { role: 'system' as const, content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system' as const, name: 'example_user', content: 'New synergies will help drive top-line growth.' },
  { role: 'system' as const, name: 'example_assistant', content: 'Things working well together will increase revenue.' },
  { role: 'system' as const, name: 'example_user', content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system' as const, name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
  { role: 'user' as const, content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];
