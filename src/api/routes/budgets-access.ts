/**
 * Who may see and change which budget over HTTP, and how subjects are read
 * from requests.
 *
 * A key bound to tenant T (`Principal.tenant`):
 * - sees the budgets scoped to T, and those counted for each tenant
 *   (`scope.tenant: "*"`, tier budgets), whose status it reads for T only;
 * - writes only budgets scoped to T (a missing `scope.tenant` is filled in
 *   with T; another tenant, or `*`, is 403);
 * - never sees budgets without a tenant dimension ("shared": their counters
 *   sum every tenant's usage). They still take part in T's quota verdicts —
 *   a shared hard budget can refuse T's request — but T gets their status
 *   with the amounts removed (`shared: true`, used/reserved/remaining/
 *   percentage null), so no tenant learns another's spend;
 * - names no other tenant in a subject (403), and without a tenant acts for T.
 * An all-tenant key (`*`) sees and writes everything.
 *
 * Budget ids are per tenant (src/budgets/repository-ids.ts): a budget made
 * with a key bound to T is `T/<id>` inside tally; T's keys name it `<id>`
 * (`shownId`, `candidateIds`), all-tenant keys `T/<id>`.
 *
 * Subjects and scopes are written in the event's names (`user_id`,
 * `api_key_id`); the legacy `user` and `api_key` are read until 0.3, and each
 * use is answered with a `Warning: 299` header (`warnDeprecated`).
 */
import type { FastifyReply } from 'fastify';
import { TallyError, validationError, type FieldError } from '../../core/errors.js';
import { SCOPE_DIMENSIONS, type ScopeDimension } from '../../core/dimensions.js';
import type { Budget } from '../../budgets/model.js';
import type { BudgetSet } from '../../budgets/catalog.js';
import { LEGACY_DIMENSIONS, deprecation, type Deprecation, type DeprecationSink } from '../../budgets/legacy.js';
import type { BudgetStatus, Subject } from '../../budgets/types.js';
import { tenantScope, type Principal } from '../../core/principal.js';
import { isQualifiedBudgetId, qualifiedBudgetId, shownBudgetId } from '../../budgets/repository-ids.js';

/** Subject fields the HTTP API reads (the event's names, then the legacy ones), with the dimension each names. */
export const SUBJECT_FIELDS: Readonly<Record<string, ScopeDimension>> = {
  ...Object.fromEntries(SCOPE_DIMENSIONS.map((d) => [d, d])),
  ...LEGACY_DIMENSIONS,
};

/** `Warning: 299 - "<text>"` (RFC 7234), one per legacy name read by this request. */
export function warnDeprecated(reply: FastifyReply, notices: readonly Deprecation[]): void {
  if (notices.length === 0) return;
  void reply.header('warning', notices.map((n) => `299 - "${n.message.replace(/["\\]/g, '\\$&')}"`));
}

export function isAllTenants(p: Principal): boolean {
  return p.tenant === '*';
}

/** Budgets whose counters are T's (or each tenant's) are visible to T. */
export function visibleTo(b: Pick<Budget, 'scope'>, p: Principal): boolean {
  return isAllTenants(p) || b.scope.tenant === p.tenant || b.scope.tenant === '*';
}

export function writableBy(b: Pick<Budget, 'scope'>, p: Principal): boolean {
  return isAllTenants(p) || b.scope.tenant === p.tenant;
}

/** A budget without a tenant dimension: its counters are every tenant's together. */
export function isShared(b: Pick<Budget, 'scope'>): boolean {
  return b.scope.tenant === undefined;
}

export function budgetNotFound(id: string): TallyError {
  return new TallyError('BUDGET_NOT_FOUND', `no budget has id ${JSON.stringify(id)}`, { details: { budget_id: id } });
}

