/**
 * The customer a `/v1/customers/{tenant}/…` request names: the path's tenant
 * and the optional `user` query parameter ('' = the tenant itself;
 * docs/billing.md). A key bound to another tenant is refused.
 */
import { TallyError, validationError } from '../../core/errors.js';
import { mayActFor, type Principal } from '../../core/principal.js';
import type { CustomerRef } from '../../billing/credits.js';

export function customerOf(params: unknown, query: unknown, p: Principal): CustomerRef {
  const tenant = (params as { tenant: string }).tenant;
  const raw = (query as Record<string, unknown> | undefined)?.user;
  if (raw !== undefined && typeof raw !== 'string') throw validationError([{ path: 'user', reason: 'must be given once' }]);
  if (!mayActFor(p, tenant)) throw new TallyError('FORBIDDEN', `API key ${p.keyId} is bound to another tenant than ${JSON.stringify(tenant)}`);
  return { tenant, user: raw ?? '' };
}
