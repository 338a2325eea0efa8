/**
 * Counting a prompt's tokens before the call, for the wrappers' budget
 * estimates (docs/sdk.md, "Estimates").
 *
 * - OpenAI models: js-tiktoken's bundled encodings (`o200k_base` for the
 *   gpt-4o / gpt-4.1 / gpt-5 / o-series families, `cl100k_base` for gpt-4 and
 *   gpt-3.5), with the chat formula of OpenAI's cookbook ("How to count tokens
 *   with tiktoken": 3 tokens per message, 1 per `name`, 3 to prime the reply;
 *   tool definitions by its `num_tokens_for_tools`). Exact for the cookbook's
 *   examples (124 and 101 prompt tokens on gpt-4o, as the OpenAI API counted
 *   them); an estimate for images, audio and other parts, which are not counted.
 *   The ranks ship in the npm package (no download); each encoding is loaded
 *   on first use (`import()`), so importing the SDK does not pay for it.
 * - Every other model (Anthropic's included — its tokenizer is not public):
 *   an approximation, one token per 3.5 characters of the prompt's text
 *   (Anthropic's own rule of thumb for English), rounded up.
 */
import { isRecord, type TokenCounter } from './extract.js';

export type { TokenCounter } from './extract.js';

/** The encodings this file loads. */
export type Encoding = 'o200k_base' | 'cl100k_base';

/** Characters per token of the approximation. */
export const CHARS_PER_TOKEN = 3.5;

export const APPROXIMATE: TokenCounter = {
  method: `approximate:chars/${CHARS_PER_TOKEN}`,
  exact: false,
  count: (text) => Math.ceil(text.length / CHARS_PER_TOKEN),
};

const O200K = /^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss|codex|computer-use)/;
const CL100K = /^(?:gpt-4|gpt-3\.5|text-embedding-3|text-embedding-ada-002)/;

/** The tiktoken encoding of an OpenAI model id (an `openai/` prefix is ignored), or null when none is known. */
export function encodingFor(model: string): Encoding | null {
  const id = model.startsWith('openai/') ? model.slice('openai/'.length) : model;
  if (O200K.test(id)) return 'o200k_base';
  if (CL100K.test(id)) return 'cl100k_base';
  return null;
}

const loaded = new Map<Encoding, Promise<TokenCounter>>();

async function load(encoding: Encoding): Promise<TokenCounter> {
  const [{ Tiktoken }, ranks] = await Promise.all([
    import('js-tiktoken/lite'),
    encoding === 'o200k_base' ? import('js-tiktoken/ranks/o200k_base') : import('js-tiktoken/ranks/cl100k_base'),
  ]);
  const tokenizer = new Tiktoken(ranks.default);
  return { method: `tiktoken:${encoding}`, exact: true, count: remembered((text) => tokenizer.encode(text).length) };
}

/** Texts at least this long have their count remembered. */
const REMEMBER_MIN_CHARS = 64;
/** At most this many characters of text are remembered per encoding (least recently used first out). */
const REMEMBER_MAX_CHARS = 4_000_000;

/**
 * A count that remembers the counts of long texts: a conversation resends its
 * system prompt and every earlier turn on each call, and tiktoken costs about
 * 2–3 µs of CPU per token in JavaScript — remembered, each turn is counted once.
 */
function remembered(count: (text: string) => number): (text: string) => number {
  const known = new Map<string, number>();
  let chars = 0;
  return (text) => {
    if (text.length === 0) return 0;
    if (text.length < REMEMBER_MIN_CHARS || text.length > REMEMBER_MAX_CHARS / 4) return count(text);
    const hit = known.get(text);
    if (hit !== undefined) {
      known.delete(text); // most recently used last
      known.set(text, hit);
      return hit;
    }
    const n = count(text);
    known.set(text, n);
    chars += text.length;
    for (const [old] of known) {
      if (chars <= REMEMBER_MAX_CHARS) break;
      known.delete(old);
      chars -= old.length;
    }
    return n;
  };
}

/**
 * The counter of an encoding, built once per process (building the o200k
 * ranks takes about a second of CPU; `preloadTokenizer` pays it at start).
 */
