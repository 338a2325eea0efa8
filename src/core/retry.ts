/**
 * The one retry helper: exponential backoff with full jitter, capped. Whether
 * to retry is a property of the error (`isRetriable`), never of the call site.
 */
import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** Attempts after the first; `Infinity` retries until `signal` aborts. Default 5. */
  readonly retries?: number;
  /** Delay before the first retry, in ms. Default 100. */
  readonly initialDelayMs?: number;
  /** Upper bound of one delay, in ms. Default 30,000. */
  readonly maxDelayMs?: number;
  /** Growth factor per attempt. Default 2. */
  readonly factor?: number;
  /** Stops retrying (and rejects with the last error) when aborted. */
  readonly signal?: AbortSignal;
  /** Decides whether an error is worth another attempt. Default `isRetriable`. */
  readonly shouldRetry?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log or to flip a readiness flag. */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /** Source of randomness in [0,1); injectable for tests. */
  readonly random?: () => number;
}

/** The delay before retry number `attempt` (1-based): random in [0, min(max, initial·factor^(attempt-1))]. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialDelayMs ?? 100;
  const max = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const ceiling = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  const random = options.random ?? Math.random;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `fn` until it succeeds, the error is not retriable, attempts run out, or `signal` aborts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 5;
  const shouldRetry = options.shouldRetry ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= retries || !shouldRetry(err) || options.signal?.aborted) throw err;
      const delay = backoffDelay(attempt + 1, options);
      options.onRetry?.(err, attempt + 1, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}
