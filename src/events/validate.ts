/**
 * Validation of a v1 event candidate (a plain object whose unknown top-level
 * fields were already moved to `extra`).
 *
 * The verdict comes from a validator compiled once from `usageEventV1`
 * (compiled.ts): the same rules, read from the schema, without zod's
 * per-parse work. zod itself runs only to produce the field errors of a
 * refused event (it is the authority on reasons and paths), and to build the
 * output in the rare shapes where it differs from the candidate. A property
 * test holds the compiled verdicts to zod's.
 */
import type { z } from 'zod';
import type { FieldError } from '../core/errors.js';
import { compileObject } from './compiled.js';
import { formatPath } from './paths.js';
import { usageEventV1, type UsageEvent } from './schema.js';

export type ValidateOutcome = { ok: true; event: UsageEvent } | { ok: false; errors: FieldError[] };

/** zod's verdict on a candidate, compiled from the schema; an accepted candidate comes back with its defaults filled in. */
export const compiledValidate = compileObject<UsageEvent>(usageEventV1);

/**
 * The validated event when the candidate is valid, else null. Never accepts
 * what `usageEventV1` rejects, and accepts all it accepts.
 */
export function fastValidate(candidate: Record<string, unknown>): UsageEvent | null {
  const verdict = compiledValidate(candidate);
  if (!verdict.ok) return null;
  return verdict.value ?? usageEventV1.parse(candidate);
}

function describe(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'an array';
  switch (typeof input) {
    case 'string':
      return input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
    case 'number':
    case 'boolean':
      return String(input);
    case 'object':
      return 'an object';
    default:
      return typeof input;
  }
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  record: 'an object',
  object: 'an object',
  array: 'an array',
};

/** Reasons a user understands, for zod issues whose schema gave no message of its own. */
const errorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected} (got ${describe(issue.input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(issue.input)})`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be at most ${String(issue.maximum)}`;
    case 'invalid_union':
      return `has an invalid value (got ${describe(issue.input)})`;
    default:
      return undefined;
  }
};

function toFieldErrors(issues: readonly z.core.$ZodIssue[], base: string): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    let reason = issue.message;
    if (issue.code === 'invalid_key') reason = issue.issues[0]?.message ?? 'has an invalid key';
    out.push({ path: formatPath(issue.path, base), reason });
  }
  return out;
}

/** Validates a candidate: the compiled verdict; zod for the field errors of a refusal (and the rare output it must build). */
export function validateCandidate(candidate: Record<string, unknown>): ValidateOutcome {
  const verdict = compiledValidate(candidate);
  if (verdict.ok && verdict.value !== null) return { ok: true, event: verdict.value };
  const result = usageEventV1.safeParse(candidate, { error: errorMap });
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, errors: toFieldErrors(result.error.issues, '') };
}
