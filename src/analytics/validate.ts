/**
 * zod → TallyError: every problem of a query's parameters at once, as
 * VALIDATION_FAILED with `details.errors = [{path, reason}]`, paths naming the
 * parameter (`from`, `user_id[1]`, `tag[0]`).
 */
import type { z } from 'zod';
import { validationError, type FieldError } from '../core/errors.js';

function describe(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (Array.isArray(input)) return 'several values';
  if (typeof input === 'string') return input.length > 40 ? `${JSON.stringify(input.slice(0, 40))}…` : JSON.stringify(input);
  return typeof input === 'object' ? 'an object' : String(input);
}

const errorMap = (issue: z.core.$ZodRawIssue): string | undefined => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (Array.isArray(issue.input)) return 'may be given only once';
      return `must be ${issue.expected === 'number' || issue.expected === 'int' ? 'a whole number' : issue.expected === 'boolean' ? 'true or false' : `a ${issue.expected}`} (got ${describe(issue.input)})`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')} (got ${describe(issue.input)})`;
    case 'too_small':
      return issue.origin === 'string' ? 'must not be empty' : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      if (issue.origin === 'string') return `must be at most ${String(issue.maximum)} characters`;
      if (issue.origin === 'array') return `may be given at most ${String(issue.maximum)} times`;
      return `must be at most ${String(issue.maximum)}`;
    default:
      return undefined;
  }
};

function pathText(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** Field errors of a failed parse; an unknown parameter is its own error. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: pathText([...issue.path, key]), reason: 'is not a parameter of this query' });
    } else {
      out.push({ path: pathText(issue.path), reason: issue.message });
    }
  }
  return out;
}

/** Parses `input` with `schema` or throws VALIDATION_FAILED listing every field error. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  throw validationError(fieldErrors(result.error));
}
