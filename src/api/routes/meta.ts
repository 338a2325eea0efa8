/** The API's own description: /openapi.json. */
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument, type ApiOperation } from '../openapi.js';
import { HEALTH_OPERATIONS } from './health.js';

export const META_OPERATIONS: readonly ApiOperation[] = [
  { method: 'get', path: '/openapi.json', summary: 'This OpenAPI document', permission: null, tag: 'meta', responses: { '200': { description: 'OpenAPI 3.1 document.' } } },
];

export function registerMetaRoutes(app: FastifyInstance): void {
  app.get('/openapi.json', async () => {
    // Imported lazily: index.ts lists this group, so a static import would be circular.
    const { API_OPERATIONS } = await import('./index.js');
    return buildOpenApiDocument([...HEALTH_OPERATIONS, ...API_OPERATIONS], process.env.npm_package_version ?? '0.1.0');
  });
}
