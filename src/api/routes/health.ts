/** Liveness, readiness and Prometheus metrics. Public: they carry no tenant data. */
import type { FastifyInstance } from 'fastify';
import type { HealthState } from '../../core/health.js';
import type { Metrics } from '../../core/metrics.js';
import type { ApiOperation } from '../openapi.js';

export const HEALTH_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/healthz', operationId: 'getHealth', summary: 'Liveness: the process is up', permission: null, tag: 'operations', responses: { '200': { description: '`{ok: true}`' } } },
  {
    method: 'get', path: '/readyz', operationId: 'getReadiness', summary: 'Readiness: every dependency answers', permission: null, tag: 'operations',
    responses: {
      '200': { description: 'Ready; `checks` per dependency: each one the process needs is asked (store ping, Redis ping, Kafka offsets of the raw topic; at most 2 s each, results reused for 1 s), plus what its components report (sink writes, the consumer).' },
      '503': { description: 'Not ready: a dependency (store, Redis, Kafka, a sink) is failing or the process is stopping; `checks` names it and says why.' },
    },
  },
  { method: 'get', path: '/metrics', operationId: 'getMetrics', summary: 'Prometheus metrics', permission: null, tag: 'operations', responses: { '200': { description: 'Prometheus text format; see docs/metrics.md.' } } },
];

export function registerHealthRoutes(app: FastifyInstance, deps: { readonly health: HealthState; readonly metrics: Metrics }): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    const report = await deps.health.probe();
    return reply.status(report.ready ? 200 : 503).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    deps.metrics.ready.set(deps.health.ready() ? 1 : 0);
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
}
