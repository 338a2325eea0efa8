/**
 * Quota subjects → dimension values. A subject names dimensions as events do
 * (`user_id`, `api_key_id`); the legacy `user` and `api_key` are read as those,
 * with a deprecation notice. The tenant defaults to `default` (as on events);
 * the model is resolved to its catalog key when a resolver is given, so a
 * budget scoped to `openai/gpt-4o` matches a caller that says `gpt-4o`.
 */
import { validationError, type FieldError } from '../core/errors.js';
import { DEFAULT_TENANT, SCOPE_DIMENSIONS, type ScopeDimension } from '../core/dimensions.js';
import type { CompiledBudget } from './catalog.js';
import { renameLegacy, type DeprecationSink } from './legacy.js';
import type { DimValues } from './scope.js';
import type { ModelResolver, Subject } from './types.js';

/** The dimensions a subject names, legacy names read as their dimension; nothing defaulted. Throws VALIDATION_FAILED. */
export function subjectDims(subject: Subject, onDeprecated?: DeprecationSink): DimValues {
  const renamed = renameLegacy(subject as Readonly<Record<string, unknown>>, 'subject');
  const errors: FieldError[] = [...renamed.errors];
  const out: Partial<Record<ScopeDimension, string>> = {};
  for (const d of SCOPE_DIMENSIONS) {
    const v = renamed.record[d];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || v.length > 256) errors.push({ path: `subject.${renamed.written[d] ?? d}`, reason: 'must be a string of at most 256 characters' });
    else out[d] = v;
  }
  if (errors.length > 0) throw validationError(errors);
  for (const n of renamed.notices) if (out[n.name] !== undefined) onDeprecated?.(n);
  return out;
}

/** The values a subject's checks read: its dimensions, the tenant defaulted, the model resolved. */
export function subjectValues(subject: Subject, resolveModel?: ModelResolver, onDeprecated?: DeprecationSink): DimValues {
  return completeValues(subjectDims(subject, onDeprecated), resolveModel);
}

/** A subject's dimensions with the tenant defaulted and the model resolved. */
export function completeValues(dims: DimValues, resolveModel?: ModelResolver): DimValues {
  const out: Partial<Record<ScopeDimension, string>> = { ...dims };
  out.tenant ??= DEFAULT_TENANT;
  if (out.model !== undefined && resolveModel) out.model = resolveModel(out.model, out.provider) ?? out.model;
  return out;
}

/** The literal values of a budget's scope. */
export function literalValues(b: CompiledBudget | undefined): DimValues {
  const out: Partial<Record<ScopeDimension, string>> = {};
  for (const d of b?.scope.dims ?? []) if (d.kind === 'literal') out[d.dim] = d.value;
  return out;
}

/**
 * The values a budget's status is read for: its literals, then the subject's
 * (`values`, complete); every `*` dimension must be named by the subject (`given`).
 */
export function valuesFor(b: CompiledBudget, values: DimValues, given: DimValues): DimValues {
  const merged: Partial<Record<ScopeDimension, string>> = { ...literalValues(b) };
  for (const d of SCOPE_DIMENSIONS) if (values[d] !== undefined && merged[d] === undefined) merged[d] = values[d];
  if (given.tenant === undefined && b.scope.tenantLiteral) merged.tenant = b.scope.tenantLiteral;
  const errors: FieldError[] = b.scope.each
    .filter((d) => given[d] === undefined)
    .map((d) => ({ path: `subject.${d}`, reason: `budget ${b.budget.id} is counted per ${d}; name the ${d}` }));
  if (errors.length > 0) throw validationError(errors);
  return merged;
}
