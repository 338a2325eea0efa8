/**
 * The names budget scopes and quota subjects used before 0.2 (`user`,
 * `api_key`; the event names are `user_id`, `api_key_id`). They are still
 * read, as the dimension they name, with a deprecation notice per
 * occurrence, until `LEGACY_NAMES_REMOVED_IN`. Whoever reads a budget or a
 * subject decides where a notice goes: an HTTP `Warning` header, the CLI's
 * stderr, the log.
 */
import { DIMENSION_SPECS, SCOPE_DIMENSIONS, type DimensionSpec, type ScopeDimension } from '../core/dimensions.js';
import type { FieldError } from '../core/errors.js';

/** The minor version that no longer reads the legacy names. */
export const LEGACY_NAMES_REMOVED_IN = '0.3';

type LegacyOf<D extends ScopeDimension> = (typeof DIMENSION_SPECS)[D] extends { readonly legacy: infer L extends string } ? L : never;

/** `user` | `api_key`. */
export type LegacyName = { [D in ScopeDimension]: LegacyOf<D> }[ScopeDimension];

/** Legacy name → the dimension it names: `user` → `user_id`, `api_key` → `api_key_id`. */
export const LEGACY_DIMENSIONS: Readonly<Record<LegacyName, ScopeDimension>> = Object.fromEntries(
  SCOPE_DIMENSIONS.flatMap((d) => {
    const legacy = (DIMENSION_SPECS[d] as DimensionSpec).legacy;
    return legacy === undefined ? [] : [[legacy, d]];
  }),
) as Record<LegacyName, ScopeDimension>;

/** The dimension a legacy name stands for; undefined for any other field. */
export function legacyDimension(field: string): ScopeDimension | undefined {
  return Object.hasOwn(LEGACY_DIMENSIONS, field) ? LEGACY_DIMENSIONS[field as LegacyName] : undefined;
}

/** One legacy name read somewhere. */
export interface Deprecation {
  /** Where it was read, e.g. `scope.user`, `subject.api_key`, `budgets.defaults[0].scope.user`. */
  readonly path: string;
  readonly legacy: string;
  /** The name to write instead. */
  readonly name: ScopeDimension;
  /** One line for a person: what to write instead and until when the old name is read. */
  readonly message: string;
}

/** Receives every deprecation notice of one read. */
export type DeprecationSink = (notice: Deprecation) => void;

export function deprecation(path: string, legacy: string, name: ScopeDimension): Deprecation {
  return { path, legacy, name, message: `${path}: ${legacy} is deprecated, write ${name} (${legacy} is read until tally ${LEGACY_NAMES_REMOVED_IN})` };
}

function join(prefix: string, field: string): string {
  return prefix ? `${prefix}.${field}` : field;
}

/** The result of renaming the legacy fields of one record. */
export interface Renamed<T> {
  /** The record with the dimension names only. */
  readonly record: Record<string, T>;
  /** Per dimension read, the field as it was written (for error paths). */
  readonly written: Readonly<Partial<Record<ScopeDimension, string>>>;
  readonly notices: readonly Deprecation[];
  /** A legacy name given together with its dimension's name. */
  readonly errors: readonly FieldError[];
}

/**
 * Renames the legacy fields of a scope or a subject (`path` prefixes notices
 * and errors). A legacy name next to the name it stands for is an error,
 * reported on the legacy field.
 */
export function renameLegacy<T>(input: Readonly<Record<string, T>>, path: string): Renamed<T> {
  const record: Record<string, T> = {};
  const written: Partial<Record<ScopeDimension, string>> = {};
  const notices: Deprecation[] = [];
  const errors: FieldError[] = [];
  for (const [field, value] of Object.entries(input)) {
    const name = legacyDimension(field);
    if (name === undefined) {
      record[field] = value;
      if ((SCOPE_DIMENSIONS as readonly string[]).includes(field)) written[field as ScopeDimension] ??= field;
      continue;
    }
    if (Object.hasOwn(input, name)) {
      errors.push({ path: join(path, field), reason: `give ${name} only (${field} is its deprecated name)` });
      continue;
    }
    record[name] = value;
    written[name] = field;
    notices.push(deprecation(join(path, field), field, name));
  }
  return { record, written, notices, errors };
}
