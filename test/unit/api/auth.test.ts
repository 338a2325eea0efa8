import { describe, expect, it } from 'vitest';
import { ApiKeyring, presentedKey } from '../../../src/api/auth.js';
import { createHash } from 'node:crypto';
import { mayActFor, requirePermission, tenantScope } from '../../../src/core/principal.js';

const keys = new ApiKeyring([
  { id: 'acme-ingest', key: 'sk_acme_ingest_0123456789', tenant: 'acme', role: 'ingest' },
  { id: 'acme-read', key: 'sha256:' + createHash('sha256').update('sk_acme_read_0123456789').digest('hex'), tenant: 'acme', role: 'read' },
  { id: 'platform', key: 'sk_platform_admin_012345', tenant: '*', role: 'admin' },
]);

describe('API keys', () => {
  it('authenticates plain and sha256-configured keys, and nothing else', () => {
    expect(keys.authenticate('sk_acme_ingest_0123456789')).toEqual({ keyId: 'acme-ingest', tenant: 'acme', role: 'ingest' });
    expect(keys.authenticate('sk_acme_read_0123456789')?.keyId).toBe('acme-read');
    expect(keys.authenticate('sk_acme_ingest_012345678')).toBeNull();
    expect(keys.authenticate('')).toBeNull();
  });

  it('reads bearer and x-api-key headers', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'def' })).toBe('def');
    expect(presentedKey({})).toBeNull();
  });

  it('grants by role: ingest only ingests, read only reads, admin does all', () => {
    const ingest = keys.authenticate('sk_acme_ingest_0123456789')!;
    const read = keys.authenticate('sk_acme_read_0123456789')!;
    expect(() => requirePermission(ingest, 'ingest')).not.toThrow();
    expect(() => requirePermission(ingest, 'read')).toThrowError(/may not read/);
    expect(() => requirePermission(read, 'ingest')).toThrowError(/may not ingest/);
    expect(() => requirePermission(read, 'admin')).toThrowError(/may not admin/);
  });

  it('binds a key to its tenant; an all-tenant key may name any or none', () => {
    const read = keys.authenticate('sk_acme_read_0123456789')!;
    const platform = keys.authenticate('sk_platform_admin_012345')!;
    expect(mayActFor(read, 'acme')).toBe(true);
    expect(mayActFor(read, 'globex')).toBe(false);
    expect(tenantScope(read, undefined)).toBe('acme');
    expect(tenantScope(read, 'acme')).toBe('acme');
    expect(() => tenantScope(read, 'globex')).toThrowError(/bound to another tenant/);
    expect(tenantScope(platform, undefined)).toBeNull();
    expect(tenantScope(platform, 'globex')).toBe('globex');
  });
});
