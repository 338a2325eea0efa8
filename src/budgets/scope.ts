/**
 * Scopes: which events and subjects a budget covers, and which counter an
 * event lands in.
 *
 * A counter is identified by the scope's dimensions valued from the event:
 * `{tenant: "acme", user: "bob"}` and `{tenant: "acme", user: "*"}` both
 * count bob's events in the counter `{t.acme} … u=bob`, so budgets of the
 * same shape and period share counters, whoever created them and when. A
 * model pattern is part of the counter's identity (`m~gpt-4o*`), since the
 * counter sums every model it matches. Scopes without a tenant count in the
 * global slot.
 */
import type { CounterDim, Slot } from '../counters/keys.js';
import type { PricedEvent } from '../pipeline/types.js';
import { DIMENSIONS, type Dimension, type Scope } from './model.js';

/** Dimension values of an event or a quota subject. Absent or empty = not known. */
export type DimValues = Readonly<Partial<Record<Dimension, string>>>;

/** Short codes used in counter keys and alert marks. */
export const DIM_CODES: Readonly<Record<Dimension, string>> = {
  tenant: 't', user: 'u', group: 'g', model: 'm', provider: 'p', agent: 'a', feature: 'f', api_key: 'k',
};

/** The store column each dimension is read from (reconcile). */
export const DIM_COLUMNS: Readonly<Record<Dimension, string>> = {
  tenant: 'tenant', user: 'user_id', group: 'group_id', model: 'model', provider: 'provider', agent: 'agent', feature: 'feature', api_key: 'api_key_id',
};

/** The model value an event is counted under: its resolved model key, else the model as reported. */
export function eventModel(e: PricedEvent): string {
  return e.pricing.model_key ?? e.event.model;
}

export function eventDims(e: PricedEvent): DimValues {
  const ev = e.event;
  const out: Partial<Record<Dimension, string>> = { tenant: ev.tenant, model: eventModel(e) };
  if (ev.user_id) out.user = ev.user_id;
  if (ev.group) out.group = ev.group;
  if (ev.provider) out.provider = ev.provider;
  if (ev.agent) out.agent = ev.agent;
  if (ev.feature) out.feature = ev.feature;
  if (ev.api_key_id) out.api_key = ev.api_key_id;
  return out;
}

/** `*` → any run of characters; everything else literal. Case-sensitive, anchored. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 's');
}

export type DimKind = 'literal' | 'each' | 'pattern';

export interface ScopeDim {
  readonly dim: Dimension;
  readonly kind: DimKind;
  /** The literal value or the pattern; `*` for each. */
  readonly value: string;
  readonly re: RegExp | null;
}

function compileDim(dim: Dimension, value: string): ScopeDim {
  if (value === '*') return { dim, kind: 'each', value, re: null };
  if (dim === 'model' && value.includes('*')) return { dim, kind: 'pattern', value, re: globToRegExp(value) };
  return { dim, kind: 'literal', value, re: null };
}

/** A compiled scope. */
export class ScopeMatcher {
  readonly scope: Scope;
  /** Dimensions in canonical order, tenant included. */
  readonly dims: readonly ScopeDim[];
  /** True when the scope has no tenant: it counts in the global slot. */
  readonly global: boolean;
  /** Dimensions with one counter per value (`*`). */
  readonly each: readonly Dimension[];
  /** The tenant literal, when the scope names one tenant. */
  readonly tenantLiteral: string | null;

  constructor(scope: Scope) {
    this.scope = scope;
    this.dims = DIMENSIONS.filter((d) => scope[d] !== undefined).map((d) => compileDim(d, scope[d] as string));
    this.global = scope.tenant === undefined;
    this.each = this.dims.filter((d) => d.kind === 'each').map((d) => d.dim);
    this.tenantLiteral = scope.tenant !== undefined && scope.tenant !== '*' ? scope.tenant : null;
  }

  /** Whether an event or subject with these values is covered. */
  matches(values: DimValues): boolean {
    for (const d of this.dims) {
      const v = values[d.dim];
      if (v === undefined || v === '') return false;
      if (d.kind === 'literal' && v !== d.value) return false;
      if (d.kind === 'pattern' && !(d.re as RegExp).test(v)) return false;
    }
    return true;
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
      if (d.kind === 'pattern') out.push({ code: DIM_CODES[d.dim], op: '~', value: d.value });
      else out.push({ code: DIM_CODES[d.dim], op: '=', value: values[d.dim] ?? '' });
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
  subjectOf(values: DimValues): Partial<Record<Dimension, string>> {
    const out: Partial<Record<Dimension, string>> = {};
    for (const d of this.dims) if (d.kind === 'each') out[d.dim] = values[d.dim] ?? '';
    return out;
  }
}
