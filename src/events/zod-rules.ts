/**
 * The rules of a zod schema read from its definition (`_zod.def`) into plain
 * data — lengths, patterns, number bounds, enums, unions, records, optional
 * fields and refinements (kept as the schema's own functions) — from which
 * compiled.ts generates the validator. A construct this file does not
 * know fails to compile (at start), so the validator never silently accepts
 * more than zod.
 */
import type { z } from 'zod';
import { TallyError } from '../core/errors.js';

type AnyDef = { readonly type: string; readonly [k: string]: unknown };
export type AnyCheck = { readonly _zod: { readonly def: { readonly check: string; readonly [k: string]: unknown }; readonly check: (payload: { value: unknown; issues: unknown[] }) => unknown } };

export const Kind = { String: 0, Number: 1, Boolean: 2, Unknown: 3, Enum: 4, Union: 5, Record: 6 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** One schema as data, what compiled.ts generates the validator from. */
export interface Rule {
  readonly kind: Kind;
  /** Optional (or with a default): undefined passes. */
  readonly optional: boolean;
  /** String length bounds. */
  readonly minLength: number;
  readonly maxLength: number;
  /** Number bounds (inclusive unless said otherwise) and whole-number format. */
  readonly lo: number;
  readonly loInclusive: boolean;
  readonly hi: number;
  readonly hiInclusive: boolean;
  readonly safeInt: boolean;
  readonly patterns: readonly RegExp[];
  /** Refinements (`.refine`): pass when truthy. */
  readonly refines: readonly ((v: unknown) => unknown)[];
  /** Checks run as zod runs them (`.superRefine`, `.check`): pass when they add no issue. */
  readonly checks: readonly AnyCheck[];
  readonly values: ReadonlySet<unknown> | null;
  readonly options: readonly Rule[];
  readonly key: Rule | null;
  /** Null: any value (z.unknown()). */
  readonly value: Rule | null;
}

/**
 * Checks (`.superRefine`, `.check`) that carry a predicate of their own: true
 * exactly when the check adds no issue. The compiled validator calls the
 * predicate instead of running zod's check, which builds a payload, an issue
 * list and a closure on every call; zod still runs the check itself for the
 * field errors of a refusal. The property test holds the verdicts to zod's.
 */
const predicates = new WeakMap<object, (value: never) => boolean>();

/** `schema` with a predicate for its last check (see above); returns `schema`. */
export function passesWhen<S extends z.ZodType>(schema: S, predicate: (value: z.output<S>) => boolean): S {
  const checks = (defOf(schema).checks ?? []) as AnyCheck[];
  const last = checks[checks.length - 1];
  if (last === undefined || typeof last._zod.def.fn === 'function') unsupported('a predicate for a schema whose last check is not a .superRefine or .check');
  predicates.set(last, predicate);
  return schema;
}

export function unsupported(what: string): never {
  throw new TallyError('INTERNAL', `compiled validator: unsupported zod construct ${what}`);
}

export function defOf(schema: z.core.$ZodType): AnyDef {
  return schema._zod.def as unknown as AnyDef;
}

function blank(kind: Kind): { -readonly [K in keyof Rule]: Rule[K] } {
  return {
    kind, optional: false, minLength: 0, maxLength: Infinity, lo: -Infinity, loInclusive: true, hi: Infinity, hiInclusive: true, safeInt: false,
    patterns: [], refines: [], checks: [], values: null, options: [], key: null, value: null,
  };
}

/** The schema's checks, read into the rule. */
function readChecks(def: AnyDef, rule: ReturnType<typeof blank>): Rule {
  const patterns: RegExp[] = [];
  const refines: ((v: unknown) => unknown)[] = [];
  const checks: AnyCheck[] = [];
  for (const ch of (def.checks ?? []) as AnyCheck[]) {
    const d = ch._zod.def;
    switch (d.check) {
      case 'min_length': rule.minLength = Math.max(rule.minLength, d.minimum as number); break;
      case 'max_length': rule.maxLength = Math.min(rule.maxLength, d.maximum as number); break;
      case 'string_format':
        if (d.format !== 'regex' || !(d.pattern instanceof RegExp)) unsupported(`string format ${String(d.format)}`);
        patterns.push(d.pattern);
        break;
      case 'number_format':
        if (d.format !== 'safeint') unsupported(`number format ${String(d.format)}`);
        rule.safeInt = true;
        break;
      case 'greater_than':
        if (rule.lo !== -Infinity) unsupported('two lower bounds');
        rule.lo = d.value as number;
        rule.loInclusive = d.inclusive === true;
        break;
      case 'less_than':
        if (rule.hi !== Infinity) unsupported('two upper bounds');
        rule.hi = d.value as number;
        rule.hiInclusive = d.inclusive === true;
        break;
      case 'custom':
        if (typeof d.fn === 'function') refines.push(d.fn as (v: unknown) => unknown);
        else if (predicates.has(ch)) refines.push(predicates.get(ch) as (v: unknown) => unknown);
        else checks.push(ch);
        break;
      default:
        unsupported(`check ${d.check}`);
    }
  }
  if ((rule.kind !== Kind.String && (patterns.length > 0 || rule.minLength > 0 || rule.maxLength !== Infinity)) || (rule.kind !== Kind.Number && (rule.safeInt || rule.lo !== -Infinity || rule.hi !== Infinity))) {
    unsupported(`checks of a ${def.type}`);
  }
  return { ...rule, patterns, refines, checks };
}

/** Compiles one schema into a rule. */
export function compileRule(schema: z.core.$ZodType): Rule {
  const def = defOf(schema);
  switch (def.type) {
    case 'string': return readChecks(def, blank(Kind.String));
    case 'number': return readChecks(def, blank(Kind.Number));
    case 'boolean': return readChecks(def, blank(Kind.Boolean));
    case 'unknown': return readChecks(def, blank(Kind.Unknown));
    case 'enum': return readChecks(def, { ...blank(Kind.Enum), values: new Set(Object.values(def.entries as Record<string, unknown>)) });
    case 'union': return readChecks(def, { ...blank(Kind.Union), options: (def.options as z.core.$ZodType[]).map(compileRule) });
    case 'record': {
      const value = compileRule(def.valueType as z.core.$ZodType);
      return readChecks(def, { ...blank(Kind.Record), key: compileRule(def.keyType as z.core.$ZodType), value: value.kind === Kind.Unknown && value.refines.length + value.checks.length === 0 ? null : value });
    }
    case 'optional': return { ...compileRule(def.innerType as z.core.$ZodType), optional: true };
    default: return unsupported(`type ${def.type}`);
  }
}

