/**
 * The HTTP API, built from injected dependencies so tests build it with test
 * doubles and call it with `app.inject` (no socket). `main`-style wiring lives
 * in src/runtime/. Route groups are registered only when their service is
 * given, so each process serves exactly what it runs.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { HealthState } from '../core/health.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { TallyError, validationError } from '../core/errors.js';
import { type ApiKeyring, presentedKey } from './auth.js';
import { errorHandler, notFound } from './errors.js';
import { registerJsonBodies } from './json-body.js';
import { registerMediaTypes } from './media-types.js';
import { registerWebGuard } from './web-guard.js';
import { registerHealthRoutes } from './routes/health.js';
import { API_OPERATIONS, API_ROUTE_GROUPS } from './routes/index.js';
import { registerMetaRoutes } from './routes/meta.js';
import { OPEN_ACCESS, requirePermission, type Permission, type Principal } from '../core/principal.js';
import { type ApiServices } from './services.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, as `METHOD /path` (for the OpenAPI drift test). */
    readonly tallyRoutes: string[];
  }
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs; routes without it are public (health, metrics, dashboard). */
    permission?: Permission;
  }
}

export interface AppDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: HealthState;
  readonly keyring: ApiKeyring;
  /** No keys configured and bound to loopback (embedded mode): every request acts as an all-tenant admin. */
  readonly openAccess: boolean;
  /**
   * Host names the server answers to, also checked against `Origin`
   * (`allowedHostsFor`, web-guard.ts); null checks neither. Default null.
   */
  readonly allowedHosts?: readonly string[] | null;
  readonly bodyLimitBytes: number;
  readonly services: ApiServices;
}

/**
 * Longest path parameter, in characters once decoded: the longest id or name
 * tally accepts anywhere (user and session ids: 256; budget ids: 128; tier
 * names: 64), so every id that can be created can be read and deleted. A
 * longer segment is 414 URI_TOO_LONG.
 */
export const MAX_PATH_PARAM_LENGTH = 256;

/** Fastify's own errors about the URL (before any route runs), in the standard error shape. */
function urlError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const err = new TallyError('URI_TOO_LONG', `a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters, the most any id or name in a path may have`, { details: { max_length: MAX_PATH_PARAM_LENGTH } });
    void reply.status(err.status).send({ error: err.toJSON() });
    return;
  }
  const reason = error.code === 'FST_ERR_BAD_URL' ? 'is not a valid URL: a percent-escape does not decode to UTF-8' : error.message;
  void reply.status(400).send({ error: validationError([{ path: '(url)', reason }], `the URL ${reason}`).toJSON() });
}

export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Per-request lines come from our onResponse hook at debug level, not Fastify's at info.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: false,
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    frameworkErrors: urlError,
  });
  app.decorateRequest('principal', null as unknown as Principal);
  const routes: string[] = [];
  app.decorate('tallyRoutes', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFound);
  registerWebGuard(app, deps.allowedHosts ?? null);
  registerJsonBodies(app);
  registerMediaTypes(app, API_OPERATIONS);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    const permission = request.routeOptions.config.permission;
    if (!permission) return;
    if (deps.openAccess) {
      request.principal = OPEN_ACCESS;
      return;
    }
    const presented = presentedKey(request.headers);
    if (!presented) throw new TallyError('UNAUTHORIZED', 'missing API key: send `authorization: Bearer <key>` or `x-api-key`');
    const principal = deps.keyring.authenticate(presented);
    if (!principal) throw new TallyError('UNAUTHORIZED', 'unknown API key');
    requirePermission(principal, permission);
    request.principal = principal;
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ route, method: request.method, status: String(reply.statusCode) });
    deps.metrics.httpSeconds.observe({ route }, reply.elapsedTime / 1000);
    request.log.debug({ route, method: request.method, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  registerHealthRoutes(app, deps);
  registerMetaRoutes(app, API_OPERATIONS);
  for (const register of API_ROUTE_GROUPS) await register(app, deps.services);
  return app;
}