/** A budget body as a tenant-bound key may write it: `scope.tenant` filled in, another tenant refused. */
export function scopedBody(body: unknown, p: Principal): unknown {
  if (isAllTenants(p) || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const input = body as Record<string, unknown>;
  const scope = input.scope;
  if (scope !== undefined && (typeof scope !== 'object' || scope === null || Array.isArray(scope))) return body;
  const tenant = (scope as Record<string, unknown> | undefined)?.tenant;
  if (tenant !== undefined && tenant !== p.tenant) {
    throw new TallyError('FORBIDDEN', `API key ${p.keyId} is bound to tenant ${JSON.stringify(p.tenant)}: its budgets must have scope.tenant ${JSON.stringify(p.tenant)}`, {
      details: { errors: [{ path: 'scope.tenant', reason: `must be ${JSON.stringify(p.tenant)} (or left out) for this key` }] },
    });
  }
  return { ...input, scope: { ...(scope as Record<string, unknown> | undefined), tenant: p.tenant } };
}

/**
 * Reads a subject from a query string or a JSON object (`path` prefixes field
 * errors). Unknown fields are errors; the legacy `user` and `api_key` are read
 * as `user_id` and `api_key_id` (each use told to `onDeprecated`). The tenant
 * is the key's when it is bound.
 */
export function readSubject(input: unknown, p: Principal, path = '', onDeprecated?: DeprecationSink): Subject {
  const at = (f: string): string => (path ? `${path}.${f}` : f);
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) throw validationError([{ path: path || '(root)', reason: 'must be an object' }]);
  const errors: FieldError[] = [];
  const out: Partial<Record<ScopeDimension, string>> = {};
  const notices: Deprecation[] = [];
  for (const [field, raw] of Object.entries(input as Record<string, unknown>)) {
    const target = Object.hasOwn(SUBJECT_FIELDS, field) ? SUBJECT_FIELDS[field] : undefined;
    if (target === undefined) {
      errors.push({ path: at(field), reason: `unknown subject field; use ${SCOPE_DIMENSIONS.join(', ')}` });
      continue;
    }
    if (target !== field) notices.push(deprecation(at(field), field, target));
    if (typeof raw !== 'string' || raw === '' || raw.length > 256) {
      errors.push({ path: at(field), reason: Array.isArray(raw) ? 'may be given only once' : 'must be a non-empty string of at most 256 characters' });
      continue;
    }
    if (out[target] !== undefined && out[target] !== raw) errors.push({ path: at(field), reason: `conflicts with another name of the same field (${target})` });
    out[target] = raw;
  }
  if (errors.length > 0) throw validationError(errors);
  for (const n of notices) onDeprecated?.(n);
  const tenant = tenantScope(p, out.tenant);
  if (tenant === null) delete out.tenant;
  else out.tenant = tenant;
  return out;
}

export function hasSubject(s: Subject): boolean {
  return Object.values(s).some((v) => v !== undefined);
}

/** A status as this caller may see it: a shared budget's amounts are removed for tenant-bound keys. */
export type PresentedStatus<S extends BudgetStatus> =
  | (S & { readonly shared: boolean })
  | (Omit<S, 'used' | 'reserved' | 'remaining' | 'percentage'> & { readonly shared: true; readonly used: null; readonly reserved: null; readonly remaining: null; readonly percentage: null });

export function present<S extends BudgetStatus>(status: S, set: BudgetSet, p: Principal): PresentedStatus<S> {
  const b = set.get(status.budget_id);
  const shared = b !== undefined && isShared(b.budget);
  const budget_id = shownId(status.budget_id, p);
  if (!shared || isAllTenants(p)) return { ...status, budget_id, shared };
  return { ...status, budget_id, shared: true, used: null, reserved: null, remaining: null, percentage: null };
}

/** A budget id as this caller names it: a tenant-bound key's own budgets without their namespace (repository-ids.ts). */
export function shownId(id: string, p: Principal): string {
  return shownBudgetId(id, isAllTenants(p) ? null : p.tenant);
}

/** A budget as this caller sees it (its id as the caller names it). */
export function shownBudget(b: Budget, p: Principal): Budget {
  const id = shownId(b.id, p);
  return id === b.id ? b : { ...b, id };
}

/**
 * The ids inside tally a caller's budget id may stand for, in the order they
 * are tried: for a tenant-bound key its own namespace first (`T/<id>`), then
 * the plain id; for an all-tenant key the id itself. A tenant-bound key
 * cannot name another namespace.
 */
export function candidateIds(id: string, p: Principal): readonly string[] {
  if (isAllTenants(p)) return [id];
  if (isQualifiedBudgetId(id)) return [];
  return [qualifiedBudgetId(p.tenant, id), id];
}

/** A status without a check's fields (`would_exceed`, `blocking`, `retry_after_seconds`): what the status routes answer. */
export function statusOnly(status: BudgetStatus): BudgetStatus {
  const { would_exceed: _w, blocking: _b, retry_after_seconds: _r, ...rest } = status as BudgetStatus & { would_exceed?: unknown; blocking?: unknown; retry_after_seconds?: unknown };
  return rest;
}
