/**
 * API keys. Each key is bound to a tenant (or `*`, every tenant) and a role:
 * `ingest` writes events; `read` reads analytics, budget status and quota;
 * `admin` does everything, including budget changes. Presented keys are
 * hashed and compared with every configured digest in constant time, so
 * neither the secret nor which key matched leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyConfig, ApiRole } from '../config/schema.js';
import { TallyError } from '../core/errors.js';

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

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class ApiKeyring {
  readonly #entries: readonly { readonly digest: Buffer; readonly principal: Principal }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.#entries = keys.map((k) => ({
      digest: k.key.startsWith('sha256:') ? Buffer.from(k.key.slice(7), 'hex') : digest(k.key),
      principal: { keyId: k.id, tenant: k.tenant, role: k.role },
    }));
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The principal for a presented secret, or null. Every entry is compared, always. */
  authenticate(presented: string): Principal | null {
    const d = digest(presented);
    let found: Principal | null = null;
    for (const entry of this.#entries) {
      if (entry.digest.length === d.length && timingSafeEqual(entry.digest, d)) found = entry.principal;
    }
    return found;
  }
}

/** Reads the key from `authorization: Bearer …` or `x-api-key`. */
export function presentedKey(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const key = headers['x-api-key'];
  return typeof key === 'string' && key !== '' ? key : null;
}

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
