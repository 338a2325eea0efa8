/**
 * Writes schemas/usage-event.v1.json from the zod schema (`npm run schema`).
 * Commit the result; test/unit/events/json-schema.test.ts fails when it drifts.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE_EVENT_SCHEMA_PATH, usageEventJsonSchemaText } from '../src/events/json-schema.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(root, USAGE_EVENT_SCHEMA_PATH);
writeFileSync(target, usageEventJsonSchemaText());
console.log(`wrote ${USAGE_EVENT_SCHEMA_PATH}`);
