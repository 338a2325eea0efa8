/**
 * A validator compiled once from a zod object schema: its rules, read from
 * the schema (zod-rules.ts), generated into one JavaScript function — a
 * `switch` on each field name with that field's checks written out, as one
 * would write by hand — that gives zod's verdict (accept or refuse) without
 * zod's per-parse machinery (payload objects, issue lists, a copy of every
 * object). zod stays the one source of the contract: bounds, patterns, enums
 * and defaults come from the schema, refinements run as the schema's own
 * functions, and a `.superRefine` runs as its predicate where the schema gives
 * one (`passesWhen`, zod-rules.ts), else as zod runs it. A property test holds
 * the verdicts to zod's.
 *
 * Used for the verdict and the common output only: when an input is refused,
 * zod itself produces the field errors; when an accepted input has a shape
 * whose output zod builds differently from the input (an unknown or
 * undefined-valued field, a `__proto__` key in a record that would not pass
 * as another key), zod builds it; a `__proto__` key that would pass is kept,
 * as tally keeps every unknown field.
 */
import type { z } from 'zod';
import { compileRule, defOf, Kind, unsupported, type AnyCheck, type Rule } from './zod-rules.js';

export type CompiledOutcome<T> = { readonly ok: true; readonly value: T | null } | { readonly ok: false };

/** What the generated code calls: the schema's own functions and values, by index. */
interface Bindings {
  readonly values: unknown[];
}

/** Whether zod's output equals the (defaulted) input; the generated code clears it. */
interface OutputState {
  asInput: boolean;
}

function plain(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A zod check run as zod runs it: passes when it adds no issue. */
function runCheck(check: AnyCheck, value: unknown): boolean {
  const payload = { value, issues: [] as unknown[] };
  if (check._zod.check(payload) instanceof Promise) unsupported('async check');
  return payload.issues.length === 0;
}

/** A record's own key set without `__proto__` (what zod's refinements see). */
function withoutProto(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) if (k !== '__proto__') out[k] = o[k];
  return out;
}

const num = (n: number): string => (Number.isFinite(n) ? String(n) : n > 0 ? 'Infinity' : '-Infinity');

class Generator {
  readonly bindings: Bindings = { values: [] };
  readonly functions: string[] = [];
  #vars = 0;

  bind(value: unknown): string {
    this.bindings.values.push(value);
    return `b${this.bindings.values.length - 1}`;
  }

  fresh(prefix: string): string {
    return `${prefix}${this.#vars++}`;
  }

  /** The refinements and checks of a rule on `v`, as an expression (`true` when none). */
  refined(rule: Rule, v: string): string {
    const parts = rule.refines.map((f) => `${this.bind(f)}(${v})`);
    for (const c of rule.checks) parts.push(`runCheck(${this.bind(c)}, ${v})`);
    return parts.length === 0 ? 'true' : parts.join(' && ');
  }

  /** zod's verdict of `rule` on the variable `v`, as an expression. */
  expr(rule: Rule, v: string): string {
    const own = this.typed(rule, v);
    return rule.optional ? `(${v} === undefined || (${own}))` : `(${own})`;
  }

  typed(rule: Rule, v: string): string {
    const parts: string[] = [];
    switch (rule.kind) {
      case Kind.String:
        parts.push(`typeof ${v} === 'string'`);
        if (rule.minLength > 0) parts.push(`${v}.length >= ${rule.minLength}`);
        if (rule.maxLength !== Infinity) parts.push(`${v}.length <= ${rule.maxLength}`);
        for (const p of rule.patterns) parts.push(p.global || p.sticky ? `(${this.bind(p)}.lastIndex = 0, ${this.bind(p)}.test(${v}))` : `${this.bind(p)}.test(${v})`);
        break;
      case Kind.Number:
        parts.push(`typeof ${v} === 'number'`, `Number.isFinite(${v})`);
        if (rule.safeInt) parts.push(`Number.isSafeInteger(${v})`);
        if (rule.lo !== -Infinity) parts.push(`${v} ${rule.loInclusive ? '>=' : '>'} ${num(rule.lo)}`);
        if (rule.hi !== Infinity) parts.push(`${v} ${rule.hiInclusive ? '<=' : '<'} ${num(rule.hi)}`);
        break;
      case Kind.Boolean:
        parts.push(`typeof ${v} === 'boolean'`);
        break;
      case Kind.Unknown:
        break;
      case Kind.Enum:
        parts.push(`${this.bind(rule.values)}.has(${v})`);
        break;
      case Kind.Union:
        parts.push(`(${rule.options.map((o) => this.expr(o, v)).join(' || ')})`);
        break;
      case Kind.Record:
        return `${this.record(rule)}(${v})`;
    }
    const refined = this.refined(rule, v);
    if (refined !== 'true') parts.push(refined);
    return parts.length === 0 ? 'true' : parts.join(' && ');
  }

