/**
 * The machinery shared by the OpenAI and Anthropic wrappers.
 *
 * A wrapped `create` calls the real one with the caller's arguments and hands
 * back what it returned — the SDK's own promise object (its helpers such as
 * `.withResponse()` keep working), resolving to the SDK's own response or
 * Stream object. We only watch: a non-streamed response is recorded when the
 * caller's promise settles; a Stream has its item iterator wrapped in place
 * (same object, same items, also through `.tee()` and `.toReadableStream()`),
 * and is recorded when it ends, fails, or the caller stops reading.
 *
 * Recording never throws into the caller: failures go to `onError`.
 */
import type { UsageEventInput } from '../../events/schema.js';
import type { UsageRecorder } from '../recorder.js';

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

export interface WrapperOptions {
  /** Where events go: a `UsageRecorder` (or anything with its `record`). Required. */
  readonly recorder: Pick<UsageRecorder, 'record'>;
  /** Identity for every call: fixed, or computed per call (e.g. from AsyncLocalStorage or the request). */
  readonly identity?: WrapperIdentity | ((call: CallInfo) => WrapperIdentity | undefined);
  /** Provider id on the events. Default `openai` / `anthropic` (set `azure`, `openrouter`, … for compatible endpoints). */
  readonly provider?: string;
  /** A usage event could not be built or recorded; the caller's call is unaffected. */
  readonly onError?: (error: unknown, event?: UsageEventInput) => void;
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
  /** Adjusts the request; `injectedUsage` says the wrapper asked for usage the caller did not. */
  prepare?(params: Record<string, unknown>): { params: Record<string, unknown>; injectedUsage: boolean };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * The SDK error class (`RateLimitError`, `APIConnectionError`, …); for the
 * generic `APIError` both SDKs throw on an error event inside a stream, the
 * provider's error type when it has one (`overloaded_error`).
 */
function errorType(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const ctor = err.constructor.name;
  const type = (err as { type?: unknown }).type;
  if (ctor === 'APIError' && typeof type === 'string' && type.length > 0) return type;
  return ctor && ctor !== 'Error' ? ctor : err.name;
}

function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.constructor.name === 'APIUserAbortError');
}

interface Call {
  readonly provider: string;
  readonly params: Record<string, unknown>;
  readonly startedAt: number;
  readonly startedMono: number;
}

function record(options: WrapperOptions, extractor: Extractor, call: Call, seen: Observed, outcome: { status: 'ok' | 'error' | 'cancelled'; error_type?: string; ttftMs?: number }): void {
  let event: UsageEventInput | undefined;
  try {
    const identity = typeof options.identity === 'function' ? options.identity({ provider: call.provider, operation: extractor.operation, params: call.params }) : options.identity;
    const model = seen.model ?? text(call.params.model) ?? 'unknown';
    const status = outcome.status === 'ok' && seen.error_type ? 'error' : outcome.status;
    const error_type = outcome.error_type ?? seen.error_type;
    event = {
      ...(identity ?? {}),
      ...(identity?.metadata ? { metadata: { ...identity.metadata } } : {}),
      occurred_at: new Date(call.startedAt).toISOString(),
      provider: call.provider,
      model,
      usage: seen.usage ?? {},
      status,
      duration_ms: Math.max(0, Math.round(performance.now() - call.startedMono)),
      ...(outcome.ttftMs === undefined ? {} : { ttft_ms: Math.max(0, Math.round(outcome.ttftMs)) }),
      ...(status === 'ok' || !error_type ? {} : { error_type: error_type.slice(0, 128) }),
      ...(seen.request_id ? { request_id: seen.request_id } : {}),
      ...(seen.service_tier ? { service_tier: seen.service_tier } : {}),
      ...(seen.tool_calls ? { tool_calls: seen.tool_calls } : {}),
    };
    options.recorder.record(event);
  } catch (err) {
    options.onError?.(err, event);
  }
}

