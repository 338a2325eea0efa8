/**
 * Who is calling: a principal is bound to a tenant (or `*`, every tenant) and
 * a role: `ingest` writes events; `read` reads analytics, budget status and
 * quota; `admin` does everything, including budget changes. Shared by the
 * HTTP API (which authenticates keys) and the domains that act for a caller.
 */
import { TallyError } from './errors.js';

export const API_ROLES = ['ingest', 'read', 'admin'] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface Principal {
  readonly keyId: string;
  /** The tenant this caller may act for; `*` for every tenant. */
  readonly tenant: string;
  readonly role: ApiRole;
}

/** What a request needs to be allowed. */
export type Permission = 'ingest' | 'read' | 'admin';

const GRANTS: Record<ApiRole, readonly Permission[]> = {
  ingest: ['ingest'],
  read: ['read'],
  admin: ['ingest', 'read', 'admin'],
};

/** The principal of an API without keys (embedded mode on 127.0.0.1 only). */
export const OPEN_ACCESS: Principal = { keyId: 'open-access', tenant: '*', role: 'admin' };

export function requirePermission(principal: Principal, permission: Permission): void {
  if (!GRANTS[principal.role].includes(permission)) {
    throw new TallyError('FORBIDDEN', `API key ${principal.keyId} (role ${principal.role}) may not ${permission}`);
  }
}

/** Whether the principal may act for `tenant`. */
export function mayActFor(principal: Principal, tenant: string): boolean {
  return principal.tenant === '*' || principal.tenant === tenant;
}

/**
 * The tenant a read is restricted to: the key's own tenant; an all-tenant key
 * may name one (or none, meaning every tenant). A key bound to tenant A that
 * names tenant B is refused — never silently widened or narrowed.
 */
export function tenantScope(principal: Principal, requested: string | undefined): string | null {
  if (principal.tenant === '*') return requested ?? null;
  if (requested !== undefined && requested !== principal.tenant) {
    throw new TallyError('FORBIDDEN', `API key ${principal.keyId} is bound to another tenant than ${JSON.stringify(requested)}`);
  }
  return principal.tenant;
}
