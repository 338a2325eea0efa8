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
 *
 * With a quota client (`quota`), the call reserves its estimate first
 * (enforce.ts) and so starts later: `create` then returns a stand-in for the
 * SDK's promise object (`deferredPromise`) and the hold is settled when the
 * call is recorded.
 */
import type { UsageEventInput } from '../../events/schema.js';
import type { QuotaClient } from '../quota.js';
import type { UsageRecorder } from '../recorder.js';
import { reserveFor, settleHold, subjectOf, type Hold, type WrapperPolicy } from './enforce.js';
import { isRecord, text, type CallInfo, type Extractor, type Observed, type WrapperIdentity } from './extract.js';

export { isRecord, text } from './extract.js';
export type { CallInfo, Extractor, Observed, StreamAccumulator, StreamStep, WrapperIdentity } from './extract.js';

export interface WrapperOptions {
  /** Where events go: a `UsageRecorder` (or anything with its `record`). Required. */
  readonly recorder: Pick<UsageRecorder, 'record'>;
  /** Identity for every call: fixed, or computed per call (e.g. from AsyncLocalStorage or the request). */
  readonly identity?: WrapperIdentity | ((call: CallInfo) => WrapperIdentity | undefined);
  /** Provider id on the events. Default `openai` / `anthropic` (set `azure`, `openrouter`, … for compatible endpoints). */
  readonly provider?: string;
  /**
   * A usage event could not be built or recorded, a hold could not be
   * settled, or (policy `fail_open`) the quota client could not answer and
   * the call went ahead without a hold; the caller's call is unaffected.
   */
  readonly onError?: (error: unknown, event?: UsageEventInput) => void;
  /**
   * Enforce budgets inside the call: before each call, reserve an estimate
   * (the prompt counted, the output at its bound) with this quota client
   * (`createQuotaClient`, in-process or over HTTP); refuse with QUOTA_EXCEEDED
   * (`details.budget_id`, `details.retry_after_seconds`) without calling the
   * provider when a hard budget has no room; settle with the real usage after.
   * Without it the wrapper only records.
   */
  readonly quota?: Pick<QuotaClient, 'reserve' | 'settle'>;
  /** With `quota`: what to do when it cannot answer, the default output bound, the hold's TTL. */
  readonly policy?: WrapperPolicy;
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
  startedAt: number;
  startedMono: number;
  /** The identity, once computed (at the start of a call with a quota client, else when recording). */
  identity?: { readonly value: WrapperIdentity | undefined };
  /** The hold to settle when the call is recorded. */
  hold?: Hold | null;
}

function identityOf(options: WrapperOptions, extractor: Extractor, call: Call): WrapperIdentity | undefined {
  call.identity ??= { value: typeof options.identity === 'function' ? options.identity({ provider: call.provider, operation: extractor.operation, params: call.params }) : options.identity };
  return call.identity.value;
}

