import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { USAGE_EVENT_SCHEMA_PATH, usageEventJsonSchema, usageEventJsonSchemaText } from '../../../src/events/json-schema.js';
import { EVENT_FIELDS } from '../../../src/events/schema.js';

describe('schemas/usage-event.v1.json', () => {
  it('is exactly what the zod schema generates (run `npm run schema` after changing src/events/schema.ts)', () => {
    const committed = readFileSync(new URL(`../../../${USAGE_EVENT_SCHEMA_PATH}`, import.meta.url), 'utf8');
    expect(committed).toBe(usageEventJsonSchemaText());
  });

  it('describes every v1 field, requires model and usage, and allows unknown fields (kept in extra)', () => {
    const schema = usageEventJsonSchema() as { $id: string; title: string; properties: Record<string, unknown>; required: string[]; additionalProperties: { description: string } };
    expect(schema.$id).toBe('urn:tally:schema:usage-event:v1');
    expect(schema.title).toBe('tally usage event v1');
    expect(Object.keys(schema.properties).sort()).toEqual([...EVENT_FIELDS].sort());
    expect(schema.required.sort()).toEqual(['model', 'usage']);
    expect(schema.additionalProperties.description).toMatch(/kept.*in `extra`/);
  });
});
