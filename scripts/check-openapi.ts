/**
 * CI check that code generators accept the served /openapi.json
 * (`npx tsx scripts/check-openapi.ts`, run by .ci/run):
 *   1. validates it as OpenAPI 3.1 (@readme/openapi-parser, no network: every $ref is local);
 *   2. generates a TypeScript client's types from it with openapi-typescript
 *      (defaultNonNullable off: a field with a default is optional in a request);
 *   3. type-checks them with tsc --strict together with code that uses them
 *      (an event, a CloudEvent, a budget, operations by operationId).
 * Exits non-zero with the validator's or tsc's messages on any failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileErrors, validate } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { createApp } from '../src/api/app.js';
import { ApiKeyring } from '../src/api/auth.js';
import type { ApiServices } from '../src/api/services.js';
import { HealthState } from '../src/core/health.js';
import { silentLogger } from '../src/core/logger.js';
import { createMetrics } from '../src/core/metrics.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Code a client author would write against the generated types; tsc fails if the document lost what it needs. */
const USAGE = `import type { components, operations, paths } from './tally-api.js';

type UsageEvent = components['schemas']['UsageEvent'];
const event: UsageEvent = { model: 'gpt-4o-mini', provider: 'openai', tenant: 'acme', user_id: 'u1', usage: { prompt_tokens: 10, completion_tokens: 2 } };
const cloudEvent: components['schemas']['CloudEvent'] = { specversion: '1.0', id: 'e1', source: '/svc', type: 'llm.usage', data: event };
type IngestJson = paths['/v1/events']['post']['requestBody']['content']['application/json'];
type IngestCe = paths['/v1/events']['post']['requestBody']['content']['application/cloudevents-batch+json'];
const batch: IngestJson = [event];
const ceBatch: IngestCe = [cloudEvent];
type Accepted = operations['ingestEvents']['responses'][202]['content']['application/json'];
const accepted: Accepted = { accepted: 1, event_ids: ['e1'], rejected: [] };
type BudgetInput = operations['createBudget']['requestBody']['content']['application/json'];
const budgetInput: BudgetInput | undefined = undefined;
type Summary = operations['getUsageSummary']['responses'][200]['content']['application/json'];
type Statement = operations['getStatement']['responses'][200]['content']['application/json'];
const due: string | null = (null as Statement | null)?.totals.due ?? null;
type Ids = keyof operations;
const ids: Ids[] = ['ingestEvents', 'checkQuota', 'reserveQuota', 'settleQuota', 'createBudget', 'getBudgetStatus', 'getUsageSummary', 'getStatement'];
export const uses: unknown[] = [batch, ceBatch, accepted, budgetInput, ids, null as Summary | null, due];
`;

async function servedDocument(): Promise<Record<string, unknown>> {
  const services = { ingest: {}, analytics: {}, budgets: {}, quota: {}, statements: {} } as unknown as ApiServices;
  const app = await createApp({ logger: silentLogger(), metrics: createMetrics({ defaultMetrics: false }), health: new HealthState(), keyring: new ApiKeyring([]), openAccess: false, bodyLimitBytes: 1024, services });
  try {
    return (await app.inject('/openapi.json')).json() as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

async function main(): Promise<number> {
  const document = await servedDocument();
  const result = await validate(structuredClone(document) as never);
  if (!result.valid) {
    console.error(`openapi: the document is not valid OpenAPI:\n${compileErrors(result)}`);
    return 1;
  }
  const operations = Object.values(document.paths as Record<string, Record<string, unknown>>).reduce((n, ops) => n + Object.keys(ops).length, 0);
  console.log(`openapi: valid OpenAPI ${String(document.openapi)}, ${operations} operations`);

  const dir = mkdtempSync(join(tmpdir(), 'tally-openapi-'));
  try {
    const types = astToString(await openapiTS(document as never, { defaultNonNullable: false }));
    writeFileSync(join(dir, 'tally-api.ts'), types);
    writeFileSync(join(dir, 'usage.ts'), USAGE);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noUncheckedIndexedAccess: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: true, types: [] }, files: ['tally-api.ts', 'usage.ts'] }));
    console.log(`openapi: openapi-typescript generated ${types.split('\n').length} lines`);
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    if (tsc.status !== 0) {
      console.error(`openapi: the generated client does not type-check:\n${tsc.stdout}${tsc.stderr}`);
      return 1;
    }
    console.log('openapi: the generated client type-checks (tsc --strict)');
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