/** Wraps a Stream's item iterator in place; records once when it ends, fails or is abandoned. */
function watchStream(stream: object, options: WrapperOptions, extractor: Extractor, call: Call, injectedUsage: boolean): void {
  const holder = stream as { iterator?: unknown; controller?: { signal?: AbortSignal } };
  const original = holder.iterator;
  if (typeof original !== 'function') return; // not a Stream we know how to watch: leave it untouched
  const acc = extractor.stream({ injectedUsage });
  let ttftMs: number | undefined;
  let finished = false;
  const finish = (how: 'done' | 'error' | 'return', err?: unknown): void => {
    if (finished) return;
    finished = true;
    const seen = acc.result();
    const aborted = holder.controller?.signal?.aborted === true;
    if (how === 'error') record(options, extractor, call, seen, isAbort(err) ? { status: 'cancelled', ttftMs } : { status: 'error', error_type: errorType(err), ttftMs });
    else if (how === 'done' && !aborted) record(options, extractor, call, seen, { status: 'ok', ttftMs });
    else record(options, extractor, call, seen, seen.complete && !aborted ? { status: 'ok', ttftMs } : { status: 'cancelled', ttftMs });
  };
  const step = (item: unknown): boolean => {
    try {
      const s = acc.push(item);
      if (s.content && ttftMs === undefined) ttftMs = performance.now() - call.startedMono;
      return s.hide === true;
    } catch (err) {
      options.onError?.(err);
      return false;
    }
  };
  holder.iterator = function observedIterator(this: unknown, ...args: unknown[]): AsyncIterator<unknown> {
    const inner = (original as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
    const observed: AsyncIterableIterator<unknown> = {
      async next(): Promise<IteratorResult<unknown>> {
        for (;;) {
          let result: IteratorResult<unknown>;
          try {
            result = await inner.next();
          } catch (err) {
            finish('error', err);
            throw err;
          }
          if (result.done) {
            finish('done');
            return result;
          }
          if (!step(result.value)) return result;
        }
      },
      async return(value?: unknown): Promise<IteratorResult<unknown>> {
        finish('return');
        return inner.return ? inner.return(value) : { done: true, value };
      },
      async throw(err?: unknown): Promise<IteratorResult<unknown>> {
        finish('error', err);
        if (inner.throw) return inner.throw(err);
        throw err;
      },
      [Symbol.asyncIterator](): AsyncIterableIterator<unknown> {
        return observed;
      },
    };
    return observed;
  };
}

/**
 * The SDK's promise object, watched: `then`/`catch`/`finally`/`parse`/
 * `withResponse` go through one memoised observation of the parsed data;
 * everything else is the original's.
 */
function watchPromise(promise: PromiseLike<unknown> & object, onData: (data: unknown) => unknown, onError: (err: unknown) => void): unknown {
  let observed: Promise<unknown> | undefined;
  const memo = new WeakMap<object, unknown>();
  const once = (data: unknown): unknown => {
    if (typeof data !== 'object' || data === null) return onData(data);
    if (!memo.has(data)) memo.set(data, onData(data));
    return memo.get(data);
  };
  const observe = (): Promise<unknown> => {
    observed ??= Promise.resolve(promise).then(once, (err: unknown) => {
      onError(err);
      throw err;
    });
    observed.catch(() => undefined); // the caller's chain handles it; this branch only avoids an unhandled-rejection report
    return observed;
  };
  const target = promise as Record<PropertyKey, unknown>;
  return new Proxy(promise, {
    get(_t, prop) {
      switch (prop) {
        case 'then':
          return (f?: (v: unknown) => unknown, r?: (e: unknown) => unknown) => observe().then(f, r);
        case 'catch':
          return (r?: (e: unknown) => unknown) => observe().catch(r);
        case 'finally':
          return (f?: () => void) => observe().finally(f);
        case 'parse':
          return typeof target.parse === 'function' ? () => observe() : target.parse;
        case 'withResponse':
          if (typeof target.withResponse !== 'function') return target.withResponse;
          return async () => {
            const data = observe();
            const raw = (await (target.withResponse as () => Promise<Record<string, unknown>>).call(promise)) ?? {};
            return { ...raw, data: await data };
          };
        case '_thenUnwrap':
          if (typeof target._thenUnwrap !== 'function') return target._thenUnwrap;
          return (transform: (data: unknown, props: unknown) => unknown) =>
            (target._thenUnwrap as (t: (d: unknown, p: unknown) => unknown) => unknown).call(promise, (data: unknown, props: unknown) => transform(once(data), props));
        default: {
          const value = target[prop];
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(promise) : value;
        }
      }
    },
  });
}

/** A `create` that records every call; `original` is the SDK's, called on `self` with the caller's arguments. */
export function wrapCreate(original: (...args: unknown[]) => unknown, self: object, extractor: Extractor, options: WrapperOptions, provider: string): (...args: unknown[]) => unknown {
  return function create(...args: unknown[]): unknown {
    const given = isRecord(args[0]) ? args[0] : {};
    let params = given;
    let injectedUsage = false;
    try {
      if (extractor.prepare) ({ params, injectedUsage } = extractor.prepare(given));
    } catch (err) {
      options.onError?.(err);
    }
    const callArgs = params === given ? args : [params, ...args.slice(1)];
    const call: Call = { provider, params: given, startedAt: Date.now(), startedMono: performance.now() };
    const failed = (err: unknown): void => record(options, extractor, call, {}, isAbort(err) ? { status: 'cancelled' } : { status: 'error', error_type: errorType(err) });
    let result: unknown;
    try {
      result = original.apply(self, callArgs);
    } catch (err) {
      failed(err);
      throw err;
    }
    if (typeof result !== 'object' || result === null || typeof (result as { then?: unknown }).then !== 'function') return result;
    return watchPromise(
      result as PromiseLike<unknown> & object,
      (data) => {
        if (isStreamLike(data)) watchStream(data, options, extractor, call, injectedUsage);
        else record(options, extractor, call, safe(() => extractor.fromResponse(data), options), { status: 'ok' });
        return data;
      },
      failed,
    );
  };
}

/** An SDK Stream: async-iterable, with the `iterator` factory both SDKs' Stream classes iterate through. */
function isStreamLike(data: unknown): data is object {
  return typeof data === 'object' && data !== null && typeof (data as { iterator?: unknown }).iterator === 'function' && Symbol.asyncIterator in data;
}

function safe(read: () => Observed, options: WrapperOptions): Observed {
  try {
    return read();
  } catch (err) {
    options.onError?.(err);
    return {};
  }
}

/**
 * A view of `resource` whose listed methods are replaced; other members are
 * the resource's own, called with the view as `this` so that SDK helpers built
 * on `this.create` (Anthropic's `messages.stream`) go through the wrapped one.
 */
export function overrideMethods<T extends object>(resource: T, methods: Readonly<Record<string, (...args: unknown[]) => unknown>>): T {
  return new Proxy(resource, {
    get(target, prop, receiver) {
      if (typeof prop === 'string' && Object.hasOwn(methods, prop)) return methods[prop];
      return Reflect.get(target, prop, receiver);
    },
  });
}

/**
 * A view of `client` where some properties are replaced by wrapped views.
 * Client methods run on the real client (they use private fields).
 */
export function overrideProperties<T extends object>(client: T, views: Readonly<Record<string, () => unknown>>): T {
  const cache = new Map<string, unknown>();
  return new Proxy(client, {
    get(target, prop) {
      if (typeof prop === 'string' && Object.hasOwn(views, prop)) {
        if (!cache.has(prop)) cache.set(prop, views[prop]?.());
        return cache.get(prop);
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
