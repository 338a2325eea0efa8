/**
 * The JSON Schema of the v1 event, generated from the zod schema (the single
 * source). `npm run schema` writes it to schemas/usage-event.v1.json; a test
 * regenerates it in memory and fails when the committed file drifts.
 */
import { z } from 'zod';
import { usageEventV1 } from './schema.js';

export const USAGE_EVENT_SCHEMA_ID = 'urn:tally:schema:usage-event:v1';
export const USAGE_EVENT_SCHEMA_PATH = 'schemas/usage-event.v1.json';

/** The JSON Schema (draft 2020-12) of what a producer may send as a v1 event. */
export function usageEventJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(usageEventV1, { io: 'input', target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: USAGE_EVENT_SCHEMA_ID,
    title: 'tally usage event v1',
    description:
      'One metered LLM call. `usage` carries the provider\'s own usage object untouched (OpenAI, Anthropic, Gemini, Bedrock Converse, Cohere, OpenTelemetry GenAI attributes) or canonical counts. ' +
      'The same event is also accepted inside a CloudEvents 1.0 envelope (as `data`) and as OpenTelemetry GenAI attributes; see docs/events.md. ' +
      'Generated from src/events/schema.ts by `npm run schema`; do not edit by hand.',
    ...rest,
    additionalProperties: {
      description: 'Unknown top-level fields are accepted and kept, as they came, in `extra`.',
    },
  };
}

/** The file's exact text: two-space JSON with a trailing newline. */
export function usageEventJsonSchemaText(): string {
  return `${JSON.stringify(usageEventJsonSchema(), null, 2)}\n`;
}
