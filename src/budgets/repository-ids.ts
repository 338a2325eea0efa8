/**
 * Budget ids per tenant. A budget made through a key bound to tenant T lives
 * in T's namespace: T names it `monthly`, and inside tally (repository,
 * engine, counters' alert marks, alert ids, `tally reconcile --budget`) its
 * id is `T/monthly`, which all-tenant keys see and use. So two tenants may
 * both have a `monthly`, and no answer to T depends on the ids of another
 * tenant: creating an id someone else uses is answered as creating an unused
 * one.
 *
 * The namespace is the tenant itself when it is a plain name (letters,
 * digits, `.`, `_`, `:`, `-`, at most 64), else `~` and 16 hex digits of its
 * SHA-256 — so a qualified id is at most 64 + 1 + 128 characters, within the
 * API's path limit. Budget ids (`[A-Za-z0-9][A-Za-z0-9._:-]*`) never contain
 * `/`, so a qualified id cannot be anyone's plain id, and plain namespaces
 * cannot start with `~`.
 *
 * Budgets made by all-tenant keys (and config defaults, tiers) keep plain
 * ids, as before; a tenant sees those that apply to it under their plain id.
 */
import { createHash } from 'node:crypto';

const PLAIN_TENANT = /^[A-Za-z0-9._:-]{1,64}$/;

/** The namespace of a tenant's budgets: the tenant, or `~<hash>` when the tenant is not a plain name. */
export function budgetNamespace(tenant: string): string {
  return PLAIN_TENANT.test(tenant) ? tenant : `~${createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, 16)}`;
}

/** `T/<id>`: the id inside tally of tenant T's budget `<id>`. */
export function qualifiedBudgetId(tenant: string, id: string): string {
  return `${budgetNamespace(tenant)}/${id}`;
}

/** The id as written in its namespace (`monthly` for `acme/monthly`; a plain id as it is). */
export function localBudgetId(id: string): string {
  const cut = id.indexOf('/');
  return cut === -1 ? id : id.slice(cut + 1);
}

/** Whether an id is in a tenant's namespace. */
export function isQualifiedBudgetId(id: string): boolean {
  return id.includes('/');
}

/**
 * The id as a caller sees it: a tenant-bound caller sees its own budgets
 * without its namespace; every other id (and every id for an all-tenant
 * caller, `tenant` null) as it is.
 */
export function shownBudgetId(id: string, tenant: string | null): string {
  if (tenant === null) return id;
  const prefix = `${budgetNamespace(tenant)}/`;
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}
