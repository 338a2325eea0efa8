/**
 * Billing exports (issue 16 item 4, docs/billing.md "Exports"): the billable
 * lines of **closed** statements, each with an idempotency key, for billing
 * systems. One source: the lines are the statement's own (statement.ts) —
 * usage line items, allowances (negative) and adjustments to earlier closed
 * months — so an export never computes a number a statement does not show.
 *
 * Keys: SHA-256 of (tenant, user, period, kind, model, class, corrected
 * period, the statement's close version). A closed statement never changes,
 * so re-running an export gives the same lines and keys; a correction after
 * the close (a reprice, a late event) is not a changed line but an adjustment
 * line of the next closed month, with a key of its own.
 */
import { createHash } from 'node:crypto';
import type { CostClass } from '../core/classes.js';
import { TallyError } from '../core/errors.js';
import type { CustomerRef } from './credits.js';
import { CLASS_UNITS, type Statement } from './statement.js';

export type ExportKind = 'usage' | 'allowance' | 'adjustment';

/** One billable line. */
export interface ExportLine {
  /** Stable across runs: the same closed statement line always has this key. */
  readonly idempotency_key: string;
  readonly tenant: string;
  readonly user: string;
  /** The statement's month (`YYYY-MM`). */
  readonly period: string;
  readonly kind: ExportKind;
  /** '' for an allowance (it spans models). */
  readonly model: string;
  readonly class: CostClass;
  readonly unit: string;
  /** Decimal text; for an allowance the free tokens (0 for a USD allowance). */
  readonly quantity: string;
  /** USD, exact decimal text; negative for an allowance (and a correction down). */
  readonly amount: string;
  /** The month the charge is for: the statement's, or the corrected month of an adjustment. */
  readonly charge_period: string;
  /** RFC 3339 start and end (exclusive) of the statement's month. */
  readonly billing_period_start: string;
  readonly billing_period_end: string;
  /** The close's version of the statement. */
  readonly statement_version: string;
  /** Allowance id (or `allowances[i]`) for allowance lines; '' otherwise. */
  readonly reference: string;
}

const negate = (amount: string): string => (amount === '0' ? '0' : amount.startsWith('-') ? amount.slice(1) : `-${amount}`);

/** The idempotency key of a line (hex SHA-256, prefixed): a function of the line's identity and the statement's version only. */
export function idempotencyKey(parts: { customer: CustomerRef; period: string; kind: ExportKind; model: string; cls: CostClass; chargePeriod: string; reference: string; version: string }): string {
  const identity = JSON.stringify([parts.customer.tenant, parts.customer.user, parts.period, parts.kind, parts.model, parts.cls, parts.chargePeriod, parts.reference, parts.version]);
  return `tly_${createHash('sha256').update(identity).digest('hex')}`;
}

/** The billable lines of a closed statement (an open one has no stable lines: VALIDATION_FAILED). */
export function exportLines(s: Statement): ExportLine[] {
  if (s.status !== 'closed' || s.version === null) throw new TallyError('VALIDATION_FAILED', `the statement of ${s.customer.tenant} for ${s.period} is open: close it first (tally statement --close)`);
  const version = s.version;
  const base = { tenant: s.customer.tenant, user: s.customer.user, period: s.period, billing_period_start: s.from, billing_period_end: s.to, statement_version: version };
  const key = (kind: ExportKind, model: string, cls: CostClass, chargePeriod: string, reference: string): string =>
    idempotencyKey({ customer: s.customer, period: s.period, kind, model, cls, chargePeriod, reference, version });
  return [
    ...s.lines.map((l) => ({ ...base, idempotency_key: key('usage', l.model, l.class, s.period, ''), kind: 'usage' as const, model: l.model, class: l.class, unit: l.unit, quantity: l.quantity, amount: l.amount, charge_period: s.period, reference: '' })),
    ...s.allowances.map((a) => {
      const reference = a.id ?? `allowances[${a.index}]`;
      return { ...base, idempotency_key: key('allowance', '', a.class, s.period, reference), kind: 'allowance' as const, model: '', class: a.class, unit: CLASS_UNITS[a.class].unit, quantity: a.quantity, amount: negate(a.amount), charge_period: s.period, reference };
    }),
    ...s.adjustments.map((a) => ({ ...base, idempotency_key: key('adjustment', a.model, a.class, a.period, ''), kind: 'adjustment' as const, model: a.model, class: a.class, unit: CLASS_UNITS[a.class].unit, quantity: a.quantity, amount: a.amount, charge_period: a.period, reference: '' })),
  ];
}
