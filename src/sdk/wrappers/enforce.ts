/**
 * Budgets inside the call (docs/sdk.md, "Self-enforcing wrappers"): before a
 * wrapped call, reserve an estimate with the quota client; refuse with
 * QUOTA_EXCEEDED when a hard budget has no room (the provider is not called);
 * after it, settle — against the recorded event when usage was seen, else
 * release the hold. What happens when the quota client cannot answer is the
 * policy's `unreachable`.
 */
import { TallyError, isTallyError } from '../../core/errors.js';
import type { Subject, UsageEstimate } from '../../budgets/types.js';
import type { QuotaClient, QuotaReservation } from '../quota.js';
import { APPROXIMATE, counterFor } from './tokens.js';
import { text, type Extractor, type WrapperIdentity } from './extract.js';

/** What the wrappers do about budgets. */
export interface WrapperPolicy {
  /**
   * When the quota client cannot answer (Redis or tally's API unreachable,
   * COUNTERS_UNAVAILABLE, a timeout — any retriable failure):
   * `fail_open` (default) calls the provider anyway, without a hold, and still
   * records the usage (it is counted when the event arrives); `fail_closed`
   * throws COUNTERS_UNAVAILABLE and does not call the provider. Non-retriable
   * failures (UNAUTHORIZED, VALIDATION_FAILED, …) are thrown either way.
   */
  readonly unreachable?: 'fail_open' | 'fail_closed';
  /** Output tokens reserved when the request sets no output bound (`max_tokens`, `max_completion_tokens`, `max_output_tokens`). Default 4,096. */
  readonly defaultMaxTokens?: number;
  /** How long an unsettled hold lives, seconds (a stream nobody reads holds until then). Default: the quota service's (`budgets.reservationTtlSeconds`). */
  readonly reservationTtlSeconds?: number;
}

export const DEFAULT_MAX_TOKENS = 4096;

/** What an extractor reads from a request for its estimate. */
export interface PromptEstimate {
  readonly input_tokens: number;
  /** The request's output bound, if it sets one. */
  readonly max_tokens: number | undefined;
}

/** A hold taken before a call; settled once. */
export interface Hold {
  readonly reservationId: string;
  readonly estimate: UsageEstimate;
  /** How the input tokens were counted (`tiktoken:o200k_base`, `approximate:chars/3.5`). */
  readonly method: string;
  settled: boolean;
}

/** Subject of a call: the identity's dimensions, the model and the provider. */
export function subjectOf(identity: WrapperIdentity | undefined, model: string | undefined, provider: string): Subject {
  return {
    ...(identity?.tenant ? { tenant: identity.tenant } : {}),
    ...(identity?.user_id ? { user_id: identity.user_id } : {}),
    ...(identity?.group ? { group: identity.group } : {}),
    ...(identity?.agent ? { agent: identity.agent } : {}),
    ...(identity?.feature ? { feature: identity.feature } : {}),
    ...(identity?.api_key_id ? { api_key_id: identity.api_key_id } : {}),
    ...(model ? { model } : {}),
    provider,
  };
}

/** The estimate of a request: its prompt counted, its output bound (or the default), one request. */
export async function estimateOf(extractor: Extractor, params: Record<string, unknown>, policy: WrapperPolicy): Promise<{ estimate: UsageEstimate; method: string }> {
  const model = text(params.model);
  // A tokenizer that cannot be loaded (a broken install) must not stop the call: the approximation counts instead.
  const counter = await counterFor(model ?? '', extractor.tokenizer === 'tiktoken').catch(() => APPROXIMATE);
  const prompt: PromptEstimate = extractor.estimate ? extractor.estimate(params, counter) : { input_tokens: 0, max_tokens: undefined };
  const max = prompt.max_tokens ?? policy.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  const estimate: UsageEstimate = { ...(model ? { model } : {}), input_tokens: prompt.input_tokens, max_tokens: max, requests: 1 };
  return { estimate, method: counter.method };
}

