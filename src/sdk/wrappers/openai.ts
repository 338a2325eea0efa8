/**
 * Records a usage event for every `chat.completions.create` and
 * `responses.create` of an `openai` client (v4 and later), streamed or not.
 *
 *   const openai = wrapOpenAI(new OpenAI(), { recorder, identity: { tenant: 'acme', agent: 'support' } });
 *   const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages });
 *
 * The event carries the provider (`openai` unless `provider` says otherwise),
 * the model as the response reports it, the response's `usage` object as is,
 * `request_id` = the response id, `duration_ms`, `ttft_ms` for streams,
 * `service_tier`, `tool_calls`, and `status` error/cancelled with
 * `error_type` when the call fails or the stream is aborted.
 *
 * Streamed chat completions report usage only when asked
 * (`stream_options: { include_usage: true }`). The wrapper adds that option
 * unless the caller set `include_usage` themselves (set it to `false` to opt
 * out; the event then has an empty usage object). When the wrapper added it,
 * the extra usage-only chunk is not passed on and the `usage: null` it adds to
 * every chunk is removed, so the caller sees exactly the chunks it would have
 * seen unwrapped.
 *
 * Not recorded: `.asResponse()` (the caller takes the raw body), and helpers
 * that call the API through the unwrapped client (`chat.completions.stream`,
 * `.parse`, `.runTools`) — wrap `create` calls or record those by hand.
 * `openai` is a peer of the caller: this file does not import it.
 */
import { isRecord, overrideMethods, overrideProperties, text, wrapCreate, type Extractor, type Observed, type StreamAccumulator, type WrapperOptions } from './common.js';
import { messageTokens, toolTokens, type TokenCounter } from './tokens.js';

/** The part of an OpenAI client the wrapper touches. */
export interface OpenAILike {
  readonly chat: { readonly completions: { create(...args: never[]): unknown } };
  readonly responses?: { create(...args: never[]): unknown };
}