function record(options: WrapperOptions, extractor: Extractor, call: Call, seen: Observed, outcome: { status: 'ok' | 'error' | 'cancelled'; error_type?: string; ttftMs?: number }): void {
  let event: UsageEventInput | undefined;
  let eventId: string | undefined;
  try {
    const identity = identityOf(options, extractor, call);
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
    eventId = options.recorder.record(event);
  } catch (err) {
    options.onError?.(err, event);
  }
  if (call.hold && options.quota) settleHold(options.quota, call.hold, eventId, seen.usage, (err) => options.onError?.(err));
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
        case 'catch':
        case 'finally':
          return promiseMethod(observe, prop);
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

/**
 * A `create` that records every call; `original` is the SDK's, called on
 * `self` with the caller's arguments. With a quota client it reserves first
 * and returns a `deferredPromise`.
 */
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
    const start = (): unknown => {
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
    const quota = options.quota;
    if (!quota) return start();
    /** The caller took a path that reads the body its own way (`asResponse`, `_thenUnwrap`): no eager observation. */
    let ownPath = false;
    const started = (async (): Promise<{ readonly value: unknown }> => {
      let identity: WrapperIdentity | undefined;
      try {
        identity = identityOf(options, extractor, call);
      } catch (err) {
        options.onError?.(err);
      }
      call.hold = await reserveFor(quota, subjectOf(identity, text(given.model), provider), extractor, given, options.policy ?? {}, (err) => options.onError?.(err));
      call.startedAt = Date.now(); // the provider's call starts now; the event's duration is the provider's
      call.startedMono = performance.now();
      const value = start();
      // Observed even if the caller never awaits it, so that the hold is settled (not left to its TTL) — unless the
      // caller reads the body its own way (the observation would consume it first).
      if (!ownPath && typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function') {
        (value as PromiseLike<unknown>).then(undefined, () => undefined);
      }
      return { value };
    })();
    // An `.asResponse()` caller takes the raw body: nothing is recorded, so the hold is released when the response arrives.
    const release = (): void => {
      if (call.hold) settleHold(quota, call.hold, undefined, undefined, (err) => options.onError?.(err));
    };
    return deferredPromise(started, (method) => {
      if (method === 'asResponse' || method === '_thenUnwrap') ownPath = true;
      return method === 'asResponse' ? release : undefined;
    });
  };
}

/**
 * What a wrapped `create` returns when it reserves first: the SDK's promise
 * object exists only once the hold is granted, so this stands for it.
 * `then`/`catch`/`finally` resolve to what the SDK's promise resolves to (and
 * reject with QUOTA_EXCEEDED or the policy's error when the call was not
 * made); any other method (`withResponse()`, `asResponse()`, `_thenUnwrap()`,
 * …) is called on the SDK's promise once it exists, and returns another such
 * stand-in (so `await x.withResponse()` and `x._thenUnwrap(f).withResponse()`
 * work). `after(method)` may give a function to run when that method's result
 * arrives. Non-function members are not available.
 */
export function deferredPromise(started: Promise<{ readonly value: unknown }>, after: (method: string) => (() => void) | undefined = () => undefined): Promise<unknown> {
  started.catch(() => undefined); // each caller's chain below reports the rejection; this branch only avoids a duplicate unhandled-rejection report
  let data: Promise<unknown> | undefined;
  const settled = (): Promise<unknown> => (data ??= started.then((box) => box.value));
  const target = Promise.resolve();
  return new Proxy(target, {
    get(_t, prop) {
      switch (prop) {
        case 'then':
        case 'catch':
        case 'finally':
          return promiseMethod(settled, prop);
        default: {
          if (typeof prop !== 'string' || prop === 'constructor') return Reflect.get(target, prop, target) as unknown;
          return (...args: unknown[]): Promise<unknown> => {
            const done = after(prop);
            const next = started.then((box) => {
              const method = typeof box.value === 'object' && box.value !== null ? (box.value as Record<string, unknown>)[prop] : undefined;
              if (typeof method !== 'function') throw new TypeError(`${prop} is not a function of the SDK's promise`);
              return { value: (method as (...a: unknown[]) => unknown).apply(box.value, args) };
            });
            return deferredPromise(
              done ? next.then(async (box) => ({ value: await Promise.resolve(box.value).finally(done) })) : next,
              after,
            );
          };
        }
      }
    },
  }) as Promise<unknown>;
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

/** `then`, `catch` or `finally` of a stand-in for a promise, each forwarded to the promise `of()` returns (made on first use). */
function promiseMethod(of: () => Promise<unknown>, method: 'then' | 'catch' | 'finally'): (...args: never[]) => Promise<unknown> {
  switch (method) {
    case 'then':
      return (f?: (v: unknown) => unknown, r?: (e: unknown) => unknown) => of().then(f, r);
    case 'catch':
      return (r?: (e: unknown) => unknown) => of().catch(r);
    case 'finally':
      return (f?: () => void) => of().finally(f);
  }
}
