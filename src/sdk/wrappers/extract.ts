/**
 * What the wrappers' extractors share: the shapes they read and report, and
 * the identity of a call.
 */
/** Counts the tokens of a text; `method` names how (`tiktoken:o200k_base`, `approximate:chars/3.5`). */
export interface TokenCounter {
  readonly method: string;
  /** A real tokenizer (tiktoken), not the approximation. */
  readonly exact: boolean;
  count(text: string): number;
}

/** Who a call is for. Every field optional; see the v1 event for each. */
export interface WrapperIdentity {
  readonly tenant?: string;
  readonly user_id?: string;
  readonly group?: string;
  readonly session_id?: string;
  readonly agent?: string;
  readonly feature?: string;
  readonly api_key_id?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What an identity function is told about the call. */
export interface CallInfo {
  readonly provider: string;
  /** `chat.completions.create`, `responses.create` or `messages.create`. */
  readonly operation: string;
  /** The request body the caller passed. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** What an extractor learned about a call. */
export interface Observed {
  model?: string;
  usage?: Record<string, unknown>;
  request_id?: string;
  service_tier?: string;
  tool_calls?: number;
  /** Set when the response itself reports a failure (e.g. `response.failed`). */
  error_type?: string;
  /** A terminal event was seen (the stream ended by the provider's own account). */
  complete?: boolean;
}

export interface StreamStep {
  /** The item carries generated content (for time to first token). */
  readonly content: boolean;
  /** Hide the item from the caller (an item only the wrapper asked for). */
  readonly hide?: boolean;
}

export interface StreamAccumulator {
  push(item: unknown): StreamStep;
  result(): Observed;
}

export interface Extractor {
  readonly operation: string;
  fromResponse(data: unknown): Observed;
  stream(options: { injectedUsage: boolean }): StreamAccumulator;
  /** How the prompt is counted for budget estimates: tiktoken (OpenAI models it knows) or the approximation. */
  readonly tokenizer: 'tiktoken' | 'approximate';
  /** The prompt's tokens and the request's output bound, for the budget estimate. */
  estimate?(params: Record<string, unknown>, counter: TokenCounter): { input_tokens: number; max_tokens: number | undefined };
  /** Adjusts the request; `injectedUsage` says the wrapper asked for usage the caller did not. */
  prepare?(params: Record<string, unknown>): { params: Record<string, unknown>; injectedUsage: boolean };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

