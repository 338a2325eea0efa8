/**
 * API keys (principals and what each role may do: src/core/principal.ts).
 * Presented keys are hashed and compared with every configured digest in
 * constant time, so neither the secret nor which key matched leaks through
 * timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiRole, Principal } from '../core/principal.js';

/** A configured key: its id, its secret (or `sha256:<hex>` of it), role and tenant. */
export interface ApiKey {
  readonly id: string;
  readonly key: string;
  readonly role: ApiRole;
  readonly tenant: string;
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export class ApiKeyring {
  readonly #entries: readonly { readonly digest: Buffer; readonly principal: Principal }[];

  constructor(keys: readonly ApiKey[]) {
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
