/**
 * Scopes: which events and subjects a budget covers, and which counter an
 * event lands in.
 *
 * A counter is identified by the scope's dimensions valued from the event:
 * `{tenant: "acme", user_id: "bob"}` and `{tenant: "acme", user_id: "*"}` both
 * count bob's events in the counter `{t.acme} … u=bob`, so budgets of the
 * same shape and period share counters, whoever created them and when. A
 * model pattern is part of the counter's identity (`m~gpt-4o*`), since the
 * counter sums every model it matches. Scopes without a tenant count in the
 * global slot. Dimension codes and their order come from
 * src/core/dimensions.ts (`DIMENSION_SPECS`, `SCOPE_DIMENSIONS`); they make
 * the counter keys and alert marks stored in Redis, so they never change.
 *
 * A literal model scope means a model FAMILY (src/pricing/families.ts) when
 * the budget set knows the catalog: `openai/gpt-4o` or `gpt-4o` counts
 * gpt-4o and its dated snapshots, not gpt-4o-mini; a snapshot id counts that
 * snapshot. Its counter keeps the scope value as written (`m=openai/gpt-4o`),
 * whatever member an event resolved to.
 */
import type { CounterDim, Slot } from '../counters/keys.js';
import type { PricedEvent } from '../pipeline/types.js';
import { DIMENSION_SPECS, SCOPE_DIMENSIONS, countedModel, type ScopeDimension } from '../core/dimensions.js';
import type { Scope } from './model.js';
import type { ModelFamilies, ModelFamily } from '../pricing/families.js';

/** Dimension values of an event or a quota subject. Absent or empty = not known. */
export type DimValues = Readonly<Partial<Record<ScopeDimension, string>>>;

/** The dimensions an event carries under the same name (tenant and model are read apart). */
const EVENT_FIELDS = ['user_id', 'group', 'provider', 'agent', 'feature', 'api_key_id'] as const satisfies readonly ScopeDimension[];

export function eventDims(e: PricedEvent): DimValues {
  const ev = e.event;
  const out: Partial<Record<ScopeDimension, string>> = { tenant: ev.tenant, model: countedModel(e.pricing.model_key, ev.model) };
  for (const d of EVENT_FIELDS) {
    const v = ev[d];
    if (v) out[d] = v;
  }
  return out;
}

/** `*` → any run of characters; everything else literal. Case-sensitive, anchored. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's');
}

export type DimKind = 'literal' | 'each' | 'pattern';

export interface ScopeDim {
  readonly dim: ScopeDimension;
  readonly kind: DimKind;
  /** The literal value or the pattern; `*` for each. */
  readonly value: string;
  readonly re: RegExp | null;
  /** A literal model scope with a catalog: the family it means (matched by membership, not equality). */
  readonly family: ModelFamily | null;
}

function compileDim(dim: ScopeDimension, value: string, families: ModelFamilies | undefined): ScopeDim {
  if (value === '*') return { dim, kind: 'each', value, re: null, family: null };
  if (dim === 'model' && value.includes('*')) return { dim, kind: 'pattern', value, re: globToRegExp(value), family: null };
  return { dim, kind: 'literal', value, re: null, family: dim === 'model' && families ? families.familyOf(value) : null };
}

/** What a model scope covers, for a budget's status. */
export interface ModelScopeInfo {
  /** The scope value as written. */
  readonly scope: string;
  /** family: a model and its snapshots; snapshot: one dated snapshot; unknown: an id the catalog does not know; pattern: a glob. */
  readonly kind: 'family' | 'snapshot' | 'unknown' | 'pattern';
  /** The family's key (absent for a glob). */
  readonly family?: string;
  /** Catalog keys the scope counts (family, snapshot). */
  readonly members?: readonly string[];
  /** A glob: the families (their keys) it covers in the catalog. */
  readonly families?: readonly string[];
}

/** A compiled scope. */
export class ScopeMatcher {
  readonly scope: Scope;
  /** Dimensions in canonical order, tenant included. */
  readonly dims: readonly ScopeDim[];
  /** True when the scope has no tenant: it counts in the global slot. */
  readonly global: boolean;
  /** Dimensions with one counter per value (`*`). */
  readonly each: readonly ScopeDimension[];
  /** The tenant literal, when the scope names one tenant. */
  readonly tenantLiteral: string | null;

  private readonly families: ModelFamilies | undefined;

  constructor(scope: Scope, families?: ModelFamilies) {
    this.scope = scope;
    this.families = families;
    this.dims = SCOPE_DIMENSIONS.filter((d) => scope[d] !== undefined).map((d) => compileDim(d, scope[d] as string, families));
    this.global = scope.tenant === undefined;
    this.each = this.dims.filter((d) => d.kind === 'each').map((d) => d.dim);
    this.tenantLiteral = scope.tenant !== undefined && scope.tenant !== '*' ? scope.tenant : null;
  }

  /** Whether an event or subject with these values is covered. */
  matches(values: DimValues): boolean {
    for (const d of this.dims) {
      const v = values[d.dim];
      if (v === undefined || v === '') return false;
      if (d.kind === 'literal' && v !== d.value && (d.family === null || !(this.families as ModelFamilies).contains(d.family, v))) return false;
      if (d.kind === 'pattern' && !(d.re as RegExp).test(v)) return false;
    }
    return true;
  }

  /** The model dimension counted by family membership, if any (reconcile groups the store's rows by model for it). */
  familyDim(): ScopeDim | null {
    return this.dims.find((d) => d.family !== null) ?? null;
  }

  /** What the model dimension covers, or null when the scope has none (or counts each model apart). */
  modelInfo(): ModelScopeInfo | null {
    const d = this.dims.find((x) => x.dim === 'model');
    if (!d || d.kind === 'each') return null;
    if (d.kind === 'pattern') {
      const re = d.re as RegExp;
      return { scope: d.value, kind: 'pattern', ...(this.families ? { families: this.families.headsMatching((k) => re.test(k)) } : {}) };
    }
    if (!d.family) return { scope: d.value, kind: 'unknown', family: d.value, members: [] };
    return { scope: d.value, kind: d.family.kind, family: d.family.key, members: d.family.members };
  }

  /** The slot of the counter for values that match. */
  slotOf(values: DimValues): Slot {
    return this.global ? null : (values.tenant ?? '');
  }

  /** The counter's dimensions for values that match (tenant is the slot, not a dimension, unless global). */
  counterDims(values: DimValues): CounterDim[] {
    const out: CounterDim[] = [];
    for (const d of this.dims) {
      if (d.dim === 'tenant') continue;
      const code = DIMENSION_SPECS[d.dim].code;
      if (d.kind === 'pattern') out.push({ code, op: '~', value: d.value });
      else if (d.kind === 'literal') out.push({ code, op: '=', value: d.value }); // a family counts under the scope as written
      else out.push({ code, op: '=', value: values[d.dim] ?? '' });
    }
    return out;
  }

  /**
   * What identifies the counters of this scope: dimensions and how each is
   * keyed, with literal filters (two scopes with the same signature count the
   * same events into the same counters).
   */
  signature(): string {
    return JSON.stringify(this.dims.map((d) => [d.dim, d.kind, d.kind === 'each' ? '' : d.value]));
  }

  /** The values of the dimensions that vary per counter (each-dimensions), for statuses and alerts. */
  subjectOf(values: DimValues): Partial<Record<ScopeDimension, string>> {
    const out: Partial<Record<ScopeDimension, string>> = {};
    for (const d of this.dims) if (d.kind === 'each') out[d.dim] = values[d.dim] ?? '';
    return out;
  }
}
