/**
 * Quota subjects → dimension values. The tenant defaults to `default` (as on
 * events); the model is resolved to its catalog key when a resolver is given,
 * so a budget scoped to `openai/gpt-4o` matches a caller that says `gpt-4o`.
 */
import { validationError, type FieldError } from '../core/errors.js';
import type { CompiledBudget } from './catalog.js';
import { DIMENSIONS, type Dimension } from './model.js';
import type { DimValues } from './scope.js';
import type { ModelResolver, Subject } from './types.js';
import { DEFAULT_TENANT } from '../core/dimensions.js';

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
  out.tenant ??= DEFAULT_TENANT;
  if (out.model !== undefined && resolveModel) out.model = resolveModel(out.model, out.provider) ?? out.model;
  return out;
}

/** The literal values of a budget's scope. */
export function literalValues(b: CompiledBudget | undefined): DimValues {
  const out: Record<string, string> = {};
  for (const d of b?.scope.dims ?? []) if (d.kind === 'literal') out[d.dim] = d.value;
  return out;
}

/** The values a budget's status is read for: its literals, then the subject; every `*` dimension must be given. */
export function valuesFor(b: CompiledBudget, values: DimValues, subject: Subject): DimValues {
  const merged: Record<string, string> = { ...literalValues(b) };
  for (const [d, v] of Object.entries(values)) if (v !== undefined && merged[d] === undefined) merged[d] = v;
  if (subject.tenant === undefined && b.scope.tenantLiteral) merged.tenant = b.scope.tenantLiteral;
  const errors: FieldError[] = b.scope.each
    .filter((d) => subject[d] === undefined || subject[d] === '')
    .map((d) => ({ path: `subject.${d}`, reason: `budget ${b.budget.id} is counted per ${d}; name the ${d}` }));
  if (errors.length > 0) throw validationError(errors);
  return merged;
}

