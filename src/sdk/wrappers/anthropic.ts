/**
 * Records a usage event for every `messages.create` of an `@anthropic-ai/sdk`
 * client, streamed or not — and so for `messages.stream()` too, which the SDK
 * builds on `messages.create`.
 *
 *   const anthropic = wrapAnthropic(new Anthropic(), { recorder, identity: (call) => ({ tenant: currentTenant() }) });
 *
 * The event carries the provider (`anthropic` unless `provider` says
 * otherwise), the model as the response reports it, the usage object as is,
 * `request_id` = the message id, `duration_ms`, `ttft_ms` for streams,
 * `service_tier` (from usage), `tool_calls`, and `status` error/cancelled with
 * `error_type` when the call fails or the stream is aborted.
 *
 * Streams carry usage in two parts: `message_start` holds the input side
 * (input, cache read and cache write tokens) and `message_delta` the
 * cumulative output (and, in newer API versions, cumulative input counts).
 * The recorded usage is the `message_start` usage with every non-null field
 * of the last `message_delta` usage laid over it.
 *
 * `@anthropic-ai/sdk` is a peer of the caller: this file does not import it.
 */
import { isRecord, overrideMethods, overrideProperties, text, wrapCreate, type Extractor, type Observed, type StreamAccumulator, type WrapperOptions } from './common.js';
import { contentText } from './tokens.js';

/** The part of an Anthropic client the wrapper touches. */
export interface AnthropicLike {
  readonly messages: { create(...args: never[]): unknown };
}

function toolUses(content: unknown): number {
  return Array.isArray(content) ? content.filter((b) => isRecord(b) && b.type === 'tool_use').length : 0;
}

function serviceTier(usage: Record<string, unknown> | undefined): string | undefined {
  return text(usage?.service_tier);
}

/** The prompt's text for the approximation: the system prompt, every message's content, the tool definitions as JSON. */
function promptText(params: Record<string, unknown>): string {
  let out = contentText(params.system);
  if (Array.isArray(params.messages)) for (const m of params.messages) if (isRecord(m)) out += contentText(m.content);
  if (Array.isArray(params.tools) && params.tools.length > 0) out += JSON.stringify(params.tools);
  return out;
}

const messagesExtractor: Extractor = {
  operation: 'messages.create',
  tokenizer: 'approximate',
  estimate(params, counter) {
    const max = params.max_tokens;
    return { input_tokens: counter.count(promptText(params)), max_tokens: typeof max === 'number' && Number.isSafeInteger(max) && max >= 0 ? max : undefined };
  },
  fromResponse(data) {
    if (!isRecord(data)) return {};
    const usage = isRecord(data.usage) ? data.usage : undefined;
    return { model: text(data.model), usage, request_id: text(data.id), service_tier: serviceTier(usage), tool_calls: toolUses(data.content), complete: true };
  },
  stream(): StreamAccumulator {
    const seen: Observed = {};
    let usage: Record<string, unknown> | undefined;
    let tools = 0;
    return {
      push(item) {
        if (!isRecord(item)) return { content: false };
        switch (item.type) {
          case 'message_start': {
            const message = isRecord(item.message) ? item.message : {};
            seen.model = text(message.model) ?? seen.model;
            seen.request_id = text(message.id) ?? seen.request_id;
            if (isRecord(message.usage)) usage = { ...message.usage };
            return { content: false };
          }
          case 'message_delta':
            if (isRecord(item.usage)) {
              usage ??= {};
              for (const [key, value] of Object.entries(item.usage)) if (value !== null && value !== undefined) usage[key] = value;
            }
            return { content: false };
          case 'content_block_start':
            if (isRecord(item.content_block) && item.content_block.type === 'tool_use') tools++;
            return { content: false };
          case 'content_block_delta':
            return { content: true };
          case 'message_stop':
            seen.complete = true;
            return { content: false };
          default:
            return { content: false };
        }
      },
      result: () => ({ ...seen, usage, service_tier: serviceTier(usage), tool_calls: tools }),
    };
  },
};

/**
 * Returns a view of `client` whose `messages.create` (and so `messages.stream`)
 * records usage; everything else is the client's own. The client itself is
 * not modified.
 */
export function wrapAnthropic<T extends AnthropicLike>(client: T, options: WrapperOptions): T {
  const provider = options.provider ?? 'anthropic';
  return overrideProperties(client, {
    messages: () => {
      const messages = client.messages;
      const create = wrapCreate(messages.create as (...a: unknown[]) => unknown, messages, messagesExtractor, options, provider);
      return overrideMethods(messages, { create });
    },
  });
}
