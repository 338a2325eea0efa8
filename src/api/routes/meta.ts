/** The API's own description: /openapi.json. */
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument, type ApiOperation } from '../openapi.js';
import { HEALTH_OPERATIONS } from './health.js';

export const META_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/openapi.json', operationId: 'getOpenApi', summary: 'This OpenAPI document', permission: null, tag: 'meta', responses: { '200': { description: 'OpenAPI 3.1 document.' } } },
];

/** Serves the document of `operations` (every group's, listed by the caller) next to the health routes'. */
export function registerMetaRoutes(app: FastifyInstance, operations: readonly ApiOperation[]): void {
  const document = buildOpenApiDocument([...HEALTH_OPERATIONS, ...operations], process.env.npm_package_version ?? '0.1.0');
  app.get('/openapi.json', async () => document);
}
