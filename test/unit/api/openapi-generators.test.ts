/**
 * The served /openapi.json is one that code generators accept: it validates
 * as OpenAPI 3.1, every $ref resolves inside the document (no external URL),
 * and every operation has a unique operationId (generators name methods by it).
 * The event schema is embedded; CloudEvents bodies are typed as CloudEvents.
 */
import { validate, compileErrors } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app.js';
import { ApiKeyring } from '../../../src/api/auth.js';
import { HealthState } from '../../../src/core/health.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createMetrics } from '../../../src/core/metrics.js';
import { type ApiServices } from '../../../src/api/services.js';
import { usageEventJsonSchema } from '../../../src/events/json-schema.js';

const ALL_SERVICES = { ingest: {}, analytics: {}, budgets: {}, quota: {} } as unknown as ApiServices;
type Operation = { operationId?: unknown; requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Record<string, unknown>> } };

let doc: Doc;
let app: Awaited<ReturnType<typeof createApp>>;

beforeAll(async () => {
  app = await createApp({ logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([]), openAccess: false, bodyLimitBytes: 1024, services: ALL_SERVICES });
  doc = (await app.inject('/openapi.json')).json() as Doc;
});
afterAll(async () => app.close());

/** Every `$ref` value anywhere in `value`. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]): [string, Operation] => [`${m.toUpperCase()} ${path}`, op]));
}

describe('OpenAPI document for generators', () => {
  it('has no $ref that leaves the document, and every local $ref resolves', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) {
      expect(ref, `external $ref ${ref}`).toMatch(/^#\/components\/schemas\/[A-Za-z0-9_]+$/);
      expect(doc.components?.schemas?.[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
  });

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(([name, op]) => {
      expect(typeof op.operationId, `${name} has no operationId`).toBe('string');
      expect(op.operationId as string).toMatch(/^[a-z][A-Za-z0-9]*$/);
      return op.operationId as string;
    });
    expect(ids.length).toBeGreaterThan(25);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('embeds the event schema generated from the zod schema, and types CloudEvents bodies as CloudEvents', () => {
    const { $schema: _s, $id: _i, ...expected } = usageEventJsonSchema();
    expect(doc.components?.schemas?.UsageEvent).toEqual(expected);
    const content = doc.paths['/v1/events']?.post?.requestBody?.content ?? {};
    expect(content['application/json']?.schema).toEqual({ oneOf: [{ $ref: '#/components/schemas/UsageEvent' }, { type: 'array', items: { $ref: '#/components/schemas/UsageEvent' } }] });
    expect(content['application/cloudevents+json']?.schema).toEqual({ $ref: '#/components/schemas/CloudEvent' });
    expect(content['application/cloudevents-batch+json']?.schema).toEqual({ type: 'array', items: { $ref: '#/components/schemas/CloudEvent' } });
    const cloudEvent = doc.components?.schemas?.CloudEvent as { required: string[]; properties: Record<string, unknown> };
    expect(cloudEvent.required).toEqual(['specversion', 'id', 'source', 'type']);
    expect(cloudEvent.properties.data).toEqual({ $ref: '#/components/schemas/UsageEvent' });
  });

  it('validates as OpenAPI 3.1 (@readme/openapi-parser)', async () => {
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('generates a TypeScript client with an operation for every operationId (openapi-typescript; CI also type-checks it: scripts/check-openapi.ts)', async () => {
    const types = astToString(await openapiTS(structuredClone(doc) as never, { defaultNonNullable: false }));
    const operationsBlock = types.slice(types.indexOf('export interface operations'));
    for (const [name, op] of operations()) expect(operationsBlock, name).toContain(`    ${String(op.operationId)}: {`);
    expect(types).toContain('UsageEvent: {');
    expect(types).toContain('CloudEvent: {');
  });
});
