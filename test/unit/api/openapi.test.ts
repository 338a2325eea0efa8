/**
 * The OpenAPI document cannot drift from the routes: with every service
 * present, the documented operations are exactly the registered routes.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { type ApiServices } from '../../../src/api/services.js';

/** Every service present (their methods are never called here: only route registration is checked). */
const ALL_SERVICES = { ingest: {}, traces: {}, analytics: {}, budgets: {}, quota: {}, priceBooks: {}, wallets: {}, statements: {} } as unknown as ApiServices;

describe('OpenAPI document', () => {
  it('documents every registered route, and nothing that is not registered', async () => {
    const app = await createApp({ logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([]), openAccess: false, bodyLimitBytes: 1024, services: ALL_SERVICES });
    const doc = (await app.inject('/openapi.json')).json() as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = app.tallyRoutes.map((r) => r.replace(/\/:([a-z_]+)/g, '/{$1}').replace('::', ':'));
    expect(documented.sort()).toEqual([...new Set(registered)].sort());
    for (const ops of Object.values(doc.paths)) for (const op of Object.values(ops)) expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    await app.close();
  });
});
