/**
 * The public types of the budget engine: what callers pass (subjects,
 * estimates) and get back (statuses, verdicts, reservations, crossings).
 * Every amount is a decimal string: USD for cost (`"12.5"`), a whole number
 * for tokens and requests.
 */
import type { Money } from '../core/money.js';
import type { BudgetOutagePolicy, Enforcement, Metric } from './model.js';
import type { DimValues, ModelScopeInfo } from './scope.js';
import type { PeriodKind } from './periods.js';
import type { PricedEvent } from '../pipeline/types.js';
import { type TokenClass } from '../core/classes.js';


/** Who a quota check is for, in the event's names. `tenant` defaults to `default`, like events. */
export interface Subject {
  readonly tenant?: string;
  readonly user_id?: string;
  readonly group?: string;
  /** A model id as the caller knows it, or a resolved model key. */
  readonly model?: string;
  readonly provider?: string;
  readonly agent?: string;
  readonly feature?: string;
  readonly api_key_id?: string;
  /** @deprecated Read as `user_id` (with a deprecation notice) until tally 0.3. */
  readonly user?: string;
  /** @deprecated Read as `api_key_id` (with a deprecation notice) until tally 0.3. */
  readonly api_key?: string;
}

/** What the coming request may use. */
export interface UsageEstimate {
  /** USD as decimal text. */
  readonly cost?: string;
  /**
   * The billed price, USD as decimal text, for `price` budgets (a customer's
   * wallet). Default: the customer's price book applied to the estimate
   * (the engine's `estimatePrice`).
   */
  readonly price?: string;
  /** Tokens; count against every token budget (total or class). */
  readonly tokens?: number;
  /** Requests; default 1. */
  readonly requests?: number;
  /** With `max_tokens` and/or `input_tokens` and no `cost`: the cost is estimated by the engine's `estimateCost`. */
  readonly model?: string;
  /**
   * With `model`: upper bound of output tokens. Alone (no `input_tokens`) it
   * bounds the whole request and is priced at the dearer of the model's input
   * and output price; with `input_tokens` it is priced at the output price.
   * Counts in the token estimate when `tokens` is absent.
   */
  readonly max_tokens?: number;
  /**
   * With `model`: the prompt's tokens (counted before the call), priced at the
   * model's input price. Counts in the token estimate when `tokens` is absent
   * (input_tokens + max_tokens).
   */
  readonly input_tokens?: number;
}

/**
 * Estimates the cost of a request from its model and token counts (injected
 * by whoever owns pricing): `maxTokens` output tokens plus, when given,
 * `inputTokens` prompt tokens; without `inputTokens`, `maxTokens` bounds the
 * whole request (see `UsageEstimate.max_tokens`).
 */
export type CostEstimator = (model: string, maxTokens: number, subject: Subject, inputTokens?: number) => Money | Promise<Money>;

/** What the price of an estimate is computed from. */
export interface PriceEstimateInput {
  /** The cost estimate, femto-USD. */
  readonly cost: Money;
  readonly requests: bigint;
  readonly model?: string;
  readonly inputTokens?: number;
  readonly maxTokens?: number;
}

/** Prices an estimate for the subject's customer under its price book (injected by whoever owns billing); femto-USD. */
export type PriceEstimator = (subject: Subject, input: PriceEstimateInput) => Money | Promise<Money>;

/** Maps a model id to the catalog's model key, so model-scoped budgets match quota subjects. */
export type ModelResolver = (model: string, provider: string | undefined) => string | null;

export interface BudgetStatus {
  readonly budget_id: string;
  readonly name: string;
  readonly metric: Metric;
  readonly token_class: TokenClass | null;
  readonly enforcement: Enforcement;
  readonly period: PeriodKind;
  readonly timezone: string;
  readonly window: string | null;
  /** Values of the budget's per-value (`*`) dimensions this status is for, e.g. `{user_id: "bob"}`. */
  readonly subject: DimValues;
  readonly used: string;
  /** Held by unsettled reservations. */
  readonly reserved: string;
  readonly limit: string;
  /** max(0, limit − used − reserved). */
  readonly remaining: string;
  /** used / limit × 100, two decimals. */
  readonly percentage: number;
  /** used ≥ limit. */
  readonly exceeded: boolean;
  /** percentage ≥ the budget's approaching threshold, and not exceeded. */
  readonly approaching: boolean;
  /** ISO 8601 UTC. */
  readonly period_start: string;
  /** ISO 8601 UTC: the period's end, or a rolling window's next slide. */
  readonly resets_at: string;
  /** What a model scope counts: the resolved family and its members, or the families a glob covers. Absent without a model scope. */
  readonly model_family?: ModelScopeInfo;
  /**
   * The previous period received events after its counters expired (later
   * than the grace), which no counter holds: `tally reconcile --period`
   * of that period brings them in. Absent when there are none.
   */
  readonly late?: LateData;
  /**
   * Present when a budget lease answered (the counters were not read for
   * this answer): the instant `used` and `reserved` were read. Usage counted
   * since is not in them — at most the lease renewal interval
   * (`budgets.leases.renewMs`) plus the processor's lag.
   */
  readonly used_as_of?: string;
}

/** Usage a closed period received too late for its counters. */
export interface LateData {
  readonly period_start: string;
  readonly period_end: string;
  /** What those events add, in the budget's metric. */
  readonly used: string;
}