function whole(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** Responses `instructions` + `input` (a string, or items) as chat messages for the cookbook formula. */
function responsesMessages(params: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  if (typeof params.instructions === 'string') out.push({ role: 'developer', content: params.instructions });
  if (typeof params.input === 'string') out.push({ role: 'user', content: params.input });
  else if (Array.isArray(params.input)) {
    for (const item of params.input) {
      if (!isRecord(item)) continue;
      // function_call_output carries `output`; function_call `name` + `arguments`: their strings are counted like a message's.
      const { type: _type, id: _id, call_id: _callId, status: _status, ...rest } = item;
      out.push(rest);
    }
  }
  return out;
}

function count(list: unknown, keep: (item: Record<string, unknown>) => boolean): number {
  return Array.isArray(list) ? list.filter((item) => isRecord(item) && keep(item)).length : 0;
}

// ---- Chat Completions

const chatExtractor: Extractor = {
  operation: 'chat.completions.create',
  tokenizer: 'tiktoken',
  estimate(params, counter: TokenCounter) {
    const max = whole(params.max_completion_tokens) ?? whole(params.max_tokens);
    const choices = whole(params.n) ?? 1;
    return { input_tokens: messageTokens(params.messages, counter) + toolTokens(params.tools, counter), max_tokens: max === undefined ? undefined : max * Math.max(1, choices) };
  },
  prepare(params) {
    if (params.stream !== true) return { params, injectedUsage: false };
    const options = isRecord(params.stream_options) ? params.stream_options : undefined;
    if (options && typeof options.include_usage === 'boolean') return { params, injectedUsage: false };
    return { params: { ...params, stream_options: { ...(options ?? {}), include_usage: true } }, injectedUsage: true };
  },
  fromResponse(data) {
    if (!isRecord(data)) return {};
    const toolCalls = Array.isArray(data.choices)
      ? data.choices.reduce((n: number, c: unknown) => n + (isRecord(c) && isRecord(c.message) && Array.isArray(c.message.tool_calls) ? c.message.tool_calls.length : 0), 0)
      : 0;
    return {
      model: text(data.model),
      usage: isRecord(data.usage) ? data.usage : undefined,
      request_id: text(data.id),
      service_tier: text(data.service_tier),
      tool_calls: toolCalls,
      complete: true,
    };
  },
  stream({ injectedUsage }): StreamAccumulator {
    const seen: Observed = {};
    const toolCalls = new Set<string>();
    return {
      push(item) {
        if (!isRecord(item)) return { content: false };
        seen.model = text(item.model) ?? seen.model;
        seen.request_id ??= text(item.id);
        seen.service_tier = text(item.service_tier) ?? seen.service_tier;
        let content = false;
        const choices = Array.isArray(item.choices) ? item.choices : [];
        for (const choice of choices) {
          if (!isRecord(choice)) continue;
          const delta = isRecord(choice.delta) ? choice.delta : {};
          if (text(delta.content) || text(delta.refusal) || isRecord(delta.audio)) content = true;
          if (Array.isArray(delta.tool_calls)) {
            content = true;
            for (const call of delta.tool_calls) if (isRecord(call)) toolCalls.add(`${String(choice.index)}:${String(call.index)}`);
          }
        }
        seen.tool_calls = toolCalls.size;
        const usageOnly = isRecord(item.usage) && choices.length === 0;
        if (isRecord(item.usage)) {
          seen.usage = item.usage;
          seen.complete = true;
        }
        if (injectedUsage) {
          if (usageOnly) return { content, hide: true };
          if (item.usage === null) delete item.usage; // not asked for by the caller
        }
        return { content };
      },
      result: () => ({ ...seen }),
    };
  },
};

// ---- Responses

function fromResponseObject(response: Record<string, unknown>): Observed {
  const failed = response.status === 'failed';
  const error = isRecord(response.error) ? response.error : undefined;
  return {
    model: text(response.model),
    usage: isRecord(response.usage) ? response.usage : undefined,
    request_id: text(response.id),
    service_tier: text(response.service_tier),
    tool_calls: count(response.output, (o) => o.type === 'function_call' || o.type === 'custom_tool_call'),
    ...(failed ? { error_type: text(error?.code) ?? 'response.failed' } : {}),
  };
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

const responsesExtractor: Extractor = {
  operation: 'responses.create',
  tokenizer: 'tiktoken',
  estimate(params, counter: TokenCounter) {
    return { input_tokens: messageTokens(responsesMessages(params), counter) + toolTokens(params.tools, counter), max_tokens: whole(params.max_output_tokens) };
  },
  fromResponse(data) {
    return isRecord(data) ? { ...fromResponseObject(data), complete: true } : {};
  },
  stream(): StreamAccumulator {
    let seen: Observed = {};
    return {
      push(item) {
        if (!isRecord(item)) return { content: false };
        const type = text(item.type) ?? '';
        if (isRecord(item.response)) {
          const now = fromResponseObject(item.response);
          seen = { ...seen, ...Object.fromEntries(Object.entries(now).filter(([, v]) => v !== undefined)) };
          if (TERMINAL.has(type)) seen.complete = true;
        }
        if (type === 'error') seen.error_type = text(item.code) ?? 'error';
        return { content: type.endsWith('.delta') };
      },
      result: () => ({ ...seen }),
    };
  },
};

/**
 * Returns a view of `client` whose `chat.completions.create` and
 * `responses.create` record usage; everything else is the client's own. The
 * client itself is not modified.
 */
export function wrapOpenAI<T extends OpenAILike>(client: T, options: WrapperOptions): T {
  const provider = options.provider ?? 'openai';
  const views: Record<string, () => unknown> = {
    chat: () => {
      const completions = client.chat.completions;
      const create = wrapCreate(completions.create as (...a: unknown[]) => unknown, completions, chatExtractor, options, provider);
      return overrideProperties(client.chat, { completions: () => overrideMethods(completions, { create }) });
    },
  };
  if (client.responses) {
    const responses = client.responses;
    views.responses = () => overrideMethods(responses, { create: wrapCreate(responses.create as (...a: unknown[]) => unknown, responses, responsesExtractor, options, provider) });
  }
  return overrideProperties(client, views);
}
