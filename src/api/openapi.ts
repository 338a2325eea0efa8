/**
 * The OpenAPI document, assembled from the operations each route group
 * declares next to its routes (`API_OPERATIONS`). A test fails when a
 * registered /v1 route has no operation here, so the document cannot drift.
 */
import { type Permission } from '../core/principal.js';
import { usageEventJsonSchema } from '../events/json-schema.js';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface ApiOperation {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, e.g. `/v1/budgets/{id}`. */
  readonly path: string;
  /** Unique in the document; code generators name the method after it (camelCase, e.g. `createBudget`). */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly permission: Permission | null;
  readonly tag: string;
  readonly parameters?: readonly { readonly name: string; readonly in: 'query' | 'path' | 'header'; readonly required?: boolean; readonly deprecated?: boolean; readonly description: string; readonly schema: JsonSchema }[];
  /** `schema` for every content type, unless `schemas` names one of its own for that type. */
  readonly requestBody?: { readonly contentTypes: readonly string[]; readonly schema: JsonSchema; readonly schemas?: Readonly<Record<string, JsonSchema>>; readonly description?: string };
  readonly responses: Readonly<Record<string, { readonly description: string; readonly schema?: JsonSchema; readonly headers?: Readonly<Record<string, string>> }>>;
}

/** A reference to one of COMPONENT_SCHEMAS: every $ref of the document stays inside it. */
export function schemaRef(name: keyof typeof COMPONENT_SCHEMAS): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** The v1 event as producers send it, generated from the zod schema; $schema and $id are dropped so the document's own dialect applies. */
function embeddedEventSchema(): JsonSchema {
  const { $schema: _dialect, $id: _id, ...schema } = usageEventJsonSchema();
  return schema;
}

/** A CloudEvents 1.0 event in structured mode (JSON format) whose `data` is a usage event. */
const CLOUD_EVENT_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'CloudEvents 1.0, structured content mode. `id` → event_id, `time` → occurred_at, `subject` → user_id and the `tenant` extension → tenant when `data` has none; other attributes are kept in `extra.cloudevents` (docs/events.md).',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { type: 'string', const: '1.0' },
    id: { type: 'string', minLength: 1 },
    source: { type: 'string', minLength: 1, format: 'uri-reference' },
    type: { type: 'string', minLength: 1 },
    subject: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { type: 'string', description: 'A JSON media type when present.' },
    dataschema: { type: 'string', format: 'uri' },
    tenant: { type: 'string', description: 'Extension attribute: the tenant when `data` has none.' },
    data: { $ref: '#/components/schemas/UsageEvent' },
  },
  additionalProperties: { description: 'Other extension attributes, kept in `extra.cloudevents`.' },
};

/** Named schemas of the document (components.schemas). */
export const COMPONENT_SCHEMAS = {
  UsageEvent: embeddedEventSchema(),
  CloudEvent: CLOUD_EVENT_SCHEMA,
} as const satisfies Record<string, JsonSchema>;

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
  const operationIds = new Set<string>();
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
    if (operationIds.has(op.operationId)) throw new Error(`operationId ${op.operationId} is used twice (${op.method} ${op.path})`);
    operationIds.add(op.operationId);
    (paths[op.path] ??= {})[op.method] = {
      operationId: op.operationId,
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      tags: [op.tag],
      ...(op.permission ? { security: [{ bearer: [] }, { apiKey: [] }], 'x-tally-permission': op.permission } : { security: [] }),
      ...(op.parameters ? { parameters: op.parameters } : {}),
      ...(op.requestBody
        ? { requestBody: { required: true, ...(op.requestBody.description ? { description: op.requestBody.description } : {}), content: Object.fromEntries(op.requestBody.contentTypes.map((t) => [t, { schema: op.requestBody?.schemas?.[t] ?? op.requestBody?.schema }])) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tally', version, description: 'Meter LLM usage: ingest events, check quotas, manage budgets, query spend.' },
    components: {
      schemas: COMPONENT_SCHEMAS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API key as a bearer token.' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
      },
    },
    paths,
  };
}
