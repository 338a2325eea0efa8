/**
 * Status codes returned by the Lua scripts (first element of the reply), and
 * the one function that turns a failing code into a typed error. The memory
 * adapter reports failures through the same function, so both adapters fail
 * alike.
 */
import { TallyError, errorMessage, isTallyError } from '../core/errors.js';

export const STATUS = {
  OK: 0,
  /** apply: the slot has seen a newer budget set; reload budgets and plan again. */
  STALE_BUDGETS: 1,
  /** apply: a reconcile holds the slot's lock; retry shortly. */
  LOCKED: 2,
  /** reserve: a check had no room; nothing was held. */
  REFUSED: 3,
  /** settle: no such reservation (never existed, or its tombstone is gone). */
  NOT_FOUND: 4,
  /** settle: already settled, consumed or expired. */
  ALREADY: 5,
  /** settle: holding until the named event is applied. */
  AWAITING: 6,
  /** swap: the fence moved since the snapshot. */
  FENCE_MOVED: 7,
  /** snapshot: another reconcile holds the lock; epoch claim: another process rebuilds the region. */
  BUSY: 8,
  /** apply, read, reserve: the slot is not live — its counters were lost (see epoch.ts). */
  LOST: 9,
  /** swap (onlyIfLost), epoch claim: live already, nothing to do. */
  LIVE: 10,
} as const;

export type StatusCode = (typeof STATUS)[keyof typeof STATUS];

/** Details of a failing status, for the error message. */
export interface StatusContext {
  readonly script: string;
  readonly slot?: string | null;
  readonly id?: string;
  readonly requiredVersion?: string;
  /** LOST: the slots that are not live. */
  readonly slots?: readonly (string | null)[];
}

/** The typed error for a failing status code; null for codes that are outcomes, not failures. */
export function statusError(code: number, ctx: StatusContext): TallyError | null {
  const where = ctx.slot === undefined ? '' : ctx.slot === null ? ' (global slot)' : ` (tenant ${JSON.stringify(ctx.slot)})`;
  switch (code) {
    case STATUS.STALE_BUDGETS:
      return new TallyError('CONFLICT', `counters${where} were last written with a newer budget set (version ${ctx.requiredVersion ?? '?'}); reload budgets and retry`, {
        retriable: true,
        details: { reason: 'budgets_stale', required_version: ctx.requiredVersion ?? null },
      });
    case STATUS.LOCKED:
      return new TallyError('COUNTERS_UNAVAILABLE', `counters${where} are being reconciled; retry shortly`, { details: { reason: 'reconciling' } });
    case STATUS.NOT_FOUND:
      return new TallyError('RESERVATION_NOT_FOUND', `reservation ${ctx.id ?? ''} does not exist, or was finished long ago`, { details: { reservation_id: ctx.id ?? null } });
    case STATUS.BUSY:
      return new TallyError('CONFLICT', `another reconcile is running${where}`, { retriable: true, details: { reason: 'reconcile_running' } });
    case STATUS.LOST:
      return countersLost(ctx.slots ?? [ctx.slot ?? null]);
    case STATUS.OK:
    case STATUS.REFUSED:
    case STATUS.ALREADY:
    case STATUS.AWAITING:
    case STATUS.FENCE_MOVED:
    case STATUS.LIVE:
      return null;
    default:
      return new TallyError('INTERNAL', `counter script ${ctx.script} returned unknown status ${code}`);
  }
}

/** The error of a code known to be a failure. */
export function failure(code: number, ctx: StatusContext): TallyError {
  return statusError(code, ctx) ?? new TallyError('INTERNAL', `counter script ${ctx.script} reported status ${code} as a failure`);
}

/** The error of a call in slots that are not live: their counters were lost (Redis flushed or restarted empty). */
export function countersLost(slots: readonly (string | null)[]): TallyError {
  const names = slots.map((s) => (s === null ? 'the global slot' : `tenant ${JSON.stringify(s)}`)).join(', ');
  return new TallyError('COUNTERS_UNAVAILABLE', `the counters of ${names} were lost (Redis flushed or restarted empty) and are being rebuilt from the analytics store; retry shortly`, {
    details: { reason: 'counters_lost', slots: [...slots], retry_after_seconds: 1 },
  });
}

/** The slots an error says were lost, or null when it says something else. */
export function lostSlots(err: unknown): (string | null)[] | null {
  if (!isTallyError(err) || err.details.reason !== 'counters_lost' || !Array.isArray(err.details.slots)) return null;
  return (err.details.slots as unknown[]).map((s) => (typeof s === 'string' ? s : null));
}

/** Whether an error says the budget set is stale (reload and retry). */
export function isStaleBudgets(err: unknown): boolean {
  return isTallyError(err) && err.details.reason === 'budgets_stale';
}

/**
 * Any failure talking to the counter store that is not already a TallyError:
 * COUNTERS_UNAVAILABLE, retriable, `details.reason: "unreachable"` (the store
 * did not answer — not the same as answering that its counters were lost).
 */
export function unavailable(err: unknown, what: string): TallyError {
  if (isTallyError(err)) return err;
  return new TallyError('COUNTERS_UNAVAILABLE', `counter store ${what} failed: ${errorMessage(err)}`, { cause: err, details: { reason: 'unreachable', retry_after_seconds: 1 } });
}

/** Whether an error says the counter store did not answer (as opposed to answering: lost, reconciling, refused). */
export function isUnreachable(err: unknown): boolean {
  return isTallyError(err) && err.code === 'COUNTERS_UNAVAILABLE' && err.details.reason === 'unreachable';
}
