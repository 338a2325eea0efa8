/**
 * The active budget set of one moment, compiled for fast use: every budget
 * (tier budgets included) with its period, limit and scope matcher; the
 * distinct counter specs (scope signature × counter period) that events must
 * be counted into; and the tier assignments. Immutable: a change produces a
 * new set with a new version.
 */
import type { CheckField } from '../counters/types.js';
import { parseUsd } from '../core/money.js';
import { counterPeriodId, parseWindow, type Period } from './periods.js';
import { ScopeMatcher, type DimValues } from './scope.js';
import { assignmentKey, tierOf, type Tier, type TierAssignment } from './tiers.js';
import type { Budget } from './model.js';
import type { ModelFamilies } from '../pricing/families.js';

/** What compiling a budget set may use. */
export interface BudgetSetOptions {
  /** Model families of the price catalog: a literal model scope then means a family (scope.ts). */
  readonly families?: ModelFamilies;
}

/** Everything the repository holds, at one version. */
export interface BudgetState {
  readonly version: string;
  readonly budgets: readonly Budget[];
  readonly tiers: readonly Tier[];
  readonly assignments: readonly TierAssignment[];
}

export interface CompiledBudget {
  readonly budget: Budget;
  readonly period: Period;
  /** Counter period id (`monthly@UTC`, `r1m`). */
  readonly periodId: string;
  /** femto-USD for cost, a count otherwise. */
  readonly limit: bigint;
  readonly field: CheckField;
  readonly scope: ScopeMatcher;
  readonly hard: boolean;
  /** Id of the counter spec this budget reads. */
  readonly specId: string;
}

/** Counters to keep: events matching `scope` are counted per bucket of `period`. */
export interface CounterSpec {
  readonly id: string;
  readonly scope: ScopeMatcher;
  readonly period: Period;
  readonly periodId: string;
}

export function periodOf(b: Budget): Period {
  if (b.period === 'lifetime') return { kind: 'lifetime' };
  return b.period === 'rolling'
    ? { kind: 'rolling', windowMinutes: parseWindow(b.window ?? '') }
    : { kind: b.period, timezone: b.timezone };
}

function fieldOf(b: Budget): CheckField {
  if (b.metric === 'tokens' && b.token_class !== null) return { metric: 'class', class: b.token_class };
  return { metric: b.metric };
}

export function compileBudget(b: Budget, options: BudgetSetOptions = {}): CompiledBudget {
  const period = periodOf(b);
  const scope = new ScopeMatcher(b.scope, options.families);
  const periodId = counterPeriodId(period);
  return {
    budget: b,
    period,
    periodId,
    limit: b.metric === 'cost' || b.metric === 'price' ? parseUsd(b.limit) : BigInt(b.limit),
    field: fieldOf(b),
    scope,
    hard: b.enforcement === 'hard',
    specId: `${scope.signature()}|${periodId}`,
  };
}

export class BudgetSet {
  readonly version: string;
  readonly budgets: readonly CompiledBudget[];
  readonly specs: readonly CounterSpec[];
  readonly tiers: ReadonlyMap<string, Tier>;
  /** assignmentKey(tenant, user) → tier */
  readonly assignments: ReadonlyMap<string, string>;
  readonly hasTenantSpecs: boolean;
  readonly hasGlobalSpecs: boolean;
  private readonly byId: ReadonlyMap<string, CompiledBudget>;
  /** Specs for one tenant literal; specs for any tenant under ''. */
  private readonly specsByTenant: ReadonlyMap<string, readonly CounterSpec[]>;

  constructor(state: BudgetState, options: BudgetSetOptions = {}) {
    this.version = state.version;
    this.tiers = new Map(state.tiers.map((t) => [t.name, t]));
    this.assignments = new Map(state.assignments.map((a) => [assignmentKey(a.tenant, a.user), a.tier]));
    const all = [...state.budgets, ...state.tiers.flatMap((t) => t.budgets)].map((b) => compileBudget(b, options));
    this.budgets = all;
    this.byId = new Map(all.map((b) => [b.budget.id, b]));
    const specs = new Map<string, CounterSpec>();
    for (const b of all) if (!specs.has(b.specId)) specs.set(b.specId, { id: b.specId, scope: b.scope, period: b.period, periodId: b.periodId });
    this.specs = [...specs.values()];
    const byTenant = new Map<string, CounterSpec[]>();
    for (const s of this.specs) {
      const k = s.scope.tenantLiteral ?? '';
      byTenant.set(k, [...(byTenant.get(k) ?? []), s]);
    }
    this.specsByTenant = byTenant;
    this.hasTenantSpecs = this.specs.some((s) => !s.scope.global);
    this.hasGlobalSpecs = this.specs.some((s) => s.scope.global);
  }

  static empty(): BudgetSet {
    return new BudgetSet({ version: '0', budgets: [], tiers: [], assignments: [] });
  }

  get(id: string): CompiledBudget | undefined {
    return this.byId.get(id);
  }

  /** Counter specs an event of this tenant may be counted into. */
  specsFor(tenant: string): readonly CounterSpec[] {
    const any = this.specsByTenant.get('') ?? [];
    const own = this.specsByTenant.get(tenant);
    return own ? [...any, ...own] : any;
  }

  /** The tier that applies to a user (assignment, else default), or null. */
  tierOf(tenant: string, user: string): Tier | null {
    return tierOf(user, tenant, this.assignments, this.tiers);
  }

  /** Whether a budget applies to these values: scope matches and, for a tier budget, the user is in that tier. */
  appliesTo(b: CompiledBudget, values: DimValues): boolean {
    if (!b.scope.matches(values)) return false;
    if (b.budget.tier === null) return true;
    return this.tierOf(values.tenant ?? '', values.user_id ?? '')?.name === b.budget.tier;
  }

  /** Every budget that applies to a subject or an event. */
  applicable(values: DimValues): CompiledBudget[] {
    return this.budgets.filter((b) => this.appliesTo(b, values));
  }
}