  /** A function for a record rule; returns its name. */
  record(rule: Rule): string {
    const name = this.fresh('record');
    const k = this.fresh('k');
    const x = this.fresh('x');
    const key = this.expr(rule.key as Rule, k);
    const value = rule.value === null ? 'true' : this.expr(rule.value, x);
    const refined = this.refined(rule, 'o');
    this.functions.push(`function ${name}(o) {
  if (!plain(o)) return false;
  let proto = 0; // 0 none, 1 passes as another key would, 2 does not
  for (const ${k} in o) {
    const ${x} = o[${k}];
    if (${k} === '__proto__') { proto = ${key} && ${value} ? 1 : 2; continue; }
    if (!(${key}) || !(${value})) return false;
  }
  if (proto === 0) return ${refined};
  const seen = withoutProto(o);
  ${refined === 'true' ? '' : `if (!${this.refined(rule, 'seen')}) return false;`}
  if (proto === 2 || !(${refined})) state.asInput = false;
  return true;
}`);
    return name;
  }
}

/**
 * Compiles a z.object schema (default "strip" mode). The returned function
 * gives zod's verdict for `candidate`; when it accepts, `value` is the
 * candidate itself with zod's defaults filled in (so the candidate must be
 * the caller's to change), or null when zod's own output must be taken.
 */
export function compileObject<T>(schema: z.ZodObject): (candidate: Record<string, unknown>) => CompiledOutcome<T> {
  const def = defOf(schema);
  if (def.catchall !== undefined) unsupported('object catchall');
  if (((def.checks ?? []) as unknown[]).length > 0) unsupported('object-level checks');
  const gen = new Generator();
  const cases: string[] = [];
  const defaults: string[] = [];
  let required = 0;
  for (const [name, field] of Object.entries(schema.shape as Record<string, z.core.$ZodType>)) {
    const fd = defOf(field);
    let rule: Rule;
    if (fd.type === 'default') {
      if (typeof fd.defaultValue === 'function') unsupported('default from a function');
      rule = { ...compileRule(fd.innerType as z.core.$ZodType), optional: true };
      defaults.push(`if (c[${JSON.stringify(name)}] === undefined) c[${JSON.stringify(name)}] = ${gen.bind(fd.defaultValue)};`);
    } else rule = compileRule(field);
    if (!rule.optional) required++;
    cases.push(`case ${JSON.stringify(name)}: if (!${gen.expr(rule, 'v')}) return REFUSED;${rule.optional ? '' : ' seen++;'} break;`);
  }
  const names = gen.bindings.values.map((_, i) => `b${i}`);
  const source = `${gen.functions.join('\n')}
return function validate(c) {
  state.asInput = true;
  let seen = 0;
  for (const key in c) {
    const v = c[key];
    if (v === undefined) state.asInput = false; // zod's output differs in keys
    switch (key) {
      ${cases.join('\n      ')}
      default: state.asInput = false; // zod strips unknown keys
    }
  }
  if (seen < ${required}) return REFUSED; // a required field absent (one present but invalid returned above)
  if (!state.asInput) return ACCEPTED_AS_ZOD;
  ${defaults.join('\n  ')}
  return { ok: true, value: c };
};`;
  const state: OutputState = { asInput: true };
  const make = new Function('plain', 'runCheck', 'withoutProto', 'state', 'REFUSED', 'ACCEPTED_AS_ZOD', ...names, source) as (...args: unknown[]) => (c: Record<string, unknown>) => CompiledOutcome<T>;
  return make(plain, runCheck, withoutProto, state, Object.freeze({ ok: false }), Object.freeze({ ok: true, value: null }), ...gen.bindings.values);
}
