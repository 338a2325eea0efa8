/**
 * The OpenAPI document, assembled from the operations each route group
 * declares next to its routes (`API_OPERATIONS`). A test fails when a
 * registered /v1 route has no operation here, so the document cannot drift.
 */
import { type Permission } from '../core/principal.js';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface ApiOperation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, e.g. `/v1/budgets/{id}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly permission: Permission | null;
  readonly tag: string;
  readonly parameters?: readonly { readonly name: string; readonly in: 'query' | 'path' | 'header'; readonly required?: boolean; readonly deprecated?: boolean; readonly description: string; readonly schema: JsonSchema }[];
  readonly requestBody?: { readonly contentTypes: readonly string[]; readonly schema: JsonSchema; readonly description?: string };
  readonly responses: Readonly<Record<string, { readonly description: string; readonly schema?: JsonSchema; readonly headers?: Readonly<Record<string, string>> }>>;
}

export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'Stable error code; see docs/errors.md.' },
        message: { type: 'string' },
        details: { type: 'object', description: 'Context, e.g. `errors: [{path, reason}]` for validation failures.' },
      },
    },
  },
};

export const FIELD_ERRORS_SCHEMA: JsonSchema = {
  type: 'array',
  items: { type: 'object', required: ['path', 'reason'], properties: { path: { type: 'string' }, reason: { type: 'string' } } },
};

const standardErrors = {
  '401': { description: 'Missing or unknown API key.', schema: ERROR_SCHEMA },
  '403': { description: 'The key may not do this (role or tenant).', schema: ERROR_SCHEMA },
};

/** Every operation with a body reads only its content types (media-types.ts). */
const bodyErrors = {
  '415': { description: 'UNSUPPORTED_MEDIA_TYPE: the body has a content type this operation does not list; `details.accepted` lists those it does.', schema: ERROR_SCHEMA },
};

export function buildOpenApiDocument(operations: readonly ApiOperation[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {};
    const all = { ...(op.permission ? standardErrors : {}), ...(op.requestBody ? bodyErrors : {}), ...op.responses };
    for (const [status, r] of Object.entries(all)) {
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { 'application/json': { schema: r.schema } } } : {}),
        ...('headers' in r && r.headers ? { headers: Object.fromEntries(Object.entries(r.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {}),
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.permission ? { security: [{ bearer: [] }, { apiKey: [] }], 'x-tally-permission': op.permission } : { security: [] }),
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.requestBody
        ? { requestBody: { required: true, ...(op.requestBody.description ? { description: op.requestBody.description } : {}), content: Object.fromEntries(op.requestBody.contentTypes.map((t) => [t, { schema: op.requestBody?.schema }])) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tally', version, description: 'Meter LLM usage: ingest events, check quotas, manage budgets, query spend.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key as a bearer token.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
    paths,
  };
}
