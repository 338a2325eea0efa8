/** Liveness, readiness and Prometheus metrics. Public: they carry no tenant data. */
import type { FastifyInstance } from 'fastify';
import type { HealthState } from '../../health.js';
import type { Metrics } from '../../metrics/registry.js';

export function registerHealthRoutes(app: FastifyInstance, deps: { readonly health: HealthState; readonly metrics: Metrics }): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const report = deps.health.report();
    return reply.status(report.ready ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    deps.metrics.ready.set(deps.health.ready() ? 1 : 0);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