export function tokenizer(encoding: Encoding): Promise<TokenCounter> {
  let counter = loaded.get(encoding);
  if (!counter) {
    counter = load(encoding);
    loaded.set(encoding, counter);
    counter.catch(() => loaded.delete(encoding));
  }
  return counter;
}

/** Loads the encoding of an OpenAI model now (at start), so the first wrapped call does not wait for it. */
export async function preloadTokenizer(model: string): Promise<void> {
  const encoding = encodingFor(model);
  if (encoding) await tokenizer(encoding);
}

/** The counter for a model: tiktoken for the OpenAI families it knows (when `tiktoken` is allowed), else the approximation. */
export async function counterFor(model: string, useTiktoken: boolean): Promise<TokenCounter> {
  const encoding = useTiktoken ? encodingFor(model) : null;
  return encoding ? tokenizer(encoding) : APPROXIMATE;
}

// ---- Prompt shapes

/** The text of a content value: a string, or the text of its parts (`text`, `input_text`, … and nested `content`). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (typeof part === 'string') out += part;
    else if (isRecord(part)) {
      if (typeof part.text === 'string') out += part.text;
      else if (part.content !== undefined) out += contentText(part.content);
      else if (part.input !== undefined) out += JSON.stringify(part.input); // tool_use input
    }
  }
  return out;
}

const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** Chat messages by the cookbook's formula: 3 per message, the tokens of every string field (content parts' text), 1 more per `name`, 3 for the reply. */
export function messageTokens(messages: unknown, counter: TokenCounter): number {
  if (!Array.isArray(messages)) return 0;
  let n = REPLY_PRIMING;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    n += TOKENS_PER_MESSAGE;
    for (const [key, value] of Object.entries(message)) {
      if (typeof value === 'string') n += counter.count(value);
      else if (key === 'content') n += counter.count(contentText(value));
      else if (key === 'tool_calls' && Array.isArray(value)) n += counter.count(JSON.stringify(value));
      if (key === 'name') n += TOKENS_PER_NAME;
    }
  }
  return n;
}

interface ToolCosts {
  readonly funcInit: number;
  readonly propInit: number;
  readonly propKey: number;
  readonly enumInit: number;
  readonly enumItem: number;
  readonly funcEnd: number;
}

const TOOL_COSTS_O200K: ToolCosts = { funcInit: 7, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 };
const TOOL_COSTS_OTHER: ToolCosts = { funcInit: 10, propInit: 3, propKey: 3, enumInit: -3, enumItem: 3, funcEnd: 12 };

function withoutPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/**
 * Function tools by the cookbook's `num_tokens_for_tools` (chat `{type:
 * 'function', function: {...}}` and Responses `{type: 'function', name, ...}`);
 * other tools (built-in ones) by the tokens of their JSON.
 */
export function toolTokens(tools: unknown, counter: TokenCounter): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  const costs = counter.method === 'tiktoken:o200k_base' ? TOOL_COSTS_O200K : TOOL_COSTS_OTHER;
  let n = 0;
  for (const tool of tools) {
    if (!isRecord(tool)) continue;
    const fn = isRecord(tool.function) ? tool.function : tool.type === 'function' ? tool : null;
    if (!fn || typeof fn.name !== 'string') {
      n += counter.count(JSON.stringify(tool));
      continue;
    }
    n += costs.funcInit + counter.count(`${fn.name}:${withoutPeriod(typeof fn.description === 'string' ? fn.description : '')}`);
    const properties = isRecord(fn.parameters) && isRecord(fn.parameters.properties) ? fn.parameters.properties : {};
    const keys = Object.keys(properties);
    if (keys.length > 0) {
      n += costs.propInit;
      for (const key of keys) {
        const p = isRecord(properties[key]) ? properties[key] : {};
        n += costs.propKey;
        if (Array.isArray(p.enum)) {
          n += costs.enumInit;
          for (const item of p.enum) n += costs.enumItem + counter.count(String(item));
        }
        n += counter.count(`${key}:${typeof p.type === 'string' ? p.type : ''}:${withoutPeriod(typeof p.description === 'string' ? p.description : '')}`);
      }
    }
  }
  return n + costs.funcEnd;
}
