/**
 * Quota subjects → dimension values. The tenant defaults to `default` (as on
 * events); the model is resolved to its catalog key when a resolver is given,
 * so a budget scoped to `openai/gpt-4o` matches a caller that says `gpt-4o`.
 */
import { validationError, type FieldError } from '../errors.js';
import { DIMENSIONS, type Dimension } from './model.js';
import type { DimValues } from './scope.js';
import type { ModelResolver, Subject } from './types.js';

export function subjectValues(subject: Subject, resolveModel?: ModelResolver): DimValues {
  const errors: FieldError[] = [];
  const out: Partial<Record<Dimension, string>> = {};
  for (const d of DIMENSIONS) {
    const v = subject[d];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || v.length > 256) errors.push({ path: `subject.${d}`, reason: 'must be a string of at most 256 characters' });
    else out[d] = v;
  }
  if (errors.length > 0) throw validationError(errors);
  out.tenant ??= 'default';
  if (out.model !== undefined && resolveModel) out.model = resolveModel(out.model, out.provider) ?? out.model;
  return out;
}
