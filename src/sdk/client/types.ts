/** What tally's API answers, as the typed client returns it (the OpenAPI document's schemas). */
import type { Budget, BudgetStatus, CheckedStatus, Tier, TierAssignment } from '../../budgets/index.js';
import type { FieldError } from '../../core/errors.js';

/** One verdict: the answer of a check, and the verdict part of a reservation. */
export interface QuotaVerdict {
  readonly allowed: boolean;
  /** Every budget that applies to the subject (used, limit, remaining, would_exceed, blocking, ...; `used_as_of` when a lease answered). */
  readonly budgets: readonly CheckedStatus[];
  /** Ids of the budgets (hard or soft) this request would exceed. */
  readonly exceeded: readonly string[];
  /** When refused: seconds until every blocking budget has room. */
  readonly retry_after_seconds: number | null;
}

export interface QuotaReservation extends QuotaVerdict {
  readonly granted: boolean;
  /** Pass it to `settle`; null when refused. */
  readonly reservation_id: string | null;
  readonly expires_at: string | null;
}

export interface QuotaSettlement {
  readonly reservation_id: string;
  /** released: the hold is gone; awaiting: held until the processor counts `event_id`; already: settled before. */
  readonly status: 'released' | 'awaiting' | 'already';
}

/** An ingest answer: 202, and the 400 "nothing accepted" answer, which carries the same fields. */
export interface IngestAnswer {
  readonly accepted: number;
  readonly event_ids: readonly string[];
  readonly rejected: readonly { readonly index: number; readonly line?: number; readonly code: string; readonly message: string; readonly errors: readonly FieldError[] }[];
}

/** A created or replaced budget, with how its counters were rebuilt (`tally-backfill` header) and the API's warnings (legacy names read). */
export interface StoredBudget {
  readonly budget: Budget;
  readonly backfill: string;
  readonly warnings: readonly string[];
}

export type { Budget, BudgetStatus, Tier, TierAssignment };
