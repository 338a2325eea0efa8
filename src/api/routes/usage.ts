/**
 * Analytics over HTTP, read-only (permission `read`; admin keys pass too):
 *
 *   GET /v1/usage/summary        totals, tokens and cost by model
 *   GET /v1/usage/breakdown      by dimensions and/or time bucket, top-N + other
 *   GET /v1/usage/timeseries     per bucket, zero-filled, optionally stacked
 *   GET /v1/usage/records        events, newest first, cursor pages
 *   GET /v1/usage/sessions/:id   one session
 *   GET /v1/usage/latency        percentiles and error rates
 *
 * Parameters come from the query string (filters repeatable). The tenant is
 * decided by the key (`tenantScope`): a tenant-bound key reads only its own
 * tenant — naming another is 403 — and nothing else in a request (ids, tags,
 * cursors) can reach past it. See docs/analytics.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AnalyticsService } from '../../analytics/service.js';
import type { TenantScope } from '../../analytics/index.js';
import {
  BREAKDOWN_PARAMETERS,
  BREAKDOWN_SCHEMA,
  LATENCY_PARAMETERS,
  LATENCY_SCHEMA,
  RECORDS_PARAMETERS,
  RECORDS_SCHEMA,
  SESSION_PARAMETERS,
  SESSION_SCHEMA,
  SUMMARY_PARAMETERS,
  SUMMARY_SCHEMA,
  TIMESERIES_PARAMETERS,
  TIMESERIES_SCHEMA,
} from '../../analytics/openapi.js';
import { validationError } from '../../core/errors.js';
import { ERROR_SCHEMA, type ApiOperation } from '../openapi.js';
import type { ApiServices } from '../services.js';
import { tenantScope } from '../../core/principal.js';

const badRequest = { '400': { description: 'Invalid parameters; `details.errors` lists each as {path, reason}.', schema: ERROR_SCHEMA } };

function op(operationId: string, path: string, summary: string, description: string, parameters: ApiOperation['parameters'], schema: Record<string, unknown>, extra: ApiOperation['responses'] = {}): ApiOperation {
  return { method: 'get', path, operationId, tag: 'analytics', permission: 'read', summary, description, parameters, responses: { '200': { description: summary, schema }, ...badRequest, ...extra } };
}

export const USAGE_OPERATIONS: readonly ApiOperation[] = [
  op('getUsageSummary', '/v1/usage/summary', 'Usage totals', 'Every measure for the range and filters — events, requests, tokens per class, cost per class (exact USD strings), cache savings, averages, unpriced and error events — plus tokens_by_model and cost_by_model. Reads rollups (raw events for session/tag filters or uneven range edges).', SUMMARY_PARAMETERS, SUMMARY_SCHEMA),
  op('getUsageBreakdown', '/v1/usage/breakdown', 'Usage by dimensions and/or time bucket', 'Measures grouped by one or two dimensions and/or a time bucket in tz, ranked by `sort`; the top `limit` groups are rows, the rest one `other` row (per bucket). rows + other = totals = the summary.', BREAKDOWN_PARAMETERS, BREAKDOWN_SCHEMA),
  op('getUsageTimeseries', '/v1/usage/timeseries', 'Usage over time', 'One measure (or all) per bucket, every bucket present (zeros in gaps), optionally one series per value of `stack_by` (top N + other).', TIMESERIES_PARAMETERS, TIMESERIES_SCHEMA),
  op('listUsageRecords', '/v1/usage/records', 'Usage events', 'Individual events (current versions), newest first; follow `next_cursor` for older pages.', RECORDS_PARAMETERS, RECORDS_SCHEMA),
  op('getUsageSession', '/v1/usage/sessions/{id}', 'One session', 'First and last event, duration, every measure, and the models, users and agents seen in a session.', SESSION_PARAMETERS, SESSION_SCHEMA, { '404': { description: 'No event of this session in the caller’s tenant (and range).', schema: ERROR_SCHEMA } }),
  op('getUsageLatency', '/v1/usage/latency', 'Latency and error rates', 'p50/p95/p99 and mean of duration_ms and ttft_ms, events per status and error rate, by model_key, model or provider, and overall. quantiles=exact (default) reads raw events; quantiles=histogram reads the latency rollups: percentiles within 1 %, counts exact.', LATENCY_PARAMETERS, LATENCY_SCHEMA),
];

/** The caller's tenant scope (403 for another tenant) and the other parameters. */
function scoped(request: FastifyRequest): { scope: TenantScope; input: Record<string, unknown> } {
  const { tenant, ...input } = (request.query ?? {}) as Record<string, unknown>;
  if (tenant !== undefined && (typeof tenant !== 'string' || tenant === '')) {
    throw validationError([{ path: 'tenant', reason: Array.isArray(tenant) ? 'may be given only once' : 'must not be empty' }]);
  }
  return { scope: tenantScope(request.principal, tenant), input };
}

export function registerUsageRoutes(app: FastifyInstance, services: ApiServices): void {
  const analytics: AnalyticsService | undefined = services.analytics;
  if (!analytics) return;
  const read = { config: { permission: 'read' as const } };

  app.get('/v1/usage/summary', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.summary(input, scope);
  });
  app.get('/v1/usage/breakdown', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.breakdown(input, scope);
  });
  app.get('/v1/usage/timeseries', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.timeseries(input, scope);
  });
  app.get('/v1/usage/records', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.records(input, scope);
  });
  app.get('/v1/usage/sessions/:id', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.session((request.params as { id: string }).id, input, scope);
  });
  app.get('/v1/usage/latency', read, async (request) => {
    const { scope, input } = scoped(request);
    return analytics.latency(input, scope);
  });
}