/** QUOTA_EXCEEDED for a refused reservation: the blocking budget that resets last, its `retry_after_seconds`, every blocking budget. */
export function refusal(r: QuotaReservation, estimate: UsageEstimate): TallyError {
  const blocking = r.budgets.filter((b) => b.blocking);
  const last = blocking.find((b) => b.retry_after_seconds === r.retry_after_seconds) ?? blocking[0];
  const budgetId = last?.budget_id ?? r.exceeded[0] ?? null;
  const retry = r.retry_after_seconds;
  return new TallyError('QUOTA_EXCEEDED', `budget ${budgetId ?? '(unknown)'} has no room for this request${retry === null ? '' : `; retry after ${retry} s`}`, {
    details: {
      budget_id: budgetId,
      retry_after_seconds: retry,
      resets_at: last?.resets_at ?? null,
      blocking: blocking.map((b) => ({ budget_id: b.budget_id, resets_at: b.resets_at, retry_after_seconds: b.retry_after_seconds })),
      estimate,
    },
  });
}

/** A failure of the quota client that the `unreachable` policy decides (retriable, or not one of tally's errors: the network). */
export function isUnreachable(err: unknown): boolean {
  return isTallyError(err) ? err.retriable : true;
}

/** A cost tally cannot estimate (no price for the model): the estimate without the model is reserved instead (tokens and requests). */
function isUnpricedEstimate(err: unknown): boolean {
  return isTallyError(err) && err.code === 'VALIDATION_FAILED' && Array.isArray(err.details.errors) && (err.details.errors as { path?: unknown }[]).some((e) => e.path === 'estimate.model');
}

/**
 * Reserves the call's estimate. Resolves to the hold, or null when the quota
 * client could not answer and the policy is fail_open (`onUnreachable` is told).
 * Throws QUOTA_EXCEEDED (refused), COUNTERS_UNAVAILABLE (fail_closed) or the
 * quota client's non-retriable error.
 */
export async function reserveFor(
  quota: Pick<QuotaClient, 'reserve'>, subject: Subject, extractor: Extractor, params: Record<string, unknown>, policy: WrapperPolicy,
  onUnreachable: (err: unknown) => void,
): Promise<Hold | null> {
  const { estimate, method } = await estimateOf(extractor, params, policy);
  const options = policy.reservationTtlSeconds === undefined ? {} : { ttlSeconds: policy.reservationTtlSeconds };
  let r: QuotaReservation;
  let held = estimate;
  try {
    try {
      r = await quota.reserve(subject, estimate, options);
    } catch (err) {
      if (!isUnpricedEstimate(err)) throw err;
      held = { tokens: (estimate.input_tokens ?? 0) + (estimate.max_tokens ?? 0), requests: 1 };
      r = await quota.reserve(subject, held, options);
    }
  } catch (err) {
    if (!isUnreachable(err)) throw err;
    if (policy.unreachable === 'fail_closed') {
      throw new TallyError('COUNTERS_UNAVAILABLE', `the quota service could not answer and the policy is fail_closed: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err, retriable: true, details: { policy: 'fail_closed' },
      });
    }
    onUnreachable(err);
    return null;
  }
  if (!r.granted || r.reservation_id === null) throw refusal(r, held);
  return { reservationId: r.reservation_id, estimate: held, method, settled: false };
}

/** Whether a usage object counts anything (a cancelled stream before its first usage report has none). */
export function hasUsage(usage: unknown): boolean {
  if (typeof usage === 'number') return usage > 0;
  if (typeof usage !== 'object' || usage === null) return false;
  return Object.values(usage).some(hasUsage);
}

/**
 * Settles a hold once: with the recorded event when usage was seen (the hold
 * stays until the processor counts that event — never a gap, never twice),
 * else released now. Failures go to `onError`.
 */
export function settleHold(quota: Pick<QuotaClient, 'settle'>, hold: Hold | null | undefined, eventId: string | undefined, usage: Record<string, unknown> | undefined, onError: (err: unknown) => void): void {
  if (!hold || hold.settled) return;
  hold.settled = true;
  const actual = eventId !== undefined && hasUsage(usage) ? { event_id: eventId } : undefined;
  quota.settle(hold.reservationId, actual).catch(onError);
}