/** A status as seen by one check: whether this request fits. */
export interface CheckedStatus extends BudgetStatus {
  /** used + reserved + estimate > limit (no estimate: used + reserved ≥ limit). */
  readonly would_exceed: boolean;
  /** A hard budget that would be exceeded: the request is not allowed. */
  readonly blocking: boolean;
  /** When blocking: seconds until this budget has room for the request again (null when no wait helps: an unpriced model). */
  readonly retry_after_seconds: number | null;
  /** Set when this budget (`unpriced: "block"`) refuses the request because tally cannot price its model. */
  readonly unpriced_model?: string;
}

/** Set on an answer given while the counter store was unreachable (`fail_open`: nothing read, nothing held; `leases`: from a live lease). See outage.ts. */
export interface OutageNote {
  readonly policy: BudgetOutagePolicy;
  readonly reason: 'unreachable';
}

export interface CheckResult {
  /** No hard budget would be exceeded. */
  readonly allowed: boolean;
  /** Every applicable budget. */
  readonly budgets: readonly CheckedStatus[];
  /** Budgets (hard and soft) this request would exceed. */
  readonly exceeded: readonly CheckedStatus[];
  /** When not allowed: seconds until every blocking budget has room again (the latest of them). */
  readonly retry_after_seconds: number | null;
  /**
   * Present when the counter store was unreachable and the subject's outage
   * policy answered (outage.ts): `fail_open` — allowed without reading the
   * counters (`budgets` is empty); `leases` — from a live lease (`used_as_of`
   * says how old the statuses are).
   */
  readonly outage?: OutageNote;
}

export interface ReserveOptions {
  /** How long an unsettled hold lives, in ms. Default: the engine's reservation TTL. */
  readonly ttlMs?: number;
}

export interface ReservationResult {
  readonly granted: boolean;
  /** Present when granted: pass it to settle. Opaque. */
  readonly reservation_id: string | null;
  readonly allowed: boolean;
  readonly statuses: readonly CheckedStatus[];
  readonly exceeded: readonly CheckedStatus[];
  readonly retry_after_seconds: number | null;
  /** ISO 8601: when an unsettled hold expires. */
  readonly expires_at: string | null;
  /** As in CheckResult: answered under the outage policy while the counter store was unreachable (`fail_open`: nothing is held). */
  readonly outage?: OutageNote;
}

/** The real usage of a reserved request. */
export interface ActualUsage {
  /** The event carrying the real usage: the hold stays until the processor counts it (no gap). */
  readonly event_id?: string;
  /** USD decimal text; the hold is resized to it while awaiting the event. */
  readonly cost?: string;
  /** The billed price, USD decimal text (a wallet's hold is resized to it). */
  readonly price?: string;
  readonly tokens?: number;
  readonly requests?: number;
}

export interface SettleOptions {
  /** Throw RESERVATION_NOT_FOUND (`details.state: "expired"`) for a reservation that expired unsettled, instead of answering `already`. */
  readonly expiredAsNotFound?: boolean;
}

export interface SettleResult {
  /** released: hold gone; awaiting: held until the event is counted; already: settled or expired before. */
  readonly status: 'released' | 'awaiting' | 'already';
}

/** The body of a threshold-crossing alert (usage.alerts and webhooks). */
export type AlertBody = {
  /** `budget.threshold_crossed`: a percent of the limit; `budget.remaining_below`: the amount left fell to `below` (a wallet's low balance). */
  readonly type: 'budget.threshold_crossed' | 'budget.remaining_below';
  readonly alert_id: string;
  readonly budget_id: string;
  readonly budget_name: string;
  /** The tenant of the counter, or null for budgets without a tenant scope. */
  readonly tenant: string | null;
  readonly subject: DimValues;
  readonly metric: Metric;
  readonly token_class: TokenClass | null;
  readonly enforcement: Enforcement;
  /** Percent of the limit crossed; null for `budget.remaining_below`. */
  readonly threshold: number | null;
  /** `budget.remaining_below`: the amount left that was reached (USD text); else null. */
  readonly below: string | null;
  readonly used: string;
  /** What was left of the limit then: max(0, limit − used). */
  readonly remaining: string;
  readonly limit: string;
  readonly percentage: number;
  readonly exceeded: boolean;
  readonly period: PeriodKind;
  readonly timezone: string;
  readonly window: string | null;
  /** The bucket the mark belongs to: a calendar label (`2026-03`) or a rolling window epoch (`w…`). */
  readonly bucket: string;
  readonly period_start: string;
  readonly resets_at: string;
  readonly crossed_at: string;
  readonly metadata: Readonly<Record<string, string>>;
};

/** One threshold crossing: exactly one per (budget, bucket, subject, threshold). Fits the processor's AlertMessage. */
export interface ThresholdCrossing {
  /** Deterministic: the same crossing always has the same id (consumers dedupe by it). */
  readonly id: string;
  /** Kafka key: the tenant, or '' for budgets without a tenant scope. */
  readonly tenant: string;
  readonly body: AlertBody;
}

export interface ApplyBatch {
  readonly topic: string;
  readonly partition: number;
  readonly events: readonly PricedEvent[];
}

export interface ApplyOutcome {
  readonly crossings: readonly ThresholdCrossing[];
  readonly applied: number;
  readonly fenced: number;
  readonly duplicates: number;
}
